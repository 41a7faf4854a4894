// Each scrawl subcommand lives in its own cli/cmd_*.cpp and registers itself on the app.
// A command's callback throws std::runtime_error for bad input; main() prints it and exits 1.
#pragma once
#include <CLI/CLI.hpp>

namespace scrawl::cli {

// Global flags shared by every command.
struct Globals {
  bool quiet = false;
  bool verbose = false;
};
Globals& globals();

void add_train(CLI::App& app);
void add_train_line(CLI::App& app);
void add_eval(CLI::App& app);
void add_study(CLI::App& app);
void add_read(CLI::App& app);
void add_synth(CLI::App& app);
void add_score(CLI::App& app);
void add_report(CLI::App& app);

}  // namespace scrawl::cli
