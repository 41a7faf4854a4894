// scrawl report: one self-contained HTML page about a model on a labelled glyph set.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "model_and_data.h"
#include "scrawl/report/html_report.h"

namespace scrawl::cli {

namespace {
struct ReportCliOptions {
  std::string model, data, out, curves, title;
  int worst = 24;
  int threads = 0;
};
}  // namespace

void add_report(CLI::App& app) {
  auto opt = std::make_shared<ReportCliOptions>();
  auto* cmd = app.add_subcommand(
      "report", "Write one self-contained HTML page: accuracy, per class, confusion, weights, curves, worst mistakes");
  cmd->add_option("--model", opt->model, "Model file (default: the shipped model)");
  cmd->add_option("--data", opt->data, "Labelled glyphs to evaluate on: IDX prefix or course .mat file")->required();
  cmd->add_option("--out", opt->out, "HTML file to write")->required();
  cmd->add_option("--curves", opt->curves, "Learning curves CSV written by `scrawl train --curves`");
  cmd->add_option("--worst", opt->worst, "How many highest-confidence mistakes to show")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--title", opt->title, "Page title");
  cmd->add_option("--threads", opt->threads, "Worker threads (0: all cores)");
  cmd->callback([opt] {
    auto [path, model, data] = load_model_and_data(opt->model, opt->data, opt->threads);
    ReportOptions ro;
    ro.title = opt->title.empty() ? "scrawl report: " + model.arch() : opt->title;
    ro.model_path = path;
    ro.data_path = opt->data;
    ro.worst = opt->worst;
    if (!opt->curves.empty()) {
      ro.curves = read_curves_csv(opt->curves);
      ro.curves_source = opt->curves;
    }
    write_html_report(opt->out, model, data, ro);
    if (!globals().quiet) std::fprintf(stderr, "wrote %s\n", opt->out.c_str());
  });
}

}  // namespace scrawl::cli
