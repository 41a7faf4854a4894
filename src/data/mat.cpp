// The course's .mat format, read through matio.
#include <matio.h>

#include <cmath>
#include <filesystem>
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
    case MAT_T_DOUBLE: fill(static_cast<const double*>(v->data)); break;
    case MAT_T_SINGLE: fill(static_cast<const float*>(v->data)); break;
    case MAT_T_UINT8: fill(static_cast<const uint8_t*>(v->data)); break;
    default: throw std::runtime_error(path + ": variable '" + name + "' has an unsupported element type");
  }
  return out;
}

}  // namespace

Dataset load_mat(const std::string& path, const std::string& split_in) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
  MatPtr mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (!mat) throw std::runtime_error(path + ": not a readable MATLAB file");

  std::string split = split_in;
  if (!read_var(mat.get(), split + "_data")) {  // fall back to the only split present
    split.clear();
    for (const char* s : {"train", "valid", "test"})
      if (read_var(mat.get(), std::string(s) + "_data")) {
        if (!split.empty()) throw std::runtime_error(path + ": has no '" + split_in + "_data' and several other splits");
        split = s;
      }
    if (split.empty()) throw std::runtime_error(path + ": no train_data, valid_data or test_data variable");
  }
  VarPtr xd = read_var(mat.get(), split + "_data");
  VarPtr yd = read_var(mat.get(), split + "_labels");
  if (!xd || !yd) throw std::runtime_error(path + ": '" + split + "_data' or '" + split + "_labels' is unreadable or missing");
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
  if (k == 26) d.classes = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  else if (k == 36) d.classes = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";  // the course's NIST36 order
  else if (k == 10) d.classes = "0123456789";
  else throw std::runtime_error(path + ": " + std::to_string(k) + " label columns (expected 10, 26 or 36)");
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
