// scrawl: read handwritten block letters and digits; train and study the networks that do it.
// Exit codes: 0 ok, 1 bad input or failed work, 2 usage error.
#include <Eigen/Core>
#include <cstdio>
#include <exception>

#include "cli/commands.h"

namespace scrawl::cli {
Globals& globals() {
  static Globals g;
  return g;
}
}  // namespace scrawl::cli

int main(int argc, char** argv) {
  using namespace scrawl::cli;
  CLI::App app{"scrawl: reads handwritten block letters and digits from photos, with its own neural networks."};
  app.set_version_flag("--version", std::string("scrawl ") + SCRAWL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_flag("-q,--quiet", globals().quiet, "Print only results and errors");
  app.add_flag("-v,--verbose", globals().verbose, "Print more detail on stderr");
  add_train(app);
  add_eval(app);
  add_study(app);
  add_read(app);
  add_synth(app);
  add_score(app);
  add_report(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "scrawl: %s (see scrawl --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scrawl: %s\n", e.what());
    return 1;
  }
  return 0;
}
