// Architecture strings: comma-separated layer tokens, e.g. "fc64,sigmoid,fc36" or
// "conv5x5x32,relu,pool2,conv5x5x64,relu,pool2,fc128,relu,fc36".
#include <regex>
#include <sstream>
#include <stdexcept>

#include "scrawl/nn/dense.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/relu.h"
#include "scrawl/nn/sigmoid.h"
#include "scrawl/nn/tanh.h"

namespace scrawl {

// Extra layer kinds (conv, pool, ...) register here so this file is the one place tokens are parsed.
std::unique_ptr<Layer> make_extra_layer(const std::string& token);

std::unique_ptr<Layer> make_layer(const std::string& token) {
  static const std::regex fc(R"(fc(\d+))");
  std::smatch m;
  if (std::regex_match(token, m, fc)) return std::make_unique<Dense>(std::stoi(m[1]));
  if (token == "sigmoid") return std::make_unique<Sigmoid>();
  if (token == "tanh") return std::make_unique<Tanh>();
  if (token == "relu") return std::make_unique<Relu>();
  if (auto l = make_extra_layer(token)) return l;
  throw std::runtime_error(
      "unknown layer '" + token +
      "' (known: fcN, sigmoid, tanh, relu, convKxKxC[sS][pP], poolK, flatten, dropoutP, seq, tconvKxC, blstmH)");
}

std::vector<std::unique_ptr<Layer>> parse_arch(const std::string& arch) {
  std::vector<std::unique_ptr<Layer>> layers;
  std::stringstream ss(arch);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    tok.erase(0, tok.find_first_not_of(" \t"));
    tok.erase(tok.find_last_not_of(" \t") + 1);
    if (tok.empty()) throw std::runtime_error("empty layer in architecture '" + arch + "'");
    layers.push_back(make_layer(tok));
  }
  return layers;
}

}  // namespace scrawl
