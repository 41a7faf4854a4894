// The course study in one call: a learning-rate search for the sigmoid MLP, runs at the best rate, 10x and
// 0.1x it, first-layer weights before and after, the test confusion matrix, and a zero-initialized run
// showing why symmetric weights never learn. Writes pictures, summary.md, summary.json and report.html.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "scrawl/train/trainer.h"

namespace scrawl {

struct StudyOptions {
  std::string train, valid, test, out;
  std::string arch = "fc64,sigmoid,fc36";
  std::vector<float> lrs = {0.001f, 0.003f, 0.01f, 0.03f, 0.1f, 0.3f};  // the search's candidates
  TrainConfig cfg;  // epochs, batch, optimizer, seed; lr and init are set per run
  int threads = 1;  // the MLP's GEMMs are too small to gain from more threads; 0 = all cores
};

struct StudyRun {
  std::string name;  // "lr 0.01", "zero init"
  float lr = 0.f;
  std::string init = "auto";
  std::vector<EpochStats> history;
  bool diverged = false;
  double final_valid_acc = 0, final_train_acc = 0;
  std::vector<double> unit_diff;              // max_unit_difference of the first layer after each epoch
  std::string loss_png, acc_png, curves_csv;  // file names inside the output folder
};

struct StudyResult {
  std::vector<StudyRun> search;  // one per candidate learning rate
  float best_lr = 0.f;
  std::vector<StudyRun> runs;  // best, 10x best, 0.1x best
  double best_test_acc = 0, best_test_balanced = 0;
  StudyRun zero;
  double zero_max_unit_diff = 0, best_max_unit_diff = 0;
  int zero_distinct_units = 0, best_distinct_units = 0;  // hidden units that differ by more than 1e-3
};

// Throws std::runtime_error naming the file for unreadable data or an unwritable output folder.
StudyResult run_study(const StudyOptions& opt, std::FILE* log);

}  // namespace scrawl
