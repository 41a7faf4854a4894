// The imgcodecs plugin (libscrawl_imgcodecs.so): OpenCV's decoders and encoders behind two C functions, loaded
// by image/codec.cpp with dlopen only when an image is neither JPEG nor PNG (see codec.h for why).
#include <opencv2/imgcodecs.hpp>
#include <vector>

extern "C" {

// 1 and the image in *out on success, 0 when OpenCV cannot decode the bytes.
int scrawl_imgcodecs_decode(const unsigned char* data, size_t size, int flags, cv::Mat* out) {
  try {
    const cv::Mat buf(1, int(size), CV_8U, const_cast<unsigned char*>(data));
    *out = cv::imdecode(buf, flags);
    return out->empty() ? 0 : 1;
  } catch (...) {  // nothing may unwind through a C interface
    out->release();
    return 0;
  }
}

// ext: ".tif", ".bmp", ...; params: OpenCV's (flag, value) pairs.
int scrawl_imgcodecs_encode(const char* ext, const cv::Mat* image, const int* params, int n_params,
                            std::vector<unsigned char>* out) {
  try {
    return cv::imencode(ext, *image, *out, std::vector<int>(params, params + n_params)) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

// Pages in a multi-page image file (TIFF), 0 when OpenCV cannot tell.
size_t scrawl_imgcodecs_count(const char* path) {
  try {
    return cv::imcount(path, cv::IMREAD_ANYCOLOR);
  } catch (...) {
    return 0;
  }
}

// 1 and page `index` of a multi-page image file in *out on success, 0 otherwise.
int scrawl_imgcodecs_read_page(const char* path, int index, int flags, cv::Mat* out) {
  try {
    std::vector<cv::Mat> pages;
    if (!cv::imreadmulti(path, pages, index, 1, flags) || pages.empty()) return 0;
    *out = pages[0];
    return out->empty() ? 0 : 1;
  } catch (...) {
    out->release();
    return 0;
  }
}

}  // extern "C"
