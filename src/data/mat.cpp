// The course's .mat format, read through matio (a plugin: util/plugin.h).
#include <matio.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

#include "scrawl/data/dataset.h"
#include "scrawl/util/bytes.h"
#include "scrawl/util/plugin.h"

namespace scrawl {
namespace {

// matio, through its plugin (data/plugin/matio.cpp), loaded on the first .mat file.
struct Matio {
  mat_t* (*open)(const char*);
  void (*close)(mat_t*);
  int (*rewind)(mat_t*);
  matvar_t* (*var_read)(mat_t*, const char*);
  void (*var_free)(matvar_t*);
};

const Matio& matio() {
  static const Matio m = [] {
    void* h = open_plugin("libscrawl_matio.so", "scrawl_matio_open", "reading a .mat file");
    return Matio{plugin_function<mat_t* (*)(const char*)>(h, "scrawl_matio_open"),
                 plugin_function<void (*)(mat_t*)>(h, "scrawl_matio_close"),
                 plugin_function<int (*)(mat_t*)>(h, "scrawl_matio_rewind"),
                 plugin_function<matvar_t* (*)(mat_t*, const char*)>(h, "scrawl_matio_var_read"),
                 plugin_function<void (*)(matvar_t*)>(h, "scrawl_matio_var_free")};
  }();
  return m;
}

struct MatCloser {
  void operator()(mat_t* m) const { matio().close(m); }
};
struct VarFree {
  void operator()(matvar_t* v) const { matio().var_free(v); }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFree>;

VarPtr read_var(mat_t* mat, const std::string& name) {
  matio().rewind(mat);
  return VarPtr(matio().var_read(mat, name.c_str()));
}

// Returns the variable's values as doubles in row-major (rows x cols) order.
std::vector<double> as_matrix(const std::string& path, const std::string& name, matvar_t* v, size_t& rows,
                              size_t& cols) {
  // Only full numeric arrays hold plain values at v->data (a sparse one holds a mat_sparse_t there).
  if (v->rank != 2 || v->isComplex || v->data == nullptr || v->class_type < MAT_C_DOUBLE ||
      v->class_type > MAT_C_UINT64)
    throw std::runtime_error(path + ": variable '" + name + "' is not a real 2-D matrix");
  rows = v->dims[0];
  cols = v->dims[1];
  const size_t n = rows * cols;
  // 0 x 4e9 would spin through billions of empty columns below (found by fuzz_mat).
  if (n == 0) throw std::runtime_error(path + ": variable '" + name + "' is empty");
  std::vector<double> out(n);
  auto fill = [&](auto* p) {  // MATLAB stores column-major
    // The dimensions and the values are separate fields of the file (found by fuzz_mat: reading past the end).
    if (v->nbytes / sizeof(*p) < n)
      throw std::runtime_error(path + ": variable '" + name + "' holds fewer values than its dimensions");
    for (size_t c = 0; c < cols; ++c)
      for (size_t r = 0; r < rows; ++r) out[r * cols + c] = static_cast<double>(p[c * rows + r]);
  };
  switch (v->data_type) {
    case MAT_T_DOUBLE:
      fill(static_cast<const double*>(v->data));
      break;
    case MAT_T_SINGLE:
      fill(static_cast<const float*>(v->data));
      break;
    case MAT_T_UINT8:
      fill(static_cast<const uint8_t*>(v->data));
      break;
    default:
      throw std::runtime_error(path + ": variable '" + name + "' has an unsupported element type");
  }
  return out;
}

// libmatio (1.5.23) trusts every length in a MATLAB 5 file: it loops forever on an element that runs past
// the end of the file, and mallocs whatever a name or dimensions tag claims (gigabytes from a few bytes). Both
// were found by fuzz_mat, so every element is checked against the bytes that hold it before matio opens the file.
class V5Checker {
 public:
  V5Checker(const std::string& path, bool little) : path_(path), little_(little) {}

  // The data elements in b[pos, end) at nesting `depth` (0: the file's top level).
  void elements(const std::string& b, size_t pos, size_t end, int depth) const {
    if (depth > 16) fail("matrices nested more than 16 deep");
    while (pos < end) {
      if (pos + 8 > end) fail("truncated or corrupt MATLAB file (element header at byte " + std::to_string(pos) + ")");
      const Tag t = tag(b, pos, depth > 0);
      if (t.data + t.bytes > end)
        fail("truncated or corrupt MATLAB file (element at byte " + std::to_string(pos) + " claims " +
             std::to_string(t.bytes) + " bytes)");
      if (t.type == 14) {  // an uncompressed matrix: flags, dimensions, name, then data or sub-matrices
        elements(b, t.data, t.data + t.bytes, depth + 1);
        matrix_head(b, t.data, t.data + t.bytes, t.bytes, pos);
      }
      if (t.type == 15 && depth == 0) compressed(b, t.data, t.bytes, pos);
      pos = t.next;
    }
  }

 private:
  struct Tag {
    uint32_t type;
    size_t bytes, data, next;
  };

  [[noreturn]] void fail(const std::string& what) const { throw std::runtime_error(path_ + ": " + what); }

  // The element tag at pos (pos + 8 <= b.size()). Inside a matrix, a small element packs type, size and up to
  // 4 bytes of data into 8 bytes. Other elements are padded to a multiple of 8, except compressed ones.
  Tag tag(const std::string& b, size_t pos, bool small_ok) const {
    const uint32_t w = u32(b, pos, little_);
    if (small_ok && (w >> 16) != 0 && (w >> 16) <= 4) return {w & 0xffff, w >> 16, pos + 4, pos + 8};
    const size_t bytes = u32(b, pos + 4, little_);
    const size_t pad = w == 15 ? 0 : (8 - bytes % 8) % 8;
    return {w, bytes, pos + 8, pos + 8 + bytes + pad};
  }

  // The head of a matrix whose contents start at b[pos] (readable up to `end`, `size` bytes in all). matio reads
  // it at fixed offsets, ignoring the lengths in the tags: 8 bytes of array flags, then the dimensions, then the
  // name; and it allocates by the dimensions before it reads any data. A full (non-sparse) array stores at least
  // one byte per element, so its dimensions cannot multiply to more than `size`.
  void matrix_head(const std::string& b, size_t pos, size_t end, size_t size, size_t at) const {
    if (size == 0) return;  // an empty matrix (MATLAB writes these for empty cells)
    const std::string where = "corrupt MATLAB file (matrix at byte " + std::to_string(at);
    if (pos + 16 > end) fail(where + " has no array flags)");
    const Tag flags = tag(b, pos, false);
    if (flags.type != 6 || flags.bytes != 8) fail(where + " has malformed array flags)");
    if (flags.next + 8 > end) fail(where + " has no dimensions)");
    const Tag dims = tag(b, flags.next, false);
    if (dims.type != 5 || dims.bytes < 8 || dims.bytes % 4 != 0 || dims.data + dims.bytes > end)
      fail(where + " has malformed dimensions)");
    if (dims.next + 8 > end) fail(where + " has no name)");
    const Tag name = tag(b, dims.next, true);
    if (name.data + name.bytes > end) fail(where + " has a malformed name)");
    if ((u32(b, flags.data, little_) & 0xff) == 5) return;  // sparse: dimensions may far exceed the stored values
    uint64_t n = 1;
    for (size_t i = 0; i < dims.bytes; i += 4)
      n = std::min<uint64_t>(n * std::min<uint64_t>(u32(b, dims.data + i, little_), uint64_t(1) << 32), uint64_t(1)
                                                                                                            << 40);
    if (n > size) fail(where + " claims " + std::to_string(n) + " elements in " + std::to_string(size) + " bytes)");
  }

  // A compressed element (bytes at b[pos, pos + bytes)): deflate expands at most ~1032 times, so the matrix inside
  // cannot claim more than that. Its first 4 KB inflated hold the flags, dimensions and name, checked as above.
  void compressed(const std::string& b, size_t pos, size_t bytes, size_t at) const {
    std::string out(4096, '\0');
    z_stream z{};
    if (inflateInit(&z) != Z_OK) fail("zlib failure");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data() + pos));
    z.avail_in = uInt(std::min<size_t>(bytes, 1u << 30));
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    const size_t got = out.size() - z.avail_out;
    inflateEnd(&z);
    const std::string where = "compressed element at byte " + std::to_string(at);
    if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || got < 8)
      fail("corrupt MATLAB file (" + where + " does not inflate)");
    out.resize(got);
    const Tag t = tag(out, 0, false);
    if (t.type != 14) return;  // matio skips what is not a matrix
    if (t.bytes > 1032 * bytes + 1024)
      fail("corrupt MATLAB file (" + where + " claims " + std::to_string(t.bytes) + " bytes from " +
           std::to_string(bytes) + ")");
    const size_t end = std::min(t.data + t.bytes, out.size());
    for (size_t p = t.data; p + 8 <= end;) {  // the inflated headers must fit in the matrix
      const Tag c = tag(out, p, true);
      if (c.data + c.bytes > t.data + t.bytes)
        fail("corrupt MATLAB file (" + where + " holds a " + std::to_string(c.bytes) + "-byte field in a " +
             std::to_string(t.bytes) + "-byte matrix)");
      p = c.next;
    }
    matrix_head(out, t.data, end, t.bytes, at);
  }

  const std::string& path_;
  bool little_;
};

void check_v5_elements(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), {});
  if (b.size() < 128) throw std::runtime_error(path + ": not a MATLAB file (" + std::to_string(b.size()) + " bytes)");
  const bool little = b[126] == 'I' && b[127] == 'M';
  const bool big = b[126] == 'M' && b[127] == 'I';
  if (!little && !big) throw std::runtime_error(path + ": not a MATLAB 5 file (bad endian marker)");
  const uint32_t version = u16(b, 124, little);
  if (version != 0x0100) return;  // v7.3 files are HDF5 containers: matio checks those itself
  V5Checker(path, little).elements(b, 128, b.size(), 0);
}

}  // namespace

Dataset load_mat(const std::string& path, const std::string& split_in) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
  if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a folder, not a MATLAB file");
  check_v5_elements(path);
  MatPtr mat(matio().open(path.c_str()));
  if (!mat) throw std::runtime_error(path + ": not a readable MATLAB file");

  std::string split = split_in;
  if (!read_var(mat.get(), split + "_data")) {  // fall back to the only split present
    split.clear();
    for (const char* s : {"train", "valid", "test"})
      if (read_var(mat.get(), std::string(s) + "_data")) {
        if (!split.empty())
          throw std::runtime_error(path + ": has no '" + split_in + "_data' and several other splits");
        split = s;
      }
    if (split.empty()) throw std::runtime_error(path + ": no train_data, valid_data or test_data variable");
  }
  VarPtr xd = read_var(mat.get(), split + "_data");
  VarPtr yd = read_var(mat.get(), split + "_labels");
  if (!xd || !yd)
    throw std::runtime_error(path + ": '" + split + "_data' or '" + split + "_labels' is unreadable or missing");
  size_t n = 0, px = 0, nl = 0, k = 0;
  const std::vector<double> x = as_matrix(path, split + "_data", xd.get(), n, px);
  const std::vector<double> y = as_matrix(path, split + "_labels", yd.get(), nl, k);
  if (nl != n)
    throw std::runtime_error(path + ": " + std::to_string(nl) + " labels for " + std::to_string(n) + " images");
  const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(px))));
  if (static_cast<size_t>(side) * side != px || px == 0)
    throw std::runtime_error(path + ": images have " + std::to_string(px) + " values, not a square");

  Dataset d;
  d.source = path;
  d.h = d.w = side;
  if (k == 26)
    d.classes = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  else if (k == 36)
    d.classes = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";  // the course's NIST36 order
  else if (k == 10)
    d.classes = "0123456789";
  else
    throw std::runtime_error(path + ": " + std::to_string(k) + " label columns (expected 10, 26 or 36)");
  d.labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int hot = -1;
    for (size_t j = 0; j < k; ++j)
      if (y[i * k + j] > 0.5) {
        if (hot >= 0) throw std::runtime_error(path + ": label row " + std::to_string(i) + " is not one-hot");
        hot = static_cast<int>(j);
      }
    if (hot < 0) throw std::runtime_error(path + ": label row " + std::to_string(i) + " has no class set");
    d.labels[i] = hot;
  }
  // Course data: background 1, ink 0 -> flip to ink high.
  d.images.resize(n * px);
  for (size_t i = 0; i < d.images.size(); ++i) d.images[i] = static_cast<float>(1.0 - x[i]);
  transpose_images(d.images, d.h, d.w);
  return d;
}

}  // namespace scrawl
