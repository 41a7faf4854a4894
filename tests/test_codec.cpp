// Image codecs: scrawl's own JPEG/PNG paths (libjpeg, libpng) against OpenCV's imgcodecs as the independent
// reference, the plugin path for other formats, EXIF orientation parsing, and that JPEG/PNG never load the plugin.
#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "scrawl/image/codec.h"
#include "scrawl/util/bytes.h"

namespace {

using scrawl::Channels;

// A colour test card: gradients in each channel plus a sharp black square, so any channel swap, flip or
// off-by-one row shows up.
cv::Mat card(int w = 96, int h = 64) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 2), uchar(y * 3), uchar(255 - x));
  img(cv::Rect(10, 8, 20, 12)).setTo(cv::Scalar(0, 0, 0));
  return img;
}

std::string bytes_of(const std::vector<unsigned char>& v) {
  return std::string(v.begin(), v.end());
}

std::string cv_encode(const cv::Mat& img, const std::string& ext) {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, img, buf));
  return std::string(buf.begin(), buf.end());
}

bool plugin_loaded() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream ss;
  ss << maps.rdbuf();
  return ss.str().find("libscrawl_imgcodecs") != std::string::npos;
}

double max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  double mx = 0;
  cv::minMaxLoc(cv::abs(a - b), nullptr, &mx);
  return mx;
}

TEST(Codec, PngRoundTripIsExactAndOpenCvAgrees) {
  const cv::Mat img = card();
  const auto png = scrawl::encode_image(img, "png");
  const cv::Mat back = scrawl::decode_image(bytes_of(png), Channels::bgr);
  ASSERT_EQ(back.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(img, back, cv::NORM_INF), 0);
  // OpenCV reads our file the same, and we read OpenCV's file the same.
  EXPECT_EQ(cv::norm(img, cv::imdecode(png, cv::IMREAD_COLOR), cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(img, scrawl::decode_image(cv_encode(img, ".png"), Channels::bgr), cv::NORM_INF), 0);
  // Gray PNG stays exact.
  cv::Mat gray;
  cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(
      cv::norm(gray, scrawl::decode_image(bytes_of(scrawl::encode_image(gray, "png")), Channels::gray), cv::NORM_INF),
      0);
}

TEST(Codec, ColourPngToGrayMatchesOpenCvWithinRounding) {
  const cv::Mat img = card();
  const std::string png = cv_encode(img, ".png");
  const cv::Mat ours = scrawl::decode_image(png, Channels::gray);
  const cv::Mat theirs = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_LE(max_abs_diff(ours, theirs), 1);
  EXPECT_LT(cv::mean(ours(cv::Rect(10, 8, 20, 12)))[0], 1);
}

TEST(Codec, TransparentPngPixelsBecomePaper) {
  cv::Mat rgba(10, 10, CV_8UC4, cv::Scalar(0, 0, 0, 0));        // fully transparent black...
  rgba(cv::Rect(0, 0, 5, 10)).setTo(cv::Scalar(0, 0, 0, 255));  // ...except an opaque black left half
  const cv::Mat g = scrawl::decode_image(cv_encode(rgba, ".png"), Channels::gray);
  ASSERT_EQ(g.size(), cv::Size(10, 10));
  EXPECT_EQ(g.at<uchar>(5, 2), 0);
  EXPECT_EQ(g.at<uchar>(5, 8), 255);
}

TEST(Codec, JpegMatchesOpenCvDecodeAtEveryScale) {
  cv::Mat img;
  cv::resize(card(), img, cv::Size(400, 240), 0, 0, cv::INTER_LINEAR);
  const std::string jpg = cv_encode(img, ".jpg");
  const std::vector<uchar> buf(jpg.begin(), jpg.end());
  // Same libjpeg underneath, same DCT scaling: the pixels must be identical to OpenCV's reduced decodes.
  const std::pair<int, int> scales[] = {{1, cv::IMREAD_GRAYSCALE},
                                        {2, cv::IMREAD_REDUCED_GRAYSCALE_2},
                                        {4, cv::IMREAD_REDUCED_GRAYSCALE_4},
                                        {8, cv::IMREAD_REDUCED_GRAYSCALE_8}};
  for (const auto& [reduce, flag] : scales) {
    const cv::Mat ours = scrawl::decode_image(jpg, Channels::gray, reduce);
    const cv::Mat theirs = cv::imdecode(buf, flag);
    ASSERT_EQ(ours.size(), theirs.size()) << "reduce " << reduce;
    EXPECT_LE(max_abs_diff(ours, theirs), 1) << "reduce " << reduce;
  }
  const cv::Mat colour = scrawl::decode_image(jpg, Channels::bgr);
  EXPECT_LE(max_abs_diff(colour, cv::imdecode(buf, cv::IMREAD_COLOR)), 1);
}

TEST(Codec, JpegEncodeIsReadableAndClose) {
  const cv::Mat img = card();
  const auto jpg = scrawl::encode_image(img, "jpg", 95);
  ASSERT_GT(jpg.size(), 100u);
  EXPECT_EQ(jpg[0], 0xFF);
  EXPECT_EQ(jpg[1], 0xD8);
  const cv::Mat back = cv::imdecode(jpg, cv::IMREAD_COLOR);
  ASSERT_EQ(back.size(), img.size());
  EXPECT_LT(cv::norm(img, back, cv::NORM_L1) / double(img.total() * 3), 4.0);  // mean error, 8-bit levels
}

TEST(Codec, ExifOrientationBothByteOrders) {
  // "Exif\0\0" + TIFF header + IFD0 with one entry: tag 0x0112 (Orientation), SHORT, count 1, value.
  const unsigned char le[] = {'E',  'x',  'i', 'f', 0, 0, 'I', 'I', 0x2A, 0, 8, 0, 0, 0, 1, 0,
                              0x12, 0x01, 3,   0,   1, 0, 0,   0,   8,    0, 0, 0, 0, 0, 0, 0};
  const unsigned char be[] = {'E',  'x',  'i', 'f', 0, 0, 'M', 'M', 0, 0x2A, 0, 0, 0, 8, 0, 1,
                              0x01, 0x12, 0,   3,   0, 0, 0,   1,   0, 3,    0, 0, 0, 0, 0, 0};
  EXPECT_EQ(scrawl::exif_orientation(le, sizeof le), 8);
  EXPECT_EQ(scrawl::exif_orientation(be, sizeof be), 3);
  EXPECT_EQ(scrawl::exif_orientation(le, 20), 1);  // truncated inside the entry
  const unsigned char xmp[] = "http://ns.adobe.com/xap/1.0/";
  EXPECT_EQ(scrawl::exif_orientation(xmp, sizeof xmp), 1);
}

TEST(Codec, JpegAndPngNeverLoadThePluginOtherFormatsDo) {
  const cv::Mat img = card();
  ASSERT_FALSE(scrawl::decode_image(cv_encode(img, ".jpg"), Channels::gray).empty());
  ASSERT_FALSE(scrawl::decode_image(cv_encode(img, ".png"), Channels::bgr).empty());
  (void)scrawl::encode_image(img, "png");
  (void)scrawl::encode_image(img, "jpg");
  EXPECT_FALSE(plugin_loaded());
  // BMP and TIFF through OpenCV: lossless, so exact.
  for (const char* ext : {".bmp", ".tiff"}) {
    const cv::Mat back = scrawl::decode_image(cv_encode(img, ext), Channels::bgr);
    ASSERT_FALSE(back.empty()) << ext;
    EXPECT_EQ(cv::norm(img, back, cv::NORM_INF), 0) << ext;
  }
  EXPECT_TRUE(plugin_loaded());
  const auto bmp = scrawl::encode_image(img, "bmp");
  EXPECT_EQ(cv::norm(img, cv::imdecode(bmp, cv::IMREAD_COLOR), cv::NORM_INF), 0);
}

TEST(Codec, GarbageIsEmptyNotACrash) {
  EXPECT_TRUE(scrawl::decode_image("", Channels::gray).empty());
  EXPECT_TRUE(scrawl::decode_image("hello, this is not an image", Channels::gray).empty());
  std::string jpg = cv_encode(card(), ".jpg");
  EXPECT_TRUE(scrawl::decode_image(jpg.substr(0, 40), Channels::gray).empty());  // cut inside the headers
  std::string png = cv_encode(card(), ".png");
  png[40] = char(png[40] ^ 0x55);  // corrupt image data: the chunk CRC no longer matches
  EXPECT_TRUE(scrawl::decode_image(png, Channels::gray).empty());
  EXPECT_THROW(scrawl::encode_image(cv::Mat(), "png"), std::runtime_error);
  EXPECT_THROW(scrawl::encode_image(cv::Mat(4, 4, CV_32F), "png", 95, "x.png"), std::runtime_error);
}

}  // namespace

// util/bytes.h, which the header parsers (PNG, JPEG, TIFF, EXIF, IDX, MATLAB) share: bytes >= 0x80 must not
// sign-extend, and the offset is honoured.
TEST(Bytes, BothByteOrdersAtAnOffset) {
  const std::string b("\x00\x01\x82\xff\x04\x85", 6);
  EXPECT_EQ(scrawl::be16(b, 1), 0x0182u);
  EXPECT_EQ(scrawl::le16(b, 1), 0x8201u);
  EXPECT_EQ(scrawl::be32(b, 2), 0x82ff0485u);
  EXPECT_EQ(scrawl::le32(b, 2), 0x8504ff82u);
  EXPECT_EQ(scrawl::u16(b, 2, true), scrawl::le16(b, 2));
  EXPECT_EQ(scrawl::u16(b, 2, false), scrawl::be16(b, 2));
  EXPECT_EQ(scrawl::u32(b, 1, true), scrawl::le32(b, 1));
  EXPECT_EQ(scrawl::u32(b, 1, false), scrawl::be32(b, 1));
}

TEST(Codec, PngSignature) {
  const std::string png = bytes_of(scrawl::encode_image(card(), "png"));
  EXPECT_TRUE(scrawl::is_png(png));
  EXPECT_TRUE(scrawl::is_png(png.substr(0, 8)));
  EXPECT_FALSE(scrawl::is_png(png.substr(0, 7)));
  std::string off = png;
  off[3] = 'g';  // "\x89PNg"
  EXPECT_FALSE(scrawl::is_png(off));
  EXPECT_FALSE(scrawl::is_png(bytes_of(scrawl::encode_image(card(), "jpg"))));
}
