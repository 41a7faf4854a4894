#include "scrawl/nn/tanh.h"

namespace scrawl {

template class Activation<TanhFn>;  // compiled once here, not in every file that builds a model

}  // namespace scrawl
