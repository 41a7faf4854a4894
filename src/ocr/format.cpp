#include "scrawl/ocr/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "scrawl/image/codec.h"
#include "scrawl/util/files.h"
#include "scrawl/util/text.h"

namespace scrawl {

namespace {
nlohmann::json box(const cv::Rect& r) {
  return {r.x, r.y, r.width, r.height};
}
float round3(float v) {
  return std::round(v * 1000.f) / 1000.f;
}

std::string bbox(const cv::Rect& r) {
  return "bbox " + std::to_string(r.x) + " " + std::to_string(r.y) + " " + std::to_string(r.x + r.width) + " " +
         std::to_string(r.y + r.height);
}
}  // namespace

namespace {
// A field's text (its lines joined by newlines) and least word confidence (null when nothing was read in it); a
// comb's cells with the character read in each ("" for an empty cell).
nlohmann::json field_json(const PageResult& page, const FieldResult& f) {
  const std::string text = field_text(page, f);
  float conf = 2;
  const CharResult* in_cell = nullptr;
  std::vector<const CharResult*> chars;
  for (size_t i = f.first_line; i < f.first_line + f.line_count && i < page.lines.size(); ++i) {
    for (const auto& w : page.lines[i].words) {
      conf = std::min(conf, w.confidence());
      for (const auto& c : w.chars) chars.push_back(&c);
    }
  }
  nlohmann::json j{{"kind", f.kind}, {"bbox", box(f.box)}, {"text", text}};
  j["confidence"] = conf <= 1 ? nlohmann::json(round3(conf)) : nlohmann::json(nullptr);
  if (!f.cells.empty()) {
    j["cells"] = nlohmann::json::array();
    for (const auto& cell : f.cells) {
      in_cell = nullptr;
      for (const CharResult* c : chars)
        if (cell.contains(cv::Point(c->box.x + c->box.width / 2, c->box.y + c->box.height / 2))) in_cell = c;
      nlohmann::json jc{{"bbox", box(cell)}, {"text", in_cell ? std::string(1, in_cell->label) : ""}};
      jc["confidence"] = in_cell ? nlohmann::json(round3(in_cell->confidence)) : nlohmann::json(nullptr);
      j["cells"].push_back(jc);
    }
  }
  return j;
}
}  // namespace

nlohmann::json to_json(const PageResult& page) {
  nlohmann::json j;
  j["path"] = page.path;
  if (page.page_number > 0) j["page"] = page.page_number;
  j["width"] = page.size.width;
  j["height"] = page.size.height;
  j["skew_degrees"] = page.skew_degrees;
  j["text"] = to_text(page);
  j["lines"] = nlohmann::json::array();
  for (const auto& l : page.lines) {
    nlohmann::json jl{{"bbox", box(l.box)}, {"text", l.text()}, {"words", nlohmann::json::array()}};
    for (const auto& w : l.words) {
      nlohmann::json jw{{"bbox", box(w.box)},
                        {"text", w.text()},
                        {"confidence", round3(w.confidence())},
                        {"chars", nlohmann::json::array()}};
      for (const auto& c : w.chars) {
        nlohmann::json alts = nlohmann::json::array();
        for (const auto& a : c.alternatives)
          alts.push_back({{"label", std::string(1, a.label)}, {"prob", round3(a.prob)}});
        jw["chars"].push_back({{"bbox", box(c.box)},
                               {"label", std::string(1, c.label)},
                               {"confidence", round3(c.confidence)},
                               {"alternatives", alts}});
      }
      jl["words"].push_back(jw);
    }
    j["lines"].push_back(jl);
  }
  j["fields"] = nlohmann::json::array();
  for (const auto& f : page.fields) j["fields"].push_back(field_json(page, f));
  return j;
}

nlohmann::json to_json(const std::vector<PageResult>& pages) {
  nlohmann::json j{{"pages", nlohmann::json::array()}};
  for (const auto& p : pages) j["pages"].push_back(to_json(p));
  return j;
}

namespace {
// The page's lines grouped as the XML formats nest them: each field's lines, and each run of lines outside fields.
struct Block {
  const FieldResult* field = nullptr;
  size_t first = 0, count = 0;
  cv::Rect box;
};

std::vector<Block> blocks_of(const PageResult& page) {
  std::vector<const FieldResult*> field_of(page.lines.size(), nullptr);
  for (const auto& f : page.fields)
    for (size_t i = f.first_line; i < f.first_line + f.line_count && i < page.lines.size(); ++i) field_of[i] = &f;
  std::vector<Block> out;
  for (size_t i = 0; i < page.lines.size(); ++i) {
    if (out.empty() || out.back().field != field_of[i])
      out.push_back({field_of[i], i, 0, field_of[i] ? field_of[i]->box : page.lines[i].box});
    ++out.back().count;
    out.back().box |= page.lines[i].box;
  }
  return out;
}

std::string conf(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", std::clamp(double(v), 0.0, 1.0));
  return buf;
}
std::string alto_box(const cv::Rect& r) {
  return " HPOS=\"" + std::to_string(r.x) + "\" VPOS=\"" + std::to_string(r.y) + "\" WIDTH=\"" +
         std::to_string(r.width) + "\" HEIGHT=\"" + std::to_string(r.height) + "\"";
}
std::string points(const cv::Rect& r) {
  const std::string x0 = std::to_string(r.x), y0 = std::to_string(r.y), x1 = std::to_string(r.x + r.width),
                    y1 = std::to_string(r.y + r.height);
  return "<Coords points=\"" + x0 + "," + y0 + " " + x1 + "," + y0 + " " + x1 + "," + y1 + " " + x0 + "," + y1 + "\"/>";
}
std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

std::string to_tsv(const std::vector<PageResult>& pages) {
  std::string o = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";
  auto row = [&](int level, int page, int block, int par, int line, int word, const cv::Rect& r, double conf,
                 const std::string& text) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t", level, page, block, par, line, word, r.x,
                  r.y, r.width, r.height);
    o += buf;
    if (conf < 0) {
      o += "-1";
    } else {
      std::snprintf(buf, sizeof buf, "%.6f", conf);
      o += buf;
    }
    o += "\t" + text + "\n";
  };
  for (size_t p = 0; p < pages.size(); ++p) {
    const auto& pg = pages[p];
    const int pn = int(p) + 1;
    row(1, pn, 0, 0, 0, 0, cv::Rect(0, 0, pg.size.width, pg.size.height), -1, "");
    // A block per form field and per run of lines outside fields (one block on a page without fields), one
    // paragraph each; lines numbered within their block, as Tesseract does.
    const std::vector<Block> blocks = blocks_of(pg);
    for (size_t b = 0; b < blocks.size(); ++b) {
      const int bn = int(b) + 1;
      row(2, pn, bn, 0, 0, 0, blocks[b].box, -1, "");
      row(3, pn, bn, 1, 0, 0, blocks[b].box, -1, "");
      for (size_t k = 0; k < blocks[b].count; ++k) {
        const auto& l = pg.lines[blocks[b].first + k];
        row(4, pn, bn, 1, int(k) + 1, 0, l.box, -1, "");
        for (size_t wi = 0; wi < l.words.size(); ++wi)
          row(5, pn, bn, 1, int(k) + 1, int(wi) + 1, l.words[wi].box, 100.0 * l.words[wi].confidence(),
              l.words[wi].text());
      }
    }
  }
  return o;
}

std::string to_hocr(const std::vector<PageResult>& pages) {
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
      "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
      "<head>\n<title>scrawl</title>\n"
      "<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
      "<meta name=\"ocr-system\" content=\"scrawl " SCRAWL_VERSION
      "\"/>\n"
      "<meta name=\"ocr-capabilities\" content=\"ocr_page ocr_carea ocr_line ocrx_word ocrx_cinfo\"/>\n"
      "</head>\n<body>\n";
  for (size_t p = 0; p < pages.size(); ++p) {
    const auto& pg = pages[p];
    const std::string pn = std::to_string(p + 1);
    o += "<div class=\"ocr_page\" id=\"page_" + pn + "\" title=\"image &quot;" + html_escape(pg.path) + "&quot;; " +
         bbox(cv::Rect(0, 0, pg.size.width, pg.size.height)) + "; ppageno " + std::to_string(p) + "\">\n";
    // Each block (a form field, or a run of lines outside fields) an ocr_carea around its lines.
    const std::vector<Block> blocks = blocks_of(pg);
    for (size_t b = 0; b < blocks.size(); ++b) {
      o += " <div class=\"ocr_carea\" id=\"block_" + pn + "_" + std::to_string(b + 1) + "\" title=\"" +
           bbox(blocks[b].box) + "\">\n";
      for (size_t li = blocks[b].first; li < blocks[b].first + blocks[b].count; ++li) {
        const auto& l = pg.lines[li];
        const std::string ln = pn + "_" + std::to_string(li + 1);
        o += " <span class=\"ocr_line\" id=\"line_" + ln + "\" title=\"" + bbox(l.box) + "\">";
        for (size_t wi = 0; wi < l.words.size(); ++wi) {
          const auto& w = l.words[wi];
          if (wi) o += ' ';
          o += std::string("<span class=\"ocrx_word\" id=\"word_") + ln + "_" + std::to_string(wi + 1) + "\" title=\"" +
               bbox(w.box) + "; x_wconf " + std::to_string(int(std::lround(100 * w.confidence()))) + "\">";
          for (const auto& c : w.chars)  // the word's text, a character box each (hocr-tools' ocrx_cinfo)
            o += "<span class=\"ocrx_cinfo\" title=\"" + bbox(c.box) + "; x_conf " +
                 std::to_string(int(std::lround(100 * c.confidence))) + "\">" + html_escape(std::string(1, c.label)) +
                 "</span>";
          o += "</span>";
        }
        o += "</span>\n";
      }
      o += " </div>\n";
    }
    o += "</div>\n";
  }
  o += "</body>\n</html>\n";
  return o;
}

std::string to_alto(const std::vector<PageResult>& pages) {
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.loc.gov/standards/"
      "alto/ns-v4# http://www.loc.gov/alto/v4/alto-4-4.xsd\">\n"
      " <Description>\n  <MeasurementUnit>pixel</MeasurementUnit>\n";
  // ALTO names one source image per file: the first page's (a multi-page document is one file).
  if (!pages.empty())
    o += "  <sourceImageInformation><fileName>" + html_escape(pages[0].path) + "</fileName></sourceImageInformation>\n";
  o += "  <Processing "
       "ID=\"proc_1\"><processingSoftware><softwareName>scrawl</softwareName><softwareVersion>" SCRAWL_VERSION
       "</softwareVersion></processingSoftware></Processing>\n </Description>\n <Layout>\n";
  for (size_t p = 0; p < pages.size(); ++p) {
    const PageResult& pg = pages[p];
    const std::string pn = "p" + std::to_string(p + 1);
    const cv::Rect all(0, 0, pg.size.width, pg.size.height);
    o += "  <Page ID=\"" + pn + "\" PHYSICAL_IMG_NR=\"" + std::to_string(p + 1) + "\" WIDTH=\"" +
         std::to_string(pg.size.width) + "\" HEIGHT=\"" + std::to_string(pg.size.height) +
         "\" PROCESSING=\"proc_1\">\n   <PrintSpace" + alto_box(all) + ">\n";
    const std::vector<Block> blocks = blocks_of(pg);
    for (size_t b = 0; b < blocks.size(); ++b) {
      const std::string bn = pn + "_b" + std::to_string(b + 1);
      o += "    <TextBlock ID=\"" + bn + "\"" + alto_box(blocks[b].box) + ">\n";
      for (size_t li = blocks[b].first; li < blocks[b].first + blocks[b].count; ++li) {
        const LineResult& l = pg.lines[li];
        const std::string ln = pn + "_l" + std::to_string(li + 1);
        o += "     <TextLine ID=\"" + ln + "\"" + alto_box(l.box) + ">";
        for (size_t wi = 0; wi < l.words.size(); ++wi) {
          const WordResult& w = l.words[wi];
          const std::string wn = ln + "_w" + std::to_string(wi + 1);
          std::string cc;
          for (const auto& c : w.chars) {  // 0 sure .. 9 unsure, one per character
            if (!cc.empty()) cc += ' ';
            cc += std::to_string(int(std::lround(9 * (1 - std::clamp(c.confidence, 0.f, 1.f)))));
          }
          if (wi) o += "<SP/>";
          o += "\n      <String ID=\"" + wn + "\"" + alto_box(w.box) + " CONTENT=\"" + html_escape(w.text()) +
               "\" WC=\"" + conf(w.confidence()) + "\" CC=\"" + cc + "\">";
          for (size_t ci = 0; ci < w.chars.size(); ++ci) {
            const CharResult& c = w.chars[ci];
            o += "<Glyph ID=\"" + wn + "_g" + std::to_string(ci + 1) + "\"" + alto_box(c.box) + " CONTENT=\"" +
                 html_escape(std::string(1, c.label)) + "\" GC=\"" + conf(c.confidence) + "\">";
            for (const auto& a : c.alternatives)
              if (a.label != c.label)
                o += "<Variant CONTENT=\"" + html_escape(std::string(1, a.label)) + "\" VC=\"" + conf(a.prob) + "\"/>";
            o += "</Glyph>";
          }
          o += "</String>";
        }
        o += "\n     </TextLine>\n";
      }
      o += "    </TextBlock>\n";
    }
    o += "   </PrintSpace>\n  </Page>\n";
  }
  o += " </Layout>\n</alto>\n";
  return o;
}

std::string to_page_xml(const PageResult& page, const std::string& created) {
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<PcGts xmlns=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://schema.primaresearch.org/"
      "PAGE/gts/pagecontent/2019-07-15 http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/"
      "pagecontent.xsd\">\n"
      " <Metadata>\n  <Creator>scrawl " SCRAWL_VERSION "</Creator>\n  <Created>" +
      created + "</Created>\n  <LastChange>" + created + "</LastChange>\n </Metadata>\n";
  o += " <Page imageFilename=\"" + html_escape(base_name(page.path)) + "\" imageWidth=\"" +
       std::to_string(page.size.width) + "\" imageHeight=\"" + std::to_string(page.size.height) + "\"";
  o += ">\n";
  const std::vector<Block> blocks = blocks_of(page);
  if (!blocks.empty()) {
    o += "  <ReadingOrder>\n   <OrderedGroup id=\"ro_1\">\n";
    for (size_t b = 0; b < blocks.size(); ++b)
      o += "    <RegionRefIndexed index=\"" + std::to_string(b) + "\" regionRef=\"r" + std::to_string(b + 1) + "\"/>\n";
    o += "   </OrderedGroup>\n  </ReadingOrder>\n";
  }
  auto text_equiv = [](const std::string& text, float c) {
    return "<TextEquiv conf=\"" + conf(c) + "\"><Unicode>" + html_escape(text) + "</Unicode></TextEquiv>";
  };
  for (size_t b = 0; b < blocks.size(); ++b) {
    const Block& bl = blocks[b];
    const std::string rn = "r" + std::to_string(b + 1);
    o += "  <TextRegion id=\"" + rn + "\"";
    if (bl.field) o += " custom=\"structure {type:" + bl.field->kind + ";}\"";
    o += ">\n   " + points(bl.box) + "\n";
    std::string region_text;
    float region_conf = 1;
    for (size_t li = bl.first; li < bl.first + bl.count; ++li) {
      const LineResult& l = page.lines[li];
      const std::string ln = rn + "_l" + std::to_string(li - bl.first + 1);
      o += "   <TextLine id=\"" + ln + "\">\n    " + points(l.box) + "\n";
      float line_conf = 1;
      for (size_t wi = 0; wi < l.words.size(); ++wi) {
        const WordResult& w = l.words[wi];
        const std::string wn = ln + "_w" + std::to_string(wi + 1);
        o += "    <Word id=\"" + wn + "\">" + points(w.box);
        for (size_t ci = 0; ci < w.chars.size(); ++ci) {
          const CharResult& c = w.chars[ci];
          o += "<Glyph id=\"" + wn + "_g" + std::to_string(ci + 1) + "\">" + points(c.box);
          // The reading first (index 1), then the alternatives the classifier gave, best first.
          o += "<TextEquiv index=\"1\" conf=\"" + conf(c.confidence) + "\"><Unicode>" +
               html_escape(std::string(1, c.label)) + "</Unicode></TextEquiv>";
          int index = 2;
          for (const auto& a : c.alternatives)
            if (a.label != c.label)
              o += "<TextEquiv index=\"" + std::to_string(index++) + "\" conf=\"" + conf(a.prob) + "\"><Unicode>" +
                   html_escape(std::string(1, a.label)) + "</Unicode></TextEquiv>";
          o += "</Glyph>";
        }
        o += text_equiv(w.text(), w.confidence()) + "</Word>\n";
        line_conf = std::min(line_conf, w.confidence());
      }
      o += "    " + text_equiv(l.text(), line_conf) + "\n   </TextLine>\n";
      if (!region_text.empty()) region_text += '\n';
      region_text += l.text();
      region_conf = std::min(region_conf, line_conf);
    }
    o += "   " + text_equiv(region_text, region_conf) + "\n  </TextRegion>\n";
  }
  o += " </Page>\n</PcGts>\n";
  return o;
}

void annotate(const std::string& image_path, const PageResult& page, const std::string& out_png) {
  cv::Mat img = load_image_file(image_path, Channels::bgr);
  if (img.empty()) throw std::runtime_error(image_path + ": cannot read image to annotate");
  annotate_image(img, page, out_png);
}

void annotate_image(cv::Mat img, const PageResult& page, const std::string& out_png) {
  if (img.empty()) throw std::runtime_error(out_png + ": no image to annotate");
  // Results are in the page's upright original coordinates; the decoded image has the same size.
  const double sx = page.size.width > 0 ? double(img.cols) / page.size.width : 1.0;
  const double sy = page.size.height > 0 ? double(img.rows) / page.size.height : 1.0;
  auto fit = [&](const cv::Rect& r) {
    return cv::Rect(int(r.x * sx), int(r.y * sy), std::max(1, int(r.width * sx)), std::max(1, int(r.height * sy)));
  };
  const int thick = std::max(1, img.cols / 800);
  for (const auto& f : page.fields) {  // under the text's boxes
    cv::rectangle(img, fit(f.box), cv::Scalar(200, 0, 200), 2 * thick);
    for (const auto& c : f.cells) cv::rectangle(img, fit(c), cv::Scalar(200, 0, 200), thick);
  }
  for (const auto& l : page.lines) {
    cv::rectangle(img, fit(l.box), cv::Scalar(255, 128, 0), thick);
    for (const auto& w : l.words) {
      cv::rectangle(img, fit(w.box), cv::Scalar(0, 160, 0), thick);
      for (const auto& c : w.chars) {
        const cv::Rect r = fit(c.box);
        const cv::Scalar col = c.confidence >= 0.8 ? cv::Scalar(0, 0, 220) : cv::Scalar(0, 140, 255);
        cv::rectangle(img, r, col, thick);
        const double fs = std::max(0.4, r.height / 40.0);
        cv::putText(img, std::string(1, c.label), cv::Point(r.x, std::max(0, r.y - 2 * thick)),
                    cv::FONT_HERSHEY_SIMPLEX, fs, col, std::max(1, thick));
      }
    }
  }
  const std::vector<unsigned char> png = encode_image(img, "png", 95, out_png);
  write_file_atomic(out_png, std::string(png.begin(), png.end()));
}

}  // namespace scrawl
