// Where the shipped model is: the one place that knows the build tree's and the install's layout.
#pragma once
#include <string>

namespace scrawl {

// The shipped model: $SCRAWL_MODEL if set, else models/default.scrawl installed with scrawl (share/scrawl/models
// under the install prefix, or beside the running binary's prefix) or in the source tree it was built from.
// Throws listing the places searched if none exists.
std::string default_model_path();
// The shipped line model (line.scrawl, for --recognizer line), looked for the same way; $SCRAWL_LINE_MODEL
// overrides it.
std::string default_line_model_path();
// The shipped glyph model for small writing (small.scrawl, Reader::set_small_model), likewise; $SCRAWL_SMALL_MODEL
// overrides it.
std::string default_small_model_path();

}  // namespace scrawl
