// Pictures a person looks at: line plots, confusion matrices, weight grids. Drawn with OpenCV, saved as PNG.
#pragma once
#include <string>
#include <vector>

#include "train/metrics.h"

namespace scrawl {

// Confusion matrix as a heat map with class labels on both axes, written atomically.
void write_confusion_png(const std::string& path, const Evaluation& ev, const std::string& classes);

}  // namespace scrawl
