// Evaluation: predictions over a dataset, accuracy, balanced accuracy, confusion matrix, confused pairs.
#pragma once
#include <string>
#include <vector>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model.h"

namespace scrawl {

struct Evaluation {
  int n = 0;
  double loss = 0.0;
  double accuracy = 0.0;
  double balanced_accuracy = 0.0;           // mean of per-class recall over classes present in the data
  std::vector<double> per_class;            // recall per class (NaN where the class has no samples)
  std::vector<std::vector<int>> confusion;  // confusion[true][pred]
  std::vector<int> predicted;               // argmax per sample
  std::vector<float> probs;                 // n x classes softmax outputs
};

struct ConfusedPair {
  int a = 0, b = 0;  // class indices, a < b
  int a_as_b = 0, b_as_a = 0;
  int total() const { return a_as_b + b_as_a; }
};

// Runs the model over `data` in batches (no training behaviour). Labels must index model.classes().
Evaluation evaluate(Model& model, const Dataset& data, int batch = 500);
// The k pairs of classes most often mistaken for each other (either direction), most first.
std::vector<ConfusedPair> most_confused(const Evaluation& ev, int k = 10);
// Throws if the dataset's classes are not the model's (same characters in the same order).
void check_classes_match(const Model& model, const Dataset& data);

}  // namespace scrawl
