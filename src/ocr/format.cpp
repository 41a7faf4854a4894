#include "scrawl/ocr/format.h"

#include <cmath>
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
  std::string text;
  float conf = 2;
  const CharResult* in_cell = nullptr;
  std::vector<const CharResult*> chars;
  for (size_t i = f.first_line; i < f.first_line + f.line_count && i < page.lines.size(); ++i) {
    if (!text.empty()) text += '\n';
    text += page.lines[i].text();
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
    if (pg.lines.empty()) continue;
    cv::Rect all = pg.lines[0].box;
    for (const auto& l : pg.lines) all |= l.box;
    row(2, pn, 1, 0, 0, 0, all, -1, "");
    row(3, pn, 1, 1, 0, 0, all, -1, "");
    for (size_t li = 0; li < pg.lines.size(); ++li) {
      const auto& l = pg.lines[li];
      row(4, pn, 1, 1, int(li) + 1, 0, l.box, -1, "");
      for (size_t wi = 0; wi < l.words.size(); ++wi)
        row(5, pn, 1, 1, int(li) + 1, int(wi) + 1, l.words[wi].box, 100.0 * l.words[wi].confidence(),
            l.words[wi].text());
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
      "<meta name=\"ocr-capabilities\" content=\"ocr_page ocr_line ocrx_word\"/>\n"
      "</head>\n<body>\n";
  for (size_t p = 0; p < pages.size(); ++p) {
    const auto& pg = pages[p];
    const std::string pn = std::to_string(p + 1);
    o += "<div class=\"ocr_page\" id=\"page_" + pn + "\" title=\"image &quot;" + html_escape(pg.path) + "&quot;; " +
         bbox(cv::Rect(0, 0, pg.size.width, pg.size.height)) + "; ppageno " + std::to_string(p) + "\">\n";
    for (size_t li = 0; li < pg.lines.size(); ++li) {
      const auto& l = pg.lines[li];
      const std::string ln = pn + "_" + std::to_string(li + 1);
      o += " <span class=\"ocr_line\" id=\"line_" + ln + "\" title=\"" + bbox(l.box) + "\">";
      for (size_t wi = 0; wi < l.words.size(); ++wi) {
        const auto& w = l.words[wi];
        o += (wi ? " " : "") + std::string("<span class=\"ocrx_word\" id=\"word_") + ln + "_" + std::to_string(wi + 1) +
             "\" title=\"" + bbox(w.box) + "; x_wconf " + std::to_string(int(std::lround(100 * w.confidence()))) +
             "\">" + html_escape(w.text()) + "</span>";
      }
      o += "</span>\n";
    }
    o += "</div>\n";
  }
  o += "</body>\n</html>\n";
  return o;
}

void annotate(const std::string& image_path, const PageResult& page, const std::string& out_png) {
  cv::Mat img = load_image_file(image_path, Channels::bgr);
  if (img.empty()) throw std::runtime_error(image_path + ": cannot read image to annotate");
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
