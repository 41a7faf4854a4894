// Loading a page photo: size check from the file header before any pixel is decoded, EXIF orientation,
// and decoding at a reduced scale when the page is larger than layout analysis needs.
#pragma once
#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

namespace scrawl {

struct LoadConfig {
  int64_t max_pixels = 120'000'000;    // refuse larger images (checked in the header, before decoding)
  int64_t max_file_bytes = 256 << 20;  // refuse larger files before reading them
  int work_long_side = 1000;           // decode at 1/2, 1/4 or 1/8 scale while the long side stays >= this
};

struct LoadedPage {
  cv::Mat gray;       // CV_8U, upright (EXIF applied), at working scale
  cv::Size original;  // upright size in the file's own pixels
  int reduce = 1;     // original = gray * reduce (approximately, rounded up)
};

// Width and height stored in a PNG, JPEG, BMP or TIFF header (before EXIF rotation); nullopt for other
// formats or a header too short to tell.
std::optional<cv::Size> header_size(const std::string& bytes);

// Throws std::runtime_error("PATH: problem") for a missing, empty, corrupt, non-image or over-large file.
LoadedPage load_page(const std::string& path, const LoadConfig& cfg = {});

}  // namespace scrawl
