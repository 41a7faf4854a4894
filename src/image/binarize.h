// Turning a page photo into an ink mask: flatten uneven lighting, then threshold relative to the local paper.
#pragma once
#include <opencv2/core.hpp>

namespace scrawl {

struct BinarizeConfig {
  int background_side = 160;        // the background is estimated on a copy this many pixels on the long side
  double background_window = 0.04;  // max-filter window, as a fraction of that copy's long side
  double noise_sigmas = 6.0;        // weak ink threshold: paper level + this many robust paper deviations
  double strong_ratio = 0.45;       // a component needs pixels darker than this fraction of the ink level
  double edge_ratio = 0.4;          // ... and a stroke's edge is where darkness falls below this x the ink level
  double min_contrast = 0.08;       // never treat less than this relative darkening as ink
  // InkMask::faint (where printed rulings are sought too) reaches down to this darkening, or the paper's noise if that
  // is higher: a pale pink or green drop-out ruling darkens the grey page by about 0.06. 0.03 on the form tuning
  // pages (seeds 1501-1505, 1512, 1514): 0.08 -> 0.03 read tables and combs of such rulings as fields (grids 7.75% ->
  // 4.46%, combs 8.29% -> 6.63%); 0.02 read 2 comb glyphs more right, 0.05 lost the comb gain. 0.03 keeps a margin
  // above the paper's own texture.
  double faint_min_contrast = 0.03;
  // faint_line_mask (for rulings under the paper's noise): darkness averaged along a row or column over
  // `faint_line_length` pixels, a top-hat `faint_line_width` pixels across, pixels at least `faint_line_sigmas`
  // paper deviations dark. 15 / 7 / 2 at working scale (scaled up with the small-writing pass's enlargement): a
  // ruling 1-3 px wide passes the top-hat, a line of writing 12 px or taller does not; set by hand on the two
  // small-form tuning pages whose drop-out rulings the faint mask misses (seeds 1522, pages 2 and 6), not swept.
  int faint_line_length = 15;
  int faint_line_width = 7;
  double faint_line_sigmas = 2.0;
  // ... and only on pages whose faint threshold lies above this darkness, that of a pale drop-out ruling (0.06, as
  // above): elsewhere the faint mask holds such rulings whole. The two tuning pages' first-pass thresholds were 0.075
  // and 0.089; a clean ruled-line page's 0.026-0.053, which this spares a second ruling search (234 against 354 ms).
  double faint_line_below = 0.06;
  // Blurred small writing: cut each stroke's edge at this fraction of the darkest pixel within `local_edge_window`
  // pixels (0: off). A page-wide edge (edge_ratio) is set by the median ink, which faint strokes and rulings pull
  // down: the halos of dark strokes then pass and fill the gaps between them.
  double local_edge_ratio = 0;
  int local_edge_window = 7;  // pixels, odd (an even one is made odd); set from the character height by segment()
};

// Darkness relative to the estimated local paper: CV_32F in [0,1], 0 = paper, 1 = black. Removes shading,
// vignetting and colour casts so that one threshold works over the whole page.
cv::Mat relative_darkness(const cv::Mat& gray, const BinarizeConfig& cfg = {});

struct InkMask {
  cv::Mat mask;            // CV_8U, 255 = ink
  double paper_level = 0;  // median darkness of the page (about 0)
  double noise = 0;        // robust spread of the paper's darkness
  double ink_level = 0;    // typical darkness of ink pixels
  // Everything darker than the paper's noise (CV_8U, 255; all of `mask` and more), strong pixels or not: faint
  // printed rulings (a light drop-out colour, a thin grey line) that the ink mask keeps only in pieces. Rulings are
  // sought in it too.
  cv::Mat faint;
};

// Hysteresis thresholding of relative_darkness: weak pixels form the strokes, and a stroke is kept only if
// it holds strong pixels, so faint paper texture and shadows never start a component.
InkMask binarize(const cv::Mat& gray, const BinarizeConfig& cfg = {});

// Pixels of thin straight bands along either axis that stand out of the paper's noise once averaged along the band:
// pale rulings (a drop-out colour on a noisy scan) too faint for InkMask::faint pixel by pixel. Letters' bars and
// underlines pass too, so segment_mask uses it only where the faint mask framed hardly any field (under
// RulingConfig::faint_line_min_fields; CV_8U, 255). `ink` is binarize(gray, cfg)'s result; the page's darkness is
// computed again (rarely needed, and a page-sized float image kept for it would add a third to a small-form page's
// peak memory).
cv::Mat faint_line_mask(const cv::Mat& gray, const InkMask& ink, const BinarizeConfig& cfg = {});

}  // namespace scrawl
