#include "scrawl/image/segment.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "scrawl/image/form_layout.h"

namespace scrawl {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// A character candidate: one or more connected components, in working pixels.
struct Piece {
  cv::Rect box;
  std::vector<int> labels;
  int area = 0;
  double cx = 0, cy = 0;  // deskewed centre
  double x0 = 0, x1 = 0;  // deskewed horizontal extent
  char punct = 0;
  std::vector<Piece> parts;  // a possible cut into touching characters (see Glyph::parts)
  bool joined = false;       // ... or the separate pieces this one joins (see Glyph::joined)
};

struct LineBuild {
  std::vector<Piece> pieces;
  double y = 0;      // deskewed centre line, tracked along the line (follows wavy baselines)
  double right = 0;  // deskewed right end so far
  // Sum and count of the main pieces' centres: their mean orders the lines. Small pieces attached later (periods,
  // detached strokes) do not count, so a period does not drag a short line up.
  double ysum = 0;
  int mains = 0;
};

// Rotating by -skew makes text lines horizontal: deskewed coordinates.
struct Deskew {
  double c = 1, s = 0;
  double x(double px, double py) const { return px * c + py * s; }
  double y(double px, double py) const { return py * c - px * s; }
};

void place(Piece& p, const Deskew& d) {
  const double cx = p.box.x + p.box.width / 2.0, cy = p.box.y + p.box.height / 2.0;
  p.cx = d.x(cx, cy);
  p.cy = d.y(cx, cy);
  // Extent of the rotated box along the deskewed x axis.
  const double hw = (p.box.width * d.c + p.box.height * std::abs(d.s)) / 2;
  p.x0 = p.cx - hw;
  p.x1 = p.cx + hw;
}

// Exact deskewed horizontal extent from the piece's own pixels (a tilted box overstates it).
void refine_extent(Piece& p, const cv::Mat& labels, const Deskew& d, const SegmentConfig& cfg) {
  if (std::abs(d.s) < cfg.exact_box_skew) return;
  double lo = 1e18, hi = -1e18;
  for (int y = p.box.y; y < p.box.y + p.box.height; ++y) {
    const int* l = labels.ptr<int>(y);
    for (int x = p.box.x; x < p.box.x + p.box.width; ++x)
      if (l[x] && std::find(p.labels.begin(), p.labels.end(), l[x]) != p.labels.end()) {
        const double xr = d.x(x, y);
        lo = std::min(lo, xr);
        hi = std::max(hi, xr + 1);
      }
  }
  if (lo < hi) {
    p.x0 = lo;
    p.x1 = hi;
  }
}

Piece merged(const Piece& a, const Piece& b, const Deskew& d) {
  Piece m;
  m.box = a.box | b.box;
  m.labels = a.labels;
  m.labels.insert(m.labels.end(), b.labels.begin(), b.labels.end());
  m.area = a.area + b.area;
  place(m, d);
  m.x0 = std::min(a.x0, b.x0);
  m.x1 = std::max(a.x1, b.x1);
  return m;
}

// Skew angle that makes the piece centres fall into the fewest, fullest horizontal bands.
double estimate_skew(const std::vector<Piece>& pieces, double char_h, const SegmentConfig& cfg) {
  if (pieces.size() < 3) return 0;
  const double bin = std::max(char_h / cfg.skew_bands, 1.0);
  double best = 0, best_score = -1;
  const double max_deg = cfg.max_skew_degrees;
  for (double deg = -max_deg; deg <= max_deg + 1e-9; deg += cfg.skew_step_degrees) {
    const double a = deg * CV_PI / 180;
    const Deskew d{std::cos(a), std::sin(a)};
    std::vector<double> ys;
    for (const auto& p : pieces) ys.push_back(d.y(p.box.x + p.box.width / 2.0, p.box.y + p.box.height / 2.0));
    const double lo = *std::min_element(ys.begin(), ys.end());
    std::vector<double> hist(size_t((*std::max_element(ys.begin(), ys.end()) - lo) / bin) + 2, 0);
    for (double y : ys) {
      // Split each vote between the two nearest bins so the score changes smoothly with the angle.
      const double f = (y - lo) / bin;
      const size_t i = size_t(f);
      hist[i] += 1 - (f - i);
      hist[i + 1] += f - i;
    }
    double score = 0;
    for (double h : hist) score += h * h;
    if (score > best_score + 1e-9 || (std::abs(score - best_score) <= 1e-9 && std::abs(deg) < std::abs(best))) {
      best_score = score;
      best = deg;
    }
  }
  return best;
}

// Splits a too-wide piece at the weakest ink columns near the expected character boundaries.
std::vector<Piece> split_piece(const Piece& p, int parts, const cv::Mat& labels, const Deskew& d,
                               const SegmentConfig& cfg) {
  std::vector<int> col(p.box.width, 0);
  for (int y = p.box.y; y < p.box.y + p.box.height; ++y) {
    const int* l = labels.ptr<int>(y);
    for (int x = p.box.x; x < p.box.x + p.box.width; ++x)
      if (std::find(p.labels.begin(), p.labels.end(), l[x]) != p.labels.end()) ++col[x - p.box.x];
  }
  std::vector<int> cuts{0};
  const double step = double(p.box.width) / parts;
  for (int k = 1; k < parts; ++k) {
    const int centre = int(k * step), r = std::max(1, int(step * cfg.split_search));
    int best = centre;
    for (int x = std::max(1, centre - r); x < std::min(p.box.width - 1, centre + r); ++x)
      if (col[x] < col[best]) best = x;
    cuts.push_back(best);
  }
  cuts.push_back(p.box.width);
  std::vector<Piece> out;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    Piece q = p;
    q.box = cv::Rect(p.box.x + cuts[k], p.box.y, cuts[k + 1] - cuts[k], p.box.height);
    place(q, d);
    out.push_back(q);
  }
  return out;
}

// ---- The phases of segment_mask, in the order the data flows through them. ----

// The ink's 8-connected components (label 0 is paper) and the pen's stroke width, in working pixels.
struct Components {
  cv::Mat labels, stats;
  int count = 0;  // including label 0
  double stroke_w = 1;

  cv::Rect box(int i) const {
    return cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                    stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
  }
};

Components find_components(const cv::Mat& ink) {
  Components cc;
  cv::Mat centroids;
  cc.count = cv::connectedComponentsWithStats(ink, cc.labels, cc.stats, centroids, 8, CV_32S);
  if (cc.count > 1) cc.stroke_w = std::max(1.0, stroke_width(ink));
  return cc;
}

// Typical character height: the median height of components that are more than specks; 0 when there are none.
double char_height(const Components& cc, cv::Size page, const SegmentConfig& cfg) {
  const int max_w = int(cfg.char_max_page * page.width), max_h = int(cfg.char_max_page * page.height);
  std::vector<double> hs;
  for (int i = 1; i < cc.count; ++i) {
    const cv::Rect b = cc.box(i);
    if (b.height >= cfg.char_min_strokes * cc.stroke_w && b.height < max_h && b.width < max_w) hs.push_back(b.height);
  }
  return median(hs);
}

// Character-sized pieces (mains) and the small ones that may belong to them (smalls), undeskewed; noise and page
// furniture are dropped.
struct Pieces {
  std::vector<Piece> mains, smalls;
};

Pieces sort_components(const Components& cc, double char_h, const SegmentConfig& cfg) {
  const double sw = cc.stroke_w;
  Pieces out;
  for (int i = 1; i < cc.count; ++i) {
    Piece p;
    p.box = cc.box(i);
    p.labels = {i};
    p.area = cc.stats.at<int>(i, cv::CC_STAT_AREA);
    const double max_width = cfg.line_ink ? cfg.line_max_width : cfg.max_char_height * cfg.max_char_aspect;
    if (p.box.height > cfg.max_char_height * char_h || p.box.width > max_width * char_h) continue;
    if (p.box.width < cfg.min_speck * sw && p.box.height < cfg.min_speck * sw) continue;
    if (p.area < cfg.min_speck_area * sw * sw) continue;
    (p.box.height >= cfg.min_char_height * char_h ? out.mains : out.smalls).push_back(std::move(p));
  }
  return out;
}

// Places every piece in the coordinates where lines run level; returns that rotation.
Deskew deskew(Pieces& pieces, double skew_degrees, const cv::Mat& labels, const SegmentConfig& cfg) {
  const double a = skew_degrees * CV_PI / 180;
  const Deskew d{std::cos(a), std::sin(a)};
  for (auto* set : {&pieces.mains, &pieces.smalls})
    for (auto& p : *set) {
      place(p, d);
      refine_extent(p, labels, d, cfg);
    }
  return d;
}

// Lines: chain the main pieces left to right, each joining the line whose tracked centre is nearest.
std::vector<LineBuild> chain_lines(std::vector<Piece> mains, double char_h, const SegmentConfig& cfg) {
  std::sort(mains.begin(), mains.end(), [](const Piece& p, const Piece& q) { return p.x0 < q.x0; });
  std::vector<LineBuild> lines;
  for (auto& p : mains) {
    int best = -1;
    double best_dy = 1e18;
    for (size_t k = 0; k < lines.size(); ++k) {
      const double dy = std::abs(p.cy - lines[k].y);
      if (dy < cfg.line_tolerance * char_h && p.x0 - lines[k].right < cfg.line_gap * char_h && dy < best_dy) {
        best = int(k);
        best_dy = dy;
      }
    }
    if (best < 0) {
      lines.push_back({});
      lines.back().y = p.cy;
      best = int(lines.size()) - 1;
    }
    auto& L = lines[best];
    // Mostly the newest glyph: follows waves.
    L.y = L.pieces.empty() ? p.cy : cfg.line_inertia * L.y + (1 - cfg.line_inertia) * p.cy;
    L.right = std::max(L.right, p.x1);
    L.ysum += p.cy;
    ++L.mains;
    L.pieces.push_back(std::move(p));
  }
  return lines;
}

// The deskewed rectangle a line's pieces cover.
struct Band {
  double top = 1e18, bot = -1e18, x0 = 1e18, x1 = -1e18;
};

Band band_of(const LineBuild& L, const Deskew& d) {
  Band b;
  for (const auto& p : L.pieces) {
    const double hh = p.box.height * d.c / 2;
    b.top = std::min(b.top, p.cy - hh);
    b.bot = std::max(b.bot, p.cy + hh);
    b.x0 = std::min(b.x0, p.x0);
    b.x1 = std::max(b.x1, p.x1);
  }
  return b;
}

// The line whose band (with margins) holds the small piece, nearest its middle first; -1 for none.
int line_of_small(const Piece& sp, const std::vector<LineBuild>& lines, const Deskew& d, double char_h,
                  const SegmentConfig& cfg) {
  int best = -1;
  double best_dy = 1e18;
  for (size_t k = 0; k < lines.size(); ++k) {
    const Band b = band_of(lines[k], d);
    const double dy = std::abs(sp.cy - (b.top + b.bot) / 2);
    const double margin = cfg.small_margin * char_h;
    const bool inside = sp.cy > b.top - margin && sp.cy < b.bot + margin && sp.x1 > b.x0 - cfg.small_lead * char_h &&
                        sp.x0 < b.x1 + cfg.line_gap * char_h;
    if (inside && dy < best_dy) {
      best = int(k);
      best_dy = dy;
    }
  }
  return best;
}

// Merges the small piece into the line's glyph it is a detached stroke of: within that glyph's columns and
// touching its box, give or take a stroke. False when it is no glyph's.
bool merge_into_host(LineBuild& L, const Piece& sp, const Deskew& d, double char_h, const SegmentConfig& cfg) {
  int host = -1;
  double host_ov = 0;
  for (size_t j = 0; j < L.pieces.size(); ++j) {
    const double ov = std::min(sp.x1, L.pieces[j].x1) - std::max(sp.x0, L.pieces[j].x0);
    if (ov > host_ov) {
      host_ov = ov;
      host = int(j);
    }
  }
  if (host < 0 || host_ov <= cfg.stroke_overlap * (sp.x1 - sp.x0)) return false;
  Piece& h = L.pieces[host];
  if (std::abs(sp.cy - h.cy) >= (sp.box.height + h.box.height) / 2.0 + cfg.stroke_touch * char_h) return false;
  h = merged(h, sp, d);
  return true;
}

// A period: small, roundish, in the lower part of the line's band.
bool is_period(const Piece& sp, const Band& b, double char_h, double stroke_w, const SegmentConfig& cfg) {
  const double lo = std::min(sp.box.width, sp.box.height), hi = std::max(sp.box.width, sp.box.height);
  return lo >= cfg.period_round * hi && hi <= cfg.period_max * char_h && hi >= cfg.period_min * stroke_w &&
         sp.cy > b.top + cfg.period_low * (b.bot - b.top);
}

// Small pieces: parts of a character above or below it, or punctuation sitting on the baseline. Others are noise.
void attach_smalls(std::vector<LineBuild>& lines, std::vector<Piece> smalls, const Deskew& d, double char_h,
                   double stroke_w, const SegmentConfig& cfg) {
  for (auto& sp : smalls) {
    const int k = line_of_small(sp, lines, d, char_h, cfg);
    if (k < 0) continue;
    LineBuild& L = lines[k];
    if (merge_into_host(L, sp, d, char_h, cfg)) continue;
    if (is_period(sp, band_of(L, d), char_h, stroke_w, cfg)) {
      sp.punct = '.';
      L.pieces.push_back(std::move(sp));
    }
  }
}

// Reading order: lines top to bottom by the mean deskewed height of their main pieces.
void order_lines(std::vector<LineBuild>& lines) {
  std::sort(lines.begin(), lines.end(),
            [](const LineBuild& p, const LineBuild& q) { return p.ysum / p.mains < q.ysum / q.mains; });
}

// Broken characters: neighbours sharing most of their horizontal extent become one piece.
void merge_overlapping(std::vector<Piece>& ps, const Deskew& d, const SegmentConfig& cfg) {
  for (size_t j = 0; j + 1 < ps.size();) {
    const double ov = std::min(ps[j].x1, ps[j + 1].x1) - std::max(ps[j].x0, ps[j + 1].x0);
    const double narrow = std::min(ps[j].x1 - ps[j].x0, ps[j + 1].x1 - ps[j + 1].x0);
    if (!ps[j].punct && !ps[j + 1].punct && ov > cfg.overlap_merge * narrow) {
      ps[j] = merged(ps[j], ps[j + 1], d);
      ps.erase(ps.begin() + long(j) + 1);
    } else {
      ++j;
    }
  }
}

// The line's typical character width: the median glyph width, but no narrower than its glyphs' height allows
// (a line of I's and 1's would otherwise make every letter look like touching ones).
double typical_width(const std::vector<Piece>& ps, const SegmentConfig& cfg) {
  std::vector<double> ws, hs;
  for (const auto& p : ps)
    if (!p.punct) {
      ws.push_back(p.box.width);
      hs.push_back(p.box.height);
    }
  return std::max(median(ws), cfg.typical_aspect * median(hs));
}

// Touching characters: pieces much wider than the line's typical character get a proposed cut.
void propose_cuts(std::vector<Piece>& ps, double typical_w, const cv::Mat& labels, const Deskew& d,
                  const SegmentConfig& cfg) {
  for (auto& p : ps) {
    const int parts = int(std::lround(p.box.width / typical_w));
    if (!p.punct && p.box.width > cfg.split_width * typical_w && parts >= 2 &&
        p.box.width > cfg.split_aspect * p.box.height)
      p.parts = split_piece(p, parts, labels, d, cfg);
  }
}

// Broken characters whose pieces barely overlap (a G drawn in two strokes, a W with a gap at a join): two narrow
// neighbours that touch and together are no wider than one character are proposed as one cell, which keeps them
// as its parts; the recognizer decides.
void propose_joins(std::vector<Piece>& ps, double typical_w, double char_h, const Deskew& d, const SegmentConfig& cfg) {
  for (size_t j = 0; j + 1 < ps.size(); ++j) {
    Piece &a = ps[j], &b = ps[j + 1];
    if (a.punct || b.punct || !a.parts.empty() || !b.parts.empty() || a.joined) continue;
    const double narrow = cfg.join_narrow * typical_w;
    if (b.x0 - a.x1 > cfg.join_max_gap * char_h || a.x1 - a.x0 > narrow || b.x1 - b.x0 > narrow ||
        std::max(a.x1, b.x1) - std::min(a.x0, b.x0) > cfg.join_width * typical_w)
      continue;
    Piece m = merged(a, b, d);
    m.parts = {a, b};
    m.joined = true;
    ps[j] = std::move(m);
    ps.erase(ps.begin() + long(j) + 1);
  }
}

// Dotted rulings (a form's leader lines, a faint ruling that binarized into specks): runs of at least
// cfg.leader_dots periods with nothing between them are dropped. `ps` sorted by x.
void drop_leader_dots(std::vector<Piece>& ps, const SegmentConfig& cfg) {
  std::vector<Piece> kept;
  kept.reserve(ps.size());
  for (size_t j = 0; j < ps.size();) {
    size_t end = j;
    while (end < ps.size() && ps[end].punct == '.') ++end;
    if (end == j) {
      kept.push_back(std::move(ps[j++]));
      continue;
    }
    if (int(end - j) < cfg.leader_dots)
      for (size_t k = j; k < end; ++k) kept.push_back(std::move(ps[k]));
    j = end;
  }
  ps = std::move(kept);
}

// One line's pieces become its character cells, left to right.
void make_cells(std::vector<Piece>& ps, const cv::Mat& labels, const Deskew& d, double char_h,
                const SegmentConfig& cfg) {
  std::sort(ps.begin(), ps.end(), [](const Piece& p, const Piece& q) { return p.cx < q.cx; });
  if (cfg.leader_dots > 0) drop_leader_dots(ps, cfg);
  merge_overlapping(ps, d, cfg);
  const double typical_w = typical_width(ps, cfg);
  propose_cuts(ps, typical_w, labels, d, cfg);
  propose_joins(ps, typical_w, char_h, d, cfg);
}

// Turns pieces into glyphs in original coordinates, each with its own ink normalized for the classifier.
struct GlyphMaker {
  const cv::Mat& labels;
  double scale;
  const NormalizeConfig& normalize;

  cv::Rect to_orig(const cv::Rect& r) const {
    return cv::Rect(int(std::lround(r.x * scale)), int(std::lround(r.y * scale)), int(std::lround(r.width * scale)),
                    int(std::lround(r.height * scale)));
  }
  // The piece's own ink (its components, within its box) as a binary crop.
  cv::Mat crop(const Piece& p) const {
    cv::Mat crop = cv::Mat::zeros(p.box.size(), CV_8U);
    for (int y = 0; y < p.box.height; ++y) {
      const int* l = labels.ptr<int>(p.box.y + y) + p.box.x;
      uint8_t* c = crop.ptr<uint8_t>(y);
      for (int x = 0; x < p.box.width; ++x)
        if (l[x] && std::find(p.labels.begin(), p.labels.end(), l[x]) != p.labels.end()) c[x] = 255;
    }
    return crop;
  }
  Glyph operator()(const Piece& p) const {
    Glyph g;
    g.box = to_orig(p.box);
    g.punct = p.punct;
    g.joined = p.joined;
    if (!p.punct) {
      g.norm = normalize_glyph(crop(p), normalize);
      for (const Piece& q : p.parts) {
        Glyph part;
        part.box = to_orig(q.box);
        part.norm = normalize_glyph(crop(q), normalize);
        g.parts.push_back(std::move(part));
      }
    }
    return g;
  }
};

// One line's cells grouped into words at the gaps word_breaks picks.
Line words_of(const std::vector<Piece>& ps, double char_h, const GlyphMaker& glyph, const SegmentConfig& cfg) {
  std::vector<double> gaps, lh;
  for (size_t j = 0; j + 1 < ps.size(); ++j) gaps.push_back(ps[j + 1].x0 - ps[j].x1);
  for (const auto& p : ps)
    if (!p.punct) lh.push_back(p.box.height);
  const std::vector<bool> brk = word_breaks(gaps, lh.empty() ? char_h : median(lh), cfg);
  Line line;
  Word word;
  cv::Rect lbox, wbox;
  for (size_t j = 0; j < ps.size(); ++j) {
    Glyph g = glyph(ps[j]);
    wbox = word.glyphs.empty() ? g.box : (wbox | g.box);
    word.glyphs.push_back(std::move(g));
    // A period belongs to the word before it, however far the writer put it.
    if (j + 1 == ps.size() || (brk[j] && !ps[j + 1].punct)) {
      word.box = wbox;
      lbox = line.words.empty() ? wbox : (lbox | wbox);
      line.words.push_back(std::move(word));
      word = Word{};
    }
  }
  line.box = lbox;
  return line;
}

// The line's own ink, rotated level: every non-punctuation piece's components, cut from the page through the
// rotation that undoes the skew (Line::ink), and the map from its pixels back to original coordinates.
void add_line_ink(const std::vector<Piece>& ps, const Components& cc, const Deskew& d, double scale,
                  const SegmentConfig& cfg, Line& line) {
  std::vector<uint8_t> mine(size_t(cc.count), 0);
  cv::Rect src;
  double x0 = 1e18, x1 = -1e18, y0 = 1e18, y1 = -1e18;  // deskewed extent of the pieces' boxes
  for (const auto& p : ps) {
    if (p.punct) continue;
    for (int l : p.labels) mine[size_t(l)] = 1;
    src = src.empty() ? p.box : (src | p.box);
    for (const cv::Point c : {p.box.tl(), p.box.br(), cv::Point(p.box.x, p.box.y + p.box.height),
                              cv::Point(p.box.x + p.box.width, p.box.y)}) {
      x0 = std::min(x0, d.x(c.x, c.y));
      x1 = std::max(x1, d.x(c.x, c.y));
      y0 = std::min(y0, d.y(c.x, c.y));
      y1 = std::max(y1, d.y(c.x, c.y));
    }
  }
  if (src.empty()) return;
  cv::Mat crop = cv::Mat::zeros(src.size(), CV_8U);
  for (int y = 0; y < src.height; ++y) {
    const int* l = cc.labels.ptr<int>(src.y + y) + src.x;
    uint8_t* c = crop.ptr<uint8_t>(y);
    for (int x = 0; x < src.width; ++x) c[x] = mine[size_t(l[x])] ? 255 : 0;
  }
  // Pixel (u, v) of the level ink is the deskewed point (X0 + u, Y0 + v), which the rotation by the skew puts at
  // (X0 + u) c - (Y0 + v) s, (X0 + u) s + (Y0 + v) c on the page.
  const int m = cfg.line_ink_margin;
  const double X0 = std::floor(x0) - m, Y0 = std::floor(y0) - m;
  const cv::Size size(int(std::ceil(x1 - X0)) + m, int(std::ceil(y1 - Y0)) + m);
  const cv::Matx23d to_work(d.c, -d.s, X0 * d.c - Y0 * d.s, d.s, d.c, X0 * d.s + Y0 * d.c);
  const cv::Matx23d to_crop(d.c, -d.s, to_work(0, 2) - src.x, d.s, d.c, to_work(1, 2) - src.y);
  cv::warpAffine(crop, line.ink, to_crop, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
  cv::threshold(line.ink, line.ink, 127, 255, cv::THRESH_BINARY);
  line.ink_to_page = to_work * scale;
}

}  // namespace

// Wide-spaced handwriting blurs the single jump above: letter gaps spread up towards the word gaps, so no
// consecutive pair differs by space_ratio. A smaller step is then enough when it splits the gaps into two
// populations far apart (geometric means, so one huge gap does not decide alone): the largest such step wins.
// One wide gap alone is no population (a writer's pause inside a long word): it needs the first rule.
// Returns the threshold, or 0 when the gaps are one population. `s` is sorted, in units of char height.
double two_populations(const std::vector<double>& s, const SegmentConfig& cfg) {
  const size_t n = s.size();
  std::vector<double> prefix(n + 1, 0);  // prefix sums of log widths
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + std::log(std::max(s[i], cfg.gap_floor));
  double best_step = 0, thr = 0;
  for (size_t k = 1; k + 1 < n; ++k) {  // letters s[0..k), word gaps s[k..n): at least two, a population
    if (s[k] < cfg.min_space) continue;
    const double means = std::exp((prefix[n] - prefix[k]) / double(n - k) - prefix[k] / double(k));
    const double step = s[k] / std::max(s[k - 1], cfg.gap_floor);
    if (means >= cfg.population_means_ratio && step >= cfg.population_step && step > best_step) {
      best_step = step;
      thr = (s[k - 1] + s[k]) / 2;
    }
  }
  return thr;
}

std::vector<bool> word_breaks(const std::vector<double>& gaps, double char_h, const SegmentConfig& cfg) {
  std::vector<bool> brk(gaps.size(), false);
  if (gaps.empty() || char_h <= 0) return brk;
  std::vector<double> g(gaps);
  for (double& x : g) x /= char_h;
  std::vector<double> s(g);
  std::sort(s.begin(), s.end());
  // The natural break: the largest jump (as a ratio) between consecutive sorted gaps that could start the
  // word gaps. Letter gaps vary a lot with handwriting, so a ratio is steadier than a difference.
  double best_ratio = 0, thr = 0;
  for (size_t k = 1; k < s.size(); ++k) {
    if (s[k] < cfg.min_space) continue;
    const double ratio = s[k] / std::max(s[k - 1], cfg.gap_floor);
    if (ratio > best_ratio) {
      best_ratio = ratio;
      thr = (s[k - 1] + s[k]) / 2;
    }
  }
  if (best_ratio < cfg.space_ratio) thr = two_populations(s, cfg);
  if (thr > 0) {
    for (size_t i = 0; i < g.size(); ++i) brk[i] = g[i] > thr;
  } else if (median(g) > cfg.all_spaces_median) {
    // One population of gaps, and wide ones: every glyph stands alone (a list of letters, a row of digits).
    for (size_t i = 0; i < g.size(); ++i) brk[i] = g[i] > cfg.gap_floor;
  }
  return brk;
}

// The smallest window the enlarged copy's local edge looks over (pixels): a stroke's centre and both its blurred edges.
constexpr int kMinEdgeWindow = 3;

PageLayout segment(const cv::Mat& gray, const SegmentConfig& cfg, double scale) {
  const InkMask ink = binarize(gray, cfg.binarize);
  PageLayout page =
      segment_mask(ink.mask, cfg, scale, ink.faint, [&] { return faint_line_mask(gray, ink, cfg.binarize); });
  const double char_h = page.char_height / scale;  // working pixels
  if (char_h <= 0 || char_h >= cfg.small_char_height) return page;
  // Small writing: strokes a pixel or two wide lose their shape to the threshold. Read it again enlarged, smoothly
  // interpolated, so that the ink mask and the glyphs cut from it keep the letters' shapes.
  const double f = std::min(cfg.max_upscale, cfg.upscale_char_height / char_h);
  cv::Mat larger;
  cv::resize(gray, larger, cv::Size(), f, f, cv::INTER_CUBIC);
  BinarizeConfig local = cfg.binarize;
  local.local_edge_ratio = cfg.small_edge_ratio;
  local.faint_min_contrast = cfg.small_faint_min_contrast;
  local.min_contrast = cfg.small_min_contrast;
  local.faint_line_length = int(std::lround(cfg.binarize.faint_line_length * f));
  local.faint_line_width = int(std::lround(cfg.binarize.faint_line_width * f));
  local.local_edge_window = std::max(kMinEdgeWindow, int(std::lround(cfg.small_edge_window * char_h * f)));
  const InkMask larger_ink = binarize(larger, local);
  SegmentConfig enlarged = cfg;
  enlarged.rulings.walls_in_faint = false;
  PageLayout small = segment_mask(larger_ink.mask, enlarged, scale / f, larger_ink.faint,
                                  [&] { return faint_line_mask(larger, larger_ink, local); });
  small.enlarged = true;
  return small;
}

PageLayout segment_mask(const cv::Mat& ink, const SegmentConfig& cfg, double scale, const cv::Mat& faint,
                        const std::function<cv::Mat()>& faint_lines) {
  Rulings rulings = find_rulings(ink, cfg.rulings, faint);
  if (rulings.fields.size() < cfg.rulings.faint_line_min_fields && !rulings.horizontal.empty() && !faint.empty() &&
      faint_lines) {
    const cv::Mat lines = faint_lines();
    if (!lines.empty()) {
      Rulings again = find_rulings(ink, cfg.rulings, faint | lines);
      if (again.fields.size() >= cfg.rulings.faint_line_min_fields) rulings = std::move(again);
    }
  }
  if (rulings.empty()) return segment_text(ink, cfg, scale);
  return segment_form(remove_rulings(ink, rulings), rulings, cfg, scale);
}

PageLayout segment_text(const cv::Mat& ink, const SegmentConfig& cfg, double scale) {
  PageLayout page;
  page.size = cv::Size(int(std::lround(ink.cols * scale)), int(std::lround(ink.rows * scale)));
  const Components cc = find_components(ink);
  const double char_h = char_height(cc, ink.size(), cfg);
  if (char_h <= 0) return page;
  page.stroke_width = cc.stroke_w * scale;
  page.char_height = char_h * scale;

  Pieces pieces = sort_components(cc, char_h, cfg);
  if (pieces.mains.empty()) return page;
  page.skew_degrees = estimate_skew(pieces.mains, char_h, cfg);
  const Deskew d = deskew(pieces, page.skew_degrees, cc.labels, cfg);

  std::vector<LineBuild> lines = chain_lines(std::move(pieces.mains), char_h, cfg);
  attach_smalls(lines, std::move(pieces.smalls), d, char_h, cc.stroke_w, cfg);
  order_lines(lines);

  const GlyphMaker glyph{cc.labels, scale, cfg.normalize};
  for (auto& L : lines) {
    make_cells(L.pieces, cc.labels, d, char_h, cfg);
    if (L.pieces.empty()) continue;
    page.lines.push_back(words_of(L.pieces, char_h, glyph, cfg));
    if (cfg.line_ink) add_line_ink(L.pieces, cc, d, scale, cfg, page.lines.back());
  }
  return page;
}

}  // namespace scrawl
