#include "scrawl/synth/synth.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>

#include "scrawl/image/codec.h"
#include "scrawl/image/pdf_write.h"
#include "scrawl/util/chars.h"
#include "scrawl/util/files.h"
#include "scrawl/util/words.h"

namespace scrawl {

namespace {

using Rng = std::mt19937;

double uni(Rng& rng, double a, double b) {
  return std::uniform_real_distribution<double>(a, b)(rng);
}
int uni_int(Rng& rng, int a, int b) {
  return std::uniform_int_distribution<int>(a, b)(rng);
}
bool chance(Rng& rng, double p) {
  return uni(rng, 0, 1) < p;
}

// Common English words in block capitals, used when no system word list is installed.
const char* const kBuiltinWords[] = {
    "THE",     "AND",     "FOR",     "ARE",     "BUT",     "NOT",      "YOU",    "ALL",    "ANY",    "CAN",
    "HAD",     "HER",     "WAS",     "ONE",     "OUR",     "OUT",      "DAY",    "GET",    "HAS",    "HIM",
    "HIS",     "HOW",     "MAN",     "NEW",     "NOW",     "OLD",      "SEE",    "TWO",    "WAY",    "WHO",
    "BOY",     "DID",     "ITS",     "LET",     "PUT",     "SAY",      "SHE",    "TOO",    "USE",    "BOOK",
    "CITY",    "DOOR",    "EACH",    "FACE",    "FIVE",    "FOOD",     "GIVE",   "GOOD",   "HAND",   "HIGH",
    "HOME",    "JUST",    "KEEP",    "KIND",    "KNOW",    "LAST",     "LEFT",   "LIFE",   "LINE",   "LONG",
    "MAKE",    "MANY",    "MIND",    "MORE",    "MOST",    "MOVE",     "NAME",   "NEXT",   "ONLY",   "OPEN",
    "PART",    "PLAY",    "READ",    "ROAD",    "ROOM",    "SAME",     "SHOW",   "SIDE",   "TAKE",   "TELL",
    "THAT",    "THEM",    "THEN",    "THIS",    "TIME",    "TREE",     "VERY",   "WALK",   "WANT",   "WATER",
    "WEEK",    "WELL",    "WHAT",    "WHEN",    "WITH",    "WORD",     "WORK",   "YEAR",   "ZERO",   "ABOUT",
    "AFTER",   "AGAIN",   "BLACK",   "BRING",   "CLOSE",   "COLOR",    "COULD",  "EARLY",  "EARTH",  "EVERY",
    "FIELD",   "FIRST",   "FOUND",   "GREAT",   "GREEN",   "GROUP",    "HEARD",  "HORSE",  "HOUSE",  "LARGE",
    "LIGHT",   "MIGHT",   "MONEY",   "MUSIC",   "NEVER",   "NIGHT",    "NORTH",  "OFTEN",  "ORDER",  "OTHER",
    "PAPER",   "PLACE",   "PLANT",   "POINT",   "QUICK",   "QUIET",    "RIGHT",  "RIVER",  "SEVEN",  "SHORT",
    "SMALL",   "SOUND",   "SOUTH",   "SPELL",   "STAND",   "START",    "STORY",  "STUDY",  "TABLE",  "THEIR",
    "THINK",   "THREE",   "UNDER",   "UNTIL",   "WATCH",   "WHERE",    "WHICH",  "WHILE",  "WHITE",  "WORLD",
    "WRITE",   "YOUNG",   "ZEBRA",   "JUMPY",   "FIZZY",   "JAZZ",     "QUIZ",   "OXYGEN", "KAYAK",  "JACKET",
    "VIOLIN",  "WIZARD",  "ANSWER",  "BEFORE",  "CHANGE",  "FAMILY",   "FATHER", "FOLLOW", "LETTER", "MOTHER",
    "NUMBER",  "PEOPLE",  "PICTURE", "SCHOOL",  "SHOULD",  "SIMPLE",   "SQUARE", "THOUGH", "TOWARD", "BETWEEN",
    "EXAMPLE", "JOURNEY", "KITCHEN", "MORNING", "PROBLEM", "SENTENCE", "THOUGHT"};

// Splitmix64: spreads (seed, page) into independent per-page seeds.
uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Smooth noise in [0, 1]: a random grid with one value per `cell` pixels, upsampled with bicubic interpolation.
cv::Mat smooth_noise(cv::Size size, double cell, Rng& rng) {
  const int gw = std::max(2, static_cast<int>(size.width / cell) + 2);
  const int gh = std::max(2, static_cast<int>(size.height / cell) + 2);
  cv::Mat grid(gh, gw, CV_32F);
  for (int y = 0; y < gh; ++y)
    for (int x = 0; x < gw; ++x) grid.at<float>(y, x) = static_cast<float>(uni(rng, 0, 1));
  cv::Mat out;
  cv::resize(grid, out, size, 0, 0, cv::INTER_CUBIC);
  return cv::min(cv::max(out, 0.0), 1.0);
}

// Bounds of the pixels above `thr` (empty rect when there are none).
cv::Rect ink_bounds(const cv::Mat& ink, float thr) {
  cv::Mat mask = ink > thr;
  std::vector<cv::Point> pts;
  cv::findNonZero(mask, pts);
  return pts.empty() ? cv::Rect() : cv::boundingRect(pts);
}

// The look of one writer, fixed for a page.
struct Hand {
  double h = 60;      // base cap height in pixels
  double slant = 0;   // shear: x += slant * (distance above the glyph centre)
  double xscale = 1;  // glyph width factor
  double gap = 0.15;  // letter gap as a fraction of h
  double gap_min = std::numeric_limits<double>::quiet_NaN(), gap_max = gap_min;  // SynthConfig's range, if set
  int hershey_face = cv::FONT_HERSHEY_SIMPLEX;
  double stroke = 0.1;  // Hershey stroke width as a fraction of the cap height
};

// Jitters a glyph (float, ink high, any size) like a hand would and fits it to cap height `h`:
// rotation, shear, width change, optionally a smooth elastic wobble, then crop to the ink and resize.
cv::Mat shape_glyph(const cv::Mat& src, double h, const Hand& hand, double wobble, Rng& rng) {
  const int pad = std::max(src.rows, src.cols) / 3 + 2;
  cv::Mat g;
  cv::copyMakeBorder(src, g, pad, pad, pad, pad, cv::BORDER_CONSTANT, 0);
  const cv::Point2f c(g.cols / 2.0f, g.rows / 2.0f);
  const double rot = uni(rng, -4, 4) * CV_PI / 180;
  const double shear = hand.slant + uni(rng, -0.05, 0.05);
  const double sx = hand.xscale * uni(rng, 0.92, 1.08);
  // A = R * Shear * Scale, about the centre.
  const double ca = std::cos(rot), sa = std::sin(rot);
  const double a00 = sx * ca, a01 = -ca * shear - sa, a10 = sx * sa, a11 = -sa * shear + ca;
  cv::Mat m = (cv::Mat_<double>(2, 3) << a00, a01, c.x - a00 * c.x - a01 * c.y, a10, a11, c.y - a10 * c.x - a11 * c.y);
  cv::Mat w;
  cv::warpAffine(g, w, m, g.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  if (wobble > 0) {
    // Smooth random displacement (pixels), a few control points across the glyph: strokes bend like a pen's.
    const double amp = wobble * src.rows;
    cv::Mat dx = smooth_noise(w.size(), w.cols / 3.0, rng), dy = smooth_noise(w.size(), w.rows / 3.0, rng);
    cv::Mat mapx(w.size(), CV_32F), mapy(w.size(), CV_32F);
    for (int y = 0; y < w.rows; ++y)
      for (int x = 0; x < w.cols; ++x) {
        mapx.at<float>(y, x) = static_cast<float>(x + amp * (2 * dx.at<float>(y, x) - 1));
        mapy.at<float>(y, x) = static_cast<float>(y + amp * (2 * dy.at<float>(y, x) - 1));
      }
    cv::Mat r;
    cv::remap(w, r, mapx, mapy, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    w = r;
  }
  const cv::Rect b = ink_bounds(w, 0.2f);
  if (b.empty()) return {};
  const double hh = h * uni(rng, 0.9, 1.08);
  const double scale = hh / b.height;
  const int ow = std::max(2, static_cast<int>(std::lround(std::min(b.width * scale, 2.2 * hh))));
  const int oh = std::max(2, static_cast<int>(std::lround(hh)));
  cv::Mat out;
  cv::resize(w(b), out, cv::Size(ow, oh), 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  // Upsampled 28x28 glyphs have soft, wide edges; a contrast ramp makes them look like ink again.
  out = (out - 0.25) * 2.0;
  return cv::min(cv::max(out, 0.0), 1.0);
}

cv::Mat hershey_raw(char ch, const Hand& hand) {
  const double fscale = 4.0;  // cap height about 90 px
  int base = 0;
  const std::string s(1, ch);
  const cv::Size ts0 = cv::getTextSize(s, hand.hershey_face, fscale, 1, &base);
  const int thick = std::max(2, static_cast<int>(std::lround(hand.stroke * ts0.height)));
  const cv::Size ts = cv::getTextSize(s, hand.hershey_face, fscale, thick, &base);
  const int pad = thick + 4;
  cv::Mat canvas = cv::Mat::zeros(ts.height + base + 2 * pad, ts.width + 2 * pad, CV_8U);
  cv::putText(canvas, s, cv::Point(pad, pad + ts.height), hand.hershey_face, fscale, cv::Scalar(255), thick,
              cv::LINE_AA);
  cv::Mat f;
  canvas.convertTo(f, CV_32F, 1.0 / 255);
  return f;
}

// One character jittered by shape_glyph, ready to paste onto the page.
struct ShapedGlyph {
  cv::Mat ink;  // CV_32F, ink high, cropped
  char ch;
  int sample;  // index into the glyph set (-1 for Hershey glyphs)
};

// The glyph's strokes widened by `width` pixels (grey dilation with a disc), the image grown to hold them.
cv::Mat embolden(const cv::Mat& ink, double width) {
  const int r = static_cast<int>(std::lround(width / 2));
  if (r < 1) return ink;
  cv::Mat out;
  cv::copyMakeBorder(ink, out, r, r, r, r, cv::BORDER_CONSTANT, 0);
  cv::dilate(out, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)));
  return out;
}

class GlyphMaker {
 public:
  GlyphMaker(const SynthConfig& cfg, const Dataset* ds) : cfg_(cfg), ds_(ds) {
    if (cfg.font == SynthFont::kHershey) {
      available_ = kClasses36;
      return;
    }
    if (!ds || ds->size() == 0) throw std::runtime_error("synth: the glyph set is empty");
    by_char_.resize(256);
    for (int i = 0; i < ds->size(); ++i) {
      const int l = ds->labels[i];
      if (l < 0 || l >= static_cast<int>(ds->classes.size()))
        throw std::runtime_error(ds->source + ": label " + std::to_string(l) + " out of range");
      by_char_[static_cast<unsigned char>(ds->classes[l])].push_back(i);
    }
    for (int c = 0; c < 256; ++c)
      if (!by_char_[c].empty() && c > ' ') available_ += static_cast<char>(c);
  }
  const std::string& available() const { return available_; }
  bool has(char c) const { return available_.find(c) != std::string::npos; }

  ShapedGlyph make(char ch, const Hand& hand, Rng& rng) const {
    ShapedGlyph g{{}, ch, -1};
    if (cfg_.font == SynthFont::kHershey) {
      Hand h = hand;
      h.stroke *= uni(rng, 0.85, 1.15);  // pen pressure varies from letter to letter
      g.ink = shape_glyph(hershey_raw(ch, h), hand.h, hand, 0.05, rng);
    } else {
      const auto& pool = by_char_[static_cast<unsigned char>(ch)];
      g.sample = pool[uni_int(rng, 0, static_cast<int>(pool.size()) - 1)];
      cv::Mat src(ds_->h, ds_->w, CV_32F, const_cast<float*>(ds_->image(g.sample)));
      g.ink = shape_glyph(cv::min(cv::max(src, 0.0), 1.0), hand.h, hand, 0.0, rng);
    }
    if (g.ink.empty()) g.ink = cv::Mat::zeros(static_cast<int>(hand.h), static_cast<int>(hand.h / 2), CV_32F);
    if (cfg_.bold > 0) g.ink = embolden(g.ink, cfg_.bold * hand.h);
    return g;
  }

 private:
  const SynthConfig& cfg_;
  const Dataset* ds_;
  std::vector<std::vector<int>> by_char_;
  std::string available_;
};

std::string random_word(SynthWords mode, const std::vector<std::string>& dict, const GlyphMaker& maker, Rng& rng) {
  const std::string& av = maker.available();
  std::string digits;
  for (char c : av)
    if (is_digit(c)) digits += c;
  double p_dict = mode == SynthWords::kDictionary ? 0.8 : mode == SynthWords::kMixed ? 0.5 : 0.0;
  double p_num = mode == SynthWords::kDictionary ? 0.2 : mode == SynthWords::kMixed ? 0.25 : 0.0;
  if (dict.empty()) p_dict = 0;
  if (digits.empty()) p_num = 0;
  const double r = uni(rng, 0, 1);
  if (r < p_dict) return dict[uni_int(rng, 0, static_cast<int>(dict.size()) - 1)];
  std::string w;
  if (r < p_dict + p_num) {
    const int n = uni_int(rng, 1, 5);
    for (int i = 0; i < n; ++i) w += digits[uni_int(rng, 0, static_cast<int>(digits.size()) - 1)];
    return w;
  }
  const int n = uni_int(rng, 1, 7);
  for (int i = 0; i < n; ++i) w += av[uni_int(rng, 0, static_cast<int>(av.size()) - 1)];
  return w;
}

struct PlacedWord {
  std::vector<ShapedGlyph> glyphs;
  int width = 0;
  std::vector<int> offsets;  // x of each glyph from the word start
};

PlacedWord lay_out_word(const std::string& word, const Hand& hand, const GlyphMaker& maker, Rng& rng) {
  PlacedWord pw;
  int x = 0;
  for (char c : word) {
    if (!pw.glyphs.empty()) {
      if (std::isnan(hand.gap_min)) {
        x += static_cast<int>(std::lround(hand.h * hand.gap * uni(rng, 0.7, 1.3)));
      } else {  // a set range: overlapping neighbours, but each glyph still starts right of the one before
        x += static_cast<int>(std::lround(hand.h * uni(rng, hand.gap_min, hand.gap_max)));
        x = std::max(x, pw.offsets.back() + 1);
      }
    }
    pw.glyphs.push_back(maker.make(c, hand, rng));
    pw.offsets.push_back(x);
    x += pw.glyphs.back().ink.cols;
  }
  pw.width = x;
  return pw;
}

// Printed rulings under the writing (form pages): coverage map (CV_32F, [0,1]) and its colour, drawn by the caller
// so that pages without rulings draw exactly the random numbers they always did.
struct PrintLayer {
  cv::Mat cover;
  cv::Vec3d bgr;
};

// Paper, light, ink colour, blur and sensor noise around an ink coverage map (CV_32F, [0,1]), over the printed
// rulings when there are any.
cv::Mat render_photo(const cv::Mat& ink, const PrintLayer& print, Rng& rng) {
  const cv::Size size = ink.size();
  const int W = size.width, H = size.height;
  // Paper colour (BGR): warm white.
  const double pr = uni(rng, 215, 250), pg = pr - uni(rng, 0, 10), pb = pg - uni(rng, 0, 22);
  // Ink: pen (black or blue) or pencil (grey, lighter, grainy).
  const bool pencil = chance(rng, 0.3);
  double ib, ig, ir, strength;
  if (pencil) {
    const double v = uni(rng, 55, 100);
    ib = v + 5, ig = v, ir = v;
    strength = uni(rng, 0.55, 0.8);
  } else if (chance(rng, 0.5)) {
    ib = uni(rng, 110, 160), ig = uni(rng, 35, 70), ir = uni(rng, 15, 40);
    strength = uni(rng, 0.85, 1.0);
  } else {
    const double v = uni(rng, 15, 50);
    ib = v, ig = v, ir = v;
    strength = uni(rng, 0.85, 1.0);
  }
  // Lighting: a linear gradient in a random direction, maybe a soft shadow edge, a vignette.
  const double dir = uni(rng, 0, 2 * CV_PI), grad = uni(rng, 0.04, 0.3);
  const bool shadow = chance(rng, 0.5);
  const double sdir = uni(rng, 0, 2 * CV_PI), soff = uni(rng, 0.25, 0.75), sdepth = uni(rng, 0.1, 0.35),
               ssoft = uni(rng, 30, 220);
  const double vig = uni(rng, 0, 0.25);
  const double diag = std::hypot(W, H);
  cv::Mat tex_fine = smooth_noise(size, 6, rng), tex_coarse = smooth_noise(size, 90, rng);
  cv::Mat pressure = smooth_noise(size, 40, rng);
  const double tex_amp = uni(rng, 0.005, 0.02);
  std::uniform_real_distribution<float> grain(0.55f, 1.0f);
  cv::Mat light(size, CV_32F), paper_mod(size, CV_32F), alpha(size, CV_32F);
  const double cx = std::cos(dir), cy = std::sin(dir), scx = std::cos(sdir), scy = std::sin(sdir);
  const double sx0 = W * (0.5 + (soff - 0.5) * scx), sy0 = H * (0.5 + (soff - 0.5) * scy);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const double t = ((x - W / 2.0) * cx + (y - H / 2.0) * cy) / diag + 0.5;  // ~[0, 1]
      double l = 1 - grad * t;
      if (shadow) {
        const double d = (x - sx0) * scx + (y - sy0) * scy;
        l *= 1 - sdepth / (1 + std::exp(-d / ssoft));
      }
      const double rx = (x - W / 2.0) / (W / 2.0), ry = (y - H / 2.0) / (H / 2.0);
      l *= 1 - vig * 0.5 * (rx * rx + ry * ry);
      light.at<float>(y, x) = static_cast<float>(l);
      paper_mod.at<float>(y, x) = static_cast<float>(1 + tex_amp * (2 * tex_fine.at<float>(y, x) - 1) +
                                                     0.02 * (tex_coarse.at<float>(y, x) - 0.5));
      double a = ink.at<float>(y, x) * strength * (0.85 + 0.15 * pressure.at<float>(y, x));
      if (pencil && a > 0) a *= grain(rng);
      alpha.at<float>(y, x) = static_cast<float>(a);
    }
  cv::Mat img(size, CV_32FC3);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const float a = alpha.at<float>(y, x), pm = paper_mod.at<float>(y, x), l = light.at<float>(y, x);
      double b = pb * pm, g = pg * pm, r = pr * pm;  // the paper, then the print on it, then the ink on both
      if (!print.cover.empty()) {
        const double p = print.cover.at<float>(y, x);
        b = b * (1 - p) + print.bgr[0] * p, g = g * (1 - p) + print.bgr[1] * p, r = r * (1 - p) + print.bgr[2] * p;
      }
      img.at<cv::Vec3f>(y, x) =
          cv::Vec3f(static_cast<float>((b * (1 - a) + ib * a) * l), static_cast<float>((g * (1 - a) + ig * a) * l),
                    static_cast<float>((r * (1 - a) + ir * a) * l));
    }
  const double sigma = uni(rng, 0.5, 1.5);
  cv::GaussianBlur(img, img, cv::Size(0, 0), sigma);
  std::normal_distribution<float> noise(0.0f, static_cast<float>(uni(rng, 1.5, 5.0)));
  cv::Mat out(size, CV_8UC3);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const cv::Vec3f v = img.at<cv::Vec3f>(y, x);
      cv::Vec3b& o = out.at<cv::Vec3b>(y, x);
      for (int k = 0; k < 3; ++k) o[k] = cv::saturate_cast<uchar>(v[k] + noise(rng));
    }
  return out;
}

// Draws per line of random words: enough to fill the widest line, bounded so a word that never fits cannot loop.
constexpr int kWordDrawsPerLine = 50;

void check_page_config(const SynthConfig& cfg) {
  if (cfg.width < 200 || cfg.height < 200 || cfg.width > 10000 || cfg.height > 10000)
    throw std::runtime_error("synth: page size must be 200..10000 pixels a side");
  if (cfg.min_char_h < 8 || cfg.max_char_h < cfg.min_char_h)
    throw std::runtime_error("synth: character height range must satisfy 8 <= min <= max");
  if (std::isnan(cfg.gap_min) != std::isnan(cfg.gap_max) ||
      (!std::isnan(cfg.gap_min) && !(cfg.gap_min >= -0.5 && cfg.gap_min <= cfg.gap_max && cfg.gap_max <= 2)))
    throw std::runtime_error("synth: letter gaps must satisfy -0.5 <= min <= max <= 2 (cap heights)");
}

void check_fixed_text(const SynthConfig& cfg, const GlyphMaker& maker) {
  if (!cfg.text.empty() && cfg.form != SynthForm::kNone)
    throw std::runtime_error("synth: a fixed text cannot be combined with a form (form fields draw their own words)");
  for (const auto& line : cfg.text)
    for (char c : line)
      if (c != ' ' && !maker.has(c))
        throw std::runtime_error(std::string("synth: the glyph set has no '") + c + "' for the fixed text");
}

// The dictionary words the glyph set can spell (none for random words).
std::vector<std::string> usable_dictionary(const SynthConfig& cfg, const GlyphMaker& maker) {
  std::vector<std::string> ok;
  if (cfg.words == SynthWords::kRandom) return ok;
  for (auto& w : load_words(cfg.dict_path))
    if (std::all_of(w.begin(), w.end(), [&](char c) { return maker.has(c); })) ok.push_back(w);
  return ok;
}

// The writer's hand and the sheet's geometry, drawn once per page.
struct PagePlan {
  Hand hand;
  double skew = 0;            // whole-sheet rotation in degrees
  int mx = 0, my = 0;         // margins in pixels
  double pitch_ratio = 0;     // line pitch over cap height
  double word_gap_ratio = 0;  // mean word gap over cap height
};

PagePlan plan_page(const SynthConfig& cfg, Rng& rng) {
  const int W = cfg.width, H = cfg.height;
  PagePlan p;
  Hand& hand = p.hand;
  hand.h = uni(rng, cfg.min_char_h, cfg.max_char_h);
  hand.slant = uni(rng, -0.15, 0.15);
  hand.xscale = uni(rng, 0.85, 1.15);
  hand.gap = uni(rng, 0.12, 0.32);
  hand.gap_min = cfg.gap_min;
  hand.gap_max = cfg.gap_max;
  hand.hershey_face = chance(rng, 0.5) ? cv::FONT_HERSHEY_SIMPLEX : cv::FONT_HERSHEY_DUPLEX;
  hand.stroke = uni(rng, 0.12, 0.18);
  const double max_skew = cfg.form == SynthForm::kNone ? cfg.max_skew_deg : std::min(cfg.max_skew_deg, kFormMaxSkew);
  p.skew = uni(rng, -max_skew, max_skew);
  const double skew_rad = std::abs(cfg.max_skew_deg) * CV_PI / 180;
  // Margins leave room for the skew to turn the text block without cutting corners off.
  p.mx = static_cast<int>(W * uni(rng, 0.04, 0.08) + H / 2.0 * std::sin(skew_rad));
  p.my = static_cast<int>(H * uni(rng, 0.04, 0.08) + W / 2.0 * std::sin(skew_rad));
  p.pitch_ratio = uni(rng, 1.6, 2.1);
  // Word gaps stay well above letter gaps, as in careful block printing: also above twice the widest gap of a
  // --gap range (wide-spaced letters are still one word; touching ranges, below 0.35, never reach this).
  p.word_gap_ratio = std::max(uni(rng, 0.7, 1.1), 2.5 * hand.gap);
  if (!std::isnan(hand.gap_max)) p.word_gap_ratio = std::max(p.word_gap_ratio, 2 * hand.gap_max);
  return p;
}

int word_gap(const PagePlan& p, Rng& rng) {
  return static_cast<int>(std::lround(p.hand.h * p.word_gap_ratio * uni(rng, 0.8, 1.25)));
}

// One line of the fixed text, laid out: its words, their glyphs, and the gap before each word (0 for the first).
struct FixedLine {
  std::vector<std::string> words;
  std::vector<PlacedWord> placed;
  std::vector<int> gaps;
};

// Scales laid-out words by f (< 1), glyphs, offsets and gaps alike.
void shrink_line(FixedLine& line, double f) {
  for (size_t wi = 0; wi < line.placed.size(); ++wi) {
    PlacedWord& pw = line.placed[wi];
    for (size_t k = 0; k < pw.glyphs.size(); ++k) {
      cv::Mat& g = pw.glyphs[k].ink;
      cv::resize(g, g, cv::Size(std::max(1, int(g.cols * f)), std::max(1, int(g.rows * f))), 0, 0, cv::INTER_AREA);
      pw.offsets[k] = static_cast<int>(pw.offsets[k] * f);
    }
    pw.width = pw.offsets.back() + pw.glyphs.back().ink.cols;
    line.gaps[wi] = static_cast<int>(line.gaps[wi] * f);
  }
}

// Fixed text: writes every word first, then shrinks the whole text if a line is too wide, so it always fits.
// Lowers plan.hand.h to the height the text is written at.
std::vector<FixedLine> lay_out_fixed_text(const SynthConfig& cfg, PagePlan& plan, const GlyphMaker& maker, Rng& rng) {
  std::vector<FixedLine> lines;
  if (cfg.text.empty()) return lines;
  const int W = cfg.width, H = cfg.height;
  Hand& hand = plan.hand;
  const double n = static_cast<double>(cfg.text.size());
  hand.h = std::min(hand.h, (H - 2 * plan.my) / (1.2 + (n - 1) * plan.pitch_ratio));
  if (hand.h < 8) throw std::runtime_error("synth: the fixed text does not fit on the page");
  int widest = 1;
  for (const auto& text : cfg.text) {
    FixedLine& line = lines.emplace_back();
    std::string cur;
    int width = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != ' ') {
        cur += text[i];
        continue;
      }
      if (cur.empty()) continue;
      const int gap = line.placed.empty() ? 0 : word_gap(plan, rng);
      line.placed.push_back(lay_out_word(cur, hand, maker, rng));
      line.gaps.push_back(gap);
      line.words.push_back(cur);
      width += gap + line.placed.back().width;
      cur.clear();
    }
    widest = std::max(widest, width);
  }
  const double room = W - 2 * plan.mx - 0.04 * W;
  if (widest > room) {
    const double f = room / widest;
    hand.h *= f;
    for (auto& line : lines) shrink_line(line, f);
  }
  return lines;
}

// How many lines the page gets: the fixed text's, or a random number that fits.
int count_lines(const SynthConfig& cfg, const PagePlan& plan, Rng& rng) {
  const double h = plan.hand.h;
  const int max_lines = static_cast<int>((cfg.height - 2 * plan.my - 1.2 * h) / (plan.pitch_ratio * h)) + 1;
  if (max_lines < 1) throw std::runtime_error("synth: page too small for the character height");
  return cfg.text.empty() ? uni_int(rng, std::min(3, max_lines), max_lines) : static_cast<int>(cfg.text.size());
}

// The page before it is turned: the ink of every line, each glyph drawn (`box` still unset) and the ground truth.
struct Drawing {
  cv::Mat ink;  // CV_32F coverage, page size
  std::vector<PlacedGlyph> glyphs;
  std::string text;
  cv::Mat print;                   // form pages: the rulings' coverage (CV_32F, page size); empty otherwise
  cv::Vec3d print_bgr;             // ... and their colour
  std::vector<SynthField> fields;  // form pages: each field in the drawing frame
};

// Where a text line runs and where its next word goes.
struct LinePen {
  double base_y = 0, slope = 0;  // lines are not ruled: each drifts a little
  int x0 = 0, x = 0;
  int line = 0;  // index of the line among those written
};

// Draws a glyph with its top-left at (gx, gy), clipped to the page, and records it.
void paste_glyph(Drawing& d, const ShapedGlyph& g, int gx, int gy, int line, int word) {
  const cv::Rect drawn(gx, gy, g.ink.cols, g.ink.rows);
  const cv::Rect r = drawn & cv::Rect(0, 0, d.ink.cols, d.ink.rows);
  if (r.area() > 0) {
    cv::Mat dst = d.ink(r);
    cv::max(dst, g.ink(cv::Rect(r.x - gx, r.y - gy, r.width, r.height)), dst);
  }
  d.glyphs.push_back({g.ch, g.sample, cv::Rect(), drawn, line, word});
}

void paste_word(Drawing& d, LinePen& pen, const PlacedWord& pw, int word_index, double h, Rng& rng) {
  for (size_t k = 0; k < pw.glyphs.size(); ++k) {
    const ShapedGlyph& g = pw.glyphs[k];
    const int gx = pen.x + pw.offsets[k];
    const double by = pen.base_y + pen.slope * (gx - pen.x0) + uni(rng, -0.06, 0.06) * h;
    paste_glyph(d, g, gx, static_cast<int>(std::lround(by)) - g.ink.rows, pen.line, word_index);
  }
  pen.x += pw.width;
}

// Random words until the line is full. Returns the words written.
std::vector<std::string> write_random_words(Drawing& d, LinePen& pen, const SynthConfig& cfg, const PagePlan& plan,
                                            const std::vector<std::string>& dict, const GlyphMaker& maker, Rng& rng) {
  std::vector<std::string> words;
  for (int tries = 0; tries < kWordDrawsPerLine; ++tries) {
    const std::string w = random_word(cfg.words, dict, maker, rng);
    const PlacedWord pw = lay_out_word(w, plan.hand, maker, rng);
    const int gap = words.empty() ? 0 : word_gap(plan, rng);
    if (pen.x + gap + pw.width > cfg.width - plan.mx) {
      if (!words.empty()) break;  // line full
      continue;                   // a word too long for an empty line: draw another
    }
    pen.x += gap;
    paste_word(d, pen, pw, static_cast<int>(words.size()), plan.hand.h, rng);
    words.push_back(w);
  }
  return words;
}

std::vector<std::string> write_fixed_line(Drawing& d, LinePen& pen, const FixedLine& line, double h, Rng& rng) {
  for (size_t wi = 0; wi < line.placed.size(); ++wi) {
    pen.x += line.gaps[wi];
    paste_word(d, pen, line.placed[wi], static_cast<int>(wi), h, rng);
  }
  return line.words;
}

Drawing write_lines(const SynthConfig& cfg, const PagePlan& plan, const std::vector<FixedLine>& fixed, int n_lines,
                    const std::vector<std::string>& dict, const GlyphMaker& maker, Rng& rng) {
  const double h = plan.hand.h;
  Drawing d;
  d.ink = cv::Mat::zeros(cfg.height, cfg.width, CV_32F);
  const double block_h = 1.2 * h + (n_lines - 1) * plan.pitch_ratio * h;
  const double top = plan.my + uni(rng, 0, std::max(0.0, (cfg.height - 2 * plan.my - block_h) * 0.5));
  int written = 0;
  for (int li = 0; li < n_lines; ++li) {
    LinePen pen;
    pen.base_y = top + 1.1 * h + li * plan.pitch_ratio * h + uni(rng, -0.08, 0.08) * h;
    pen.slope = uni(rng, -0.006, 0.006);
    pen.x0 = pen.x = plan.mx + static_cast<int>(uni(rng, 0, 0.04) * cfg.width);
    pen.line = written;
    const std::vector<std::string> words = cfg.text.empty() ? write_random_words(d, pen, cfg, plan, dict, maker, rng)
                                                            : write_fixed_line(d, pen, fixed[li], h, rng);
    if (words.empty()) continue;
    for (size_t k = 0; k < words.size(); ++k) d.text += (k ? " " : "") + words[k];
    d.text += '\n';
    ++written;
  }
  return d;
}

// ---- Form pages: printed fields with writing in them. ----

// Rulings: 1-4 px thick, thinner for small writing (each field its own).
struct Ruling {
  int thick = 1;
};

Ruling plan_ruling(double h, Rng& rng) {
  return {uni_int(rng, 1, std::clamp(static_cast<int>(std::lround(h / 15)), 1, 4))};
}

// The form's print colour (BGR): black, grey or a drop-out colour (blue, green, red) that forms are printed in so
// that scanners can filter it out.
cv::Vec3d print_colour(Rng& rng) {
  const int colour = uni_int(rng, 0, 4);
  const double v = uni(rng, 0, 1);
  if (colour == 0) return {20 + 40 * v, 20 + 40 * v, 20 + 40 * v};
  if (colour == 1) return {90 + 50 * v, 90 + 50 * v, 90 + 50 * v};
  if (colour == 2) return {200 + 40 * v, 140 + 40 * v, 60 + 40 * v};
  if (colour == 3) return {90 + 40 * v, 170 + 30 * v, 60 + 40 * v};
  return {70 + 40 * v, 70 + 40 * v, 200 + 40 * v};
}

void rule(Drawing& d, cv::Point a, cv::Point b, const Ruling& r) {
  cv::line(d.print, a, b, cv::Scalar(1.0), r.thick, cv::LINE_8);
}

// A scan breaks thin rulings here and there: a few short gaps along a drawn segment.
void break_ruling(Drawing& d, cv::Point a, cv::Point b, const Ruling& r, Rng& rng) {
  if (!chance(rng, 0.3)) return;
  const int n = uni_int(rng, 1, 3);
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  for (int i = 0; i < n && len > 20; ++i) {
    const double t = uni(rng, 0.1, 0.9), gap = uni(rng, 1, 3) / len;
    const cv::Point p(int(a.x + (b.x - a.x) * t), int(a.y + (b.y - a.y) * t));
    const cv::Point q(int(a.x + (b.x - a.x) * (t + gap)), int(a.y + (b.y - a.y) * (t + gap)));
    cv::line(d.print, p, q, cv::Scalar(0.0), r.thick + 2, cv::LINE_8);
  }
}

void frame(Drawing& d, const cv::Rect& f, const Ruling& r, Rng& rng) {
  const cv::Point tl = f.tl(), tr(f.x + f.width, f.y), bl(f.x, f.y + f.height), br = f.br();
  for (auto [a, b] : {std::pair{tl, tr}, std::pair{bl, br}, std::pair{tl, bl}, std::pair{tr, br}}) {
    rule(d, a, b, r);
    break_ruling(d, a, b, r, rng);
  }
}

// Draws a word's glyphs with their baseline at `base_y` from x, ending the field's text line.
void write_words(Drawing& d, const std::vector<PlacedWord>& words, const std::vector<int>& gaps, int x, double base_y,
                 int line, double h, Rng& rng) {
  LinePen pen;
  pen.base_y = base_y;
  pen.slope = uni(rng, -0.002, 0.002);
  pen.x0 = pen.x = x;
  pen.line = line;
  for (size_t i = 0; i < words.size(); ++i) {
    pen.x += gaps[i];
    paste_word(d, pen, words[i], static_cast<int>(i), h, rng);
  }
}

// Random words for a field `room` pixels wide: as many as fit, at least one (shortened to fit when needed).
std::vector<std::string> words_for(double room, int max_words, const PagePlan& plan, const SynthConfig& cfg,
                                   const std::vector<std::string>& dict, const GlyphMaker& maker,
                                   std::vector<PlacedWord>& placed, std::vector<int>& gaps, Rng& rng) {
  std::vector<std::string> words;
  double used = 0;
  for (int tries = 0; tries < kWordDrawsPerLine && static_cast<int>(words.size()) < max_words; ++tries) {
    const std::string w = random_word(cfg.words, dict, maker, rng);
    PlacedWord pw = lay_out_word(w, plan.hand, maker, rng);
    const int gap = words.empty() ? 0 : word_gap(plan, rng);
    if (used + gap + pw.width > room) {
      if (!words.empty()) break;
      continue;
    }
    used += gap + pw.width;
    words.push_back(w);
    placed.push_back(std::move(pw));
    gaps.push_back(gap);
  }
  return words;
}

void end_field_line(Drawing& d, SynthField& f, const std::vector<std::string>& words, int& line) {
  if (words.empty()) return;
  for (size_t k = 0; k < words.size(); ++k) d.text += (k ? " " : "") + words[k];
  d.text += '\n';
  f.line = line++;
}

// A framed field: a line of words inside a box, close to its frame (sometimes over its bottom edge).
void box_field(Drawing& d, cv::Rect area, const PagePlan& plan, const SynthConfig& cfg,
               const std::vector<std::string>& dict, const GlyphMaker& maker, int& line, Rng& rng) {
  const double h = plan.hand.h;
  const Ruling r = plan_ruling(h, rng);
  const int fw = static_cast<int>(area.width * uni(rng, 0.5, 1.0)), fh = static_cast<int>(h * uni(rng, 1.5, 2.0));
  const cv::Rect f(area.x + uni_int(rng, 0, area.width - fw), area.y, fw, fh);
  frame(d, f, r, rng);
  SynthField field{"box", f, {}, -1};
  const double pad = h * uni(rng, 0.1, 0.35);
  std::vector<PlacedWord> placed;
  std::vector<int> gaps;
  const auto words = words_for(fw - 2 * pad, 4, plan, cfg, dict, maker, placed, gaps, rng);
  write_words(d, placed, gaps, f.x + static_cast<int>(pad), f.y + fh - h * uni(rng, 0.05, 0.35), line, h, rng);
  end_field_line(d, field, words, line);
  d.fields.push_back(field);
}

// A comb: a row of boxes, one glyph each, centred with a writer's jitter (some touch or cross a wall); one empty
// box between words, and the boxes after the text left empty.
void comb_field(Drawing& d, cv::Rect area, const PagePlan& plan, const SynthConfig& cfg,
                const std::vector<std::string>& dict, const GlyphMaker& maker, int& line, Rng& rng) {
  const double h = plan.hand.h;
  const Ruling r = plan_ruling(h, rng);
  const int cw = static_cast<int>(h * uni(rng, 0.95, 1.35)), ch = static_cast<int>(h * uni(rng, 1.3, 1.7));
  const int n = uni_int(rng, std::min(4, area.width / cw), std::min(16, area.width / cw));
  if (n < 1) return;
  const cv::Rect f(area.x + uni_int(rng, 0, area.width - n * cw), area.y, n * cw, ch);
  SynthField field{"comb", f, {}, -1};
  rule(d, f.tl(), cv::Point(f.x + f.width, f.y), r);
  rule(d, cv::Point(f.x, f.y + ch), f.br(), r);
  for (int i = 0; i <= n; ++i) rule(d, cv::Point(f.x + i * cw, f.y), cv::Point(f.x + i * cw, f.y + ch), r);
  break_ruling(d, cv::Point(f.x, f.y + ch), f.br(), r, rng);
  for (int i = 0; i < n; ++i) field.cells.emplace_back(f.x + i * cw, f.y, cw, ch);
  // The words, letters in consecutive cells, an empty cell between words.
  std::vector<std::string> words;
  int cell = 0;
  for (int tries = 0; tries < kWordDrawsPerLine && cell < n; ++tries) {
    std::string w = random_word(cfg.words, dict, maker, rng);
    if (cell + static_cast<int>(w.size()) > n) continue;
    Hand hand = plan.hand;
    hand.h = std::min(h, ch * 0.8);
    for (char c : w) {
      ShapedGlyph g = maker.make(c, hand, rng);
      if (g.ink.cols > cw * 1.05)
        cv::resize(g.ink, g.ink, cv::Size(static_cast<int>(cw * 1.05), g.ink.rows), 0, 0, cv::INTER_AREA);
      const int gx = f.x + cell * cw + (cw - g.ink.cols) / 2 + static_cast<int>(uni(rng, -0.12, 0.12) * cw);
      const int gy = f.y + (ch - g.ink.rows) / 2 + static_cast<int>(uni(rng, -0.1, 0.1) * ch);
      paste_glyph(d, g, gx, gy, line, static_cast<int>(words.size()));
      ++cell;
    }
    words.push_back(w);
    cell += 1 + (chance(rng, 0.2) ? 1 : 0);  // sometimes two empty cells: still one space
    if (chance(rng, 0.3)) break;             // the rest of the comb left empty
  }
  end_field_line(d, field, words, line);
  d.fields.push_back(field);
}

// Writing on a printed line: the baseline near the rule, some letters sitting on it, some crossing it.
void ruled_field(Drawing& d, cv::Rect area, const PagePlan& plan, const SynthConfig& cfg,
                 const std::vector<std::string>& dict, const GlyphMaker& maker, int& line, Rng& rng) {
  const double h = plan.hand.h;
  const Ruling r = plan_ruling(h, rng);
  const int lw = static_cast<int>(area.width * uni(rng, 0.5, 1.0)), lx = area.x + uni_int(rng, 0, area.width - lw);
  const int ly = area.y + static_cast<int>(1.35 * h);
  rule(d, cv::Point(lx, ly), cv::Point(lx + lw, ly), r);
  break_ruling(d, cv::Point(lx, ly), cv::Point(lx + lw, ly), r, rng);
  SynthField field{"line", cv::Rect(lx, area.y, lw, ly - area.y), {}, -1};
  const double lead = h * uni(rng, 0.0, 0.5);
  std::vector<PlacedWord> placed;
  std::vector<int> gaps;
  const auto words = words_for(lw - lead, 6, plan, cfg, dict, maker, placed, gaps, rng);
  write_words(d, placed, gaps, lx + static_cast<int>(lead), ly + h * uni(rng, -0.12, 0.08), line, h, rng);
  end_field_line(d, field, words, line);
  d.fields.push_back(field);
}

// A table: rows x columns of cells, most holding a short word or number, written row by row.
void grid_field(Drawing& d, cv::Rect area, int rows, const PagePlan& plan, const SynthConfig& cfg,
                const std::vector<std::string>& dict, const GlyphMaker& maker, int& line, Rng& rng) {
  const double h = plan.hand.h;
  const Ruling r = plan_ruling(h, rng);
  const int cols = uni_int(rng, 2, 4), rh = static_cast<int>(h * uni(rng, 1.6, 2.0));
  const int tw = static_cast<int>(area.width * uni(rng, 0.7, 1.0)), tx = area.x + uni_int(rng, 0, area.width - tw);
  std::vector<int> xs{tx};  // column walls: random proportions
  std::vector<double> share(static_cast<size_t>(cols));
  double total = 0;
  for (auto& v : share) total += v = uni(rng, 0.7, 1.3);
  for (int c = 0; c < cols; ++c) xs.push_back(xs.back() + static_cast<int>(tw * share[size_t(c)] / total));
  for (int k = 0; k <= rows; ++k) {
    const cv::Point a(tx, area.y + k * rh), b(xs.back(), area.y + k * rh);
    rule(d, a, b, r);
    break_ruling(d, a, b, r, rng);
  }
  for (int x : xs) rule(d, cv::Point(x, area.y), cv::Point(x, area.y + rows * rh), r);
  for (int k = 0; k < rows; ++k)
    for (int c = 0; c < cols; ++c) {
      const cv::Rect cell(xs[size_t(c)], area.y + k * rh, xs[size_t(c) + 1] - xs[size_t(c)], rh);
      SynthField field{"cell", cell, {}, -1};
      if (chance(rng, 0.8)) {
        const double pad = h * uni(rng, 0.15, 0.4);
        std::vector<PlacedWord> placed;
        std::vector<int> gaps;
        const auto words = words_for(cell.width - 2 * pad, 2, plan, cfg, dict, maker, placed, gaps, rng);
        write_words(d, placed, gaps, cell.x + static_cast<int>(pad), cell.y + rh - h * uni(rng, 0.15, 0.4), line, h,
                    rng);
        end_field_line(d, field, words, line);
      }
      d.fields.push_back(field);
    }
}

// Fields down the page until it is full, each kind as cfg.form says (or drawn per field for kMixed).
Drawing write_form(const SynthConfig& cfg, const PagePlan& plan, const std::vector<std::string>& dict,
                   const GlyphMaker& maker, Rng& rng) {
  const double h = plan.hand.h;
  Drawing d;
  d.ink = cv::Mat::zeros(cfg.height, cfg.width, CV_32F);
  d.print = cv::Mat::zeros(cfg.height, cfg.width, CV_32F);
  d.print_bgr = print_colour(rng);
  const int x0 = plan.mx, width = cfg.width - 2 * plan.mx;
  double y = plan.my;
  int line = 0;
  for (;;) {
    SynthForm kind = cfg.form;
    if (kind == SynthForm::kMixed) kind = static_cast<SynthForm>(uni_int(rng, 1, 4));
    const int grid_rows = kind == SynthForm::kGrid ? uni_int(rng, 2, 3) : 0;
    const double need = kind == SynthForm::kGrid ? grid_rows * 2.0 * h : 2.0 * h;
    if (y + need > cfg.height - plan.my) break;
    const cv::Rect area(x0, static_cast<int>(y), width, static_cast<int>(need));
    if (kind == SynthForm::kBox) box_field(d, area, plan, cfg, dict, maker, line, rng);
    if (kind == SynthForm::kComb) comb_field(d, area, plan, cfg, dict, maker, line, rng);
    if (kind == SynthForm::kRuled) ruled_field(d, area, plan, cfg, dict, maker, line, rng);
    if (kind == SynthForm::kGrid) grid_field(d, area, grid_rows, plan, cfg, dict, maker, line, rng);
    y += need + h * uni(rng, 0.5, 1.2);
  }
  if (d.fields.empty()) throw std::runtime_error("synth: page too small for a form field at this character height");
  return d;
}

// Skews the whole sheet, as if the phone was held at an angle: the page's rotation, its turned ink, and every
// glyph's box on the turned page.
cv::Mat turn_sheet(Drawing& d, double skew_deg, SynthPage& page) {
  const int W = d.ink.cols, H = d.ink.rows;
  const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(W / 2.0f, H / 2.0f), skew_deg, 1.0);
  cv::Mat turned;
  cv::warpAffine(d.ink, turned, m, d.ink.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  auto turn = [&](const cv::Rect& r) {
    std::vector<cv::Point2f> corners = {{float(r.x), float(r.y)},
                                        {float(r.br().x), float(r.y)},
                                        {float(r.x), float(r.br().y)},
                                        {float(r.br().x), float(r.br().y)}},
                             out;
    cv::transform(corners, out, m);
    return cv::boundingRect(out) & cv::Rect(0, 0, W, H);
  };
  for (PlacedGlyph& g : d.glyphs) g.box = turn(g.rect);
  if (!d.print.empty()) cv::warpAffine(d.print, d.print, m, d.print.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  for (SynthField& f : d.fields) {
    f.box = turn(f.box);
    for (auto& c : f.cells) c = turn(c);
  }
  page.rotation = cv::Matx23d(m);
  return turned;
}

}  // namespace

std::vector<std::string> load_words(const std::string& path) {
  // Single letters of a list are mostly initials, not words; a 10-letter word at the largest character height
  // already spans about half the default page width.
  constexpr size_t kMinLetters = 2, kMaxLetters = 10;
  std::vector<std::string> words;
  std::ifstream in(path);
  if (in) {
    std::string line;
    while (std::getline(in, line)) {
      std::string up = upper_letter_word(line, kMinLetters, kMaxLetters);
      if (!up.empty()) words.push_back(std::move(up));
    }
    // Keep the first spelling of each word (the list has "Ada" and "ada"), in file order.
    std::vector<std::string> sorted = words;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> uniq;
    uniq.reserve(words.size());
    std::vector<bool> used(sorted.size(), false);
    for (const auto& w : words) {
      const size_t i = std::lower_bound(sorted.begin(), sorted.end(), w) - sorted.begin();
      if (!used[i]) {
        used[i] = true;
        uniq.push_back(w);
      }
    }
    words = std::move(uniq);
  }
  if (words.empty()) words.assign(std::begin(kBuiltinWords), std::end(kBuiltinWords));
  return words;
}

// Every phase draws from the one page rng in this order; reordering them changes every page.
SynthPage synth_page(const SynthConfig& cfg, const Dataset* glyphs, uint64_t seed) {
  check_page_config(cfg);
  std::seed_seq sseq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  Rng rng(sseq);
  const GlyphMaker maker(cfg, glyphs);
  check_fixed_text(cfg, maker);
  const std::vector<std::string> dict = usable_dictionary(cfg, maker);
  PagePlan plan = plan_page(cfg, rng);
  Drawing drawing;
  if (cfg.form == SynthForm::kNone) {
    const std::vector<FixedLine> fixed = lay_out_fixed_text(cfg, plan, maker, rng);
    const int n_lines = count_lines(cfg, plan, rng);
    drawing = write_lines(cfg, plan, fixed, n_lines, dict, maker, rng);
  } else {
    drawing = write_form(cfg, plan, dict, maker, rng);
  }
  SynthPage page;
  const cv::Mat turned = turn_sheet(drawing, plan.skew, page);
  page.text = std::move(drawing.text);
  page.glyphs = std::move(drawing.glyphs);
  page.fields = std::move(drawing.fields);
  page.image = render_photo(turned, {drawing.print, drawing.print_bgr}, rng);
  return page;
}

std::vector<std::string> synth_pages(const SynthConfig& cfg, const Dataset* glyphs, const std::string& out_dir,
                                     int pages, uint64_t seed) {
  if (pages < 1 || pages > 100000) throw std::runtime_error("synth: --pages must be 1..100000");
  if (cfg.format != "png" && cfg.format != "jpg" && cfg.format != "bmp" && cfg.format != "tif" && cfg.format != "pdf")
    throw std::runtime_error("synth: format must be png, jpg, bmp, tif or pdf, not " + cfg.format);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (!std::filesystem::is_directory(out_dir)) throw std::runtime_error(out_dir + ": cannot create folder");
  std::vector<std::string> written;
  for (int i = 0; i < pages; ++i) {
    const SynthPage page = synth_page(cfg, glyphs, mix64(seed ^ mix64(static_cast<uint64_t>(i))));
    char name[32];
    std::snprintf(name, sizeof name, "page_%03d", i);
    const std::string stem = (std::filesystem::path(out_dir) / name).string();
    std::vector<unsigned char> buf;
    if (cfg.format == "pdf") {  // one page, its JPEG inside, at kPdfDpi: read at that --dpi it has these pixels
      const std::vector<unsigned char> jpeg = encode_image(page.image, "jpg", 90, stem + ".pdf");
      const std::string pdf =
          pdf_of_jpegs({{std::string(jpeg.begin(), jpeg.end()), page.image.size(), false}}, kPdfDpi);
      buf.assign(pdf.begin(), pdf.end());
    } else {
      buf = encode_image(page.image, cfg.format, 90, stem + "." + cfg.format);
    }
    // Text first: a reader that sees the image can rely on its ground truth being there.
    write_file_atomic(stem + ".txt", page.text);
    if (cfg.boxes) {
      auto box = [](const cv::Rect& r) { return nlohmann::json::array({r.x, r.y, r.width, r.height}); };
      nlohmann::json j;
      const cv::Matx23d& m = page.rotation;
      j["rotation"] = {{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}};
      j["glyphs"] = nlohmann::json::array();
      for (const auto& g : page.glyphs)
        j["glyphs"].push_back({{"ch", std::string(1, g.ch)},
                               {"sample", g.sample},
                               {"box", box(g.box)},
                               {"rect", box(g.rect)},
                               {"line", g.line},
                               {"word", g.word}});
      if (cfg.form != SynthForm::kNone) {
        j["fields"] = nlohmann::json::array();
        for (const auto& f : page.fields) {
          nlohmann::json cells = nlohmann::json::array();
          for (const auto& c : f.cells) cells.push_back(box(c));
          j["fields"].push_back({{"kind", f.kind}, {"box", box(f.box)}, {"cells", cells}, {"line", f.line}});
        }
      }
      write_file_atomic(stem + ".json", j.dump() + "\n");
    }
    write_file_atomic(stem + "." + cfg.format, std::string(buf.begin(), buf.end()));
    written.push_back(stem + "." + cfg.format);
  }
  return written;
}

}  // namespace scrawl
