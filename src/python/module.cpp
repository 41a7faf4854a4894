// The Python module `scrawl` (pybind11): read pages from files or numpy images, classify glyph arrays.
//   import scrawl
//   page = scrawl.read("form.jpg")               # or a numpy array, (H, W) gray or (H, W, 3) BGR, uint8
//   print(page.text); page.lines[0].words[0].chars[0].alternatives
//   pages = scrawl.read_pages("scan.pdf", dpi=300)
// Reading releases the GIL: each call reads with its own copy of a cached reader, so threads read in parallel.
// Errors are RuntimeError with scrawl's one-line messages ("PATH: problem"); bad arguments are ValueError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>
#include <tuple>

#include "scrawl/image/document.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/ocr/classifier.h"
#include "scrawl/ocr/default_model.h"
#include "scrawl/ocr/format.h"
#include "scrawl/ocr/reader.h"
#include "scrawl/util/files.h"

namespace py = pybind11;

namespace {

using Box = std::tuple<int, int, int, int>;
Box box(const cv::Rect& r) {
  return {r.x, r.y, r.width, r.height};
}

// What a reader is made from: the keyword arguments of read() and read_pages().
struct Options {
  std::string model, recognizer = "auto", line_model;
  bool lexicon = true, forms = true;
  float lm_weight = scrawl::DecodeConfig{}.lm_weight;
  std::string small_model;
  auto key() const { return std::tie(model, recognizer, line_model, lexicon, forms, lm_weight, small_model); }
  bool operator<(const Options& o) const { return key() < o.key(); }
};

scrawl::Reader make_reader(const Options& o) {
  scrawl::ReadConfig cfg;
  if (o.recognizer == "line")
    cfg.recognizer = scrawl::Recognizer::kLine;
  else if (o.recognizer == "auto")
    cfg.recognizer = scrawl::Recognizer::kAuto;
  else if (o.recognizer != "glyph")
    throw py::value_error("recognizer must be \"glyph\", \"line\" or \"auto\", not \"" + o.recognizer + "\"");
  if (o.lm_weight < 0) throw py::value_error("lm_weight must be at least 0");
  cfg.decode.decode.lm_weight = o.lm_weight;
  cfg.decode.decode.use_lexicon = o.lexicon;
  cfg.segment.rulings.enabled = o.forms;
  const std::string model_path = o.model.empty() ? scrawl::default_model_path() : o.model;
  scrawl::Model model = scrawl::load_model(model_path);
  const std::string classes = model.classes();
  // A model that does not read glyphs fails here, naming its file, as in the CLI.
  scrawl::Reader reader = scrawl::naming_file(model_path, [&] {
    return o.lm_weight > 0 ? scrawl::Reader(std::move(model), cfg)
                           : scrawl::Reader(std::move(model), scrawl::WordDecoder(classes), cfg);
  });
  if (cfg.recognizer != scrawl::Recognizer::kGlyph) {
    const std::string path = o.line_model.empty() ? scrawl::default_line_model_path() : o.line_model;
    scrawl::naming_file(path, [&] { reader.set_line_model(scrawl::load_model(path)); });
  }
  // As `scrawl read --small-model` (small_model_path), loaded now: the reader is made once and cloned for each read.
  const std::string small =
      cfg.recognizer == scrawl::Recognizer::kLine ? "" : scrawl::small_model_path(o.small_model, o.model);
  if (!small.empty()) scrawl::naming_file(small, [&] { reader.set_small_model(scrawl::load_model(small)); });
  return reader;
}

// A copy of the cached reader for these options (the model caches activations, so each read needs its own; the
// word decoder is shared). Called with the GIL released.
scrawl::Reader reader_for(const Options& o) {
  static std::mutex mutex;
  static std::map<Options, std::unique_ptr<scrawl::Reader>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& r = cache[o];
  if (!r) r = std::make_unique<scrawl::Reader>(make_reader(o));
  return r->clone();
}

// A numpy image as a cv::Mat (copied, so the array may change after the call): (H, W) gray or (H, W, 3) in the
// order `color` names.
cv::Mat image_of(const py::array_t<uint8_t, py::array::c_style | py::array::forcecast>& a, const std::string& color) {
  if (color != "bgr" && color != "rgb") throw py::value_error("color must be \"bgr\" or \"rgb\"");
  if (a.ndim() == 2) return cv::Mat(int(a.shape(0)), int(a.shape(1)), CV_8U, const_cast<uint8_t*>(a.data())).clone();
  if (a.ndim() == 3 && a.shape(2) == 3) {
    cv::Mat m = cv::Mat(int(a.shape(0)), int(a.shape(1)), CV_8UC3, const_cast<uint8_t*>(a.data())).clone();
    if (color == "rgb")
      for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) std::swap(m.at<cv::Vec3b>(y, x)[0], m.at<cv::Vec3b>(y, x)[2]);
    return m;
  }
  throw py::value_error("an image must be a uint8 array of shape (H, W) or (H, W, 3)");
}

std::vector<scrawl::PageResult> read_document(const std::string& path, double dpi, const Options& o) {
  scrawl::DocumentConfig cfg;
  cfg.dpi = dpi;
  const scrawl::Document doc = scrawl::Document::open(path, cfg);
  scrawl::Reader reader = reader_for(o);
  std::vector<scrawl::PageResult> pages;
  for (int k = 0; k < doc.pages(); ++k) {
    pages.push_back(doc.paged() ? reader.read_loaded(doc.page(k), path) : reader.read(path));
    if (doc.paged()) pages.back().page_number = k + 1;
  }
  return pages;
}

std::string created_now() {
  std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace

PYBIND11_MODULE(scrawl, m) {
  m.doc() = "scrawl: read handwritten block capitals and digits from photos, scans and PDFs";
  py::class_<scrawl::CharResult>(m, "Char", "One character read: its label, box and confidence")
      .def_property_readonly("text", [](const scrawl::CharResult& c) { return std::string(1, c.label); })
      .def_property_readonly(
          "bbox", [](const scrawl::CharResult& c) { return box(c.box); }, "(x, y, w, h)")
      .def_readonly("confidence", &scrawl::CharResult::confidence)
      .def_property_readonly(
          "alternatives",
          [](const scrawl::CharResult& c) {
            std::vector<std::pair<std::string, float>> out;
            for (const auto& a : c.alternatives) out.emplace_back(std::string(1, a.label), a.prob);
            return out;
          },
          "[(label, probability)], best first, the reading included")
      .def("__repr__", [](const scrawl::CharResult& c) { return "<scrawl.Char '" + std::string(1, c.label) + "'>"; });
  py::class_<scrawl::WordResult>(m, "Word")
      .def_property_readonly("text", &scrawl::WordResult::text)
      .def_property_readonly("bbox", [](const scrawl::WordResult& w) { return box(w.box); })
      .def_property_readonly("confidence", &scrawl::WordResult::confidence, "the least confident character's")
      .def_readonly("chars", &scrawl::WordResult::chars)
      .def("__repr__", [](const scrawl::WordResult& w) { return "<scrawl.Word '" + w.text() + "'>"; });
  py::class_<scrawl::LineResult>(m, "Line")
      .def_property_readonly("text", &scrawl::LineResult::text)
      .def_property_readonly("bbox", [](const scrawl::LineResult& l) { return box(l.box); })
      .def_property_readonly(
          "confidence",
          [](const scrawl::LineResult& l) {
            float c = 1;
            for (const auto& w : l.words) c = std::min(c, w.confidence());
            return c;
          },
          "the least confident word's")
      .def_readonly("words", &scrawl::LineResult::words)
      .def("__repr__", [](const scrawl::LineResult& l) { return "<scrawl.Line '" + l.text() + "'>"; });
  py::class_<scrawl::FieldResult>(m, "Field", "A printed field of a form: box, comb, line or cell")
      .def_readonly("kind", &scrawl::FieldResult::kind)
      .def_property_readonly("bbox", [](const scrawl::FieldResult& f) { return box(f.box); })
      .def_property_readonly("cells", [](const scrawl::FieldResult& f) {
        std::vector<Box> out;
        for (const auto& c : f.cells) out.push_back(box(c));
        return out;
      });
  py::class_<scrawl::PageResult>(m, "Page", "What was read on one page")
      .def_property_readonly("text", [](const scrawl::PageResult& p) { return scrawl::to_text(p); })
      .def_readonly("lines", &scrawl::PageResult::lines)
      .def_readonly("path", &scrawl::PageResult::path)
      .def_readonly("page_number", &scrawl::PageResult::page_number, "1-based in a document of several, else 0")
      .def_property_readonly("width", [](const scrawl::PageResult& p) { return p.size.width; })
      .def_property_readonly("height", [](const scrawl::PageResult& p) { return p.size.height; })
      .def_readonly("skew_degrees", &scrawl::PageResult::skew_degrees)
      .def_property_readonly("fields",
                             [](const scrawl::PageResult& p) {
                               // Each field with the text read in it.
                               py::list out;
                               for (const auto& f : p.fields) {
                                 py::dict d;
                                 d["kind"] = f.kind;
                                 d["bbox"] = box(f.box);
                                 d["text"] = scrawl::field_text(p, f);
                                 std::vector<Box> cells;
                                 for (const auto& c : f.cells) cells.push_back(box(c));
                                 d["cells"] = cells;
                                 out.append(d);
                               }
                               return out;
                             })
      .def("to_json", [](const scrawl::PageResult& p) { return scrawl::to_json(p).dump(2); })
      .def("to_hocr", [](const scrawl::PageResult& p) { return scrawl::to_hocr({p}); })
      .def("to_alto", [](const scrawl::PageResult& p) { return scrawl::to_alto({p}); })
      .def(
          "to_page",
          [](const scrawl::PageResult& p, const std::string& created) {
            return scrawl::to_page_xml(p, created.empty() ? created_now() : created);
          },
          py::arg("created") = "", "PAGE XML 2019-07-15; created: an xsd:dateTime (default now, UTC)")
      .def("__repr__", [](const scrawl::PageResult& p) {
        return "<scrawl.Page " + p.path + ": " + std::to_string(p.lines.size()) + " lines>";
      });

  m.def(
      "read",
      [](py::object image, const std::string& model, bool lexicon, float lm_weight, const std::string& recognizer,
         const std::string& line_model, bool forms, const std::string& color, const std::string& small_model) {
        const Options o{model, recognizer, line_model, lexicon, forms, lm_weight, small_model};
        if (py::isinstance<py::str>(image)) {
          const std::string path = image.cast<std::string>();
          py::gil_scoped_release unlocked;
          std::vector<scrawl::PageResult> pages = read_document(path, scrawl::DocumentConfig{}.dpi, o);
          if (pages.size() != 1)
            throw py::value_error(path + ": has " + std::to_string(pages.size()) + " pages (use read_pages)");
          return pages[0];
        }
        const cv::Mat img =
            image_of(image.cast<py::array_t<uint8_t, py::array::c_style | py::array::forcecast>>(), color);
        py::gil_scoped_release unlocked;
        return reader_for(o).read_image(img, 1.0, "");
      },
      py::arg("image"), py::arg("model") = "", py::arg("lexicon") = true,
      py::arg("lm_weight") = scrawl::DecodeConfig{}.lm_weight, py::arg("recognizer") = "auto",
      py::arg("line_model") = "", py::arg("forms") = true, py::arg("color") = "bgr", py::arg("small_model") = "",
      "Reads one page: an image file's path, or a uint8 numpy array (H, W) gray or (H, W, 3) in `color` order. "
      "model/line_model/small_model: model files (default the shipped ones; small_model, the glyph model for small "
      "writing, defaults to none when model names one's own, which then reads it; \"none\": model reads it); "
      "lexicon=False: no whole-word lookup; lm_weight=0: "
      "no word prior; recognizer: glyph, line or auto; forms=False: no ruling search. Returns a Page.");
  m.def(
      "read_pages",
      [](const std::string& path, double dpi, const std::string& model, bool lexicon, float lm_weight,
         const std::string& recognizer, const std::string& line_model, bool forms, const std::string& small_model) {
        if (!(dpi >= 36 && dpi <= 1200)) throw py::value_error("dpi must be 36..1200");
        const Options o{model, recognizer, line_model, lexicon, forms, lm_weight, small_model};
        py::gil_scoped_release unlocked;
        return read_document(path, dpi, o);
      },
      py::arg("path"), py::arg("dpi") = scrawl::DocumentConfig{}.dpi, py::arg("model") = "", py::arg("lexicon") = true,
      py::arg("lm_weight") = scrawl::DecodeConfig{}.lm_weight, py::arg("recognizer") = "auto",
      py::arg("line_model") = "", py::arg("forms") = true, py::arg("small_model") = "",
      "Reads every page of a PDF (rasterized at dpi), a multi-page TIFF or an image: a list of Page.");

  py::class_<scrawl::Classifier>(m, "Model", "A trained glyph model")
      .def(py::init([](const std::string& path) {
             return scrawl::naming_file(path, [&] { return scrawl::Classifier(scrawl::load_model(path), 3); });
           }),
           py::arg("path"))
      .def_property_readonly("classes", [](const scrawl::Classifier& c) { return c.model().classes(); })
      .def(
          "classify",
          [](scrawl::Classifier& c, const py::array_t<float, py::array::c_style | py::array::forcecast>& glyphs) {
            if (glyphs.ndim() != 3 || glyphs.shape(1) != 28 || glyphs.shape(2) != 28)
              throw py::value_error("glyphs must be an array of shape (N, 28, 28)");
            std::vector<cv::Mat> mats;
            for (py::ssize_t i = 0; i < glyphs.shape(0); ++i)
              mats.push_back(cv::Mat(28, 28, CV_32F, const_cast<float*>(glyphs.data(i, 0, 0))).clone());
            // With the GIL held: a Model object is one classifier, which threads may not share.
            const std::vector<scrawl::Prediction> preds = c.classify(mats);
            py::list out;
            for (const auto& p : preds) {
              std::vector<std::pair<std::string, float>> top;
              for (const auto& a : p.top) top.emplace_back(std::string(1, a.label), a.prob);
              out.append(top);
            }
            return out;
          },
          py::arg("glyphs"),
          "Classifies normalized glyphs (N, 28, 28), float, upright, ink 1 on paper 0 (like EMNIST after "
          "transposing): for each, [(label, probability)] best first.");
}
