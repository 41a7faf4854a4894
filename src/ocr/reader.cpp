#include "scrawl/ocr/reader.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <stdexcept>

#include "scrawl/ocr/auto_route.h"

namespace scrawl {

namespace {
// The default word decoder, or one without a word list when the default list cannot be loaded (`warning` says so).
std::shared_ptr<const WordDecoder> default_decoder(const std::string& classes, std::string& warning) {
  try {
    return std::make_shared<const WordDecoder>(make_word_decoder(classes));
  } catch (const std::runtime_error& e) {
    warning = std::string(e.what()) + "; reading words without a word list";
    return std::make_shared<const WordDecoder>(classes);
  }
}

// Gray level at `fraction` of the way up the image's histogram.
int gray_percentile(const cv::Mat& gray, double fraction) {
  size_t hist[256] = {0};
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* p = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) ++hist[p[x]];
  }
  size_t acc = 0;
  for (int v = 0; v < 256; ++v) {
    acc += hist[v];
    if (double(acc) >= fraction * double(gray.total())) return v;
  }
  return 255;
}

CharResult char_of(const cv::Rect& box, const Prediction& p) {
  CharResult c;
  c.box = box;
  c.label = p.label();
  c.confidence = p.confidence();
  c.alternatives = p.top;
  return c;
}

// Each character's alternatives cut to the first k, its label kept among them (in place of the k-th when the word
// decoder chose a class further down).
void trim_alternatives(PageResult& r, int k) {
  const size_t keep = size_t(std::max(k, 1));
  for (auto& line : r.lines)
    for (auto& word : line.words)
      for (auto& c : word.chars) {
        if (c.alternatives.size() <= keep) continue;
        const auto label = std::find_if(c.alternatives.begin(), c.alternatives.end(),
                                        [&](const Alternative& a) { return a.label == c.label; });
        const bool listed = label != c.alternatives.end();  // (a label no alternative lists: none does today)
        if (!listed)
          c.alternatives[keep - 1] = {c.label, c.confidence};
        else if (label - c.alternatives.begin() >= long(keep))
          std::iter_swap(c.alternatives.begin() + long(keep - 1), label);
        c.alternatives.resize(keep);
      }
}

// Loads a model given as a loader (set_line_model_loader, set_small_model_loader) and hands it to `install`. A load
// that failed once fails again with the same message, without trying again; it fails as a std::runtime_error, so
// that it fails the page being read (std::invalid_argument from `install` included).
template <class Install>
void load_once(const char* what, std::function<Model()>& load, std::string& error, Install install) {
  if (!error.empty()) throw std::runtime_error(error);
  if (!load) throw std::runtime_error(std::string("no ") + what + " is loaded");
  try {
    install(load());
  } catch (const std::exception& e) {
    error = e.what();
    load = nullptr;
    throw std::runtime_error(error);
  }
}

CharResult punct_char(const Glyph& g) {
  CharResult c;
  c.box = g.box;
  c.label = g.punct;
  c.confidence = 1;
  c.alternatives = {{g.punct, 1.f}};
  return c;
}
}  // namespace

Reader::Reader(Classifier classifier, std::shared_ptr<const WordDecoder> decoder, ReadConfig cfg, std::string warning)
    : classifier_(std::move(classifier)),
      decoder_(std::move(decoder)),
      cfg_(std::move(cfg)),
      warning_(std::move(warning)) {
  if (decoder_->classes() != classifier_.model().classes())
    throw std::invalid_argument("word decoder classes \"" + decoder_->classes() + "\" differ from the model's \"" +
                                classifier_.model().classes() + "\"");
}

Reader::Reader(Model model, ReadConfig cfg)
    : classifier_(std::move(model), std::max(cfg.top_k, cfg.decode_candidates)), cfg_(std::move(cfg)) {
  decoder_ = default_decoder(classifier_.model().classes(), warning_);
}

Reader::Reader(Model model, WordDecoder decoder, ReadConfig cfg)
    : Reader(Classifier(std::move(model), std::max(cfg.top_k, cfg.decode_candidates)),
             std::make_shared<const WordDecoder>(std::move(decoder)), cfg, "") {}

Reader Reader::clone() const {
  Reader r(classifier_.clone(), decoder_, cfg_, warning_);
  if (line_) r.line_ = std::make_unique<LineRecognizer>(line_->clone());
  r.load_line_ = load_line_;
  r.line_error_ = line_error_;
  if (small_) r.small_ = std::make_unique<Classifier>(small_->clone());
  r.load_small_ = load_small_;
  r.small_error_ = small_error_;
  return r;
}

void Reader::set_line_model(Model model) {
  auto line = std::make_unique<LineRecognizer>(std::move(model), cfg_.top_k);
  check_line_glyphs(line->glyph_classes());
  line_ = std::move(line);
  load_line_ = nullptr;
}

void Reader::check_line_glyphs(const std::string& glyphs) const {
  // Auto puts both models' words on one page: they must read the same characters.
  if (cfg_.recognizer == Recognizer::kAuto && glyphs != classifier_.model().classes())
    throw std::invalid_argument("the line model reads '" + glyphs + "' but the glyph model '" +
                                classifier_.model().classes() +
                                "': the auto recognizer needs both alike (read with --recognizer glyph or line)");
}

void Reader::set_line_model_loader(const std::string& line_classes, std::function<Model()> load) {
  check_line_glyphs(LineRecognizer::glyphs_of(line_classes));
  line_.reset();
  line_error_.clear();
  load_line_ = std::move(load);
}

LineRecognizer& Reader::line() {
  if (!line_) load_once("line model", load_line_, line_error_, [this](Model m) { set_line_model(std::move(m)); });
  return *line_;
}

void Reader::check_small_classes(const std::string& classes) const {
  // Its predictions stand in for the reader's model's and go to the same word decoder.
  if (classes != classifier_.model().classes())
    throw std::invalid_argument("the small-writing model reads '" + classes + "' but the glyph model '" +
                                classifier_.model().classes() + "': both must read the same characters");
}

void Reader::set_small_model(Model model) {
  check_small_classes(model.classes());
  small_ = std::make_unique<Classifier>(std::move(model), std::max(cfg_.top_k, cfg_.decode_candidates));
  load_small_ = nullptr;
}

void Reader::set_small_model_loader(const std::string& classes, std::function<Model()> load) {
  check_small_classes(classes);
  small_.reset();
  small_error_.clear();
  load_small_ = std::move(load);
}

Classifier& Reader::small() {
  if (!small_)
    load_once("small-writing model", load_small_, small_error_, [this](Model m) { set_small_model(std::move(m)); });
  return *small_;
}

PageResult Reader::read(const std::string& path) {
  return read_loaded(load_page(path, cfg_.load), path);
}

PageResult Reader::read_loaded(const LoadedPage& page, const std::string& name) {
  try {
    PageResult r = read_image(page.gray, page.reduce, name);
    r.size = page.original;
    return r;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(name + ": " + e.what());
  }
}

PageResult Reader::read_image(const cv::Mat& image, double scale, const std::string& name) {
  cv::Mat gray = image;
  if (image.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  if (image.channels() == 4) cv::cvtColor(image, gray, cv::COLOR_BGRA2GRAY);
  if (gray.type() != CV_8U || gray.empty()) throw std::runtime_error("unsupported image type");
  if (gray_percentile(gray, cfg_.paper_percentile) < cfg_.dark_page)
    throw std::runtime_error("image is all dark: no paper to read");
  PageResult r;
  if (cfg_.recognizer == Recognizer::kLine) {
    if (!has_line_model()) throw std::runtime_error("the line recognizer was asked for, but no line model is loaded");
    SegmentConfig seg = cfg_.segment;
    seg.line_ink = true;
    r = recognize_lines(segment(gray, seg, scale));
  } else if (cfg_.recognizer == Recognizer::kAuto) {
    if (!has_line_model()) throw std::runtime_error("the auto recognizer was asked for, but no line model is loaded");
    SegmentConfig seg = cfg_.segment;
    seg.line_ink = true;
    r = recognize_auto(segment(gray, seg, scale));
  } else {
    r = recognize(segment(gray, cfg_.segment, scale));
    decode_page(r, *decoder_, cfg_.decode);
  }
  trim_alternatives(r, cfg_.top_k);
  r.path = name;
  r.size = cv::Size(int(gray.cols * scale), int(gray.rows * scale));
  return r;
}

double Reader::log_confidence(const Prediction& p) const {
  return std::log(std::max(p.confidence(), cfg_.min_confidence));
}

double Reader::mean_log_confidence(const std::vector<Prediction>& ps) const {
  double sum = 0;
  for (const auto& p : ps) sum += log_confidence(p);
  return sum / double(ps.size());
}

bool Reader::keep_split(const Prediction& whole, const std::vector<Prediction>& parts, double aspect) const {
  if (parts.empty()) return false;
  // A wide letter (M, W, a broad U) reads whole with near certainty and its halves do not; touching letters
  // often read better cut, but the classifier is sure of many merged pairs as well ("TW" reads as a confident
  // "M"), so the cell's width adds its own evidence.
  float most = whole.confidence();
  for (const auto& p : parts) most = std::max(most, p.confidence());
  if (most < cfg_.sure_confidence) return true;
  return mean_log_confidence(parts) - log_confidence(whole) + cfg_.split_aspect_weight * (aspect - cfg_.split_aspect) >
         0;
}

bool Reader::keep_joined(const Prediction& whole, const std::vector<Prediction>& parts) const {
  if (parts.empty()) return true;
  return whole.confidence() >= cfg_.sure_confidence &&
         log_confidence(whole) - mean_log_confidence(parts) > cfg_.join_margin;
}

std::vector<Prediction> Reader::classify_cells(const PageLayout& layout) {
  std::vector<cv::Mat> norms;
  for (const auto& l : layout.lines)
    for (const auto& w : l.words)
      for (const auto& g : w.glyphs)
        if (!g.punct) norms.push_back(g.norm);
  for (const auto& l : layout.lines)
    for (const auto& w : l.words)
      for (const auto& g : w.glyphs)
        if (!g.punct)
          for (const auto& q : g.parts) norms.push_back(q.norm);
  Classifier& classifier = layout.enlarged && has_small_model() ? small() : classifier_;
  return classifier.classify(norms);
}

namespace {
// Puts a period the segmenter found (the line model never sees them: Line::ink leaves them out) after the last
// character left of it, in that character's word; before everything when nothing is left of it.
void insert_punct(LineResult& line, const Glyph& g) {
  const CharResult c = punct_char(g);
  const int centre = g.box.x + g.box.width / 2;
  if (line.words.empty()) {
    line.words.push_back(WordResult{g.box, {c}, {}});
    return;
  }
  WordResult* word = &line.words.front();
  size_t at = 0;
  for (auto& w : line.words)
    for (size_t i = 0; i < w.chars.size(); ++i)
      if (w.chars[i].box.x + w.chars[i].box.width / 2 < centre) word = &w, at = i + 1;
  word->chars.insert(word->chars.begin() + long(at), c);
  word->box |= g.box;
}
}  // namespace

LineResult Reader::read_line(const Line& l, const CtcDecodeConfig& ctc, const cv::Rect& page) {
  LineResult lr;
  lr.box = l.box;
  lr.words = line().read(l, decoder_.get(), ctc, cfg_.line_layout_words);
  for (const auto& w : l.words)
    for (const auto& g : w.glyphs)
      if (g.punct) insert_punct(lr, g);
  for (auto& w : lr.words) {
    if (!page.empty()) w.box &= page;
    for (auto& c : w.chars)
      if (!page.empty()) c.box &= page;
  }
  return lr;
}

CtcDecodeConfig Reader::ctc_config() const {
  CtcDecodeConfig ctc;
  ctc.beam = cfg_.line_beam;
  ctc.prior = cfg_.decode.decode;  // the glyph path's word prior, so --no-lexicon and --lm-weight apply
  return ctc;
}

std::vector<FieldResult> Reader::fields_of(const PageLayout& layout, const std::vector<long>& kept) {
  std::vector<FieldResult> out;
  for (const auto& f : layout.fields) {
    FieldResult r{field_kind_name(f.kind), f.box, f.cells, 0, 0};
    long first = -1, last = -1;
    for (size_t i = f.first_line; i < f.first_line + f.line_count; ++i)
      if (kept[i] >= 0) {
        if (first < 0) first = kept[i];
        last = kept[i];
      }
    if (first >= 0) r.first_line = size_t(first), r.line_count = size_t(last - first + 1);
    // An empty field sits where its lines would be: after the result lines of the layout lines before it.
    if (first < 0)
      for (size_t i = 0; i < f.first_line; ++i)
        if (kept[i] >= 0) r.first_line = size_t(kept[i]) + 1;
    out.push_back(std::move(r));
  }
  return out;
}

PageResult Reader::recognize_auto(const PageLayout& layout) {
  // Word by word: the glyph path reads (and decodes, in the context of the page's other such words) the words whose
  // letters stand apart; the line model, over the whole line, the words where they touch.
  PageResult glyph_page = recognize(layout);
  std::vector<LineResult>& glyph = glyph_page.lines;  // one per layout line
  const CtcDecodeConfig ctc = ctc_config();
  const cv::Rect page(cv::Point(0, 0), layout.size);
  std::vector<std::vector<bool>> touching(layout.lines.size());
  // A comb's boxes already cut its letters apart (one per box, cut at the walls): the glyph path reads them.
  std::vector<bool> in_comb(layout.lines.size(), false);
  for (const Field& f : layout.fields)
    if (f.kind == FieldKind::kComb)
      for (size_t i = f.first_line; i < f.first_line + f.line_count && i < in_comb.size(); ++i) in_comb[i] = true;
  // A page written touching throughout goes to the line model whole (its combs excepted).
  const bool page_touching =
      page_touching_share(layout.lines, in_comb, cfg_.auto_wide) >= cfg_.auto_page_touching_share;
  if (layout.enlarged && cfg_.auto_glyph_on_small && !page_touching) {  // small writing: see auto_glyph_on_small
    decode_page(glyph_page, *decoder_, cfg_.decode);
    return glyph_page;
  }
  PageResult apart;                  // the glyph path's words of letters standing apart, decoded together
  apart.fields = glyph_page.fields;  // comb lines keep their spaces (respace_words)
  for (size_t i = 0; i < layout.lines.size(); ++i) {
    touching[i] = touching_words(layout.lines[i], cfg_.auto_wide, page_touching ? 0.0 : cfg_.auto_touching_share,
                                 wide_letter_cells(layout.lines[i], glyph[i], cfg_.auto_wide_letter_confidence));
    if (in_comb[i]) touching[i].assign(touching[i].size(), false);
    LineResult kept;  // the line's box, and only its words whose letters stand apart
    kept.box = glyph[i].box;
    for (size_t j = 0; j < glyph[i].words.size(); ++j)  // an empty word holds a touching word's place: word
      kept.words.push_back(touching[i][j] ? WordResult{} : glyph[i].words[j]);  // spaces never join across it
    apart.lines.push_back(std::move(kept));
  }
  decode_page(apart, *decoder_, cfg_.decode);
  for (LineResult& l : apart.lines)
    l.words.erase(std::remove_if(l.words.begin(), l.words.end(), [](const WordResult& w) { return w.chars.empty(); }),
                  l.words.end());
  // Every word on the glyph path, decoded: the other reading of a touching word (merged_words). Only needed, and
  // only decoded, where a line holds touching words and merged_words may use it: among words that are not, or, on a
  // page not written touching throughout, anywhere.
  const size_t throughout_min_word = page_touching ? 0 : size_t(std::max(cfg_.auto_glyph_word_throughout, 0));
  PageResult glyph_all;
  for (const auto& t : touching)
    if (std::find(t.begin(), t.end(), true) != t.end() &&
        (throughout_min_word > 0 || std::find(t.begin(), t.end(), false) != t.end())) {
      glyph_all.lines = glyph;
      PageDecodeConfig by_layout_word = cfg_.decode;  // merged_words takes its words by the layout's index
      by_layout_word.respace = false;
      decode_page(glyph_all, *decoder_, by_layout_word);
      break;
    }

  PageResult r;
  r.size = layout.size;
  r.skew_degrees = layout.skew_degrees;
  std::vector<long> kept;
  for (size_t i = 0; i < layout.lines.size(); ++i) {
    const Line& l = layout.lines[i];
    LineResult out = std::move(apart.lines[i]);
    if (std::find(touching[i].begin(), touching[i].end(), true) != touching[i].end())
      out.words = merged_words(l, touching[i], std::move(out.words), read_line(l, ctc, page).words,
                               glyph_all.lines.empty() ? std::vector<WordResult>{} : glyph_all.lines[i].words,
                               decoder_->lexicon(), throughout_min_word);
    kept.push_back(out.words.empty() ? -1 : long(r.lines.size()));
    if (!out.words.empty()) r.lines.push_back(std::move(out));  // a line read as nothing is no text line
  }
  r.fields = fields_of(layout, kept);
  // Word spaces once more, where the line model's words are in. Its page-level letter gaps come from this pass's
  // joins alone: rows the glyph path's page joined are single words here and were counted there.
  respace_words(r, *decoder_, cfg_.decode);
  return r;
}

PageResult Reader::recognize_lines(const PageLayout& layout) {
  const CtcDecodeConfig ctc = ctc_config();
  const cv::Rect page(cv::Point(0, 0), layout.size);
  PageResult r;
  r.size = layout.size;
  r.skew_degrees = layout.skew_degrees;
  std::vector<long> kept;
  for (const auto& l : layout.lines) {
    LineResult lr = read_line(l, ctc, page);
    kept.push_back(lr.words.empty() ? -1 : long(r.lines.size()));
    if (!lr.words.empty()) r.lines.push_back(std::move(lr));  // ink the model reads as nothing is no text line
  }
  r.fields = fields_of(layout, kept);
  respace_words(r, *decoder_, cfg_.decode);
  return r;
}

PageResult Reader::recognize(const PageLayout& layout) {
  const std::vector<Prediction> preds = classify_cells(layout);
  size_t whole_at = 0, part_at = 0;  // next whole cell's and next part's prediction
  for (const auto& l : layout.lines)
    for (const auto& w : l.words)
      for (const auto& g : w.glyphs) part_at += !g.punct;

  PageResult r;
  r.size = layout.size;
  r.skew_degrees = layout.skew_degrees;
  for (const auto& l : layout.lines) {
    LineResult lr;
    lr.box = l.box;
    for (const auto& w : l.words) {
      WordResult wr;
      wr.box = w.box;
      for (const auto& g : w.glyphs) {
        if (g.punct) {
          wr.chars.push_back(punct_char(g));
          continue;
        }
        const Prediction& whole = preds[whole_at++];
        const std::vector<Prediction> parts(preds.begin() + long(part_at),
                                            preds.begin() + long(part_at + g.parts.size()));
        part_at += g.parts.size();
        const bool cut = g.joined ? !keep_joined(whole, parts)
                                  : keep_split(whole, parts, double(g.box.width) / std::max(1, g.box.height));
        // The reading not taken stays on the word: the decoder may prefer it (CRIN7E -> CRIME).
        if (!g.parts.empty()) {
          CellReading other{wr.chars.size(), cut ? g.parts.size() : 1, {}};
          if (cut)
            other.other.push_back(char_of(g.box, whole));
          else
            for (size_t i = 0; i < g.parts.size(); ++i) other.other.push_back(char_of(g.parts[i].box, parts[i]));
          wr.other_readings.push_back(std::move(other));
        }
        if (cut)
          for (size_t i = 0; i < g.parts.size(); ++i) wr.chars.push_back(char_of(g.parts[i].box, parts[i]));
        else
          wr.chars.push_back(char_of(g.box, whole));
      }
      lr.words.push_back(std::move(wr));
    }
    r.lines.push_back(std::move(lr));
  }
  std::vector<long> kept(layout.lines.size());
  for (size_t i = 0; i < kept.size(); ++i) kept[i] = long(i);
  r.fields = fields_of(layout, kept);
  return r;
}

}  // namespace scrawl
