// Layout of a form page: the writing in each field the rulings frame laid out on its own (a comb box by box), the
// writing outside them as on any page, underlined lines as fields too, all in reading order.
#pragma once
#include <opencv2/core.hpp>

#include "scrawl/image/layout.h"
#include "scrawl/image/rulings.h"
#include "scrawl/image/segment.h"

namespace scrawl {

// `clean` is the ink mask with the rulings removed (remove_rulings), `rulings` what find_rulings found in it;
// `scale` maps mask pixels to original pixels.
PageLayout segment_form(const cv::Mat& clean, const Rulings& rulings, const SegmentConfig& cfg, double scale);

}  // namespace scrawl
