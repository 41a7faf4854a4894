#include "scrawl/ocr/page_result.h"

#include <algorithm>

namespace scrawl {

std::string WordResult::text() const {
  std::string s;
  for (const auto& c : chars) s += c.label;
  return s;
}

float WordResult::confidence() const {
  float m = 1;
  for (const auto& c : chars) m = std::min(m, c.confidence);
  return chars.empty() ? 0.f : m;
}

std::string LineResult::text() const {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s.push_back(' ');
    s.append(w.text());
  }
  return s;
}

std::string to_text(const PageResult& page) {
  std::string s;
  for (const auto& l : page.lines) s += l.text() + "\n";
  return s;
}

std::string field_text(const PageResult& page, const FieldResult& field) {
  std::string text;
  for (size_t i = field.first_line; i < field.first_line + field.line_count && i < page.lines.size(); ++i) {
    if (!text.empty()) text += '\n';
    text += page.lines[i].text();
  }
  return text;
}

}  // namespace scrawl
