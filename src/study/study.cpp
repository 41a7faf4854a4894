#include "scrawl/study/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/dense.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/report/html_report.h"
#include "scrawl/report/plots.h"
#include "scrawl/train/metrics.h"
#include "scrawl/train/train_options.h"
#include "scrawl/util/files.h"

namespace scrawl {

namespace {

std::string lr_tag(float lr) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", lr);
  return buf;
}

std::string fmt(double v, int decimals = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pct(double v) {
  return fmt(100 * v, 2) + "%";
}

std::string fmt_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Writes the study's pictures and remembers their bytes so report.html can embed the same images.
struct Pictures {
  std::string dir;
  std::map<std::string, std::string> png;  // file name -> PNG bytes
  std::string save(const std::string& name, const cv::Mat& img) {
    png[name] = png_bytes(img, dir + "/" + name);
    write_file_atomic(dir + "/" + name, png[name]);
    return name;
  }
  std::string img(const std::string& name, const std::string& alt) const {
    return "<img class=\"plot\" alt=\"" + html_escape(alt) + "\" src=\"" + png_data_uri(png.at(name)) + "\">";
  }
};

const Dense& first_dense(const Model& m) {
  const auto* d = m.layers().empty() ? nullptr : dynamic_cast<const Dense*>(m.layers().front().get());
  if (!d) throw std::runtime_error("study: architecture '" + m.arch() + "' must start with a dense layer (fcN)");
  return *d;
}

struct Trained {
  StudyRun run;
  Model model;
};

// The hyperparameters a study model records: the same keys as a `scrawl train` model, plus the run's own.
nlohmann::json trained_meta(const StudyOptions& opt, const TrainConfig& cfg, int epochs_done) {
  TrainOptions as_trained;
  as_trained.train = opt.train;
  as_trained.valid = opt.valid;
  as_trained.arch = opt.arch;
  as_trained.cfg = cfg;
  nlohmann::json trained = hyperparameters(as_trained);
  trained["epochs"] = epochs_done;
  trained["init"] = cfg.init;  // the zero-init run differs from the others only here
  trained["by"] = "scrawl study";
  return trained;
}

Trained train_one(const Dataset& train, const Dataset& valid, const StudyOptions& opt, float lr,
                  const std::string& init, const std::string& name, std::FILE* log) {
  InputSpec in;
  in.shape = Shape{1, train.h, train.w};
  Trained t{{}, Model(opt.arch, in, train.classes)};
  t.run.name = name;
  t.run.lr = lr;
  t.run.init = init;
  t.model.init_params(opt.cfg.seed, init);
  TrainConfig cfg = opt.cfg;
  cfg.lr = lr;
  cfg.init = init;
  cfg.progress = false;
  Trainer trainer(t.model, cfg);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const auto* dense = dynamic_cast<const Dense*>(t.model.layers().front().get());
    trainer.fit(train, &valid, [&](const EpochStats& s) {
      t.run.history.push_back(s);
      if (dense) t.run.unit_diff.push_back(max_unit_difference(*dense));
    });
  } catch (const TrainingDiverged&) {
    // A learning rate too high for the net is a result of the study, not an error of the command.
    t.run.diverged = true;
  }
  if (!t.run.history.empty() && !t.run.diverged) {
    t.run.final_valid_acc = t.run.history.back().valid_acc;
    t.run.final_train_acc = t.run.history.back().train_acc;
  }
  t.model.meta_json =
      nlohmann::json{{"trained", trained_meta(opt, cfg, static_cast<int>(t.run.history.size()))}}.dump();
  if (log) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (t.run.diverged)
      std::fprintf(log, "study: %-12s diverged after %zu epochs (%.1f s)\n", name.c_str(), t.run.history.size(), secs);
    else
      std::fprintf(log, "study: %-12s train acc %.4f  valid acc %.4f  (%d epochs, %.1f s)\n", name.c_str(),
                   t.run.final_train_acc, t.run.final_valid_acc, static_cast<int>(t.run.history.size()), secs);
    std::fflush(log);
  }
  return t;
}

void save_curves(StudyRun& run, Pictures& pics, const std::string& tag) {
  run.loss_png =
      pics.save("loss_" + tag + ".png", draw_line_plot(curves_plot(run.history, false, "Loss, " + run.name)));
  run.acc_png =
      pics.save("acc_" + tag + ".png", draw_line_plot(curves_plot(run.history, true, "Accuracy, " + run.name)));
  run.curves_csv = "curves_" + tag + ".csv";
  write_curves_csv(pics.dir + "/" + run.curves_csv, run.history);
}

double best_valid(const StudyRun& r) {
  double b = 0;
  for (const auto& s : r.history) b = std::max(b, s.valid_acc);
  return b;
}

nlohmann::json run_json(const StudyRun& r) {
  return {{"name", r.name},
          {"lr", r.lr},
          {"init", r.init},
          {"epochs", r.history.size()},
          {"diverged", r.diverged},
          {"final_train_acc", r.final_train_acc},
          {"final_valid_acc", r.final_valid_acc},
          {"best_valid_acc", best_valid(r)},
          {"loss_png", r.loss_png},
          {"acc_png", r.acc_png},
          {"curves_csv", r.curves_csv}};
}

struct Splits {
  Dataset train, valid, test;
};

// Checks the options and makes the output folder before any data is read or any run trained.
void check_and_prepare(const StudyOptions& opt) {
  if (opt.lrs.empty()) throw std::runtime_error("study: no learning rates to search");
  for (float lr : opt.lrs)
    if (!(lr > 0.f)) throw std::runtime_error("study: learning rates must be positive, got " + lr_tag(lr));
  std::error_code ec;
  std::filesystem::create_directories(opt.out, ec);
  if (ec || !std::filesystem::is_directory(opt.out))
    throw std::runtime_error(opt.out + ": cannot create output folder" + (ec ? " (" + ec.message() + ")" : ""));
}

// What the summaries report besides StudyResult.
struct Findings {
  std::vector<Evaluation> run_tests;  // test scores of res.runs, in order
  std::vector<ConfusedPair> pairs;    // the best run's most confused pairs on test
  double zero_test = 0;               // the zero-init run's test accuracy
  std::string zero_sentence;          // why zero init fails, with this study's numbers
  std::string classes;
};

// 1. Learning-rate search: same seed (same initial weights, same batch order) for every candidate. Sets
// res.search and res.best_lr (best final valid accuracy; a diverged run never wins). Returns the trained runs.
std::vector<Trained> search_rates(const Splits& d, const StudyOptions& opt, StudyResult& res, Pictures& pics,
                                  std::FILE* log) {
  std::vector<Trained> searched;
  for (float lr : opt.lrs) searched.push_back(train_one(d.train, d.valid, opt, lr, "auto", "lr " + lr_tag(lr), log));
  size_t best = 0;
  for (size_t i = 0; i < searched.size(); ++i) {
    const auto& r = searched[i].run;
    if (!r.diverged && r.final_valid_acc > searched[best].run.final_valid_acc) best = i;
    res.search.push_back(r);
  }
  res.best_lr = opt.lrs[best];
  LinePlot p;
  p.title = "Learning-rate search: valid accuracy";
  p.xlabel = "epoch";
  p.ylabel = "valid accuracy";
  p.y_from_zero = true;
  for (const auto& r : res.search) {
    PlotSeries s{"lr " + lr_tag(r.lr), {}, {}};
    for (const auto& e : r.history) s.x.push_back(e.epoch), s.y.push_back(e.valid_acc);
    p.series.push_back(s);
  }
  pics.save("lr_search.png", draw_line_plot(p));
  return searched;
}

// 2. Runs at the best rate, 10x and 0.1x it, each scored on test; reuses a search run when it already trained that
// rate. Sets res.runs and the best run's test scores, writes best.scrawl. Returns the three models, best first.
std::vector<Model> run_rate_multiples(const Splits& d, const StudyOptions& opt, const std::vector<Trained>& searched,
                                      StudyResult& res, Findings& f, Pictures& pics, std::FILE* log) {
  std::vector<Model> models;
  for (float factor : {1.f, 10.f, 0.1f}) {
    const float lr = res.best_lr * factor;
    auto same = std::find_if(searched.begin(), searched.end(),
                             [&](const Trained& t) { return std::fabs(t.run.lr - lr) <= 1e-6f * lr; });
    Trained t = same != searched.end() ? Trained{same->run, same->model.clone()}
                                       : train_one(d.train, d.valid, opt, lr, "auto", "lr " + lr_tag(lr), log);
    t.run.name = "lr " + lr_tag(lr) + (factor == 1.f ? " (best)" : factor > 1.f ? " (10x)" : " (0.1x)");
    save_curves(t.run, pics, "lr" + lr_tag(lr));
    f.run_tests.push_back(evaluate(t.model, d.test));
    res.runs.push_back(t.run);
    models.push_back(std::move(t.model));
  }
  res.best_test_acc = f.run_tests.front().accuracy;
  res.best_test_balanced = f.run_tests.front().balanced_accuracy;
  save_model(models.front(), opt.out + "/best.scrawl");
  return models;
}

// 3. The best model's first-layer weights before (the seed's initial weights, shared by every run) and after
// training, and its test confusions.
void inspect_best(const Model& best, const StudyOptions& opt, StudyResult& res, Findings& f, Pictures& pics) {
  Model init = best.clone();
  init.init_params(opt.cfg.seed, "auto");
  const Shape s = init.input().shape;
  pics.save("weights_before.png", draw_weight_grid(first_dense(init), s.h, s.w));
  pics.save("weights_after.png", draw_weight_grid(first_dense(best), s.h, s.w));
  res.best_max_unit_diff = max_unit_difference(first_dense(best));
  res.best_distinct_units = distinct_units(first_dense(best));
  pics.save("confusion_test.png", draw_confusion(f.run_tests.front(), best.classes()));
  f.pairs = most_confused(f.run_tests.front(), 10);
  f.classes = best.classes();
}

// Why zero init fails, told with this study's numbers (summary.md, summary.json and report.html).
std::string zero_init_sentence(const StudyResult& res, int hidden) {
  const StudyRun& zero = res.zero;
  const double diff1 = zero.unit_diff.empty() ? 0.0 : zero.unit_diff.front();
  std::string s = "With every weight zero, all " + std::to_string(hidden) +
                  " hidden units compute the same output and receive the same gradient, so in exact arithmetic they "
                  "stay identical forever and the hidden layer is worth a single unit. ";
  if (res.zero_max_unit_diff == 0.0) {
    s += "Here they stayed exactly identical: the largest difference between two hidden units' weights after " +
         std::to_string(zero.history.size()) + " epochs is 0";
  } else {
    s += "The largest difference between two hidden units' weights is " + fmt_g(diff1) +
         " after epoch 1: float32 rounding differs between column blocks of the matrix products, and training "
         "amplifies that noise to " +
         fmt_g(res.zero_max_unit_diff) + " after " + std::to_string(zero.history.size()) + " epochs, yet the " +
         std::to_string(hidden) + " units still form only " + std::to_string(res.zero_distinct_units) +
         " distinct groups (the random init keeps " + std::to_string(res.best_distinct_units) + ")";
  }
  s += ". Too few distinct features to tell 36 classes apart: valid accuracy " + pct(zero.final_valid_acc) +
       " against " + pct(res.runs.front().final_valid_acc) + " with random init at the same learning rate.";
  return s;
}

void save_unit_diff_plot(const StudyResult& res, Pictures& pics) {
  LinePlot p;
  p.title = "Difference between hidden units (max over pairs)";
  p.xlabel = "epoch";
  p.ylabel = "log10 max |w_j - w_k|";
  auto series = [](const std::string& label, const StudyRun& r) {
    PlotSeries s{label, {}, {}};
    for (size_t i = 0; i < r.unit_diff.size(); ++i)
      s.x.push_back(static_cast<double>(i + 1)), s.y.push_back(std::log10(std::max(r.unit_diff[i], 1e-12)));
    return s;
  };
  p.series = {series("zero init", res.zero), series("random init (best run)", res.runs.front())};
  pics.save("unit_diff.png", draw_line_plot(p));
}

// 4. Zero initialization at the best rate: how far its hidden units drift apart, and its test accuracy.
void run_zero_init(const Splits& d, const StudyOptions& opt, StudyResult& res, Findings& f, Pictures& pics,
                   std::FILE* log) {
  Trained zero = train_one(d.train, d.valid, opt, res.best_lr, "zero", "zero init", log);
  save_curves(zero.run, pics, "zero");
  res.zero = zero.run;
  const Dense& first = first_dense(zero.model);
  res.zero_max_unit_diff = max_unit_difference(first);
  res.zero_distinct_units = distinct_units(first);
  const Shape s = zero.model.input().shape;
  pics.save("weights_zero.png", draw_weight_grid(first, s.h, s.w));
  f.zero_test = evaluate(zero.model, d.test).accuracy;
  f.zero_sentence = zero_init_sentence(res, first.outputs());
  save_unit_diff_plot(res, pics);
}

void write_summary_json(const StudyOptions& opt, const StudyResult& res, const Findings& f) {
  nlohmann::json j;
  j["command"] = {
      {"train", opt.train},  {"valid", opt.valid},       {"test", opt.test},       {"out", opt.out},
      {"arch", opt.arch},    {"epochs", opt.cfg.epochs}, {"batch", opt.cfg.batch}, {"optimizer", opt.cfg.optimizer},
      {"seed", opt.cfg.seed}};
  j["lr_candidates"] = opt.lrs;
  for (const auto& r : res.search) j["lr_search"].push_back(run_json(r));
  j["best_lr"] = res.best_lr;
  for (size_t i = 0; i < res.runs.size(); ++i) {
    auto r = run_json(res.runs[i]);
    r["test_acc"] = f.run_tests[i].accuracy;
    r["test_balanced_acc"] = f.run_tests[i].balanced_accuracy;
    j["runs"].push_back(r);
  }
  j["best"] = {{"lr", res.best_lr},
               {"valid_acc", res.runs.front().final_valid_acc},
               {"test_acc", res.best_test_acc},
               {"test_balanced_acc", res.best_test_balanced},
               {"model", "best.scrawl"},
               {"confusion_png", "confusion_test.png"},
               {"weights_before_png", "weights_before.png"},
               {"weights_after_png", "weights_after.png"},
               {"max_unit_diff", res.best_max_unit_diff}};
  for (const auto& p : f.pairs)
    j["best"]["confused_pairs"].push_back({{"a", std::string(1, f.classes[p.a])},
                                           {"b", std::string(1, f.classes[p.b])},
                                           {"a_as_b", p.a_as_b},
                                           {"b_as_a", p.b_as_a}});
  j["zero_init"] = run_json(res.zero);
  j["zero_init"]["test_acc"] = f.zero_test;
  j["zero_init"]["max_unit_diff"] = res.zero_max_unit_diff;
  j["zero_init"]["max_unit_diff_per_epoch"] = res.zero.unit_diff;
  j["zero_init"]["distinct_units"] = res.zero_distinct_units;
  j["zero_init"]["unit_diff_png"] = "unit_diff.png";
  j["best"]["distinct_units"] = res.best_distinct_units;
  j["zero_init"]["weights_png"] = "weights_zero.png";
  j["zero_init"]["explanation"] = f.zero_sentence;
  write_file_atomic(opt.out + "/summary.json", j.dump(2) + "\n");
}

void write_summary_md(const StudyOptions& opt, const Splits& d, const StudyResult& res, const Findings& f) {
  std::ostringstream md;
  md << "# scrawl study: " << opt.arch << "\n\n"
     << "Data: train `" << opt.train << "` (" << d.train.size() << "), valid `" << opt.valid << "` (" << d.valid.size()
     << "), test `" << opt.test << "` (" << d.test.size() << "). " << opt.cfg.epochs << " epochs, batch "
     << opt.cfg.batch << ", " << opt.cfg.optimizer << ", seed " << opt.cfg.seed << ".\n\n"
     << "## Learning-rate search\n\n| lr | final train acc | final valid acc | best valid acc |\n|---|---|---|---|\n";
  for (const auto& r : res.search)
    md << "| " << lr_tag(r.lr) << (r.lr == res.best_lr ? " **(best)**" : "") << " | "
       << (r.diverged ? "diverged" : pct(r.final_train_acc)) << " | " << (r.diverged ? "-" : pct(r.final_valid_acc))
       << " | " << pct(best_valid(r)) << " |\n";
  md << "\nBest learning rate by final valid accuracy: **" << lr_tag(res.best_lr) << "**.\n\n"
     << "![valid accuracy per learning rate](lr_search.png)\n\n"
     << "## Best, 10x and 0.1x learning rate\n\n| run | final train acc | final valid acc | test acc |\n"
        "|---|---|---|---|\n";
  for (size_t i = 0; i < res.runs.size(); ++i) {
    const auto& r = res.runs[i];
    md << "| " << r.name << " | " << (r.diverged ? "diverged" : pct(r.final_train_acc)) << " | "
       << (r.diverged ? "-" : pct(r.final_valid_acc)) << " | " << pct(f.run_tests[i].accuracy) << " |\n";
  }
  md << "\n";
  for (const auto& r : res.runs)
    md << "### " << r.name << "\n\n![loss](" << r.loss_png << ") ![accuracy](" << r.acc_png << ")\n\n";
  md << "## Best run (lr " << lr_tag(res.best_lr) << ") on test\n\n"
     << "Test accuracy **" << pct(res.best_test_acc) << "**, balanced accuracy " << pct(res.best_test_balanced)
     << " (model: `best.scrawl`).\n\n![confusion matrix](confusion_test.png)\n\nMost confused pairs (a/b: a "
        "taken for b, b taken for a):\n\n| pair | total | a&rarr;b | b&rarr;a |\n|---|---|---|---|\n";
  for (const auto& p : f.pairs)
    md << "| " << f.classes[p.a] << " / " << f.classes[p.b] << " | " << p.total() << " | " << p.a_as_b << " | "
       << p.b_as_a << " |\n";
  md << "\nFirst-layer weights before and after training (each tile: one hidden unit's 28x28 weights):\n\n"
     << "![before](weights_before.png) ![after](weights_after.png)\n\n"
     << "## Zero initialization\n\nFinal valid accuracy " << pct(res.zero.final_valid_acc) << ", test accuracy "
     << pct(f.zero_test) << ".\n\n"
     << f.zero_sentence << "\n\n![loss](" << res.zero.loss_png << ") ![accuracy](" << res.zero.acc_png
     << ")\n\n![weights after zero-init training](weights_zero.png) ![difference between hidden "
        "units](unit_diff.png)\n\n"
     << "Full page: [report.html](report.html).\n";
  write_file_atomic(opt.out + "/summary.md", md.str());
}

// report.html: the model report for the best run, with the study's own section first.
void write_report(const StudyOptions& opt, const Splits& d, const StudyResult& res, const Findings& f,
                  const Pictures& pics, Model& best) {
  std::ostringstream x;
  x << "<h2 id=\"study\">Study</h2>\n<p>Learning-rate search over " << res.search.size() << " rates, " << opt.cfg.epochs
    << " epochs each, " << opt.cfg.optimizer << ", batch " << opt.cfg.batch << ", seed " << opt.cfg.seed
    << ". Best rate by final valid accuracy: <b>" << lr_tag(res.best_lr) << "</b>; its test accuracy: <b>"
    << pct(res.best_test_acc) << "</b>.</p>\n"
    << "<table><tr><th>lr</th><th class=\"num\">final train acc</th><th class=\"num\">final valid acc</th>"
       "<th class=\"num\">best valid acc</th></tr>\n";
  for (const auto& r : res.search)
    x << "<tr><td>" << lr_tag(r.lr) << (r.lr == res.best_lr ? " <b>(best)</b>" : "") << "</td><td class=\"num\">"
      << (r.diverged ? "diverged" : pct(r.final_train_acc)) << "</td><td class=\"num\">"
      << (r.diverged ? "-" : pct(r.final_valid_acc)) << "</td><td class=\"num\">" << pct(best_valid(r))
      << "</td></tr>\n";
  x << "</table>\n" << pics.img("lr_search.png", "learning-rate search") << "\n";
  for (size_t i = 0; i < res.runs.size(); ++i) {
    const auto& r = res.runs[i];
    x << "<h3>" << html_escape(r.name) << ": valid " << pct(r.final_valid_acc) << ", test "
      << pct(f.run_tests[i].accuracy) << "</h3>\n<div class=\"cols\">" << pics.img(r.loss_png, "loss")
      << pics.img(r.acc_png, "accuracy") << "</div>\n";
  }
  x << "<h3>First-layer weights before and after training (best run)</h3>\n<div class=\"cols\">"
    << pics.img("weights_before.png", "weights before") << pics.img("weights_after.png", "weights after")
    << "</div>\n<h3>Zero initialization</h3>\n<p>" << html_escape(f.zero_sentence) << "</p>\n<div class=\"cols\">"
    << pics.img(res.zero.loss_png, "zero-init loss") << pics.img(res.zero.acc_png, "zero-init accuracy")
    << pics.img("unit_diff.png", "difference between hidden units")
    << pics.img("weights_zero.png", "first-layer weights after zero-init training") << "</div>\n";
  ReportOptions ro;
  ro.title = "scrawl study: " + opt.arch + ", best lr " + lr_tag(res.best_lr);
  ro.model_path = opt.out + "/best.scrawl";
  ro.data_path = opt.test;
  ro.curves = res.runs.front().history;
  ro.curves_source = "the best run (lr " + lr_tag(res.best_lr) + ")";
  ro.extra_html = x.str();
  write_html_report(opt.out + "/report.html", best, d.test, ro);
}

}  // namespace

StudyResult run_study(const StudyOptions& opt, std::FILE* log) {
  check_and_prepare(opt);
  set_threads(opt.threads);
  const Splits d{load_dataset(opt.train, "train"), load_dataset(opt.valid, "valid"), load_dataset(opt.test, "test")};
  StudyResult res;
  Findings f;
  Pictures pics{opt.out, {}};
  const std::vector<Trained> searched = search_rates(d, opt, res, pics, log);
  std::vector<Model> models = run_rate_multiples(d, opt, searched, res, f, pics, log);
  Model& best = models.front();
  inspect_best(best, opt, res, f, pics);
  run_zero_init(d, opt, res, f, pics, log);
  write_summary_json(opt, res, f);
  write_summary_md(opt, d, res, f);
  write_report(opt, d, res, f, pics, best);
  if (log) {
    std::fprintf(log, "study: best lr %s, valid acc %.4f, test acc %.4f; zero init valid acc %.4f; wrote %s\n",
                 lr_tag(res.best_lr).c_str(), res.runs.front().final_valid_acc, res.best_test_acc,
                 res.zero.final_valid_acc, opt.out.c_str());
  }
  return res;
}

}  // namespace scrawl
