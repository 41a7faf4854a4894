#include "model_and_data.h"

#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/ocr/default_model.h"

namespace scrawl::cli {

ModelAndData load_model_and_data(const std::string& model, const std::string& data, int threads) {
  set_threads(threads);
  const std::string path = model.empty() ? default_model_path() : model;
  Model m = load_model(path);
  return {path, std::move(m), load_dataset(data, "test")};
}

}  // namespace scrawl::cli
