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
  } catch (const std::runtime_error& e) {
    // A learning rate too high for the net is a result of the study, not an error of the command.
    if (std::string(e.what()).rfind("training diverged", 0) != 0) throw;
    t.run.diverged = true;
  }
  if (!t.run.history.empty() && !t.run.diverged) {
    t.run.final_valid_acc = t.run.history.back().valid_acc;
    t.run.final_train_acc = t.run.history.back().train_acc;
  }
  t.model.meta_json = nlohmann::json{{"trained",
                                      {{"train", opt.train},
                                       {"valid", opt.valid},
                                       {"arch", opt.arch},
                                       {"epochs", static_cast<int>(t.run.history.size())},
                                       {"batch", cfg.batch},
                                       {"lr", lr},
                                       {"optimizer", cfg.optimizer},
                                       {"seed", cfg.seed},
                                       {"init", init},
                                       {"schedule", cfg.schedule},
                                       {"by", "scrawl study"}}}}
                          .dump();
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

}  // namespace

StudyResult run_study(const StudyOptions& opt, std::FILE* log) {
  if (opt.lrs.empty()) throw std::runtime_error("study: no learning rates to search");
  for (float lr : opt.lrs)
    if (!(lr > 0.f)) throw std::runtime_error("study: learning rates must be positive, got " + lr_tag(lr));
  set_threads(opt.threads);
  std::error_code ec;
  std::filesystem::create_directories(opt.out, ec);
  if (ec || !std::filesystem::is_directory(opt.out))
    throw std::runtime_error(opt.out + ": cannot create output folder" + (ec ? " (" + ec.message() + ")" : ""));
  const Dataset train = load_dataset(opt.train, "train");
  const Dataset valid = load_dataset(opt.valid, "valid");
  const Dataset test = load_dataset(opt.test, "test");

  StudyResult res;
  Pictures pics{opt.out, {}};

  // 1. Learning-rate search: same seed (same initial weights, same batch order) for every candidate.
  std::vector<Trained> searched;
  for (float lr : opt.lrs) searched.push_back(train_one(train, valid, opt, lr, "auto", "lr " + lr_tag(lr), log));
  size_t best = 0;
  for (size_t i = 0; i < searched.size(); ++i) {
    const auto& r = searched[i].run;
    if (!r.diverged && r.final_valid_acc > searched[best].run.final_valid_acc) best = i;
    res.search.push_back(r);
  }
  res.best_lr = opt.lrs[best];
  {
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
  }

  // 2. Runs at the best rate, 10x and 0.1x it; reuse a search run when it already trained that rate.
  std::vector<Model> run_models;
  std::vector<Evaluation> run_tests;
  for (float factor : {1.f, 10.f, 0.1f}) {
    const float lr = res.best_lr * factor;
    auto same = std::find_if(searched.begin(), searched.end(),
                             [&](const Trained& t) { return std::fabs(t.run.lr - lr) <= 1e-6f * lr; });
    Trained t = same != searched.end() ? Trained{same->run, same->model.clone()}
                                       : train_one(train, valid, opt, lr, "auto", "lr " + lr_tag(lr), log);
    t.run.name = "lr " + lr_tag(lr) + (factor == 1.f ? " (best)" : factor > 1.f ? " (10x)" : " (0.1x)");
    save_curves(t.run, pics, "lr" + lr_tag(lr));
    run_tests.push_back(evaluate(t.model, test));
    res.runs.push_back(t.run);
    run_models.push_back(std::move(t.model));
  }
  Model& best_model = run_models.front();
  const Evaluation& best_test = run_tests.front();
  res.best_test_acc = best_test.accuracy;
  res.best_test_balanced = best_test.balanced_accuracy;
  save_model(best_model, opt.out + "/best.scrawl");

  // 3. First-layer weights before (the seed's initial weights, shared by every run) and after training.
  {
    Model init = best_model.clone();
    init.init_params(opt.cfg.seed, "auto");
    const Shape s = init.input().shape;
    pics.save("weights_before.png", draw_weight_grid(first_dense(init), s.h, s.w));
    pics.save("weights_after.png", draw_weight_grid(first_dense(best_model), s.h, s.w));
  }
  res.best_max_unit_diff = max_unit_difference(first_dense(best_model));
  res.best_distinct_units = distinct_units(first_dense(best_model));
  pics.save("confusion_test.png", draw_confusion(best_test, best_model.classes()));
  const auto pairs = most_confused(best_test, 10);

  // 4. Zero initialization at the best rate.
  Trained zero = train_one(train, valid, opt, res.best_lr, "zero", "zero init", log);
  save_curves(zero.run, pics, "zero");
  res.zero = zero.run;
  res.zero_max_unit_diff = max_unit_difference(first_dense(zero.model));
  res.zero_distinct_units = distinct_units(first_dense(zero.model));
  {
    const Shape s = zero.model.input().shape;
    pics.save("weights_zero.png", draw_weight_grid(first_dense(zero.model), s.h, s.w));
  }
  const double zero_test = evaluate(zero.model, test).accuracy;

  // 5. Summaries.
  const std::string& cls = best_model.classes();
  const int hidden = first_dense(zero.model).outputs();
  const double diff1 = zero.run.unit_diff.empty() ? 0.0 : zero.run.unit_diff.front();
  std::string zero_sentence =
      "With every weight zero, all " + std::to_string(hidden) +
      " hidden units compute the same output and receive the same gradient, so in exact arithmetic they stay "
      "identical forever and the hidden layer is worth a single unit. ";
  if (res.zero_max_unit_diff == 0.0) {
    zero_sentence +=
        "Here they stayed exactly identical: the largest difference between two hidden units' weights "
        "after " +
        std::to_string(zero.run.history.size()) + " epochs is 0";
  } else {
    zero_sentence += "The largest difference between two hidden units' weights is " + fmt_g(diff1) +
                     " after epoch 1: float32 rounding differs between column blocks of the matrix products, and "
                     "training amplifies that noise to " +
                     fmt_g(res.zero_max_unit_diff) + " after " + std::to_string(zero.run.history.size()) +
                     " epochs, yet the " + std::to_string(hidden) + " units still form only " +
                     std::to_string(res.zero_distinct_units) + " distinct groups (the random init keeps " +
                     std::to_string(res.best_distinct_units) + ")";
  }
  zero_sentence += ". Too few distinct features to tell 36 classes apart: valid accuracy " +
                   pct(zero.run.final_valid_acc) + " against " + pct(res.runs.front().final_valid_acc) +
                   " with random init at the same learning rate.";
  {
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
    p.series = {series("zero init", zero.run), series("random init (best run)", res.runs.front())};
    pics.save("unit_diff.png", draw_line_plot(p));
  }

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
    r["test_acc"] = run_tests[i].accuracy;
    r["test_balanced_acc"] = run_tests[i].balanced_accuracy;
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
  for (const auto& p : pairs)
    j["best"]["confused_pairs"].push_back(
        {{"a", std::string(1, cls[p.a])}, {"b", std::string(1, cls[p.b])}, {"a_as_b", p.a_as_b}, {"b_as_a", p.b_as_a}});
  j["zero_init"] = run_json(res.zero);
  j["zero_init"]["test_acc"] = zero_test;
  j["zero_init"]["max_unit_diff"] = res.zero_max_unit_diff;
  j["zero_init"]["max_unit_diff_per_epoch"] = res.zero.unit_diff;
  j["zero_init"]["distinct_units"] = res.zero_distinct_units;
  j["zero_init"]["unit_diff_png"] = "unit_diff.png";
  j["best"]["distinct_units"] = res.best_distinct_units;
  j["zero_init"]["weights_png"] = "weights_zero.png";
  j["zero_init"]["explanation"] = zero_sentence;
  write_file_atomic(opt.out + "/summary.json", j.dump(2) + "\n");

  std::ostringstream md;
  md << "# scrawl study: " << opt.arch << "\n\n"
     << "Data: train `" << opt.train << "` (" << train.size() << "), valid `" << opt.valid << "` (" << valid.size()
     << "), test `" << opt.test << "` (" << test.size() << "). " << opt.cfg.epochs << " epochs, batch " << opt.cfg.batch
     << ", " << opt.cfg.optimizer << ", seed " << opt.cfg.seed << ".\n\n"
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
       << (r.diverged ? "-" : pct(r.final_valid_acc)) << " | " << pct(run_tests[i].accuracy) << " |\n";
  }
  md << "\n";
  for (const auto& r : res.runs)
    md << "### " << r.name << "\n\n![loss](" << r.loss_png << ") ![accuracy](" << r.acc_png << ")\n\n";
  md << "## Best run (lr " << lr_tag(res.best_lr) << ") on test\n\n"
     << "Test accuracy **" << pct(res.best_test_acc) << "**, balanced accuracy " << pct(res.best_test_balanced)
     << " (model: `best.scrawl`).\n\n![confusion matrix](confusion_test.png)\n\nMost confused pairs (a/b: a "
        "taken for b, b taken for a):\n\n| pair | total | a&rarr;b | b&rarr;a |\n|---|---|---|---|\n";
  for (const auto& p : pairs)
    md << "| " << cls[p.a] << " / " << cls[p.b] << " | " << p.total() << " | " << p.a_as_b << " | " << p.b_as_a
       << " |\n";
  md << "\nFirst-layer weights before and after training (each tile: one hidden unit's 28x28 weights):\n\n"
     << "![before](weights_before.png) ![after](weights_after.png)\n\n"
     << "## Zero initialization\n\nFinal valid accuracy " << pct(zero.run.final_valid_acc) << ", test accuracy "
     << pct(zero_test) << ".\n\n"
     << zero_sentence << "\n\n![loss](" << zero.run.loss_png << ") ![accuracy](" << zero.run.acc_png
     << ")\n\n![weights after zero-init training](weights_zero.png) ![difference between hidden "
        "units](unit_diff.png)\n\n"
     << "Full page: [report.html](report.html).\n";
  write_file_atomic(opt.out + "/summary.md", md.str());

  // report.html: the model report for the best run, with the study's own section first.
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
      << pct(run_tests[i].accuracy) << "</h3>\n<div class=\"cols\">" << pics.img(r.loss_png, "loss")
      << pics.img(r.acc_png, "accuracy") << "</div>\n";
  }
  x << "<h3>First-layer weights before and after training (best run)</h3>\n<div class=\"cols\">"
    << pics.img("weights_before.png", "weights before") << pics.img("weights_after.png", "weights after")
    << "</div>\n<h3>Zero initialization</h3>\n<p>" << html_escape(zero_sentence) << "</p>\n<div class=\"cols\">"
    << pics.img(zero.run.loss_png, "zero-init loss") << pics.img(zero.run.acc_png, "zero-init accuracy")
    << pics.img("unit_diff.png", "difference between hidden units")
    << pics.img("weights_zero.png", "first-layer weights after zero-init training") << "</div>\n";
  ReportOptions ro;
  ro.title = "scrawl study: " + opt.arch + ", best lr " + lr_tag(res.best_lr);
  ro.model_path = opt.out + "/best.scrawl";
  ro.data_path = opt.test;
  ro.curves = res.runs.front().history;
  ro.curves_source = "the best run (lr " + lr_tag(res.best_lr) + ")";
  ro.extra_html = x.str();
  write_html_report(opt.out + "/report.html", best_model, test, ro);
  if (log) {
    std::fprintf(log, "study: best lr %s, valid acc %.4f, test acc %.4f; zero init valid acc %.4f; wrote %s\n",
                 lr_tag(res.best_lr).c_str(), res.runs.front().final_valid_acc, res.best_test_acc,
                 zero.run.final_valid_acc, opt.out.c_str());
  }
  return res;
}

}  // namespace scrawl
