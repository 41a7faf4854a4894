// Image decoding and encoding. JPEG and PNG, the formats of phone photos and of everything scrawl writes, go
// straight through libjpeg(-turbo) and libpng. Every other format OpenCV reads (TIFF, BMP, WebP, ...) goes
// through OpenCV's imgcodecs, loaded on first use from a small plugin (libscrawl_imgcodecs.so): Debian's
// imgcodecs pulls in GDAL, GDCM, poppler and ~140 shared libraries whose loading alone costs ~200 ms, more
// than reading a whole page, so `scrawl read photo.jpg` must not pay for it.
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace scrawl {

enum class Channels { gray, bgr };

// Decodes an encoded image at 1/reduce scale (reduce 1, 2, 4 or 8; JPEG scales inside the DCT, other formats
// are decoded whole and shrunk), with its EXIF orientation applied. Returns CV_8UC1 for gray or CV_8UC3 (BGR),
// or an empty Mat when the bytes are not a readable image. Throws std::runtime_error only when the format needs
// the imgcodecs plugin and it cannot be loaded.
cv::Mat decode_image(const std::string& bytes, Channels channels, int reduce = 1);

// Encodes an 8-bit gray or BGR image. ext: "png", "jpg"/"jpeg" (quality 0-100), or anything OpenCV writes
// (through the plugin). Throws std::runtime_error("WHAT: ...") on failure.
std::vector<unsigned char> encode_image(const cv::Mat& image, const std::string& ext, int jpeg_quality = 95,
                                        const std::string& what = "image");

// Reads a file and decodes it; empty Mat when unreadable. (Reader::read_image reads an image already in memory.)
cv::Mat load_image_file(const std::string& path, Channels channels);

// Pages of a multi-page image file (a TIFF) through the plugin: their number (0 when unknown), and page `index`
// decoded (empty Mat when it cannot be). Throw std::runtime_error when the plugin cannot be loaded.
size_t image_file_pages(const std::string& path);
cv::Mat load_image_file_page(const std::string& path, int index, Channels channels);

// True when the bytes start with the 8-byte PNG signature.
bool is_png(std::string_view bytes);

// EXIF orientation (1-8) of a JPEG's APP1 segment payload ("Exif\0\0" + TIFF), 1 when absent or malformed.
int exif_orientation(const unsigned char* app1, size_t size);

}  // namespace scrawl
