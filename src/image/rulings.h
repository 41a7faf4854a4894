// Printed rulings on forms: the long straight strokes of field frames, comb walls, underlines and table grids,
// found in the ink mask before anything looks for characters, removed without cutting the handwriting that crosses
// them, and read as structure (fields). Everything is in the mask's (working) pixels.
#pragma once
#include <opencv2/core.hpp>
#include <vector>

#include "scrawl/image/layout.h"

namespace scrawl {

// Lengths are relative to the page's character height (estimated with the page-long rulings left out), thickness
// tolerances to its stroke width: no pixel constants.
struct RulingConfig {
  bool enabled = true;
  // A first pass removes rulings longer than this share of the page's long side (frames, underlines, table rows)
  // so that the character height can be estimated from what is left: a field's ink is one component with its
  // frame, which would otherwise vote with the frame's height.
  double page_long = 0.15;
  // A horizontal ruling is a straight run at least this long (x char height). 3: a letter's bar is under 1 char
  // height, and overlapping letters' bars join for about 1.3 heights per pair (E, T, Z at gap -0.25); the shortest
  // comb it must find (3 boxes) is over 3 heights wide.
  double min_length = 3.0;
  // Rulings may lie tilted: runs are sought after growing the ink this much across the ruling (x stroke width),
  // so a 1 px ruling turned by 1 degree still forms runs of a few hundred pixels.
  double tilt_tolerance = 1.0;
  // Walls (comb box sides, frame sides, table columns) stand between a ruling and the next one below it, at least
  // `wall_min` and at most `max_field_height` char heights lower (a field holds a line or two of writing): columns
  // whose ink fills at least `wall_fill` of the rows between them, breaks up to `break_gap` counted as filled. A
  // letter's stem rarely reaches both rulings.
  double wall_min = 0.6;
  double max_field_height = 4.0;
  double wall_fill = 0.8;
  // Comb fields: at least `comb_min_cells` boxes in a row between the same two rulings, none wider than
  // `comb_max_aspect` x its height (a box per letter; wider boxes are table cells). A wall closer than
  // `comb_min_spacing` of the row's median spacing to both neighbours is a letter's stroke, not a wall.
  int comb_min_cells = 3;
  double comb_max_aspect = 1.5;
  double comb_min_spacing = 0.7;
  // Unevenly spaced walls are fitted to an even division (even_comb): boxes no narrower than `comb_min_aspect` x
  // their height, walls found at `comb_even_found` of the inner divisions or more, each within `comb_even_tolerance`
  // x the box width (at least 2 px) of its place.
  double comb_min_aspect = 0.4;
  double comb_even_found = 0.6;
  double comb_even_tolerance = 0.15;
  // A division no wall was found at gets one only where ink fills this share of its rows (a pale or broken wall).
  double comb_lost_wall_fill = 0.3;
  // Horizontal rulings are followed past their ends across breaks up to this long (x stroke width, at least 3 px):
  // a scan's breaks leave pieces too short to be found alone. A ruling broken into pieces all shorter than
  // min_length is found from runs that go on across such breaks, where it is the other edge of a field (its ends
  // within join_gap of a found ruling's, a field's height away). Pieces that then lie on one line join when their
  // ends are `join_gap` (x char height) apart or closer.
  double break_gap = 1.0;
  double join_gap = 1.0;
  // A field's edge broken too far apart for that, ending short of the field's other edge, is carried on to where the
  // other one ends when straight runs of ink on its band, each at least join_gap long, cover at least this share of
  // the way, and walls then stand at both ends (reach_other_edge).
  double edge_cover = 0.6;
  // A wall's breaks count as filled up to this long (x stroke width): walls are short, so a scan's few breaks take
  // a larger share of them. 2: lets through the faint drop-out walls of the tuning forms, whose breaks in the
  // faint mask run to about 1.5 stroke widths, and leaves the touching tuning pages' reading unchanged.
  double wall_break_gap = 2.0;
  // A text line whose bottom lies this close (x char height) to a ruling of its own is written on it: a "line"
  // field. Letters sit on the line or cross it by a fraction of their height.
  double underline_reach = 0.6;
  // Rulings found only in the faint mask are at least this long (x char height): in it the writing's halo joins
  // neighbouring letters' tops and bottoms into runs several letters long.
  double faint_min_length = 6.0;
  // Shorter faint rulings count only in pairs that frame a comb of alike boxes: every box within comb_regularity of
  // the median width, the boxes spanning at least comb_fill of the rulings' common extent (a printed comb's boxes
  // are equal and run from end to end; the stems of a word between its halo's top and bottom runs are not).
  double comb_regularity = 0.2;
  double comb_fill = 0.9;
  // Walls (and margin lines) are sought in the faint mask (which holds all the ink) when there is one: a pale
  // drop-out frame's sides show only there. False for the small-writing pass, whose enlarged copy blurs each
  // stroke's halo into the rulings of a tight field, so that letters' stems there fill the rows between them as a
  // wall does. Faint-only combs (faint_min_length) are still framed in the faint mask: their regular boxes are
  // checked on their own.
  bool walls_in_faint = true;
  // A page whose rulings frame fewer than this many fields though some horizontal ruling was found (an underline, a
  // piece of a pale frame) is searched again with faint_line_mask added to the faint mask; that search counts only if
  // it frames at least this many fields. Two small-form tuning pages (seed 1522) with pale drop-out combs and frames
  // under pencil on a noisy scan found one underline each: 98.6 / 30.5% glyph CER -> 66.9 / 27.0% (the set 21.00 ->
  // 17.85%, with 2 fields and "no field" as the trigger). Used on every page, the wider mask joined letters' bars into
  // false rulings: 16 of those 20 pages read worse. 3 since a first version of reach_other_edge framed 2 table cells
  // of one of those pages in the first search (with 2, the set read 19.21%; with 3, 16.33%); with the final version
  // 2 and 3 read 1521 / 1522 alike (18.06 / 15.60%). On pages with no ruling at all the fallback's cost stays off.
  size_t faint_line_min_fields = 3;
};

// One ruling: a straight band of ink from `a` to `b` (its centre line), `thickness` pixels across.
struct Ruling {
  cv::Point2d a, b;
  double thickness = 1;
  bool horizontal = true;
};

// A field the rulings frame, in mask pixels: its interior, and for a comb each box's interior, left to right.
struct FrameField {
  FieldKind kind = FieldKind::kBox;
  cv::Rect box;
  std::vector<cv::Rect> cells;
};

struct Rulings {
  std::vector<Ruling> horizontal, vertical;
  std::vector<FrameField> fields;  // boxes, combs and table cells (underline fields are found with the text)
  double char_height = 0;          // the estimate the lengths were judged by (0: no text found)
  bool empty() const { return horizontal.empty() && vertical.empty(); }
};

// The pixels of `mask` (CV_8U, non-zero = ink) that lie in a straight run of ink at least `len` pixels long along the
// direction (255 in the result, CV_8U). Horizontal runs may hold breaks of up to `bridge` pixels of paper, which are
// marked too (a scan's breaks in a ruling); a break at a row's end is not part of a run.
cv::Mat runs_at_least(const cv::Mat& mask, int len, bool horizontal, int bridge = 0);

// Finds the rulings of an ink mask (CV_8U, 255 = ink) and the fields they frame. `faint` (optional, InkMask::faint)
// adds rulings too faint for the ink mask, at least faint_min_length long, and their walls.
Rulings find_rulings(const cv::Mat& ink, const RulingConfig& cfg = {}, const cv::Mat& faint = {});

// The mask with the rulings' pixels cleared, except where a stroke crosses a ruling (ink on both sides of it): there
// the stroke is kept whole, so a letter written over a line or spilling over a box's wall stays one piece. Leftover
// slivers of the rulings (pieces lying wholly on them) are cleared too.
cv::Mat remove_rulings(const cv::Mat& ink, const Rulings& rulings);

}  // namespace scrawl
