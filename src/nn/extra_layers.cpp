// Layer kinds beyond dense and activations: conv, pool, flatten, dropout, and the sequence layers seq, tconv and blstm.
#include <regex>

#include "scrawl/nn/conv2d.h"
#include "scrawl/nn/dropout.h"
#include "scrawl/nn/flatten.h"
#include "scrawl/nn/lstm.h"
#include "scrawl/nn/maxpool.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/temporal_conv.h"

namespace scrawl {

std::unique_ptr<Layer> make_extra_layer(const std::string& token) {
  static const std::regex conv(R"(conv(\d+)x(\d+)x(\d+)(?:s(\d+))?(?:p(\d+))?)");
  static const std::regex pool(R"(pool(\d+)(?:s(\d+))?)");
  static const std::regex drop(R"(dropout(0?\.\d+|0))");
  static const std::regex tconv(R"(tconv(\d+)x(\d+))");
  static const std::regex blstm(R"(blstm(\d+))");
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
  if (token == "seq") return std::make_unique<ToSequence>();
  if (std::regex_match(token, m, tconv)) return std::make_unique<TemporalConv>(std::stoi(m[1]), std::stoi(m[2]));
  if (std::regex_match(token, m, blstm)) return std::make_unique<BiLstm>(std::stoi(m[1]));
  if (std::regex_match(token, m, drop)) return std::make_unique<Dropout>(std::stof(m[1]), token);
  return nullptr;
}

}  // namespace scrawl
