#include "scrawl/image/pdf_write.h"

#include <cstdio>

namespace scrawl {

namespace {
std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
}  // namespace

std::string pdf_of_jpegs(const std::vector<PdfPage>& pages, double dpi) {
  // Objects: 1 catalog, 2 page tree, then per page k: page, its content stream, its image.
  std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  auto object = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  std::string kids;
  for (size_t k = 0; k < pages.size(); ++k) kids += std::to_string(3 + 3 * k) + " 0 R ";
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [ " + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  for (size_t k = 0; k < pages.size(); ++k) {
    const PdfPage& p = pages[k];
    const double w = p.size.width * 72.0 / dpi, h = p.size.height * 72.0 / dpi;
    const size_t page = 3 + 3 * k, content = page + 1, image = page + 2;
    object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + fixed(w) + " " + fixed(h) + "] /Contents " +
           std::to_string(content) + " 0 R /Resources << /XObject << /Im0 " + std::to_string(image) + " 0 R >> >> >>");
    const std::string draw = "q " + fixed(w) + " 0 0 " + fixed(h) + " 0 0 cm /Im0 Do Q\n";
    object("<< /Length " + std::to_string(draw.size()) + " >>\nstream\n" + draw + "endstream");
    object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(p.size.width) + " /Height " +
           std::to_string(p.size.height) + " /ColorSpace /" + (p.gray ? "DeviceGray" : "DeviceRGB") +
           " /BitsPerComponent 8 /Filter /DCTDecode /Length " + std::to_string(p.jpeg.size()) + " >>\nstream\n" +
           p.jpeg + "\nendstream");
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

}  // namespace scrawl
