// What `scrawl eval` and `scrawl report` start from: a model and the labelled glyphs it is scored on.
#pragma once
#include <string>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model.h"

namespace scrawl::cli {

struct ModelAndData {
  std::string model_path;  // the file loaded: --model, or the shipped model's path
  Model model;
  Dataset data;  // the "test" split of --data
};

// Sets the worker threads (0: all cores), then loads the model (the shipped one when `model` is empty) and the
// test split of `data` (an IDX prefix or a course .mat file).
ModelAndData load_model_and_data(const std::string& model, const std::string& data, int threads);

}  // namespace scrawl::cli
