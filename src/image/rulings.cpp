#include "scrawl/image/rulings.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <opencv2/imgproc.hpp>

#include "scrawl/glyph/normalize.h"

namespace scrawl {

// An opening with a 1 x len line in one pass instead of len (a page-long kernel made the opening most of a page's
// reading time). Most of a mask is paper: the horizontal pass skips it 8 bytes at a time, and the vertical one keeps
// every column's run length in a branch-free row loop the compiler vectorizes, marking only where a long run ends.
// 04_deep's masks on the Zen 3 VM of session 19: 4.2 -> 1.7 ms horizontal, 5.7 -> 1.6 ms vertical, the same output as
// the per-pixel loops they replaced (tests/test_forms.cpp checks it against a brute-force reference).
cv::Mat runs_at_least(const cv::Mat& mask, int len, bool horizontal, int bridge) {
  cv::Mat out = cv::Mat::zeros(mask.size(), CV_8U);
  const int cols = mask.cols;
  if (horizontal) {
    for (int y = 0; y < mask.rows; ++y) {
      const uint8_t* m = mask.ptr<uint8_t>(y);
      uint8_t* o = out.ptr<uint8_t>(y);
      for (int x = 0; x < cols;) {
        for (uint64_t word = 0; x + 8 <= cols && (std::memcpy(&word, m + x, 8), word == 0);) x += 8;
        if (x == cols) break;
        if (!m[x]) {
          ++x;
          continue;
        }
        int end = x;  // one past the run's last ink
        for (;;) {
          while (end < cols && m[end]) ++end;
          int next = end;
          while (next < cols && !m[next] && next - end < bridge) ++next;
          if (next == end || next >= cols || !m[next]) break;
          end = next;  // a break no longer than `bridge`: the run goes on
        }
        if (end - x >= len) std::fill(o + x, o + end, uint8_t(255));
        x = end;
      }
    }
    return out;
  }
  std::vector<int> above(size_t(cols), 0), here(size_t(cols), 0);  // per column: length of the run ending in that row
  auto mark_ended = [&](const uint8_t* m, const int* run, int y_end) {  // runs that end above row y_end
    for (int x = 0; x < cols; ++x)
      if (!m[x] && run[x] >= len)
        for (int y = y_end - run[x]; y < y_end; ++y) out.at<uint8_t>(y, x) = 255;
  };
  for (int y = 0; y < mask.rows; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    const int* __restrict up = above.data();
    int* __restrict run = here.data();
    int ended = 0;
    for (int x = 0; x < cols; ++x) {
      const int ink = -int(m[x] != 0);  // all ones on ink
      run[x] = (up[x] + 1) & ink;
      ended |= ~ink & -int(up[x] >= len);
    }
    if (ended) mark_ended(m, up, y);
    above.swap(here);
  }
  const std::vector<uint8_t> paper(size_t(cols), 0);
  mark_ended(paper.data(), above.data(), mask.rows);
  return out;
}

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// Where the ink holds straight runs at least `len` long along the direction, after growing it `grow` pixels across
// (a tilted ruling's steps then overlap into one run). CV_8U, in the grown space: a superset of the ruling's ink.
cv::Mat long_runs(const cv::Mat& ink, int len, bool horizontal, int grow, int bridge = 0) {
  if (grow <= 0) return runs_at_least(ink, len, horizontal, bridge);
  cv::Mat grown;  // a new buffer: dilating into a header of `ink` would overwrite the caller's mask
  cv::dilate(
      ink, grown,
      cv::getStructuringElement(cv::MORPH_RECT, horizontal ? cv::Size(1, 2 * grow + 1) : cv::Size(2 * grow + 1, 1)));
  return runs_at_least(grown, len, horizontal, bridge);
}

// Each component of `runs` as one ruling: the least-squares centre line through the mean position of each of its
// columns (rows, for vertical ones), and the median count across as its thickness. Only ink in straight runs at
// least `core` long counts: a letter touching the ruling would otherwise pull its centre and thicken it.
std::vector<Ruling> fit_rulings(const cv::Mat& runs, const cv::Mat& all_ink, bool horizontal, int core) {
  if (cv::countNonZero(runs) == 0) return {};  // most pages: nothing to fit
  const cv::Mat ink = runs_at_least(all_ink, core, horizontal);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(runs, labels, stats, centroids, 8, CV_32S);
  std::vector<Ruling> out;
  for (int i = 1; i < n; ++i) {
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const int along = horizontal ? box.width : box.height;
    std::vector<double> count(size_t(along), 0), sum(size_t(along), 0);
    for (int y = box.y; y < box.y + box.height; ++y) {
      const int* l = labels.ptr<int>(y);
      const uint8_t* k = ink.ptr<uint8_t>(y);
      for (int x = box.x; x < box.x + box.width; ++x)
        if (l[x] == i && k[x]) {
          const size_t t = size_t(horizontal ? x - box.x : y - box.y);
          count[t] += 1;
          sum[t] += horizontal ? y : x;
        }
    }
    double s = 0, st = 0, sc = 0, stt = 0, stc = 0;  // least squares of the centre c over the position t
    std::vector<double> across;
    for (int t = 0; t < along; ++t)
      if (count[size_t(t)] > 0) {
        const double c = sum[size_t(t)] / count[size_t(t)];
        s += 1, st += t, sc += c, stt += double(t) * t, stc += t * c;
        across.push_back(count[size_t(t)]);
      }
    if (s < 2) continue;
    const double den = s * stt - st * st;
    const double slope = den > 0 ? (s * stc - st * sc) / den : 0, c0 = (sc - slope * st) / s;
    const double t0 = 0, t1 = along - 1;
    Ruling r;
    r.horizontal = horizontal;
    r.thickness = std::max(1.0, median(across));
    const double base = horizontal ? box.x : box.y;
    r.a = horizontal ? cv::Point2d(base + t0, c0 + slope * t0) : cv::Point2d(c0 + slope * t0, base + t0);
    r.b = horizontal ? cv::Point2d(base + t1, c0 + slope * t1) : cv::Point2d(c0 + slope * t1, base + t1);
    out.push_back(r);
  }
  return out;
}

// The ruling's centre across, at position `t` along it (x for horizontal rulings, y for vertical ones).
double centre_at(const Ruling& r, double t) {
  if (r.horizontal) {
    const double dx = r.b.x - r.a.x;
    return dx > 0 ? r.a.y + (t - r.a.x) * (r.b.y - r.a.y) / dx : r.a.y;
  }
  const double dy = r.b.y - r.a.y;
  return dy > 0 ? r.a.x + (t - r.a.y) * (r.b.x - r.a.x) / dy : r.a.x;
}
double start(const Ruling& r) {
  return r.horizontal ? r.a.x : r.a.y;
}
double end(const Ruling& r) {
  return r.horizontal ? r.b.x : r.b.y;
}

// Whether ink lies on the ruling's band at position `t` along it.
bool ink_on_band(const Ruling& r, const cv::Mat& ink, int t) {
  const int length = r.horizontal ? ink.cols : ink.rows;
  if (t < 0 || t >= length) return false;
  const double c = centre_at(r, t), half = r.thickness / 2;
  for (int a = int(std::floor(c - half)); a <= int(std::ceil(c + half)); ++a) {
    const int x = r.horizontal ? t : a, y = r.horizontal ? a : t;
    if (x >= 0 && y >= 0 && x < ink.cols && y < ink.rows && ink.at<uint8_t>(y, x)) return true;
  }
  return false;
}

// Follows a ruling past both ends while ink lies on its band, across gaps up to `max_gap` pixels: a scan's breaks
// leave short pieces between long ones, too short to be found on their own.
void extend(Ruling& r, const cv::Mat& ink, int max_gap) {
  const int length = r.horizontal ? ink.cols : ink.rows;
  auto on_band = [&](int t) { return ink_on_band(r, ink, t); };
  for (int dir : {-1, 1}) {
    cv::Point2d& end_point = dir < 0 ? r.a : r.b;
    const int from = int(std::lround(r.horizontal ? end_point.x : end_point.y));
    int last = from;
    for (int t = from + dir, miss = 0; miss <= max_gap && t >= 0 && t < length; t += dir) {
      if (on_band(t)) {
        last = t;
        miss = 0;
      } else {
        ++miss;
      }
    }
    if (last != from)
      end_point = r.horizontal ? cv::Point2d(last, centre_at(r, last)) : cv::Point2d(centre_at(r, last), last);
  }
}

// Pieces of one ruling that the scan broke (or that a crossing stroke split into two components) become one.
std::vector<Ruling> join_collinear(std::vector<Ruling> rs, double max_gap, double tolerance) {
  std::sort(rs.begin(), rs.end(), [](const Ruling& p, const Ruling& q) { return start(p) < start(q); });
  for (bool joined = true; joined;) {
    joined = false;
    for (size_t i = 0; i < rs.size() && !joined; ++i)
      for (size_t j = i + 1; j < rs.size() && !joined; ++j) {
        const double gap = start(rs[j]) - end(rs[i]);
        if (gap > max_gap) continue;  // sorted by start: a negative gap is an overlap
        const double at = (end(rs[i]) + start(rs[j])) / 2;
        if (std::abs(centre_at(rs[i], at) - centre_at(rs[j], at)) >
            tolerance + std::max(rs[i].thickness, rs[j].thickness))
          continue;
        if (end(rs[j]) > end(rs[i])) rs[i].b = rs[j].b;
        rs[i].thickness = std::max(rs[i].thickness, rs[j].thickness);
        rs.erase(rs.begin() + long(j));
        joined = true;
      }
  }
  return rs;
}

// Draws each ruling's band `extra` pixels wider than its thickness into `mask`.
void draw_bands(cv::Mat& mask, const std::vector<Ruling>& rs, double extra) {
  for (const auto& r : rs)
    cv::line(mask, cv::Point(int(std::lround(r.a.x)), int(std::lround(r.a.y))),
             cv::Point(int(std::lround(r.b.x)), int(std::lround(r.b.y))), cv::Scalar(255),
             std::max(1, int(std::lround(r.thickness + extra))), cv::LINE_8);
}

// Median height of the components that are more than specks and less than half the page: the writing's size.
double text_height(const cv::Mat& ink, double stroke_w) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  std::vector<double> hs;
  for (int i = 1; i < n; ++i) {
    const int h = stats.at<int>(i, cv::CC_STAT_HEIGHT), w = stats.at<int>(i, cv::CC_STAT_WIDTH);
    if (h >= 3 * stroke_w && h < ink.rows / 2 && w < ink.cols / 2) hs.push_back(h);
  }
  return median(hs);
}

// A row of walls between the same two horizontal rulings.
struct WallRow {
  int above = -1, below = -1;
  std::vector<Ruling> walls;  // left to right
};

// The nearest ruling below ruling `i` that shares most of its extent, `min_gap` to `max_gap` below it; -1 for none.
int ruling_below(const std::vector<Ruling>& hs, size_t i, double min_gap, double max_gap) {
  const Ruling& a = hs[i];
  int best = -1;
  double best_gap = max_gap;
  for (size_t j = 0; j < hs.size(); ++j) {
    const Ruling& b = hs[j];
    const double overlap = std::min(a.b.x, b.b.x) - std::max(a.a.x, b.a.x);
    if (j == i || overlap < 0.5 * std::min(a.b.x - a.a.x, b.b.x - b.a.x)) continue;
    const double xm = (std::max(a.a.x, b.a.x) + std::min(a.b.x, b.b.x)) / 2;
    const double gap = centre_at(b, xm) - centre_at(a, xm);
    if (gap >= min_gap && gap <= best_gap) {
      best = int(j);
      best_gap = gap;
    }
  }
  return best;
}

// The walls standing between two rulings: runs of columns whose ink fills nearly all the rows between them (within a
// column either side, for a slight tilt). A letter touching a wall leaves it as full as before; a letter's stroke
// rarely reaches both rulings.
// A wall's ends lie within this many pixels of the rulings' bands (which were cut out a pixel wider than measured).
constexpr int kWallReach = 2;
// A frame's side wall stands this many pixels (beyond its own width) or less from where its rulings end: the
// rulings run to the wall's outer edge, followed across breaks up to a few pixels short of it.
constexpr double kWallEndReach = 4;

// Whether `wall` stands where a frame's side would at `x`, the end of its rulings' common extent.
bool stands_at_end(const Ruling& wall, double x) {
  return std::abs(wall.a.x - x) <= wall.thickness + kWallEndReach;
}

std::vector<Ruling> find_walls(const cv::Mat& rest, const Ruling& top, const Ruling& bot, int max_break,
                               const RulingConfig& cfg) {
  const int x0 = int(std::ceil(std::max(top.a.x, bot.a.x))), x1 = int(std::floor(std::min(top.b.x, bot.b.x)));
  std::vector<uint8_t> full;
  for (int x = x0; x <= x1; ++x) {
    const int y0 = int(std::ceil(centre_at(top, x) + top.thickness / 2 + 1));
    const int y1 = int(std::floor(centre_at(bot, x) - bot.thickness / 2 - 1));
    // A wall meets both rulings; a scan's short breaks inside it count as filled.
    int filled = 0, gap = 0, first = -1, last = -1;
    for (int y = std::max(0, y0); y <= std::min(rest.rows - 1, y1); ++y) {
      const uint8_t* r = rest.ptr<uint8_t>(y);
      if ((x > 0 && r[x - 1]) || r[x] || (x + 1 < rest.cols && r[x + 1])) {
        filled += 1 + (first >= 0 && gap <= max_break ? gap : 0);
        gap = 0;
        if (first < 0) first = y;
        last = y;
      } else {
        ++gap;
      }
    }
    const bool meets = first >= 0 && first <= y0 + kWallReach && last >= y1 - kWallReach;
    full.push_back(y1 > y0 && meets && filled >= cfg.wall_fill * (y1 - y0 + 1));
  }
  std::vector<Ruling> walls;
  const double max_width = 3 * std::max(top.thickness, bot.thickness) + 2;
  for (size_t i = 0; i < full.size();) {
    if (!full[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < full.size() && full[j]) ++j;
    const double width = double(j - i), xc = x0 + (double(i) + double(j) - 1) / 2;
    if (width <= max_width) {  // wider is a solid blob, not a wall
      Ruling w;
      w.horizontal = false;
      // The run counts a column either side, and misses the wall's faint edge columns: about the wall's width.
      w.thickness = std::max(1.0, width);
      w.a = {xc, centre_at(top, xc)};
      w.b = {xc, centre_at(bot, xc)};
      walls.push_back(w);
    }
    i = j;
  }
  return walls;
}

// A frame with one side wall only (the scan lost the other): the rulings start and end together (within
// `end_tolerance`, as a frame's top and bottom do), the lone wall stands at one end of their common extent, and the
// field runs to the other end, which gets a wall as wide as the lone one: what the scan left of the lost side (a
// stub too short to be found) is removed with it, or it reads as a 1. A wall anywhere else between the rulings stays a
// letter's stroke, and a pen's stroke wider than 3 ruling widths is no wall at all (find_walls).
void close_open_frame(WallRow& row, const Ruling& top, const Ruling& bot, double end_tolerance) {
  if (std::abs(top.a.x - bot.a.x) > end_tolerance || std::abs(top.b.x - bot.b.x) > end_tolerance) return;
  const double x0 = std::max(top.a.x, bot.a.x), x1 = std::min(top.b.x, bot.b.x);
  const bool at_left = stands_at_end(row.walls.front(), x0), at_right = stands_at_end(row.walls.front(), x1);
  if (at_left == at_right) return;  // neither end (a stroke), or the rulings are too short to tell
  Ruling other;
  other.horizontal = false;
  other.thickness = row.walls.front().thickness;
  const double x = at_left ? x1 : x0;
  other.a = {x, centre_at(top, x)};
  other.b = {x, centre_at(bot, x)};
  if (at_left)
    row.walls.push_back(other);
  else
    row.walls.insert(row.walls.begin(), other);
}

// Walls standing for letters' strokes in a comb: closer than min_spacing x the median spacing to both neighbours.
void drop_strokes(WallRow& row, double min_spacing) {
  if (row.walls.size() < 4) return;
  auto x = [](const Ruling& w) { return (w.a.x + w.b.x) / 2; };
  std::vector<double> gaps;
  for (size_t i = 0; i + 1 < row.walls.size(); ++i) gaps.push_back(x(row.walls[i + 1]) - x(row.walls[i]));
  const double m = median(gaps);
  std::vector<Ruling> kept;
  for (size_t i = 0; i < row.walls.size(); ++i) {
    const bool close_left = i > 0 && x(row.walls[i]) - x(row.walls[i - 1]) < min_spacing * m;
    const bool close_right = i + 1 < row.walls.size() && x(row.walls[i + 1]) - x(row.walls[i]) < min_spacing * m;
    if (!(close_left && close_right) || i == 0 || i + 1 == row.walls.size()) kept.push_back(row.walls[i]);
  }
  row.walls = std::move(kept);
}

// The share of a wall's rows that hold ink within a pixel of its line.
double column_fill(const cv::Mat& mask, const Ruling& wall) {
  const int y0 = int(std::ceil(std::min(wall.a.y, wall.b.y))), y1 = int(std::floor(std::max(wall.a.y, wall.b.y)));
  int rows = 0, inked = 0;
  for (int y = std::max(0, y0); y <= std::min(mask.rows - 1, y1); ++y, ++rows) {
    const int x = int(std::lround(centre_at(wall, y)));
    bool ink = false;
    for (int d = -1; d <= 1 && !ink; ++d) ink = x + d >= 0 && x + d < mask.cols && mask.at<uint8_t>(y, x + d);
    inked += ink;
  }
  return rows > 0 ? double(inked) / rows : 0.0;
}

// A comb's boxes are printed alike. Where a row's walls are not evenly spaced (letters' stems taken for walls, walls
// too pale or broken to be found), the even division of the span between its end walls that the found walls fit
// best stands in for them: found walls near a division stay, the rest are letters' strokes, and a division no wall
// was found near gets one at its place, as thick as the found ones. The best division has the most walls found
// minus walls missing; it must have comb_min_cells boxes or more, narrow enough (comb_max_aspect) and no narrower
// than comb_min_aspect x their height, and walls found at comb_even_found of its inner divisions or more. A row of
// walls already alike (within comb_regularity of their median spacing) is left as it is.
void even_comb(WallRow& row, const Ruling& top, const Ruling& bot, const cv::Mat& rest, const RulingConfig& cfg) {
  if (row.walls.size() < 3) return;
  auto x = [](const Ruling& w) { return (w.a.x + w.b.x) / 2; };
  std::vector<double> gaps;
  for (size_t i = 0; i + 1 < row.walls.size(); ++i) gaps.push_back(x(row.walls[i + 1]) - x(row.walls[i]));
  const double m = median(gaps);
  if (std::all_of(gaps.begin(), gaps.end(), [&](double g) { return std::abs(g - m) <= cfg.comb_regularity * m; }))
    return;
  const double x0 = x(row.walls.front()), x1 = x(row.walls.back()), span = x1 - x0;
  const double xm = (x0 + x1) / 2;
  const double height = centre_at(bot, xm) - centre_at(top, xm) - (top.thickness + bot.thickness) / 2;
  if (height <= 0 || span <= 0) return;
  const int n_lo = std::max(cfg.comb_min_cells, int(std::ceil(span / (cfg.comb_max_aspect * height))));
  // Found walls at comb_even_found of the inner divisions bound the divisions: no more than the inner walls allow.
  const int n_hi = std::min(int(std::floor(span / (cfg.comb_min_aspect * height))),
                            int((row.walls.size() - 2) / cfg.comb_even_found) + 1);
  int best_n = 0, best_score = 0;
  std::vector<int> best_match;  // division k (1..n-1) -> the found wall at it, -1 for none
  for (int n = n_lo; n <= n_hi; ++n) {
    // Under half a box, so that no found wall stands for two divisions.
    const double pitch = span / n, tolerance = std::min(std::max(2.0, cfg.comb_even_tolerance * pitch), 0.45 * pitch);
    std::vector<int> match(size_t(n + 1), -1);
    int found = 0;
    for (int k = 1; k < n; ++k) {
      const double at = x0 + k * pitch;
      double nearest = tolerance;
      for (size_t i = 1; i + 1 < row.walls.size(); ++i)
        if (const double d = std::abs(x(row.walls[i]) - at); d <= nearest) {
          nearest = d;
          match[size_t(k)] = int(i);
        }
      found += match[size_t(k)] >= 0;
    }
    const int score = 2 * found - (n - 1);
    if (found >= cfg.comb_even_found * (n - 1) && score > best_score) {
      best_n = n;
      best_score = score;
      best_match = std::move(match);
    }
  }
  if (best_n == 0) return;
  std::vector<double> thick;
  for (int k = 1; k < best_n; ++k)
    if (best_match[size_t(k)] >= 0) thick.push_back(row.walls[size_t(best_match[size_t(k)])].thickness);
  const double thickness = median(thick);
  std::vector<Ruling> walls = {row.walls.front()};
  for (int k = 1; k < best_n; ++k) {
    if (best_match[size_t(k)] >= 0) {
      walls.push_back(row.walls[size_t(best_match[size_t(k)])]);
      continue;
    }
    Ruling w;
    w.horizontal = false;
    w.thickness = thickness;
    const double at = x0 + k * span / best_n;
    w.a = {at, centre_at(top, at)};
    w.b = {at, centre_at(bot, at)};
    // Put back only where some of it is left (a pale or broken wall): a table row's wide cell has nothing there.
    if (column_fill(rest, w) >= cfg.comb_lost_wall_fill) walls.push_back(w);
  }
  walls.push_back(row.walls.back());
  row.walls = std::move(walls);
}

// The fields the rows of walls frame: a comb when the row has enough boxes and none is wide, else each box is a
// field of its own (a lone frame, or a cell of a table when its rulings also bound another row).
std::vector<FrameField> frame_fields(const std::vector<WallRow>& rows, const std::vector<Ruling>& hs,
                                     const RulingConfig& cfg) {
  std::map<int, int> uses;  // how many rows each horizontal ruling bounds
  for (const auto& row : rows) ++uses[row.above], ++uses[row.below];
  std::vector<FrameField> out;
  for (const auto& row : rows) {
    const Ruling &top = hs[size_t(row.above)], &bot = hs[size_t(row.below)];
    std::vector<cv::Rect> cells;
    for (size_t i = 0; i + 1 < row.walls.size(); ++i) {
      const Ruling &l = row.walls[i], &r = row.walls[i + 1];
      const double x0 = std::max(l.a.x, l.b.x) + l.thickness / 2, x1 = std::min(r.a.x, r.b.x) - r.thickness / 2;
      const double xm = (x0 + x1) / 2;
      const double y0 = centre_at(top, xm) + top.thickness / 2, y1 = centre_at(bot, xm) - bot.thickness / 2;
      // Both rulings must span the box (a wall between two unrelated lines frames nothing).
      if (x1 - x0 < 2 || y1 - y0 < 2 || top.a.x > x0 + l.thickness || top.b.x < x1 - r.thickness ||
          bot.a.x > x0 + l.thickness || bot.b.x < x1 - r.thickness)
        continue;
      cells.emplace_back(cv::Point(int(std::ceil(x0)), int(std::ceil(y0))),
                         cv::Point(int(std::floor(x1)) + 1, int(std::floor(y1)) + 1));
    }
    if (cells.empty()) continue;
    const bool narrow = std::all_of(cells.begin(), cells.end(),
                                    [&](const cv::Rect& c) { return c.width <= cfg.comb_max_aspect * c.height; });
    if (int(cells.size()) >= cfg.comb_min_cells && narrow) {
      FrameField f{FieldKind::kComb, cells.front() | cells.back(), cells};
      out.push_back(std::move(f));
      continue;
    }
    const bool table = cells.size() > 1 || uses[row.above] > 1 || uses[row.below] > 1;
    for (const auto& c : cells) out.push_back({table ? FieldKind::kCell : FieldKind::kBox, c, {}});
  }
  return out;
}

// Whether walls stand between two rulings (top above bottom) at both ends of their common extent: the sides of a
// frame or a comb, within a wall's reach of where the rulings end.
bool walled_at_both_ends(const Ruling& top, const Ruling& bot, const cv::Mat& ink, int wall_break,
                         const RulingConfig& cfg) {
  cv::Mat bands = cv::Mat::zeros(ink.size(), CV_8U);
  draw_bands(bands, {top, bot}, 2);
  const std::vector<Ruling> walls = find_walls(ink & ~bands, top, bot, wall_break, cfg);
  if (walls.size() < 2) return false;
  const double x0 = std::max(top.a.x, bot.a.x), x1 = std::min(top.b.x, bot.b.x);
  return stands_at_end(walls.front(), x0) && stands_at_end(walls.back(), x1);
}

// A field's edge that the scan broke into pieces too far apart to follow (extend) ends short of the field's other
// edge: it is carried on to where that one ends, when straight runs of ink on its band, each at least `min_run` long
// (breaks up to `max_break` bridged), cover at least RulingConfig::edge_cover of the way, and walls then stand between
// the two at both ends (a frame's, a comb's or a table row's sides; touching letters' bars on two lines of writing have
// none).
void reach_other_edge(std::vector<Ruling>& hs, const cv::Mat& ink, const cv::Mat& wall_ink, double min_gap,
                      double max_gap, double min_run, int max_break, int wall_break, const RulingConfig& cfg) {
  for (size_t i = 0; i < hs.size(); ++i) {
    const int j = ruling_below(hs, i, min_gap, max_gap);
    if (j < 0) continue;
    Ruling top = hs[i], bot = hs[size_t(j)];
    for (const auto& pair : {std::pair{&top, &bot}, std::pair{&bot, &top}}) {
      Ruling& r = *pair.first;
      const Ruling& other = *pair.second;
      auto covered = [&](double from, double to) {
        const int t0 = int(std::ceil(from)), t1 = int(std::floor(to));
        int inked = 0, run = 0, run_start = -1, miss = 0;
        for (int t = t0; t <= t1; ++t) {
          if (t < t1 && ink_on_band(r, ink, t)) {
            if (run_start < 0) run_start = t;
            run = t - run_start + 1;
            miss = 0;
          } else if (run_start >= 0 && (++miss > max_break || t == t1)) {
            if (run >= min_run) inked += run;
            run_start = -1;
            run = 0;
            miss = 0;
          }
        }
        return t1 > t0 && inked >= cfg.edge_cover * (t1 - t0);
      };
      if (other.a.x < r.a.x - 1 && covered(other.a.x, r.a.x)) r.a = {other.a.x, centre_at(r, other.a.x)};
      if (other.b.x > r.b.x + 1 && covered(r.b.x, other.b.x)) r.b = {other.b.x, centre_at(r, other.b.x)};
    }
    const bool moved = top.a != hs[i].a || top.b != hs[i].b || bot.a != hs[size_t(j)].a || bot.b != hs[size_t(j)].b;
    if (moved && walled_at_both_ends(top, bot, wall_ink, wall_break, cfg)) {
      hs[i] = top;
      hs[size_t(j)] = bot;
    }
  }
}

// Adds the candidates that are the missing other edge of a field one of `hs` bounds: a ruling wall_min to
// max_field_height char heights above or below it, on a side where no ruling of `hs` already is, whose ends, once
// followed across breaks up to `max_break` in `ink`, both lie within join_gap of its ends (a frame's or a comb's top
// and bottom span the same columns), and with walls between the two at both ends (the frame's sides: bars of
// touching letters on two lines of writing pass every other test now and then). Candidates on a ruling already
// found (within `tolerance`) are skipped.
void add_other_edges(std::vector<Ruling>& hs, std::vector<Ruling> candidates, const cv::Mat& ink, int max_break,
                     int wall_break, double h, double tolerance, const RulingConfig& cfg) {
  const size_t found = hs.size();
  const double min_gap = cfg.wall_min * h, max_gap = cfg.max_field_height * h;
  std::vector<uint8_t> has_below(found, 0), has_above(found, 0);
  for (size_t i = 0; i < found; ++i)
    if (const int j = ruling_below(hs, i, min_gap, max_gap); j >= 0) has_below[i] = has_above[size_t(j)] = 1;
  for (Ruling& c : candidates) {
    extend(c, ink, max_break);
    bool known = false, edge = false;
    for (size_t i = 0; i < found && !known; ++i) {
      const Ruling& r = hs[i];
      const double overlap = std::min(r.b.x, c.b.x) - std::max(r.a.x, c.a.x);
      if (overlap <= 0) continue;
      const double xm = (std::max(r.a.x, c.a.x) + std::min(r.b.x, c.b.x)) / 2;
      const double dy = centre_at(c, xm) - centre_at(r, xm);
      known = std::abs(dy) <= tolerance + std::max(r.thickness, c.thickness);
      edge |= std::abs(dy) >= min_gap && std::abs(dy) <= max_gap && !(dy > 0 ? has_below[i] : has_above[i]) &&
              std::abs(r.a.x - c.a.x) <= cfg.join_gap * h && std::abs(r.b.x - c.b.x) <= cfg.join_gap * h &&
              walled_at_both_ends(dy > 0 ? r : c, dy > 0 ? c : r, ink, wall_break, cfg);
    }
    if (!known && edge) hs.push_back(c);
  }
}

// Faint combs too short for the faint pass (faint_min_length): pairs of faint rulings at least min_length long, a
// field's height apart, with matching ends, kept (added to `hs`) only where walls between them frame a comb whose
// boxes are alike (within comb_regularity of their median width) and fill the rulings' common extent. A word's
// halo makes runs along its letters' tops and bottoms with stems between them, but not a row of equal boxes from
// end to end.
void add_faint_combs(std::vector<Ruling>& hs, std::vector<Ruling> candidates, const cv::Mat& faint, int max_break,
                     int wall_break, double h, double tolerance, const RulingConfig& cfg) {
  std::erase_if(candidates, [&](Ruling& c) {
    extend(c, faint, max_break);
    for (const Ruling& r : hs) {
      const double overlap = std::min(r.b.x, c.b.x) - std::max(r.a.x, c.a.x);
      const double xm = (std::max(r.a.x, c.a.x) + std::min(r.b.x, c.b.x)) / 2;
      if (overlap > 0 &&
          std::abs(centre_at(c, xm) - centre_at(r, xm)) <= tolerance + std::max(r.thickness, c.thickness))
        return true;  // already found
    }
    return false;
  });
  const size_t n = candidates.size();
  std::vector<uint8_t> taken(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n && !taken[i]; ++j) {
      const Ruling &top = candidates[i], &bot = candidates[j];
      const double xm = (std::max(top.a.x, bot.a.x) + std::min(top.b.x, bot.b.x)) / 2;
      const double gap = centre_at(bot, xm) - centre_at(top, xm);
      if (j == i || taken[j] || gap < cfg.wall_min * h || gap > cfg.max_field_height * h ||
          std::abs(top.a.x - bot.a.x) > cfg.join_gap * h || std::abs(top.b.x - bot.b.x) > cfg.join_gap * h)
        continue;
      const std::vector<Ruling> pair = {top, bot};
      cv::Mat bands = cv::Mat::zeros(faint.size(), CV_8U);
      draw_bands(bands, pair, 2);
      WallRow row{0, 1, find_walls(faint & ~bands, top, bot, wall_break, cfg)};
      drop_strokes(row, cfg.comb_min_spacing);
      if (row.walls.size() < 2) continue;
      const std::vector<FrameField> f = frame_fields({row}, pair, cfg);
      if (f.size() != 1 || f[0].kind != FieldKind::kComb) continue;
      std::vector<double> widths;
      for (const auto& c : f[0].cells) widths.push_back(c.width);
      const double m = median(widths);
      const bool alike = std::all_of(widths.begin(), widths.end(),
                                     [&](double w) { return std::abs(w - m) <= cfg.comb_regularity * m; });
      const double extent = std::min(top.b.x, bot.b.x) - std::max(top.a.x, bot.a.x);
      if (!alike || f[0].box.width < cfg.comb_fill * extent) continue;
      taken[i] = taken[j] = 1;
      hs.push_back(top);
      hs.push_back(bot);
    }
}

}  // namespace

Rulings find_rulings(const cv::Mat& ink, const RulingConfig& cfg, const cv::Mat& faint) {
  Rulings out;
  if (!cfg.enabled || ink.empty() || cv::countNonZero(ink) == 0) return out;
  const double stroke_w = std::max(1.0, stroke_width(ink));
  const int grow = std::max(1, int(std::lround(cfg.tilt_tolerance * stroke_w)));
  // Page-long rulings first, only to see the writing's size without them.
  const int page_len = std::max(20, int(cfg.page_long * std::max(ink.cols, ink.rows)));
  // (Untilted runs suffice for that: a frame tilted beyond their reach only votes once more with its height.)
  cv::Mat long_lines = runs_at_least(ink, page_len, true) | runs_at_least(ink, page_len, false);
  cv::dilate(long_lines, long_lines, cv::Mat(), cv::Point(-1, -1), 1);
  out.char_height = text_height(ink & ~long_lines, stroke_w);
  const double h = out.char_height > 0 ? out.char_height : page_len / cfg.min_length;

  const int len = std::max(8, int(std::lround(cfg.min_length * h)));
  // Fitted from runs of a quarter of that: a 1 px ruling tilted by 1 degree still steps every 57 px.
  const int core = std::max(3, len / 4);
  std::vector<Ruling> hs = fit_rulings(long_runs(ink, len, true, grow), ink, true, core);
  // Faint rulings the ink mask keeps only in pieces, where long enough that no writing's halo makes them.
  const cv::Mat& all = faint.empty() ? ink : faint;  // the faint mask holds all the ink
  if (!faint.empty()) {
    const int faint_len = std::max(len, int(std::lround(cfg.faint_min_length * h)));
    for (auto& r : fit_rulings(long_runs(all, faint_len, true, grow), all, true, core)) hs.push_back(r);
  }
  // A ruling the scan broke into pieces each shorter than `len` is found from runs that go on across its breaks, but
  // kept only as a field's other edge (anywhere else, touching letters' bars a stroke width apart would pass too).
  const int max_break = std::max(3, int(std::lround(cfg.break_gap * stroke_w)));
  const int wall_break = std::max(3, int(std::lround(cfg.wall_break_gap * stroke_w)));
  add_other_edges(hs, fit_rulings(long_runs(ink, len, true, grow, max_break), ink, true, core), all, max_break,
                  wall_break, h, grow + stroke_w, cfg);
  for (auto& r : hs) extend(r, all, max_break);
  if (!faint.empty())
    add_faint_combs(hs, fit_rulings(long_runs(faint, len, true, grow, max_break), faint, true, core), faint, max_break,
                    wall_break, h, grow + stroke_w, cfg);
  hs = join_collinear(std::move(hs), cfg.join_gap * h, grow + stroke_w);
  reach_other_edge(hs, all, cfg.walls_in_faint ? all : ink, cfg.wall_min * h, cfg.max_field_height * h,
                   cfg.join_gap * h, max_break, wall_break, cfg);
  hs = join_collinear(std::move(hs), cfg.join_gap * h, grow + stroke_w);  // pieces the carried edges now cover
  // Walls, between each ruling and the next one below it, with the rulings' own bands taken out.
  cv::Mat bands = cv::Mat::zeros(ink.size(), CV_8U);
  draw_bands(bands, hs, 2);
  const cv::Mat rest = (cfg.walls_in_faint ? all : ink) & ~bands;
  std::vector<WallRow> wall_rows;
  for (size_t above = 0; above < hs.size(); ++above) {
    const int below = ruling_below(hs, above, cfg.wall_min * h, cfg.max_field_height * h);
    if (below < 0) continue;
    WallRow row{int(above), below, find_walls(rest, hs[above], hs[size_t(below)], wall_break, cfg)};
    drop_strokes(row, cfg.comb_min_spacing);
    even_comb(row, hs[above], hs[size_t(below)], rest, cfg);
    if (row.walls.size() == 1) close_open_frame(row, hs[above], hs[size_t(below)], cfg.join_gap * h);
    if (row.walls.size() >= 2) wall_rows.push_back(std::move(row));
  }
  out.fields = frame_fields(wall_rows, hs, cfg);
  // A wall goes on where it does past its rulings (a table's column into a row whose rulings the scan broke too
  // badly to frame it): all of it is removed, or its rest reads as a 1.
  const cv::Mat& wall_ink = cfg.walls_in_faint ? all : ink;
  // Every wall has a width (an open frame's lost side and even_comb's put-back walls take their neighbours').
  for (const auto& row : wall_rows)
    for (const Ruling& w : row.walls) {
      Ruling longer = w;
      extend(longer, wall_ink, max_break);
      // Kept only where it goes on at least a field's least height: a letter's stem that touches a ruling where a
      // wall meets it stays writing.
      const double on = std::max(w.a.y - longer.a.y, longer.b.y - w.b.y);
      out.vertical.push_back(on >= cfg.wall_min * h ? longer : w);
    }
  // Long vertical rulings that frame nothing (a margin line) are removed all the same: twice the horizontal length,
  // as nothing but a ruling stands that tall and straight beside the writing.
  for (const auto& v : fit_rulings(long_runs(rest, 2 * len, false, grow), rest, false, core)) {
    bool wall = false;
    for (const auto& w : out.vertical) wall |= std::abs(w.a.x - v.a.x) < w.thickness + v.thickness + 2;
    if (!wall) out.vertical.push_back(v);
  }
  out.horizontal = std::move(hs);
  // Reading order for the fields: top to bottom, left to right within a row of fields.
  std::sort(out.fields.begin(), out.fields.end(), [](const FrameField& p, const FrameField& q) {
    return p.box.y != q.box.y ? p.box.y < q.box.y : p.box.x < q.box.x;
  });
  return out;
}

namespace {
bool any_ink(const cv::Mat& m, int x, int y, bool horizontal_ruling) {
  // Two pixels in a row beyond the band, at the column (row) or next to it: a stroke that goes on.
  for (int d = -1; d <= 1; ++d) {
    const int px = horizontal_ruling ? x + d : x, py = horizontal_ruling ? y : y + d;
    if (px < 0 || py < 0 || px >= m.cols || py >= m.rows) continue;
    if (m.at<uint8_t>(py, px)) return true;
  }
  return false;
}

// Clears one ruling's band in `out`, keeping the columns (rows) where a stroke in `strokes` crosses it. Where a
// stroke ends on the ruling from one side (a letter sitting on a line), the band's half on that side stays with it:
// which of those pixels are the letter's cannot be told, and at small sizes the letter needs them.
void clear_band(cv::Mat& out, const cv::Mat& strokes, const Ruling& r) {
  const double half = r.thickness / 2 + 1;
  const int t0 = int(std::floor(start(r))), t1 = int(std::ceil(end(r)));
  for (int t = t0; t <= t1; ++t) {
    const double c = centre_at(r, t);
    const int c0 = int(std::floor(c - half)), c1 = int(std::ceil(c + half)), mid = int(std::lround(c));
    auto ink = [&](int across) {
      return r.horizontal ? any_ink(strokes, t, across, true) : any_ink(strokes, across, t, false);
    };
    const bool before = ink(c0 - 1) && ink(c0 - 2), after = ink(c1 + 1) && ink(c1 + 2);
    if (before && after) continue;
    const int from = before ? mid : c0, to = after ? mid : c1;
    for (int a = from; a <= to; ++a) {
      const int x = r.horizontal ? t : a, y = r.horizontal ? a : t;
      if (x >= 0 && y >= 0 && x < out.cols && y < out.rows) out.at<uint8_t>(y, x) = 0;
    }
  }
}
}  // namespace

// Slivers are sought this many pixels beyond a ruling's measured thickness (both sides together): its antialiased
// edges, a pixel or two each side.
constexpr double kSliverMargin = 6;

cv::Mat remove_rulings(const cv::Mat& ink, const Rulings& rulings) {
  cv::Mat out = ink.clone();
  if (rulings.empty()) return out;
  for (const auto& r : rulings.horizontal) clear_band(out, ink, r);
  const cv::Mat after_h = out.clone();  // walls see the horizontal rulings gone, so their ends are cleared too
  for (const auto& r : rulings.vertical) clear_band(out, after_h, r);
  // Slivers: what is left wholly on a ruling (its antialiased edge, a kept crossing with nothing attached).
  cv::Mat zone = cv::Mat::zeros(ink.size(), CV_8U);
  draw_bands(zone, rulings.horizontal, kSliverMargin);
  draw_bands(zone, rulings.vertical, kSliverMargin);
  cv::Mat labels;
  const int n = cv::connectedComponents(out, labels, 8, CV_32S);
  std::vector<uint8_t> outside(size_t(n), 0);
  for (int y = 0; y < out.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    const uint8_t* z = zone.ptr<uint8_t>(y);
    for (int x = 0; x < out.cols; ++x)
      if (l[x] && !z[x]) outside[size_t(l[x])] = 1;
  }
  for (int y = 0; y < out.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < out.cols; ++x)
      if (l[x] && !outside[size_t(l[x])]) o[x] = 0;
  }
  return out;
}

}  // namespace scrawl
