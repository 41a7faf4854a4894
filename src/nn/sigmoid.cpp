#include "scrawl/nn/sigmoid.h"

namespace scrawl {

template class Activation<SigmoidFn>;  // compiled once here, not in every file that builds a model

}  // namespace scrawl
