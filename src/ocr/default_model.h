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
// The glyph model for small writing (Reader::set_small_model) to read with beside the glyph model `model` (a path, or
// "" for the default): `small` when given, else $SCRAWL_SMALL_MODEL when set, else the shipped small.scrawl (looked
// for as above) when the glyph model is the shipped one too (neither `model` nor $SCRAWL_MODEL names another). ""
// when there is none: "none" given, or a glyph model of one's own, which then reads small writing too.
std::string small_model_path(const std::string& small, const std::string& model);

}  // namespace scrawl
