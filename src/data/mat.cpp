// The course's .mat format, read through matio.
#include <matio.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

#include "data/dataset.h"

namespace scrawl {
namespace {

struct MatCloser {
  void operator()(mat_t* m) const { Mat_Close(m); }
};
struct VarFree {
  void operator()(matvar_t* v) const { Mat_VarFree(v); }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFree>;

VarPtr read_var(mat_t* mat, const std::string& name) {
  Mat_Rewind(mat);
  return VarPtr(Mat_VarRead(mat, name.c_str()));
}

// Returns the variable's values as doubles in row-major (rows x cols) order.
std::vector<double> as_matrix(const std::string& path, const std::string& name, matvar_t* v, size_t& rows,
                              size_t& cols) {
  if (v->rank != 2 || v->isComplex || v->data == nullptr)
    throw std::runtime_error(path + ": variable '" + name + "' is not a real 2-D matrix");
  rows = v->dims[0];
  cols = v->dims[1];
  const size_t n = rows * cols;
  std::vector<double> out(n);
  auto fill = [&](auto* p) {  // MATLAB stores column-major
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

// Walks a MATLAB 5 file's top-level data elements and throws unless each one lies wholly inside the file.
// libmatio (1.5.23) can loop forever on an element that claims to run past the end, so we check first.
void check_v5_elements(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), {});
  if (b.size() < 128) throw std::runtime_error(path + ": not a MATLAB file (" + std::to_string(b.size()) + " bytes)");
  const bool little = b[126] == 'I' && b[127] == 'M';
  const bool big = b[126] == 'M' && b[127] == 'I';
  if (!little && !big) throw std::runtime_error(path + ": not a MATLAB 5 file (bad endian marker)");
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const uint32_t byte = static_cast<unsigned char>(b[at + (little ? i : 3 - i)]);
      v |= byte << (8 * i);
    }
    return v;
  };
  const uint16_t version =
      little ? static_cast<uint16_t>(static_cast<unsigned char>(b[124]) | (static_cast<unsigned char>(b[125]) << 8))
             : static_cast<uint16_t>((static_cast<unsigned char>(b[124]) << 8) | static_cast<unsigned char>(b[125]));
  if (version != 0x0100) return;  // v7.3 files are HDF5 containers: matio checks those itself
  size_t pos = 128;
  while (pos < b.size()) {
    if (pos + 8 > b.size())
      throw std::runtime_error(path + ": truncated MATLAB file (element header at byte " + std::to_string(pos) + ")");
    const uint32_t type = u32(pos), bytes = u32(pos + 4);
    size_t next = pos + 8 + static_cast<size_t>(bytes);
    if (type != 15) next += (8 - bytes % 8) % 8;  // uncompressed elements are padded to 8 bytes
    if (next > b.size() + 7 || pos + 8 + static_cast<size_t>(bytes) > b.size())
      throw std::runtime_error(path + ": truncated or corrupt MATLAB file (element at byte " + std::to_string(pos) +
                               " claims " + std::to_string(bytes) + " bytes)");
    pos = next;
  }
}

}  // namespace

Dataset load_mat(const std::string& path, const std::string& split_in) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
  if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a folder, not a MATLAB file");
  check_v5_elements(path);
  MatPtr mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
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
