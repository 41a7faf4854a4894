#include "scrawl/nn/relu.h"

namespace scrawl {

template class Activation<ReluFn>;  // compiled once here, not in every file that builds a model

}  // namespace scrawl
