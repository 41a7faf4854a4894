#include "scrawl/ocr/reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

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

Reader::Reader(Model model, ReadConfig cfg) : classifier_(std::move(model), cfg.top_k), cfg_(std::move(cfg)) {}

PageResult Reader::read(const std::string& path) {
  const LoadedPage page = load_page(path, cfg_.load);
  try {
    PageResult r = read_image(page.gray, page.reduce, path);
    r.size = page.original;
    return r;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

namespace {
double log_confidence(const Prediction& p) {
  return std::log(std::max(p.confidence(), 1e-6f));
}
double mean_log_confidence(const std::vector<Prediction>& ps) {
  double sum = 0;
  for (const auto& p : ps) sum += log_confidence(p);
  return sum / double(ps.size());
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return c >= 'A' && c <= 'Z';
}

// Re-reads glyph p as the best class of the wanted kind when the model gave that kind real weight.
void prefer(CharResult& ch, const Prediction& p, const std::string& classes, bool letters) {
  int best = -1;
  for (size_t c = 0; c < classes.size(); ++c) {
    const char l = classes[c];
    if ((letters ? is_letter(l) : is_digit(l)) && (best < 0 || p.probs[c] > p.probs[size_t(best)])) best = int(c);
  }
  if (best < 0 || classes[size_t(best)] == ch.label) return;
  // Only a close call is overturned: the alternative must be among the top choices.
  const bool listed = std::any_of(ch.alternatives.begin(), ch.alternatives.end(),
                                  [&](const Alternative& a) { return a.label == classes[size_t(best)]; });
  if (!listed) return;
  ch.label = classes[size_t(best)];
  ch.confidence = p.probs[size_t(best)];
}
}  // namespace

PageResult Reader::read_image(const cv::Mat& image, double scale, const std::string& name) {
  cv::Mat gray = image;
  if (image.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  if (image.channels() == 4) cv::cvtColor(image, gray, cv::COLOR_BGRA2GRAY);
  if (gray.type() != CV_8U || gray.empty()) throw std::runtime_error("unsupported image type");
  // A dark frame (lens cap, black page) has no paper to find ink on; flattening would invent some.
  {
    int hist[256] = {0};
    for (int y = 0; y < gray.rows; ++y) {
      const uint8_t* p = gray.ptr<uint8_t>(y);
      for (int x = 0; x < gray.cols; ++x) ++hist[p[x]];
    }
    size_t acc = 0;
    int p99 = 255;
    for (int v = 0; v < 256; ++v) {
      acc += size_t(hist[v]);
      if (acc >= 0.99 * double(gray.total())) {
        p99 = v;
        break;
      }
    }
    if (p99 < cfg_.dark_page) throw std::runtime_error("image is all dark: no paper to read");
  }
  PageResult r = recognize(segment(gray, cfg_.segment, scale));
  r.path = name;
  r.size = cv::Size(int(gray.cols * scale), int(gray.rows * scale));
  return r;
}

bool Reader::keep_split(const Prediction& whole, const std::vector<Prediction>& parts, double aspect) const {
  if (parts.empty()) return false;
  // A wide letter (M, W, a broad U) reads whole with near certainty and its halves do not; touching letters
  // often read better cut, but the classifier is sure of many merged pairs as well ("TW" reads as a confident
  // "M"), so the cell's width adds its own evidence. Fitted on synthetic pages (BENCHMARKS.md, "Reading pages").
  // A classifier unsure of every reading (an untrained model) has no say: the segmenter's cut stands.
  float most = whole.confidence();
  for (const auto& p : parts) most = std::max(most, p.confidence());
  if (most < 0.5f) return true;
  return mean_log_confidence(parts) - log_confidence(whole) + cfg_.split_aspect_weight * (aspect - cfg_.split_aspect) >
         0;
}

bool Reader::keep_joined(const Prediction& whole, const std::vector<Prediction>& parts) const {
  if (parts.empty()) return true;
  return whole.confidence() >= 0.5f && log_confidence(whole) - mean_log_confidence(parts) > cfg_.join_margin;
}

PageResult Reader::recognize(const PageLayout& layout) {
  PageResult r;
  r.size = layout.size;
  r.skew_degrees = layout.skew_degrees;
  // One batch: every cell whole, then every proposed part.
  std::vector<cv::Mat> norms;
  for (const auto& l : layout.lines)
    for (const auto& w : l.words)
      for (const auto& g : w.glyphs)
        if (!g.punct) norms.push_back(g.norm);
  const size_t n_whole = norms.size();
  for (const auto& l : layout.lines)
    for (const auto& w : l.words)
      for (const auto& g : w.glyphs)
        if (!g.punct)
          for (const auto& q : g.parts) norms.push_back(q.norm);
  const std::vector<Prediction> preds = classifier_.classify(norms);
  const std::string& classes = classifier_.model().classes();
  std::vector<const Prediction*> pred_of;  // parallel to r's characters, null for punctuation
  size_t k = 0, kp = n_whole;
  auto char_of = [](const cv::Rect& box, const Prediction& p) {
    CharResult c;
    c.box = box;
    c.label = p.label();
    c.confidence = p.confidence();
    c.alternatives = p.top;
    return c;
  };
  auto add = [&](WordResult& wr, const cv::Rect& box, const Prediction& p) {
    pred_of.push_back(&p);
    wr.chars.push_back(char_of(box, p));
  };
  for (const auto& l : layout.lines) {
    LineResult lr;
    lr.box = l.box;
    for (const auto& w : l.words) {
      WordResult wr;
      wr.box = w.box;
      for (const auto& g : w.glyphs) {
        if (g.punct) {
          CharResult c;
          c.box = g.box;
          c.label = g.punct;
          c.confidence = 1;
          c.alternatives = {{g.punct, 1.f}};
          pred_of.push_back(nullptr);
          wr.chars.push_back(std::move(c));
          continue;
        }
        const Prediction& whole = preds[k++];
        const std::vector<Prediction> parts(preds.begin() + long(kp), preds.begin() + long(kp + g.parts.size()));
        const bool cut = g.joined ? !keep_joined(whole, parts)
                                  : keep_split(whole, parts, double(g.box.width) / std::max(1, g.box.height));
        if (!g.parts.empty()) {
          CellReading other{wr.chars.size(), cut ? g.parts.size() : 1, {}};
          if (cut)
            other.other.push_back(char_of(g.box, whole));
          else
            for (size_t i = 0; i < g.parts.size(); ++i) other.other.push_back(char_of(g.parts[i].box, preds[kp + i]));
          wr.other_readings.push_back(std::move(other));
        }
        if (cut) {
          for (size_t i = 0; i < g.parts.size(); ++i) add(wr, g.parts[i].box, preds[kp + i]);
        } else {
          add(wr, g.box, whole);
        }
        kp += g.parts.size();
      }
      lr.words.push_back(std::move(wr));
    }
    r.lines.push_back(std::move(lr));
  }
  if (!cfg_.context) return r;

  size_t idx = 0;
  for (auto& l : r.lines) {
    // Index of each character's prediction, in reading order.
    std::vector<std::vector<const Prediction*>> wp;
    for (auto& w : l.words) {
      wp.emplace_back();
      for (size_t c = 0; c < w.chars.size(); ++c) wp.back().push_back(pred_of[idx++]);
    }
    // Line context for one-glyph words: the kind most of them are, when there are enough to say.
    int single_letters = 0, single_digits = 0;
    for (const auto& w : l.words) {
      int n = 0;
      char only = 0;
      for (const auto& c : w.chars)
        if (is_letter(c.label) || is_digit(c.label)) {
          ++n;
          only = c.label;
        }
      if (n == 1) (is_letter(only) ? single_letters : single_digits)++;
    }
    for (size_t wi = 0; wi < l.words.size(); ++wi) {
      auto& w = l.words[wi];
      int letters = 0, digits = 0;
      for (const auto& c : w.chars) {
        letters += is_letter(c.label);
        digits += is_digit(c.label);
      }
      bool want_letters;
      if (letters + digits >= 2) {
        if (letters == digits) continue;
        want_letters = letters > digits;
      } else if (single_letters + single_digits >= 3 && single_letters != single_digits) {
        want_letters = single_letters > single_digits;
      } else {
        continue;
      }
      for (size_t c = 0; c < w.chars.size(); ++c)
        if (wp[wi][c]) prefer(w.chars[c], *wp[wi][c], classes, want_letters);
    }
  }
  return r;
}

}  // namespace scrawl
