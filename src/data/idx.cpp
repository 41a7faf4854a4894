// IDX loader: big-endian header, magic 0x00000803 (images: count, rows, cols) or 0x00000801 (labels: count).
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "scrawl/data/dataset.h"
#include "scrawl/util/bytes.h"
#include "scrawl/util/files.h"

namespace scrawl {
namespace {

constexpr size_t kMaxFileBytes = size_t{4} << 30;  // refuse to inflate beyond 4 GiB

std::string find_file(const std::string& stem) {
  for (const std::string& cand : {stem + ".gz", stem})
    if (std::filesystem::exists(cand)) return cand;
  throw std::runtime_error(stem + "[.gz]: no such file");
}

}  // namespace

std::string read_maybe_gz(const std::string& path) {
  std::string raw = read_file(path);
  if (raw.size() < 2 || static_cast<unsigned char>(raw[0]) != 0x1f || static_cast<unsigned char>(raw[1]) != 0x8b)
    return raw;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error(path + ": zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw std::runtime_error(path + ": corrupt or truncated gzip data");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > kMaxFileBytes) {
      inflateEnd(&zs);
      throw std::runtime_error(path + ": decompressed size exceeds 4 GiB");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {  // input ended before the stream did
      inflateEnd(&zs);
      throw std::runtime_error(path + ": truncated gzip data");
    }
  }
  inflateEnd(&zs);
  return out;
}

Dataset load_idx(const std::string& prefix, bool transposed) {
  const std::string img_path = find_file(prefix + "-images-idx3-ubyte");
  const std::string lbl_path = find_file(prefix + "-labels-idx1-ubyte");
  return parse_idx(read_maybe_gz(img_path), read_maybe_gz(lbl_path), img_path, lbl_path, transposed, prefix);
}

Dataset parse_idx(const std::string& img, const std::string& lbl, const std::string& img_path,
                  const std::string& lbl_path, bool transposed, const std::string& source) {
  if (img.size() < 16 || be32(img, 0) != 0x00000803)
    throw std::runtime_error(img_path + ": not an IDX image file (bad magic)");
  if (lbl.size() < 8 || be32(lbl, 0) != 0x00000801)
    throw std::runtime_error(lbl_path + ": not an IDX label file (bad magic)");
  const uint64_t n = be32(img, 4), rows = be32(img, 8), cols = be32(img, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    throw std::runtime_error(img_path + ": implausible image size " + std::to_string(rows) + "x" +
                             std::to_string(cols));
  if (img.size() != 16 + n * rows * cols)
    throw std::runtime_error(img_path + ": header says " + std::to_string(n) + " images of " + std::to_string(rows) +
                             "x" + std::to_string(cols) + " but the file holds " + std::to_string(img.size() - 16) +
                             " pixel bytes");
  const uint64_t nl = be32(lbl, 4);
  if (lbl.size() != 8 + nl)
    throw std::runtime_error(lbl_path + ": header says " + std::to_string(nl) + " labels but the file holds " +
                             std::to_string(lbl.size() - 8));
  if (nl != n)
    throw std::runtime_error(lbl_path + ": " + std::to_string(nl) + " labels for " + std::to_string(n) + " images");

  Dataset d;
  d.source = source;
  d.h = static_cast<int>(rows);
  d.w = static_cast<int>(cols);
  d.labels.resize(n);
  int max_label = 0;
  for (uint64_t i = 0; i < n; ++i) {
    d.labels[i] = static_cast<unsigned char>(lbl[8 + i]);
    max_label = std::max(max_label, d.labels[i]);
  }
  if (max_label >= 36)
    throw std::runtime_error(lbl_path + ": label " + std::to_string(max_label) + " out of range (at most 36 classes)");
  // 10 classes are digits (MNIST); anything up to 36 is the emnist36 alphabet.
  d.classes = std::string(kClasses36).substr(0, max_label < 10 ? 10 : 36);
  d.images.resize(n * rows * cols);
  const auto* px = reinterpret_cast<const unsigned char*>(img.data() + 16);
  for (size_t i = 0; i < d.images.size(); ++i) d.images[i] = px[i] * (1.f / 255.f);
  if (transposed) transpose_images(d.images, d.h, d.w);
  return d;
}

}  // namespace scrawl
