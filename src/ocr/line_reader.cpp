#include "scrawl/ocr/line_reader.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "scrawl/glyph/line.h"
#include "scrawl/util/log_math.h"

namespace scrawl {

namespace {
constexpr int kBlank = 0;  // train-line puts the blank first (line_classes)

// The page box of the ink-space rectangle `r`: its four corners through the line's rotation.
cv::Rect page_box(const cv::Rect& r, const cv::Matx23d& to_page) {
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (const cv::Point2d p : {cv::Point2d(r.x, r.y), cv::Point2d(r.x + r.width, r.y), cv::Point2d(r.x, r.y + r.height),
                              cv::Point2d(r.x + r.width, r.y + r.height)}) {
    const double x = to_page(0, 0) * p.x + to_page(0, 1) * p.y + to_page(0, 2);
    const double y = to_page(1, 0) * p.x + to_page(1, 1) * p.y + to_page(1, 2);
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  const int l = int(std::floor(x0)), t = int(std::floor(y0));
  return cv::Rect(l, t, std::max(1, int(std::ceil(x1)) - l), std::max(1, int(std::ceil(y1)) - t));
}

// The tight box of the ink between columns [x0, x1) of `ink`; the whole column range at the ink's rows when that
// stretch holds no ink (a character the model read from a few stray pixels).
cv::Rect ink_box(const cv::Mat& ink, int x0, int x1) {
  x0 = std::clamp(x0, 0, ink.cols - 1);
  x1 = std::clamp(x1, x0 + 1, ink.cols);
  const cv::Rect band(x0, 0, x1 - x0, ink.rows);
  const cv::Rect tight = cv::boundingRect(ink(band));
  if (tight.empty()) return band;
  return tight + band.tl();
}
}  // namespace

std::vector<WordResult> words_of_alignment(const CtcDecodeResult& decoded, const std::vector<float>& log_probs,
                                           const std::string& classes, int stride, const LineColumns& columns,
                                           const Line& line, int top_k) {
  const int K = int(classes.size());
  const int frames = int(log_probs.size() / size_t(K));
  // Each character owns the columns from halfway to its left neighbour's peak frame to halfway to its right
  // neighbour's (the line's ends for the first and last); its box is the ink there.
  std::vector<size_t> letters;  // indices of the non-space characters
  for (size_t i = 0; i < decoded.chars.size(); ++i)
    if (decoded.chars[i].label != ' ') letters.push_back(i);
  auto ink_column = [&](double frame_pos) {  // frame_pos in frames, continuous: column of the strip -> of the ink
    return columns.ink_x0 + frame_pos * stride * columns.ink_per_column;
  };
  std::vector<WordResult> words(1);
  for (size_t j = 0; j < letters.size(); ++j) {
    const CtcChar& ch = decoded.chars[letters[j]];
    if (j > 0 && letters[j] != letters[j - 1] + 1 && !words.back().chars.empty()) words.emplace_back();
    const double left = j == 0 ? 0.0 : 0.5 * (decoded.chars[letters[j - 1]].frame + ch.frame) + 0.5;
    const double right =
        j + 1 == letters.size() ? double(frames) : 0.5 * (ch.frame + decoded.chars[letters[j + 1]].frame) + 0.5;
    const int x0 = j == 0 ? 0 : int(std::lround(ink_column(left)));
    const int x1 = j + 1 == letters.size() ? line.ink.cols : int(std::lround(ink_column(right)));
    CharResult c;
    c.box = page_box(ink_box(line.ink, x0, x1), line.ink_to_page);
    c.label = ch.label;
    c.confidence = ch.confidence;
    // Alternatives: the chosen label, then the frame's other characters by probability (never blank or space).
    c.alternatives.push_back({ch.label, ch.confidence});
    std::vector<std::pair<float, int>> others;
    const float* y = log_probs.data() + size_t(ch.frame) * size_t(K);
    for (int k = 0; k < K; ++k)
      if (k != kBlank && classes[size_t(k)] != ' ' && classes[size_t(k)] != ch.label) others.emplace_back(-y[k], k);
    std::sort(others.begin(), others.end());
    for (size_t a = 0; a < others.size() && int(c.alternatives.size()) < top_k; ++a)
      c.alternatives.push_back({classes[size_t(others[a].second)], std::exp(-others[a].first)});
    words.back().chars.push_back(std::move(c));
  }
  if (words.back().chars.empty()) words.pop_back();
  for (auto& w : words) {
    w.box = w.chars.front().box;
    for (const auto& c : w.chars) w.box |= c.box;
  }
  return words;
}

std::vector<int> layout_word_cuts(const Line& line, const LineColumns& columns, int stride, int frames) {
  cv::Matx23d to_ink;
  cv::invertAffineTransform(line.ink_to_page, to_ink);
  std::vector<std::pair<double, double>> spans;  // each word's extent in ink columns
  for (const Word& w : line.words) {
    double u0 = 1e18, u1 = -1e18;
    for (const cv::Point2d p : {cv::Point2d(w.box.x, w.box.y), cv::Point2d(w.box.br().x, w.box.y),
                                cv::Point2d(w.box.x, w.box.br().y), cv::Point2d(w.box.br().x, w.box.br().y)}) {
      const double u = to_ink(0, 0) * p.x + to_ink(0, 1) * p.y + to_ink(0, 2);
      u0 = std::min(u0, u), u1 = std::max(u1, u);
    }
    spans.emplace_back(u0, u1);
  }
  std::vector<int> cuts;
  for (size_t i = 0; i + 1 < spans.size(); ++i) {
    const double ink_u = 0.5 * (spans[i].second + spans[i + 1].first);
    const double strip_u = (ink_u - columns.ink_x0) / columns.ink_per_column - 0.5;
    const int cut = int(std::lround(strip_u / stride));
    if (cut > 0 && cut < frames && (cuts.empty() || cut > cuts.back())) cuts.push_back(cut);
  }
  return cuts;
}

CtcDecodeResult ctc_decode_words(const std::vector<float>& log_probs, int frames, const std::string& classes, int blank,
                                 const std::vector<int>& cuts, const WordDecoder* decoder, const CtcDecodeConfig& cfg) {
  const size_t K = classes.size();
  const size_t space = classes.find(' ');
  CtcDecodeResult out;
  out.log_score = 0;
  int from = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const int to = i < cuts.size() ? cuts[i] : frames;
    std::vector<float> piece(log_probs.begin() + long(size_t(from) * K), log_probs.begin() + long(size_t(to) * K));
    if (space != std::string::npos)
      for (size_t t = 0; t < size_t(to - from); ++t) piece[t * K + space] = float(kLogZero);
    CtcDecodeResult word = ctc_beam_search(piece, to - from, classes, blank, decoder, cfg);
    if (decoder) {  // a lexicon word the free search lost to spellings of the model's misreading
      CtcDecodeResult lexicon_word = ctc_lexicon_search(piece, to - from, classes, blank, *decoder, cfg);
      if (lexicon_word.log_score > word.log_score) word = std::move(lexicon_word);
    }
    out.log_score += word.log_score;
    if (!word.text.empty()) {
      if (!out.text.empty()) {
        out.text += ' ';
        out.chars.push_back({' ', from, 1.f});
      }
      out.text += word.text;
      for (CtcChar c : word.chars) {
        c.frame += from;
        out.chars.push_back(c);
      }
    }
    from = to;
  }
  return out;
}

void LineRecognizer::check_input(const InputSpec& input, const std::string& classes) {
  if (input.normalization != "line")
    throw std::invalid_argument("not a line model (its input normalization is '" + input.normalization +
                                "', expected 'line')");
  if (classes.size() < 3 || classes.back() != ' ')
    throw std::invalid_argument("line model classes must end with the space");
}

LineRecognizer::LineRecognizer(Model model, int top_k) : model_(std::move(model)), top_k_(std::max(1, top_k)) {
  check_input(model_.input(), model_.classes());
  stride_ = frame_stride(model_);
}

std::string LineRecognizer::glyph_classes() const {
  return glyphs_of(model_.classes());
}

std::string LineRecognizer::glyphs_of(const std::string& classes) {
  return classes.size() >= 2 ? classes.substr(1, classes.size() - 2) : "";
}

std::vector<WordResult> LineRecognizer::read(const Line& line, const WordDecoder* decoder, const CtcDecodeConfig& cfg,
                                             bool layout_words) {
  log_probs_.clear();
  if (line.ink.empty()) return {};
  const double char_height = line_char_height(line.ink);
  if (!(char_height > 0)) return {};
  LineNormalizeConfig norm;
  norm.height = model_.input().shape.h;
  LineColumns columns;
  const cv::Mat strip = normalize_line(line.ink, char_height, norm, &columns);

  // One sample, padded with paper to a whole number of frames (as in training).
  const int frames = (strip.cols + stride_ - 1) / stride_;
  const int width = frames * stride_;
  Tensor x;
  x.resize(1, Shape{1, strip.rows, width});
  x.fill(0.f);
  cv::Mat dst(strip.rows, width, CV_32F, x.sample(0));
  strip.copyTo(dst(cv::Rect(0, 0, strip.cols, strip.rows)));
  model_.set_input_width(width);
  const std::vector<int> lengths{frames};
  Pass pass;
  pass.frames = &lengths;
  const Tensor& logits = model_.forward(x, pass);
  const int K = model_.num_classes(), T = logits.shape.w;
  if (logits.shape.c != K || T < frames) throw std::runtime_error("line model gave an unexpected output shape");

  // Log-softmax per frame, frames x classes.
  log_probs_.assign(size_t(frames) * size_t(K), 0.f);
  for (int t = 0; t < frames; ++t) {
    float mx = -1e30f;
    for (int k = 0; k < K; ++k) mx = std::max(mx, logits.data[size_t(k) * size_t(T) + size_t(t)]);
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp(double(logits.data[size_t(k) * size_t(T) + size_t(t)] - mx));
    const float log_sum = float(std::log(sum)) + mx;
    for (int k = 0; k < K; ++k)
      log_probs_[size_t(t) * size_t(K) + size_t(k)] = logits.data[size_t(k) * size_t(T) + size_t(t)] - log_sum;
  }
  const std::string& classes = model_.classes();
  const CtcDecodeResult decoded = layout_words
                                      ? ctc_decode_words(log_probs_, frames, classes, kBlank,
                                                         layout_word_cuts(line, columns, stride_, frames), decoder, cfg)
                                      : ctc_beam_search(log_probs_, frames, classes, kBlank, decoder, cfg);

  return words_of_alignment(decoded, log_probs_, classes, stride_, columns, line, top_k_);
}

}  // namespace scrawl
