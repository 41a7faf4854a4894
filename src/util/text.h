// Text helpers shared by the writers of markup: the HTML report (report/), the study page (study/) and hOCR
// (ocr/format, which is XHTML).
#pragma once
#include <string>
#include <string_view>

namespace scrawl {

// s escaped for HTML/XML text and attribute values: & < > " ' become entities, and the control characters
// XML 1.0 forbids are dropped (every C0 control but tab and newline; CR too, which XML parsers would turn into
// a newline anyway).
std::string html_escape(std::string_view s);

}  // namespace scrawl
