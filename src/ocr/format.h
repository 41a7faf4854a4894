// Output formats for read results: JSON, Tesseract-style TSV, hOCR, and an annotated picture.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scrawl/ocr/page_result.h"

namespace scrawl {

// {"path","width","height","skew_degrees","text","lines":[{"bbox","text","words":[{"bbox","text","confidence",
//  "chars":[{"bbox":[x,y,w,h],"label","confidence","alternatives":[{"label","prob"}]}]}]}],
//  "fields":[{"kind","bbox","text","confidence"(null when empty),"cells"(combs):[{"bbox","text","confidence"}]}]}
nlohmann::json to_json(const PageResult& page);
nlohmann::json to_json(const std::vector<PageResult>& pages);  // {"pages":[...]}

// Tesseract's TSV: header, then level 1 page, 2 block, 3 paragraph, 4 line, 5 word rows; conf -1 except words. A
// block per form field and per run of lines outside fields; lines numbered within their block.
std::string to_tsv(const std::vector<PageResult>& pages);

// hOCR 1.2 as XHTML: one ocr_page per page, an ocr_carea per form field or run of free lines, ocr_line and ocrx_word
// spans with bbox titles and x_wconf, and in each word an ocrx_cinfo span per character (bbox, x_conf).
std::string to_hocr(const std::vector<PageResult>& pages);

// ALTO v4.4 (http://www.loc.gov/standards/alto/ns-v4#): one Page per page, a TextBlock per form field (and per run of
// lines outside fields), TextLine -> String (WC, CC) -> Glyph (GC, Variant alternatives with VC), pixel
// coordinates, the image's file name and scrawl as the processing software.
std::string to_alto(const std::vector<PageResult>& pages);

// PAGE XML 2019-07-15 for one page: TextRegion per form field or run of free lines (fields carry their kind in
// `custom`), TextLine -> Word -> Glyph, each with Coords and TextEquiv (conf; a glyph's alternatives as further
// TextEquivs by index), regions in a ReadingOrder. `created` is the Metadata's Created/LastChange (xsd:dateTime).
std::string to_page_xml(const PageResult& page, const std::string& created);

// Draws field frames (and comb cells), character boxes, labels and line boxes over the image at `image_path` and writes
// a PNG atomically.
void annotate(const std::string& image_path, const PageResult& page, const std::string& out_png);
// Same, over an image already decoded (CV_8UC3 BGR, the page at the size its results are reported in).
void annotate_image(cv::Mat image, const PageResult& page, const std::string& out_png);

}  // namespace scrawl
