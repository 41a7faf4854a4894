#include "scrawl/image/form_layout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "scrawl/glyph/normalize.h"

namespace scrawl {

namespace {

// A comb box's ink is a glyph when it reaches this share of the box's smaller side (less is a stray tick).
constexpr double kCellInk = 0.2;
// A component wider than this many boxes is several letters written into each other (a letter and its spill over a
// wall stay under it: a box holds one letter, and spills reach a fraction of the next box).
constexpr double kCombOneGlyph = 1.3;
// A period this close to a ruling (x stroke width, beyond its band) is taken for a remnant of it: a real period sits
// on the writing's baseline, which on a form is usually well above the ruling below it.
constexpr double kPeriodReach = 2.0;

cv::Rect to_orig(const cv::Rect& r, double scale) {
  return cv::Rect(int(std::lround(r.x * scale)), int(std::lround(r.y * scale)), int(std::lround(r.width * scale)),
                  int(std::lround(r.height * scale)));
}

struct Components {
  cv::Mat labels, stats;
  int count = 0;
  cv::Rect box(int i) const {
    return cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                    stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
  }
  cv::Point2d centre(int i) const {
    const cv::Rect b = box(i);
    return {b.x + b.width / 2.0, b.y + b.height / 2.0};
  }
};

// The components `ids` drawn into a mask of their bounds grown by `pad` on every side; `origin` is where its (0, 0)
// lies on the page.
cv::Mat mask_of(const Components& cc, const std::vector<int>& ids, int pad, cv::Point& origin) {
  cv::Rect bounds;
  for (int i : ids) bounds = bounds.empty() ? cc.box(i) : (bounds | cc.box(i));
  origin = bounds.tl() - cv::Point(pad, pad);
  cv::Mat m = cv::Mat::zeros(bounds.height + 2 * pad, bounds.width + 2 * pad, CV_8U);
  for (int i : ids) {
    const cv::Rect b = cc.box(i);
    for (int y = b.y; y < b.y + b.height; ++y) {
      const int* l = cc.labels.ptr<int>(y);
      uint8_t* o = m.ptr<uint8_t>(y - origin.y);
      for (int x = b.x; x < b.x + b.width; ++x)
        if (l[x] == i) o[x - origin.x] = 255;
    }
  }
  return m;
}

// Moves a layout made from a crop whose (0, 0) is `origin` (mask pixels) to page coordinates.
void shift(PageLayout& layout, cv::Point origin, double scale) {
  const cv::Point d(int(std::lround(origin.x * scale)), int(std::lround(origin.y * scale)));
  for (auto& l : layout.lines) {
    l.box += d;
    for (auto& w : l.words) {
      w.box += d;
      for (auto& g : w.glyphs) {
        g.box += d;
        for (auto& p : g.parts) p.box += d;
      }
    }
    l.ink_to_page(0, 2) += origin.x * scale;
    l.ink_to_page(1, 2) += origin.y * scale;
  }
}

// Part of a component: its pixels in columns [x0, x1).
struct ClippedPiece {
  int id;
  int x0, x1;
};

// The pieces drawn into a mask cropped to their ink, `pad` pixels of paper around; `origin` as in mask_of. Empty
// when they hold no ink.
cv::Mat mask_of(const Components& cc, const std::vector<ClippedPiece>& pieces, int pad, cv::Point& origin) {
  cv::Rect bounds;
  for (const auto& p : pieces) {
    cv::Rect b = cc.box(p.id);
    b = b & cv::Rect(p.x0, b.y, p.x1 - p.x0, b.height);
    if (!b.empty()) bounds = bounds.empty() ? b : (bounds | b);
  }
  if (bounds.empty()) return {};
  cv::Mat m = cv::Mat::zeros(bounds.size(), CV_8U);
  for (const auto& p : pieces) {
    const cv::Rect b = cc.box(p.id) & cv::Rect(p.x0, bounds.y, p.x1 - p.x0, bounds.height);
    for (int y = b.y; y < b.y + b.height; ++y) {
      const int* l = cc.labels.ptr<int>(y);
      uint8_t* o = m.ptr<uint8_t>(y - bounds.y);
      for (int x = b.x; x < b.x + b.width; ++x)
        if (l[x] == p.id) o[x - bounds.x] = 255;
    }
  }
  const cv::Rect ink = cv::boundingRect(m);
  if (ink.empty()) return {};
  origin = bounds.tl() + ink.tl() - cv::Point(pad, pad);
  cv::Mat out;
  cv::copyMakeBorder(m(ink), out, pad, pad, pad, pad, cv::BORDER_CONSTANT, 0);
  return out;
}

// A comb's one line: the ink of each written box is one glyph; empty boxes end words. A box's ink must be more than a
// stray tick (a fifth of the box's smaller side), or the box counts as empty.
std::optional<Line> comb_line(const std::vector<std::vector<ClippedPiece>>& per_cell,
                              const std::vector<cv::Rect>& cells, const Components& cc, const SegmentConfig& cfg,
                              double scale) {
  Line line;
  Word word;
  std::vector<ClippedPiece> all;
  auto end_word = [&] {
    if (word.glyphs.empty()) return;
    line.box = line.words.empty() ? word.box : (line.box | word.box);
    line.words.push_back(std::move(word));
    word = Word{};
  };
  for (size_t k = 0; k < per_cell.size(); ++k) {
    cv::Point origin;
    const cv::Mat crop = per_cell[k].empty() ? cv::Mat() : mask_of(cc, per_cell[k], 0, origin);
    if (crop.empty() || std::max(crop.rows, crop.cols) < kCellInk * std::min(cells[k].width, cells[k].height)) {
      end_word();
      continue;
    }
    Glyph g;
    g.box = to_orig(cv::Rect(origin, crop.size()), scale);
    g.norm = normalize_glyph(crop, cfg.normalize);
    word.box = word.glyphs.empty() ? g.box : (word.box | g.box);
    word.glyphs.push_back(std::move(g));
    all.insert(all.end(), per_cell[k].begin(), per_cell[k].end());
  }
  end_word();
  if (line.words.empty()) return std::nullopt;
  if (cfg.line_ink) {
    cv::Point origin;
    line.ink = mask_of(cc, all, cfg.line_ink_margin, origin);
    line.ink_to_page = cv::Matx23d(scale, 0, origin.x * scale, 0, scale, origin.y * scale);
  }
  return line;
}

// A comb's ink box by box. A component no wider than kCombOneGlyph boxes is one letter and goes whole to the box its
// middle lies over (a letter spilling over a wall stays whole); a wider one is letters written into each other
// across the walls, cut at the walls (halfway between neighbouring boxes).
std::vector<std::vector<ClippedPiece>> comb_pieces(const FrameField& comb, const std::vector<int>& ids,
                                                   const Components& cc) {
  const auto& cells = comb.cells;
  std::vector<std::vector<ClippedPiece>> out(cells.size());
  std::vector<int> walls;  // walls[k]: where box k begins (box k spans walls[k] .. walls[k + 1])
  walls.push_back(std::numeric_limits<int>::min() / 2);
  for (size_t k = 1; k < cells.size(); ++k) walls.push_back((cells[k - 1].x + cells[k - 1].width + cells[k].x) / 2);
  walls.push_back(std::numeric_limits<int>::max() / 2);
  std::vector<int> widths;
  for (const auto& c : cells) widths.push_back(c.width);
  std::nth_element(widths.begin(), widths.begin() + long(widths.size() / 2), widths.end());
  const double one_glyph = kCombOneGlyph * widths[widths.size() / 2];
  for (int i : ids) {
    const cv::Rect b = cc.box(i);
    for (size_t k = 0; k < cells.size(); ++k) {
      const int x0 = std::max(b.x, walls[k]), x1 = std::min(b.x + b.width, walls[k + 1]);
      if (x0 >= x1) continue;
      if (b.width > one_glyph) {
        out[k].push_back({i, x0, x1});
      } else if (const double c = b.x + b.width / 2.0; c >= walls[k] && c < walls[k + 1]) {
        out[k].push_back({i, b.x, b.x + b.width});
        break;
      }
    }
  }
  return out;
}

// What ends up in reading order: a field with its lines, or a line of free writing.
struct Block {
  cv::Rect box;  // original pixels
  std::vector<Line> lines;
  std::optional<Field> field;
};

// Top to bottom; blocks whose middle lies within the first block of a row join that row, left to right.
void reading_order(std::vector<Block>& blocks) {
  std::stable_sort(blocks.begin(), blocks.end(), [](const Block& p, const Block& q) { return p.box.y < q.box.y; });
  for (size_t row = 0; row < blocks.size();) {
    const int bottom = blocks[row].box.y + blocks[row].box.height;
    size_t end = row + 1;
    while (end < blocks.size() && blocks[end].box.y + blocks[end].box.height / 2 < bottom) ++end;
    std::stable_sort(blocks.begin() + long(row), blocks.begin() + long(end),
                     [](const Block& p, const Block& q) { return p.box.x < q.box.x; });
    row = end;
  }
}

// Whether a horizontal ruling is a frame's top or bottom edge (not an underline of its own).
bool frames_a_field(const Ruling& r, const std::vector<FrameField>& fields) {
  for (const auto& f : fields) {
    const double xm = f.box.x + f.box.width / 2.0;
    if (xm < r.a.x || xm > r.b.x) continue;
    const double y = r.a.y + (xm - r.a.x) * (r.b.y - r.a.y) / std::max(1.0, r.b.x - r.a.x);
    const double reach = r.thickness + 3;
    if (std::abs(y - f.box.y) <= reach || std::abs(y - (f.box.y + f.box.height)) <= reach) return true;
  }
  return false;
}

// Whether the point (mask pixels) lies on a ruling or within `margin` of its band.
bool near_ruling(cv::Point2d p, const Rulings& rulings, double margin) {
  for (const auto* set : {&rulings.horizontal, &rulings.vertical})
    for (const Ruling& r : *set) {
      const cv::Point2d d = r.b - r.a;
      const double len2 = d.dot(d);
      const double t = len2 > 0 ? std::clamp((p - r.a).dot(d) / len2, 0.0, 1.0) : 0.0;
      const cv::Point2d q = r.a + t * d;
      if (std::hypot(p.x - q.x, p.y - q.y) <= r.thickness / 2 + margin) return true;
    }
  return false;
}

// Periods are told by their shape alone; on a form, what is left of a ruling where a stroke crossed it has that
// shape too. Periods on or next to a ruling are dropped (and words left empty with them).
void drop_ruling_periods(std::vector<Line>& lines, const Rulings& rulings, double margin, double scale) {
  for (auto& line : lines) {
    for (auto& word : line.words) {
      std::erase_if(word.glyphs, [&](const Glyph& g) {
        const cv::Point2d c((g.box.x + g.box.width / 2.0) / scale, (g.box.y + g.box.height / 2.0) / scale);
        return g.punct == '.' && near_ruling(c, rulings, margin);
      });
      if (word.glyphs.empty()) continue;
      word.box = word.glyphs.front().box;
      for (const auto& g : word.glyphs) word.box |= g.box;
    }
    std::erase_if(line.words, [](const Word& w) { return w.glyphs.empty(); });
  }
  std::erase_if(lines, [](const Line& l) { return l.words.empty(); });
}

}  // namespace

PageLayout segment_form(const cv::Mat& clean, const Rulings& rulings, const SegmentConfig& cfg, double scale) {
  Components cc;
  cv::Mat centroids;
  cc.count = cv::connectedComponentsWithStats(clean, cc.labels, cc.stats, centroids, 8, CV_32S);
  const double stroke_w = std::max(1.0, cc.count > 1 ? stroke_width(clean) : 1.0);

  // Each component belongs to the field its middle lies in (a letter spilling over a frame stays whole), and in a
  // comb to the box its middle lies over. Specks (scanner dust, what is left of a ruling's crossing) are dropped.
  const std::vector<FrameField>& frames = rulings.fields;
  std::vector<std::vector<int>> owned(frames.size());
  cv::Mat free_ink = clean.clone();
  for (int i = 1; i < cc.count; ++i) {
    const cv::Rect b = cc.box(i);
    const cv::Point2d c = cc.centre(i);
    for (size_t f = 0; f < frames.size(); ++f) {
      const cv::Rect& fb = frames[f].box;
      if (c.x < fb.x || c.x >= fb.x + fb.width || c.y < fb.y || c.y >= fb.y + fb.height) continue;
      free_ink(b).setTo(0, cc.labels(b) == i);
      const bool speck = (b.width < cfg.min_speck * stroke_w && b.height < cfg.min_speck * stroke_w) ||
                         cc.stats.at<int>(i, cv::CC_STAT_AREA) < cfg.min_speck_area * stroke_w * stroke_w;
      if (speck) break;
      owned[f].push_back(i);
      break;
    }
  }

  std::vector<Block> blocks;
  for (size_t f = 0; f < frames.size(); ++f) {
    Block block;
    const FrameField& frame = frames[f];
    Field field{frame.kind, to_orig(frame.box, scale), {}, 0, 0};
    for (const auto& c : frame.cells) field.cells.push_back(to_orig(c, scale));
    if (frame.kind == FieldKind::kComb) {
      if (auto line = comb_line(comb_pieces(frame, owned[f], cc), frame.cells, cc, cfg, scale))
        block.lines.push_back(std::move(*line));
    } else if (!owned[f].empty()) {
      // Laid out on its own, with room around it: the segmenter judges a piece against the page it is on.
      int pad = 0;
      for (int i : owned[f]) pad = std::max({pad, cc.box(i).width, cc.box(i).height});
      cv::Point origin;
      PageLayout sub = segment_text(mask_of(cc, owned[f], pad, origin), cfg, scale);
      shift(sub, origin, scale);
      block.lines = std::move(sub.lines);
    }
    block.box = field.box;
    block.field = std::move(field);
    blocks.push_back(std::move(block));
  }

  // The writing outside the frames, as on any page; a line written on a ruling of its own is a field too.
  PageLayout rest = segment_text(free_ink, cfg, scale);
  const double reach = cfg.rulings.underline_reach * rest.char_height;
  for (auto& line : rest.lines) {
    Block block;
    block.box = line.box;
    const double xm = line.box.x + line.box.width / 2.0, bottom = line.box.y + line.box.height;
    double best = reach;
    for (const auto& r : rulings.horizontal) {
      if (frames_a_field(r, frames)) continue;
      const double x0 = r.a.x * scale, x1 = r.b.x * scale;
      const double overlap = std::min<double>(x1, line.box.x + line.box.width) - std::max<double>(x0, line.box.x);
      if (overlap < 0.5 * line.box.width) continue;
      const double y = (r.a.y + (xm / scale - r.a.x) * (r.b.y - r.a.y) / std::max(1.0, r.b.x - r.a.x)) * scale;
      if (std::abs(y - bottom) <= best) {
        best = std::abs(y - bottom);
        const int left = int(std::lround(std::min<double>(x0, line.box.x)));
        const int right = int(std::lround(std::max<double>(x1, line.box.x + line.box.width)));
        // Down to the ruling, or to the writing's bottom where it crosses the ruling (never an empty box).
        const int floor_y = std::max(int(std::lround(y)), int(std::lround(bottom)));
        block.field = Field{
            FieldKind::kLine, cv::Rect(left, line.box.y, right - left, std::max(1, floor_y - line.box.y)), {}, 0, 0};
      }
    }
    block.lines.push_back(std::move(line));
    blocks.push_back(std::move(block));
  }

  for (auto& b : blocks) drop_ruling_periods(b.lines, rulings, kPeriodReach * stroke_w, scale);
  std::erase_if(blocks, [](const Block& b) { return b.lines.empty() && !b.field; });
  reading_order(blocks);
  PageLayout page;
  page.size = cv::Size(int(std::lround(clean.cols * scale)), int(std::lround(clean.rows * scale)));
  page.stroke_width = stroke_w * scale;
  page.char_height = rest.char_height > 0 ? rest.char_height : rulings.char_height * scale;
  page.skew_degrees = rest.skew_degrees;
  for (auto& b : blocks) {
    if (b.field) {
      b.field->first_line = page.lines.size();
      b.field->line_count = b.lines.size();
      page.fields.push_back(*b.field);
    }
    for (auto& l : b.lines) page.lines.push_back(std::move(l));
  }
  return page;
}

}  // namespace scrawl
