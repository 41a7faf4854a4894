#include "scrawl/image/codec.h"

#include <dlfcn.h>
// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <jpeglib.h>
// clang-format on
#include <png.h>

#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>  // flag constants only: the functions are reached through the plugin
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

#include "scrawl/util/bytes.h"
#include "scrawl/util/plugin.h"

namespace scrawl {

namespace {

// Decoded images larger than this are refused before their pixels are allocated (load_page checks the header
// against a much smaller page limit first; this guards the other callers).
constexpr uint64_t kMaxDecodedBytes = uint64_t(1) << 31;

bool is_jpeg(const std::string& b) {
  return b.size() >= 3 && uint8_t(b[0]) == 0xFF && uint8_t(b[1]) == 0xD8 && uint8_t(b[2]) == 0xFF;
}

// ---- JPEG (libjpeg reports fatal errors by longjmp, so no C++ object with a destructor lives in the frame
// that calls setjmp) ----

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
};
[[noreturn]] void jpeg_fail(j_common_ptr c) {
  std::longjmp(reinterpret_cast<JpegError*>(c->err)->jump, 1);
}
void jpeg_quiet(j_common_ptr) {}  // warnings (e.g. extraneous bytes) must not reach stderr
jpeg_error_mgr* quiet_errors(JpegError& err) {
  jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.output_message = jpeg_quiet;
  return &err.mgr;
}

// False when the bytes are not a decodable JPEG; *cmyk is set for CMYK/YCCK files, which libjpeg cannot turn
// into gray or BGR and OpenCV's decoder (with its Adobe inversion handling) reads instead.
bool decode_jpeg(const unsigned char* data, size_t size, bool gray, int reduce, cv::Mat* out, int* orientation,
                 bool* cmyk) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = quiet_errors(err);
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);  // APP1 carries EXIF
  jpeg_read_header(&cinfo, TRUE);
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m && *orientation == 1; m = m->next)
    if (m->marker == JPEG_APP0 + 1) *orientation = exif_orientation(m->data, m->data_length);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    *cmyk = true;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(reduce);
  cinfo.out_color_space = gray || cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_calc_output_dimensions(&cinfo);
  if (uint64_t(cinfo.output_width) * cinfo.output_height * 3 > kMaxDecodedBytes) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_start_decompress(&cinfo);
  out->create(int(cinfo.output_height), int(cinfo.output_width), cinfo.output_components == 1 ? CV_8UC1 : CV_8UC3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->ptr(int(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

bool encode_jpeg(const cv::Mat& img, int quality, unsigned char** buf, unsigned long* size) {
  jpeg_compress_struct cinfo;
  JpegError err;
  cinfo.err = quiet_errors(err);
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, buf, size);
  cinfo.image_width = JDIMENSION(img.cols);
  cinfo.image_height = JDIMENSION(img.rows);
  cinfo.input_components = img.channels();
  cinfo.in_color_space = img.channels() == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img.ptr(int(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

// ---- PNG (libpng's simplified API returns errors instead of jumping) ----

cv::Mat decode_png(const std::string& bytes, bool gray) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size())) return {};
  if (uint64_t(img.width) * img.height * 3 > kMaxDecodedBytes || img.width > INT32_MAX / 4) {
    png_image_free(&img);
    return {};
  }
  // Colour to gray with OpenCV's weights on the stored (gamma-encoded) values, as every other path in scrawl
  // does; libpng's own conversion works in linear light and gives noticeably different greys.
  const bool colour = img.format & PNG_FORMAT_FLAG_COLOR;
  img.format = gray && !colour ? PNG_FORMAT_GRAY : PNG_FORMAT_BGR;
  cv::Mat m(int(img.height), int(img.width), img.format == PNG_FORMAT_GRAY ? CV_8UC1 : CV_8UC3);
  const png_color white{255, 255, 255};  // transparent areas become paper, not ink
  if (!png_image_finish_read(&img, &white, m.data, png_int_32(m.step), nullptr)) {
    png_image_free(&img);
    return {};
  }
  if (gray && colour) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
  return m;
}

std::vector<unsigned char> encode_png(const cv::Mat& src) {
  const cv::Mat img = src.isContinuous() ? src : src.clone();
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = png_uint_32(img.cols);
  png.height = png_uint_32(img.rows);
  png.format = img.channels() == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_BGR;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, img.data, png_int_32(img.step), nullptr)) return {};
  std::vector<unsigned char> out(size);
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, img.data, png_int_32(img.step), nullptr)) return {};
  out.resize(size);
  return out;
}

// ---- Everything else: OpenCV's imgcodecs through the plugin (src/image/plugin/opencv_imgcodecs.cpp) ----

using PluginDecode = int (*)(const unsigned char*, size_t, int, cv::Mat*);
using PluginEncode = int (*)(const char*, const cv::Mat*, const int*, int, std::vector<unsigned char>*);
using PluginCount = size_t (*)(const char*);
using PluginReadPage = int (*)(const char*, int, int, cv::Mat*);
struct Plugin {
  PluginDecode decode;
  PluginEncode encode;
  PluginCount count;
  PluginReadPage read_page;
};

Plugin load_plugin() {
  void* h = open_plugin(SCRAWL_PLUGIN_NAME, "scrawl_imgcodecs_decode", "this image format");
  return Plugin{plugin_function<PluginDecode>(h, "scrawl_imgcodecs_decode"),
                plugin_function<PluginEncode>(h, "scrawl_imgcodecs_encode"),
                plugin_function<PluginCount>(h, "scrawl_imgcodecs_count"),
                plugin_function<PluginReadPage>(h, "scrawl_imgcodecs_read_page")};
}

const Plugin& plugin() {
  static const Plugin p = load_plugin();  // a throw leaves it uninitialized, so the next call retries
  return p;
}

void apply_orientation(cv::Mat& m, int orientation) {
  switch (orientation) {  // EXIF 2-8: mirrored and/or rotated by a multiple of 90 degrees
    case 2:
      cv::flip(m, m, 1);
      break;
    case 3:
      cv::flip(m, m, -1);
      break;
    case 4:
      cv::flip(m, m, 0);
      break;
    case 5:
      cv::transpose(m, m);
      break;
    case 6:
      cv::transpose(m, m);
      cv::flip(m, m, 1);
      break;
    case 7:
      cv::transpose(m, m);
      cv::flip(m, m, -1);
      break;
    case 8:
      cv::transpose(m, m);
      cv::flip(m, m, 0);
      break;
    default:
      break;
  }
}

}  // namespace

int exif_orientation(const unsigned char* p, size_t n) {
  if (n < 14 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
  // TIFF header: byte order, 42, offset of IFD0
  const std::string_view t(reinterpret_cast<const char*>(p) + 6, n - 6);
  const bool le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
  const size_t ifd = u32(t, 4, le);
  if (ifd + 2 > t.size()) return 1;
  const size_t entries = u16(t, ifd, le);
  for (size_t k = 0; k < entries; ++k) {
    const size_t e = ifd + 2 + 12 * k;
    if (e + 12 > t.size()) break;
    if (u16(t, e, le) == 0x0112) {  // Orientation, a SHORT stored in the entry itself
      const uint32_t v = u16(t, e + 8, le);
      return v >= 1 && v <= 8 ? int(v) : 1;
    }
  }
  return 1;
}

cv::Mat decode_image(const std::string& bytes, Channels channels, int reduce) {
  const bool gray = channels == Channels::gray;
  cv::Mat m;
  if (is_png(bytes)) {  // libpng reads every valid PNG: a failure here is final
    m = decode_png(bytes, gray);
    if (!m.empty() && reduce > 1)
      cv::resize(m, m, cv::Size(m.cols / reduce, m.rows / reduce), 0, 0, cv::INTER_LINEAR_EXACT);
    return m;
  }
  if (is_jpeg(bytes)) {
    int orientation = 1;
    bool cmyk = false;
    if (decode_jpeg(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), gray, reduce, &m, &orientation,
                    &cmyk)) {
      if (!gray && m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
      apply_orientation(m, orientation);
      return m;
    }
    if (!cmyk) return {};
  }
  const int flags = !gray         ? cv::IMREAD_COLOR
                    : reduce == 8 ? cv::IMREAD_REDUCED_GRAYSCALE_8
                    : reduce == 4 ? cv::IMREAD_REDUCED_GRAYSCALE_4
                    : reduce == 2 ? cv::IMREAD_REDUCED_GRAYSCALE_2
                                  : cv::IMREAD_GRAYSCALE;
  if (!plugin().decode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), flags, &m)) return {};
  if (!gray && reduce > 1) cv::resize(m, m, cv::Size(m.cols / reduce, m.rows / reduce), 0, 0, cv::INTER_AREA);
  return m;
}

std::vector<unsigned char> encode_image(const cv::Mat& image, const std::string& ext, int jpeg_quality,
                                        const std::string& what) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw std::runtime_error(what + ": only 8-bit gray or BGR images can be encoded");
  std::vector<unsigned char> out;
  if (ext == "png") {
    out = encode_png(image);
  } else if (ext == "jpg" || ext == "jpeg") {
    const cv::Mat img = image.isContinuous() ? image : image.clone();
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    if (encode_jpeg(img, jpeg_quality, &buf, &size)) out.assign(buf, buf + size);
    std::free(buf);
  } else {
    const int params[] = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
    if (!plugin().encode(("." + ext).c_str(), &image, params, 2, &out)) out.clear();
  }
  if (out.empty()) throw std::runtime_error(what + ": cannot encode the image as " + ext);
  return out;
}

bool is_png(std::string_view bytes) {
  return bytes.size() >= 8 && bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n";
}

cv::Mat load_image_file(const std::string& path, Channels channels) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_image(bytes, channels);
}

size_t image_file_pages(const std::string& path) {
  return plugin().count(path.c_str());
}

cv::Mat load_image_file_page(const std::string& path, int index, Channels channels) {
  cv::Mat out;
  const int flags = channels == Channels::gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
  if (!plugin().read_page(path.c_str(), index, flags, &out)) return {};
  return out;
}

}  // namespace scrawl
