#include "scrawl/image/segment.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <opencv2/imgproc.hpp>

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
  double ysum = 0;
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
void refine_extent(Piece& p, const cv::Mat& labels, const Deskew& d) {
  if (std::abs(d.s) < 0.03) return;  // under ~2 degrees the box is exact enough
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
double estimate_skew(const std::vector<Piece>& pieces, double char_h, double max_deg) {
  if (pieces.size() < 3) return 0;
  const double bin = std::max(char_h / 3, 1.0);
  double best = 0, best_score = -1;
  for (double deg = -max_deg; deg <= max_deg + 1e-9; deg += 0.5) {
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
std::vector<Piece> split_piece(const Piece& p, int parts, const cv::Mat& labels, const Deskew& d) {
  std::vector<int> col(p.box.width, 0);
  for (int y = p.box.y; y < p.box.y + p.box.height; ++y) {
    const int* l = labels.ptr<int>(y);
    for (int x = p.box.x; x < p.box.x + p.box.width; ++x)
      if (std::find(p.labels.begin(), p.labels.end(), l[x]) != p.labels.end()) ++col[x - p.box.x];
  }
  std::vector<int> cuts{0};
  const double step = double(p.box.width) / parts;
  for (int k = 1; k < parts; ++k) {
    const int centre = int(k * step), r = std::max(1, int(step * 0.35));
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
    if (means >= cfg.space_means && step >= cfg.space_step && step > best_step) {
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
  } else if (median(g) > cfg.space_alone) {
    // One population of gaps, and wide ones: every glyph stands alone (a list of letters, a row of digits).
    for (size_t i = 0; i < g.size(); ++i) brk[i] = g[i] > cfg.gap_floor;
  }
  return brk;
}

PageLayout segment(const cv::Mat& gray, const SegmentConfig& cfg, double scale) {
  return segment_mask(binarize(gray, cfg.binarize).mask, cfg, scale);
}

PageLayout segment_mask(const cv::Mat& ink, const SegmentConfig& cfg, double scale) {
  PageLayout page;
  page.size = cv::Size(int(std::lround(ink.cols * scale)), int(std::lround(ink.rows * scale)));
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  if (n <= 1) return page;
  const double sw = std::max(1.0, stroke_width(ink));

  // Typical character height: the median height of components that are more than specks.
  std::vector<double> hs;
  for (int i = 1; i < n; ++i) {
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    if (h >= 3 * sw && h < ink.rows / 2 && w < ink.cols / 2) hs.push_back(h);
  }
  if (hs.empty()) return page;
  const double char_h = median(hs);
  page.stroke_width = sw * scale;
  page.char_height = char_h * scale;

  std::vector<Piece> mains, smalls;
  for (int i = 1; i < n; ++i) {
    Piece p;
    p.box = cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                     stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    p.labels = {i};
    p.area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (p.box.height > cfg.max_char_height * char_h || p.box.width > cfg.max_char_height * 2 * char_h) continue;
    if (p.box.width < cfg.min_speck * sw && p.box.height < cfg.min_speck * sw) continue;
    if (p.area < 0.5 * sw * sw) continue;
    if (p.box.height >= cfg.min_char_height * char_h)
      mains.push_back(p);
    else
      smalls.push_back(p);
  }
  if (mains.empty()) return page;

  page.skew_degrees = estimate_skew(mains, char_h, cfg.max_skew_degrees);
  const double a = page.skew_degrees * CV_PI / 180;
  const Deskew d{std::cos(a), std::sin(a)};
  for (auto& p : mains) {
    place(p, d);
    refine_extent(p, labels, d);
  }
  for (auto& p : smalls) {
    place(p, d);
    refine_extent(p, labels, d);
  }

  // Lines: chain pieces left to right, each joining the line whose tracked centre is nearest.
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
    L.y = L.pieces.empty() ? p.cy : 0.3 * L.y + 0.7 * p.cy;  // mostly the newest glyph: follows waves
    L.right = std::max(L.right, p.x1);
    L.ysum += p.cy;
    L.pieces.push_back(p);
  }

  // Small pieces: parts of a character above or below it, or punctuation sitting on the baseline.
  for (auto& sp : smalls) {
    int best = -1;
    double best_dy = 1e18;
    for (size_t k = 0; k < lines.size(); ++k) {
      double top = 1e18, bot = -1e18, x0 = 1e18, x1 = -1e18;
      for (const auto& p : lines[k].pieces) {
        const double hh = p.box.height * d.c / 2;
        top = std::min(top, p.cy - hh);
        bot = std::max(bot, p.cy + hh);
        x0 = std::min(x0, p.x0);
        x1 = std::max(x1, p.x1);
      }
      const double mid = (top + bot) / 2, dy = std::abs(sp.cy - mid);
      const bool inside = sp.cy > top - 0.25 * char_h && sp.cy < bot + 0.25 * char_h && sp.x1 > x0 - char_h &&
                          sp.x0 < x1 + cfg.line_gap * char_h;
      if (inside && dy < best_dy) {
        best = int(k);
        best_dy = dy;
      }
    }
    if (best < 0) continue;
    auto& L = lines[best];
    // Overlapping a character horizontally: a detached stroke of it.
    int host = -1;
    double host_ov = 0;
    for (size_t j = 0; j < L.pieces.size(); ++j) {
      const double ov = std::min(sp.x1, L.pieces[j].x1) - std::max(sp.x0, L.pieces[j].x0);
      if (ov > host_ov) {
        host_ov = ov;
        host = int(j);
      }
    }
    // Within a character's columns and touching its box (give or take a stroke): a detached stroke of it.
    if (host >= 0 && host_ov > 0.6 * (sp.x1 - sp.x0) &&
        std::abs(sp.cy - L.pieces[host].cy) < (sp.box.height + L.pieces[host].box.height) / 2.0 + 0.25 * char_h) {
      L.pieces[host] = merged(L.pieces[host], sp, d);
      continue;
    }
    // A period: small, roundish, in the lower part of the line.
    const double w = sp.box.width, h = sp.box.height;
    double top = 1e18, bot = -1e18;
    for (const auto& p : L.pieces) {
      top = std::min(top, p.cy - p.box.height * d.c / 2);
      bot = std::max(bot, p.cy + p.box.height * d.c / 2);
    }
    const bool round = std::min(w, h) >= 0.4 * std::max(w, h) && std::max(w, h) <= cfg.period_max * char_h &&
                       std::max(w, h) >= 0.8 * sw;
    if (round && sp.cy > top + cfg.period_low * (bot - top) && sp.area >= 0.5 * sw * sw) {
      sp.punct = '.';
      L.pieces.push_back(sp);
    }
  }

  // Lines that are fragments of one another (same band, no horizontal overlap) are joined.
  std::sort(lines.begin(), lines.end(),
            [](const LineBuild& p, const LineBuild& q) { return p.ysum / p.pieces.size() < q.ysum / q.pieces.size(); });

  for (auto& L : lines) {
    auto& ps = L.pieces;
    std::sort(ps.begin(), ps.end(), [](const Piece& p, const Piece& q) { return p.cx < q.cx; });
    // Broken characters: pieces sharing most of their horizontal extent.
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
    // Touching characters: pieces much wider than the line's typical character get a proposed cut.
    std::vector<double> ws, lh;
    for (const auto& p : ps)
      if (!p.punct) {
        ws.push_back(p.box.width);
        lh.push_back(p.box.height);
      }
    const double typical_w = std::max(median(ws), 0.5 * median(lh));
    for (auto& p : ps) {
      const int parts = int(std::lround(p.box.width / typical_w));
      if (!p.punct && p.box.width > cfg.split_width * typical_w && parts >= 2 && p.box.width > 1.2 * p.box.height)
        p.parts = split_piece(p, parts, labels, d);
    }
    // Broken characters whose pieces barely overlap (a G drawn in two strokes, a W with a gap at a join): two
    // narrow neighbours that touch and together are no wider than one character are proposed as one cell, which
    // keeps them as its parts; the recognizer decides.
    for (size_t j = 0; j + 1 < ps.size(); ++j) {
      Piece &a = ps[j], &b = ps[j + 1];
      if (a.punct || b.punct || !a.parts.empty() || !b.parts.empty() || a.joined) continue;
      const double narrow = cfg.join_narrow * typical_w;
      if (b.x0 - a.x1 > cfg.join_gap * char_h || a.x1 - a.x0 > narrow || b.x1 - b.x0 > narrow ||
          std::max(a.x1, b.x1) - std::min(a.x0, b.x0) > cfg.join_width * typical_w)
        continue;
      Piece m = merged(a, b, d);
      m.parts = {a, b};
      m.joined = true;
      ps[j] = std::move(m);
      ps.erase(ps.begin() + long(j) + 1);
    }
  }

  // Words and glyphs, mapped back to original coordinates.
  auto to_orig = [&](const cv::Rect& r) {
    return cv::Rect(int(std::lround(r.x * scale)), int(std::lround(r.y * scale)), int(std::lround(r.width * scale)),
                    int(std::lround(r.height * scale)));
  };
  // The piece's own ink (its components, within its box) as a binary crop.
  auto crop_of = [&](const Piece& p) {
    cv::Mat crop = cv::Mat::zeros(p.box.size(), CV_8U);
    for (int y = 0; y < p.box.height; ++y) {
      const int* l = labels.ptr<int>(p.box.y + y) + p.box.x;
      uint8_t* c = crop.ptr<uint8_t>(y);
      for (int x = 0; x < p.box.width; ++x)
        if (l[x] && std::find(p.labels.begin(), p.labels.end(), l[x]) != p.labels.end()) c[x] = 255;
    }
    return crop;
  };
  for (auto& L : lines) {
    const auto& ps = L.pieces;
    if (ps.empty()) continue;
    std::vector<double> gaps, lh;
    for (size_t j = 0; j + 1 < ps.size(); ++j) gaps.push_back(ps[j + 1].x0 - ps[j].x1);
    for (const auto& p : ps)
      if (!p.punct) lh.push_back(p.box.height);
    const std::vector<bool> brk = word_breaks(gaps, lh.empty() ? char_h : median(lh), cfg);
    Line line;
    Word word;
    cv::Rect lbox, wbox;
    for (size_t j = 0; j < ps.size(); ++j) {
      const Piece& p = ps[j];
      Glyph g;
      g.box = to_orig(p.box);
      g.punct = p.punct;
      g.joined = p.joined;
      if (!p.punct) {
        g.norm = normalize_glyph(crop_of(p), cfg.normalize);
        for (const Piece& q : p.parts) {
          Glyph part;
          part.box = to_orig(q.box);
          part.norm = normalize_glyph(crop_of(q), cfg.normalize);
          g.parts.push_back(std::move(part));
        }
      }
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
    page.lines.push_back(std::move(line));
  }
  return page;
}

}  // namespace scrawl
