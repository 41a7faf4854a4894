// Layer kinds beyond dense and activations: conv, pool, flatten, dropout.
#include <regex>

#include "scrawl/nn/conv2d.h"
#include "scrawl/nn/dropout.h"
#include "scrawl/nn/flatten.h"
#include "scrawl/nn/maxpool.h"
#include "scrawl/nn/model.h"

namespace scrawl {

std::unique_ptr<Layer> make_extra_layer(const std::string& token) {
  static const std::regex conv(R"(conv(\d+)x(\d+)x(\d+)(?:s(\d+))?(?:p(\d+))?)");
  static const std::regex pool(R"(pool(\d+)(?:s(\d+))?)");
  static const std::regex drop(R"(dropout(0?\.\d+|0))");
  std::smatch m;
  if (std::regex_match(token, m, conv)) {
    const int k = std::stoi(m[1]);
    if (std::stoi(m[2]) != k)
      throw std::runtime_error("layer '" + token + "': only square kernels (KxK) are supported");
    return std::make_unique<Conv2D>(k, std::stoi(m[3]), m[4].matched ? std::stoi(m[4]) : 1,
                                    m[5].matched ? std::stoi(m[5]) : -1);
  }
  if (std::regex_match(token, m, pool))
    return std::make_unique<MaxPool>(std::stoi(m[1]), m[2].matched ? std::stoi(m[2]) : 0);
  if (token == "flatten") return std::make_unique<Flatten>();
  if (std::regex_match(token, m, drop)) return std::make_unique<Dropout>(std::stof(m[1]), token);
  return nullptr;
}

}  // namespace scrawl
