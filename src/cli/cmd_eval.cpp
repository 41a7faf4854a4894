// scrawl eval: score a model on a labelled glyph set.
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "model_and_data.h"
#include "scrawl/report/plots.h"
#include "scrawl/train/metrics.h"

namespace scrawl::cli {

namespace {
struct EvalOptions {
  std::string model, data, confusion;
  bool json = false;
  int threads = 0;
};
}  // namespace

void add_eval(CLI::App& app) {
  auto opt = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Score a model on labelled glyphs: accuracy, per class, confused pairs");
  cmd->add_option("--model", opt->model, "Model file (default: the shipped model)");
  cmd->add_option("--data", opt->data, "IDX prefix or course .mat file")->required();
  cmd->add_flag("--json", opt->json, "Print one JSON object instead of text");
  cmd->add_option("--confusion", opt->confusion, "Write the confusion matrix as a PNG picture");
  cmd->add_option("--threads", opt->threads, "Worker threads (0: all cores)");
  cmd->callback([opt] {
    auto [path, model, data] = load_model_and_data(opt->model, opt->data, opt->threads);
    const Evaluation ev = evaluate(model, data);
    const auto pairs = most_confused(ev, 10);
    const std::string& cls = model.classes();
    if (!opt->confusion.empty()) write_confusion_png(opt->confusion, ev, cls);
    if (opt->json) {
      nlohmann::json j;
      j["model"] = path;
      j["data"] = opt->data;
      j["n"] = ev.n;
      j["accuracy"] = ev.accuracy;
      j["balanced_accuracy"] = ev.balanced_accuracy;
      j["loss"] = ev.loss;
      nlohmann::json per = nlohmann::json::object();
      for (size_t c = 0; c < cls.size(); ++c)
        if (!std::isnan(ev.per_class[c])) per[std::string(1, cls[c])] = ev.per_class[c];
      j["per_class"] = per;
      nlohmann::json cp = nlohmann::json::array();
      for (const auto& p : pairs)
        cp.push_back({{"a", std::string(1, cls[p.a])},
                      {"b", std::string(1, cls[p.b])},
                      {"a_as_b", p.a_as_b},
                      {"b_as_a", p.b_as_a}});
      j["confused_pairs"] = cp;
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("model %s\ndata  %s (%d samples)\n", path.c_str(), opt->data.c_str(), ev.n);
    std::printf("accuracy          %.2f%%\nbalanced accuracy %.2f%%\nloss              %.4f\n", 100 * ev.accuracy,
                100 * ev.balanced_accuracy, ev.loss);
    std::printf("per class:\n");
    int col = 0;
    for (size_t c = 0; c < cls.size(); ++c) {
      if (std::isnan(ev.per_class[c])) continue;
      std::printf("  %c %6.1f%%%s", cls[c], 100 * ev.per_class[c], ++col % 6 == 0 ? "\n" : "");
    }
    if (col % 6) std::printf("\n");
    std::printf("most confused pairs (true->predicted counts):\n");
    for (const auto& p : pairs)
      std::printf("  %c/%c  %3d   (%c->%c %d, %c->%c %d)\n", cls[p.a], cls[p.b], p.total(), cls[p.a], cls[p.b],
                  p.a_as_b, cls[p.b], cls[p.a], p.b_as_a);
  });
}

}  // namespace scrawl::cli
