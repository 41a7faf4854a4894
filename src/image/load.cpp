#include "scrawl/image/load.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "scrawl/image/codec.h"
#include "scrawl/util/bytes.h"

namespace scrawl {

namespace {
std::optional<cv::Size> jpeg_size(const std::string& b) {
  size_t i = 2;
  while (i + 9 < b.size()) {
    if (uint8_t(b[i]) != 0xFF) return std::nullopt;
    const uint8_t m = uint8_t(b[i + 1]);
    if (m == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {  // markers without a length
      i += 2;
      continue;
    }
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)
      return cv::Size(int(be16(b, i + 7)), int(be16(b, i + 5)));
    i += 2 + be16(b, i + 2);
  }
  return std::nullopt;
}

std::optional<cv::Size> tiff_size(const std::string& b) {
  const bool le = b[0] == 'I';
  const size_t ifd = u32(b, 4, le);
  if (ifd + 2 > b.size()) return std::nullopt;
  const uint32_t n = u16(b, ifd, le);
  int64_t w = -1, h = -1;
  for (uint32_t k = 0; k < n; ++k) {
    const size_t e = ifd + 2 + 12 * size_t(k);
    if (e + 12 > b.size()) break;
    const uint32_t tag = u16(b, e, le), type = u16(b, e + 2, le);
    const int64_t v = type == 3 ? u16(b, e + 8, le) : u32(b, e + 8, le);
    if (tag == 256) w = v;
    if (tag == 257) h = v;
  }
  if (w < 0 || h < 0) return std::nullopt;
  // Clamp so absurd sizes still compare as over-large instead of overflowing int.
  return cv::Size(int(std::min<int64_t>(w, 1 << 30)), int(std::min<int64_t>(h, 1 << 30)));
}
}  // namespace

std::optional<cv::Size> header_size(const std::string& b) {
  if (b.size() >= 24 && is_png(b))
    return cv::Size(int(std::min<uint32_t>(be32(b, 16), 1u << 30)), int(std::min<uint32_t>(be32(b, 20), 1u << 30)));
  if (b.size() >= 4 && uint8_t(b[0]) == 0xFF && uint8_t(b[1]) == 0xD8) return jpeg_size(b);
  if (b.size() >= 26 && b[0] == 'B' && b[1] == 'M') {
    const int64_t w = int32_t(le32(b, 18)), h = int32_t(le32(b, 22));
    return cv::Size(int(std::min<int64_t>(std::abs(w), 1 << 30)), int(std::min<int64_t>(std::abs(h), 1 << 30)));
  }
  if (b.size() >= 8 && (b.compare(0, 4, "II*\0", 4) == 0 || b.compare(0, 4, "MM\0*", 4) == 0)) return tiff_size(b);
  return std::nullopt;
}

LoadedPage load_page(const std::string& path, const LoadConfig& cfg) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": no such file");
  const auto bytes_on_disk = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error(path + ": cannot read file size");
  if (bytes_on_disk == 0) throw std::runtime_error(path + ": empty file");
  if (int64_t(bytes_on_disk) > cfg.max_file_bytes)
    throw std::runtime_error(path + ": file too large (" + std::to_string(bytes_on_disk) + " bytes)");
  std::string bytes(bytes_on_disk, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in.read(bytes.data(), std::streamsize(bytes.size()))) throw std::runtime_error(path + ": cannot read file");
  }
  const auto hs = header_size(bytes);
  if (hs) {
    if (hs->width <= 0 || hs->height <= 0) throw std::runtime_error(path + ": image header gives an empty size");
    if (int64_t(hs->width) * hs->height > cfg.max_pixels)
      throw std::runtime_error(path + ": image too large (" + std::to_string(hs->width) + "x" +
                               std::to_string(hs->height) + " pixels, limit " + std::to_string(cfg.max_pixels) + ")");
  }
  // libpng prints its own complaints on stderr before failing; checking the chunk CRCs first gives one clean
  // error instead, and catches a truncated file (no IEND chunk).
  if (is_png(bytes)) {
    size_t i = 8;
    bool end = false;
    while (!end) {
      if (i + 12 > bytes.size()) throw std::runtime_error(path + ": truncated PNG (no end chunk)");
      const size_t len = be32(bytes, i);
      if (len > bytes.size() - i - 12) throw std::runtime_error(path + ": truncated PNG (chunk runs past the end)");
      const auto* p = reinterpret_cast<const Bytef*>(bytes.data() + i + 4);
      if (crc32(0L, p, uInt(len + 4)) != be32(bytes, i + 8 + len))
        throw std::runtime_error(path + ": corrupt PNG (chunk checksum mismatch)");
      end = bytes.compare(i + 4, 4, "IEND") == 0;
      i += 12 + len;
    }
  }
  // libjpeg fills a truncated JPEG with grey and only warns; a JPEG must end with its EOI marker (FF D9),
  // possibly followed by a little padding.
  if (bytes.size() >= 2 && uint8_t(bytes[0]) == 0xFF && uint8_t(bytes[1]) == 0xD8) {
    const size_t tail = bytes.size() > 4096 ? bytes.size() - 4096 : 0;
    const size_t eoi = bytes.rfind("\xFF\xD9");
    if (eoi == std::string::npos || eoi < tail)
      throw std::runtime_error(path + ": truncated JPEG (no end-of-image marker)");
  }
  // libjpeg scales by 1/2, 1/4, 1/8 inside the DCT, which is much faster than decoding and resizing.
  int reduce = 1;
  if (hs) {
    const int long_side = std::max(hs->width, hs->height);
    while (reduce < 8 && long_side / (reduce * 2) >= cfg.work_long_side) reduce *= 2;
  }
  cv::Mat gray;
  try {
    gray = decode_image(bytes, Channels::gray, reduce);  // with its EXIF orientation applied
  } catch (const cv::Exception&) {
    gray.release();
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  if (gray.empty()) throw std::runtime_error(path + ": not a readable image (corrupt, truncated or unknown format)");
  if (!hs && int64_t(gray.total()) * reduce * reduce > cfg.max_pixels)
    throw std::runtime_error(path + ": image too large (" + std::to_string(gray.cols) + "x" +
                             std::to_string(gray.rows) + " pixels)");
  if (gray.depth() != CV_8U) gray.convertTo(gray, CV_8U, gray.depth() == CV_16U ? 1.0 / 257 : 255.0);
  LoadedPage page;
  page.gray = gray;
  page.reduce = reduce;
  page.original =
      hs ? (gray.cols >= gray.rows) == (hs->width >= hs->height) ? *hs : cv::Size(hs->height, hs->width) : gray.size();
  return page;
}

}  // namespace scrawl
