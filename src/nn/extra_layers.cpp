// Layer kinds beyond dense and activations. The CNN layers add their tokens here.
#include "nn/model.h"

namespace scrawl {

std::unique_ptr<Layer> make_extra_layer(const std::string&) { return nullptr; }

}  // namespace scrawl
