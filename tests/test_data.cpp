// Loaders on the real shared files, and their errors on broken ones.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "scrawl/data/dataset.h"
#include "test_util.h"

using namespace scrawl;
using scrawl::test::emnist;
using scrawl::test::TempDir;

namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
// An uncompressed IDX pair with n images of r x c; pixel (i, row, col) stored transposed like EMNIST.
void write_idx(const std::string& prefix, int n, int r, int c, int labels_n, int label_value = 1) {
  std::string img = be32(0x803) + be32(n) + be32(r) + be32(c);
  for (int i = 0; i < n * r * c; ++i) img.push_back(static_cast<char>(i % 251));
  std::string lbl = be32(0x801) + be32(labels_n);
  for (int i = 0; i < labels_n; ++i) lbl.push_back(static_cast<char>(label_value));
  write_bytes(prefix + "-images-idx3-ubyte", img);
  write_bytes(prefix + "-labels-idx1-ubyte", lbl);
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// Ink bounding box of a 28x28 glyph.
struct Box {
  int top = 99, bottom = -1, left = 99, right = -1;
};
Box ink_box(const Dataset& d, int i) {
  Box b;
  for (int r = 0; r < d.h; ++r)
    for (int c = 0; c < d.w; ++c)
      if (d.image(i)[r * d.w + c] > 0.5f) {
        b.top = std::min(b.top, r), b.bottom = std::max(b.bottom, r);
        b.left = std::min(b.left, c), b.right = std::max(b.right, c);
      }
  return b;
}

}  // namespace

TEST(Idx, Emnist36SplitsHaveDocumentedCountsAndHistogram) {
  const Dataset test = load_idx(emnist("test"));
  EXPECT_EQ(test.size(), 1800);
  EXPECT_EQ(test.h, 28);
  EXPECT_EQ(test.w, 28);
  EXPECT_EQ(test.classes, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  for (int c : test.class_counts()) EXPECT_EQ(c, 50);
  const Dataset valid = load_idx(emnist("valid"));
  EXPECT_EQ(valid.size(), 3600);
  for (int c : valid.class_counts()) EXPECT_EQ(c, 100);
  const Dataset t300 = load_idx(emnist("train300"));
  EXPECT_EQ(t300.size(), 10438);
  const auto counts = t300.class_counts();
  EXPECT_EQ(counts[20], 182) << "K has 182 samples";  // 'K' is index 20
  EXPECT_EQ(*std::max_element(counts.begin(), counts.end()), 300);
  for (float v : test.images) ASSERT_TRUE(v >= 0.f && v <= 1.f);
}

TEST(Idx, FullTrainSplit) {
  const Dataset train = load_idx(emnist("train"));
  EXPECT_EQ(train.size(), 82064);
  const auto counts = train.class_counts();
  EXPECT_EQ(counts[20], 182);   // K, the rarest
  EXPECT_EQ(counts[24], 3956);  // O, the most common letter
}

// The orientation check: a '1' is tall and thin once upright; transposed it would be wide and flat.
// Likewise 'L' has its ink in the left column and bottom row, which a transpose would move to top row/left column.
TEST(Idx, GlyphsComeOutUpright) {
  const Dataset test = load_idx(emnist("test"));
  int tall = 0, ones = 0, l_ok = 0, ls = 0;
  for (int i = 0; i < test.size(); ++i) {
    const Box b = ink_box(test, i);
    if (test.labels[i] == 1) {  // '1'
      ++ones;
      tall += 2 * (b.bottom - b.top) > 3 * (b.right - b.left);  // height > 1.5 x width
    }
    if (test.classes[test.labels[i]] == 'L') {
      ++ls;
      // Bottom row of the box has more ink than the top row; a transposed L would have it the other way round.
      float top = 0, bottom = 0;
      for (int c = b.left; c <= b.right; ++c) {
        top += test.image(i)[b.top * 28 + c];
        bottom += test.image(i)[b.bottom * 28 + c];
      }
      l_ok += bottom > top;
    }
  }
  EXPECT_GT(tall, ones * 8 / 10) << tall << " of " << ones << " ones are tall";
  EXPECT_GT(l_ok, ls * 8 / 10) << l_ok << " of " << ls << " L's have ink along the bottom";
}

TEST(Idx, TransposeMatchesFileLayout) {
  TempDir dir;
  write_idx(dir / "t", 2, 3, 4, 2);
  const Dataset raw = load_idx(dir / "t", false);
  const Dataset up = load_idx(dir / "t", true);
  ASSERT_EQ(up.h, 3);
  ASSERT_EQ(up.w, 4);
  // Stored image 1 is (w=4 rows, h=3 cols) row-major: byte at stored (c, r) = 12 + c*3 + r.
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(up.image(1)[r * 4 + c], ((12 + c * 3 + r) % 251) / 255.f);
  EXPECT_FLOAT_EQ(raw.image(1)[1], 13 / 255.f);
}

TEST(Idx, PlainAndGzipGiveTheSameData) {
  TempDir dir;
  write_idx(dir / "p", 5, 28, 28, 5, 7);
  // gzip copies of both files under another prefix
  for (const char* part : {"-images-idx3-ubyte", "-labels-idx1-ubyte"}) {
    std::ifstream in(dir / (std::string("p") + part), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    gzFile gz = gzopen((dir / (std::string("g") + part + ".gz")).c_str(), "wb");
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
  }
  const Dataset a = load_idx(dir / "p"), b = load_idx(dir / "g");
  EXPECT_EQ(a.images, b.images);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.classes, "0123456789");
}

TEST(Idx, BrokenFilesGiveClearErrors) {
  TempDir dir;
  write_idx(dir / "short", 3, 28, 28, 3);
  {  // truncate the image file by 10 bytes
    std::ifstream in(dir / "short-images-idx3-ubyte", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    bytes.resize(bytes.size() - 10);
    write_bytes(dir / "short-images-idx3-ubyte", bytes);
  }
  EXPECT_NE(error_of([&] { load_idx(dir / "short"); }).find("pixel bytes"), std::string::npos);

  write_idx(dir / "count", 3, 28, 28, 2);
  EXPECT_NE(error_of([&] { load_idx(dir / "count"); }).find("2 labels for 3 images"), std::string::npos);

  write_idx(dir / "range", 2, 28, 28, 2, 40);
  EXPECT_NE(error_of([&] { load_idx(dir / "range"); }).find("out of range"), std::string::npos);

  write_idx(dir / "magic", 2, 28, 28, 2);
  write_bytes(dir / "magic-images-idx3-ubyte", "not an idx file at all");
  const std::string m = error_of([&] { load_idx(dir / "magic"); });
  EXPECT_NE(m.find("bad magic"), std::string::npos);
  EXPECT_NE(m.find("magic-images-idx3-ubyte"), std::string::npos) << "names the file: " << m;

  EXPECT_NE(error_of([&] { load_idx(dir / "absent"); }).find("no such file"), std::string::npos);

  write_idx(dir / "gz", 2, 28, 28, 2);  // a gzip header followed by garbage
  write_bytes(dir / "gz-images-idx3-ubyte.gz", std::string("\x1f\x8b\x08\x00garbage", 11));
  EXPECT_NE(error_of([&] { load_idx(dir / "gz"); }).find("gzip"), std::string::npos);
}

TEST(Mat, CourseFormatNist26Valid) {
  const Dataset d = load_mat(scrawl::test::data_dir() + "/nist26/nist26_valid.mat", "valid");
  EXPECT_EQ(d.size(), 1300);
  EXPECT_EQ(d.h, 32);
  EXPECT_EQ(d.w, 32);
  EXPECT_EQ(d.classes, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  for (int c : d.class_counts()) EXPECT_EQ(c, 50);
  // Ink high after the flip: background (border pixels) near 0, some pixels near 1.
  double border = 0, peak = 0;
  for (int i = 0; i < d.size(); ++i) {
    border += d.image(i)[0];
    peak = std::max<double>(peak, *std::max_element(d.image(i), d.image(i) + 1024));
  }
  EXPECT_LT(border / d.size(), 0.1);
  EXPECT_GT(peak, 0.9);
  // Upright: an 'L' has more ink in its bottom half than its top half, and in its left half than its right.
  int ok = 0, n = 0;
  for (int i = 0; i < d.size(); ++i) {
    if (d.classes[d.labels[i]] != 'L') continue;
    double top = 0, bottom = 0, left = 0, right = 0;
    for (int r = 0; r < 32; ++r)
      for (int c = 0; c < 32; ++c) {
        const double v = d.image(i)[r * 32 + c];
        (r < 16 ? top : bottom) += v;
        (c < 16 ? left : right) += v;
      }
    ++n;
    ok += bottom > top && left > right;
  }
  EXPECT_GT(ok, n * 7 / 10) << ok << " of " << n;
  // The split falls back to the only one present and a missing file is a clear error.
  EXPECT_EQ(load_mat(scrawl::test::data_dir() + "/nist26/nist26_valid.mat", "train").size(), 1300);
  EXPECT_NE(error_of([] { load_mat("/nonexistent.mat", "train"); }).find("no such file"), std::string::npos);
}

TEST(Mat, TruncatedFileIsRejected) {
  TempDir dir;
  std::ifstream in(scrawl::test::data_dir() + "/nist26/nist26_valid.mat", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  write_bytes(dir / "cut.mat", bytes.substr(0, bytes.size() / 2));
  write_bytes(dir / "text.mat", "hello, I am not a MATLAB file");
  EXPECT_THROW(load_mat(dir / "cut.mat", "valid"), std::runtime_error);
  // Found by fuzzing: an element that claims more bytes than the file has made libmatio loop forever.
  std::string lying =
      std::string("MATLAB 5.0 MAT-file").append(116 - 19, ' ') + std::string(8, '\0') + std::string("\x00\x01IM", 4);
  lying += std::string("\x0e\x00\x00\x00\xb0\x02\x00\x00", 8) + std::string(100, '\0');  // miMATRIX, 688 bytes
  write_bytes(dir / "lying.mat", lying);
  EXPECT_NE(error_of([&] { load_mat(dir / "lying.mat", "valid"); }).find("claims 688 bytes"), std::string::npos);
  EXPECT_THROW(load_mat(dir / "text.mat", "valid"), std::runtime_error);
}

namespace {
// MATLAB 5 pieces, little-endian, built by hand from the format description.
std::string le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}
std::string mat_element(uint32_t type, const std::string& payload, uint32_t claimed = UINT32_MAX) {
  std::string e = le32(type) + le32(claimed == UINT32_MAX ? uint32_t(payload.size()) : claimed) + payload;
  return e.append((8 - payload.size() % 8) % 8, '\0');
}
std::string mat_header() {
  return std::string("MATLAB 5.0 MAT-file").append(116 - 19, ' ') + std::string(8, '\0') + std::string("\x00\x01IM", 4);
}
// A double matrix (column-major values); `name_claim` / `rows_claim` overwrite the stored name length / rows.
std::string mat_matrix(const std::string& name, uint32_t rows, uint32_t cols, const std::vector<double>& values,
                       uint32_t name_claim = UINT32_MAX) {
  std::string data(values.size() * 8, '\0');
  std::memcpy(data.data(), values.data(), data.size());
  const std::string body = mat_element(6, le32(6) + le32(0)) + mat_element(5, le32(rows) + le32(cols)) +
                           mat_element(1, name, name_claim) + mat_element(9, data);
  return mat_element(14, body);
}
std::string mat_compressed(const std::string& element) {
  uLongf n = compressBound(uLong(element.size()));
  std::string z(n, '\0');
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(element.data()),
                     uLong(element.size())),
            Z_OK);
  z.resize(n);
  return le32(15) + le32(uint32_t(z.size())) + z;
}
}  // namespace

TEST(Mat, HandBuiltFileLoadsPlainAndCompressed) {
  TempDir dir;
  // 2 images of 2x2 (values 0.25 -> ink 0.75), labels B and A in a 26-column one-hot matrix.
  std::vector<double> labels(2 * 26, 0.0);
  labels[0 + 2 * 1] = 1;  // column-major: row 0, column 1
  labels[1 + 2 * 0] = 1;  // row 1, column 0
  const std::string x = mat_matrix("valid_data", 2, 4, std::vector<double>(8, 0.25));
  const std::string y = mat_matrix("valid_labels", 2, 26, labels);
  write_bytes(dir / "plain.mat", mat_header() + x + y);
  write_bytes(dir / "packed.mat", mat_header() + mat_compressed(x) + mat_compressed(y));
  for (const char* f : {"plain.mat", "packed.mat"}) {
    const Dataset d = load_mat(dir / f, "valid");
    ASSERT_EQ(d.size(), 2) << f;
    EXPECT_EQ(d.h, 2);
    EXPECT_EQ(d.classes[d.labels[0]], 'B');
    EXPECT_EQ(d.classes[d.labels[1]], 'A');
    EXPECT_FLOAT_EQ(d.image(1)[3], 0.75f);
  }
}

// Found by fuzzing: libmatio mallocs whatever a name or dimensions tag inside a matrix claims (3.6 GB from a
// 1 KB file); such files are now refused before matio reads them.
TEST(Mat, LyingLengthsInsideAMatrixAreRejected) {
  TempDir dir;
  const std::vector<double> v(8, 0.5);
  const std::string labels = mat_matrix("valid_labels", 2, 26, std::vector<double>(52, 0.0));
  write_bytes(dir / "name.mat", mat_header() + mat_matrix("valid_data", 2, 4, v, 0xd800000cu) + labels);
  EXPECT_NE(error_of([&] { load_mat(dir / "name.mat", "valid"); }).find("claims 3623878668 bytes"), std::string::npos)
      << error_of([&] { load_mat(dir / "name.mat", "valid"); });
  write_bytes(dir / "dims.mat", mat_header() + mat_matrix("valid_data", 100000, 100000, v) + labels);
  EXPECT_NE(error_of([&] { load_mat(dir / "dims.mat", "valid"); }).find("claims 10000000000 elements"),
            std::string::npos)
      << error_of([&] { load_mat(dir / "dims.mat", "valid"); });
  // Array flags that claim 47 bytes: matio reads the dimensions at a fixed offset anyway, here 2^31 of them.
  std::string flags = mat_matrix("valid_data", 2, 4, v);
  flags.replace(12, 4, le32(47));
  flags.replace(28, 4, le32(0x80000008u));
  write_bytes(dir / "flags.mat", mat_header() + flags + labels);
  EXPECT_NE(error_of([&] { load_mat(dir / "flags.mat", "valid"); }).find("malformed array flags"), std::string::npos)
      << error_of([&] { load_mat(dir / "flags.mat", "valid"); });
  // 0 x 4294967280 holds no values but made load_mat spin through four billion empty columns.
  write_bytes(dir / "empty.mat", mat_header() + mat_matrix("valid_data", 0, 0xfffffff0u, v) + labels);
  EXPECT_NE(error_of([&] { load_mat(dir / "empty.mat", "valid"); }).find("'valid_data' is empty"), std::string::npos)
      << error_of([&] { load_mat(dir / "empty.mat", "valid"); });
  // A char-class matrix with double values: its values were read as doubles past the end of matio's buffer.
  std::string chars = mat_matrix("valid_data", 2, 4, v);
  chars[16] = 4;  // mxCHAR_CLASS
  write_bytes(dir / "chars.mat", mat_header() + chars + labels);
  EXPECT_NE(error_of([&] { load_mat(dir / "chars.mat", "valid"); }).find("not a real 2-D matrix"), std::string::npos)
      << error_of([&] { load_mat(dir / "chars.mat", "valid"); });
  // The same lies inside compressed elements.
  write_bytes(dir / "zname.mat",
              mat_header() + mat_compressed(mat_matrix("valid_data", 2, 4, v, 0xd800000cu)) + mat_compressed(labels));
  EXPECT_NE(error_of([&] { load_mat(dir / "zname.mat", "valid"); }).find("3623878668-byte field"), std::string::npos)
      << error_of([&] { load_mat(dir / "zname.mat", "valid"); });
  write_bytes(dir / "zdims.mat",
              mat_header() + mat_compressed(mat_matrix("valid_data", 100000, 100000, v)) + mat_compressed(labels));
  EXPECT_NE(error_of([&] { load_mat(dir / "zdims.mat", "valid"); }).find("claims 10000000000 elements"),
            std::string::npos)
      << error_of([&] { load_mat(dir / "zdims.mat", "valid"); });
}
