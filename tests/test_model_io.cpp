// Model files: bit-exact round trips, and every kind of damage rejected with the file named.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>
#include <tuple>

#include "scrawl/nn/model_io.h"
#include "scrawl/util/files.h"
#include "test_util.h"

using namespace scrawl;
using scrawl::test::slurp;
using scrawl::test::TempDir;

namespace {
Model small_model() {
  InputSpec in;
  in.shape = Shape{1, 28, 28};
  Model m("fc16,tanh,fc36", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  m.init_params(5);
  m.meta_json = R"({"note":"test"})";
  return m;
}
void spit(const std::string& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}
std::string load_error(const std::string& p) {
  try {
    load_model(p);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ModelIo, RoundTripIsBitExact) {
  TempDir dir;
  const Model m = small_model();
  save_model(m, dir / "m.scrawl");
  const Model back = load_model(dir / "m.scrawl");
  EXPECT_EQ(back.arch(), m.arch());
  EXPECT_EQ(back.classes(), m.classes());
  EXPECT_EQ(back.input().shape, m.input().shape);
  EXPECT_EQ(back.input().polarity, "ink_high");
  EXPECT_EQ(back.meta_json, R"({"note":"test"})");
  ASSERT_EQ(back.params().size(), m.params().size());
  EXPECT_EQ(0, std::memcmp(back.params().data(), m.params().data(), m.params().size() * 4));
  save_model(back, dir / "again.scrawl");
  EXPECT_EQ(slurp(dir / "m.scrawl"), slurp(dir / "again.scrawl")) << "save(load(f)) == f byte for byte";
}

TEST(ModelIo, DamagedFilesAreRejectedNamingTheFile) {
  TempDir dir;
  save_model(small_model(), dir / "good.scrawl");
  const std::string good = slurp(dir / "good.scrawl");

  spit(dir / "trunc.scrawl", good.substr(0, good.size() - 100));
  spit(dir / "flip.scrawl", good);
  {
    std::string s = good;
    s[s.size() / 2] ^= 0x40;
    spit(dir / "flip.scrawl", s);
  }
  {
    std::string s = good;
    s[8] = 9;  // version 9
    spit(dir / "version.scrawl", s);
  }
  for (const auto& [file, at, v] : {std::tuple{"nan.scrawl", size_t(7), std::nanf("")},
                                    {"inf.scrawl", small_model().param_count() - 1, -HUGE_VALF}}) {
    Model m = small_model();
    m.params()[at] = v;
    save_model(m, dir / file);  // a well-formed file (right checksum) holding a value no model can use
  }
  spit(dir / "in_header.scrawl", good.substr(0, 30));  // cut inside the header: the checksum says so first
  spit(dir / "magic.scrawl", "PK\x03\x04 this is a zip, not a model................");
  spit(dir / "empty.scrawl", "");

  const struct {
    const char* file;
    const char* why;
  } cases[] = {{"trunc.scrawl", "checksum"},      {"flip.scrawl", "checksum"},       {"version.scrawl", "version 9"},
               {"magic.scrawl", "bad magic"},     {"empty.scrawl", "0 bytes"},       {"missing.scrawl", "cannot open"},
               {"nan.scrawl", "NaN or infinity"}, {"inf.scrawl", "NaN or infinity"}, {"in_header.scrawl", "checksum"}};
  for (const auto& c : cases) {
    const std::string e = load_error(dir / c.file);
    EXPECT_NE(e.find(c.file), std::string::npos) << "error names the file: " << e;
    EXPECT_NE(e.find(c.why), std::string::npos) << c.file << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << "one line";
  }
}

// read_model_header reads the header alone: the same header, and the same errors for a file that is no model; what
// only the parameters show (a checksum) is load_model's to find.
TEST(ModelIo, HeaderAloneIsTheModelsHeader) {
  TempDir dir;
  const Model m = small_model();
  save_model(m, dir / "m.scrawl");
  const ModelHeader h = read_model_header(dir / "m.scrawl");
  EXPECT_EQ(h.arch, m.arch());
  EXPECT_EQ(h.classes, m.classes());
  EXPECT_EQ(h.input.shape.size(), m.input().shape.size());
  EXPECT_EQ(h.input.normalization, m.input().normalization);
  EXPECT_EQ(h.param_count, m.param_count());
  EXPECT_EQ(h.meta_json, m.meta_json);
  const std::string good = slurp(dir / "m.scrawl");
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;  // in the parameters
  spit(dir / "flip.scrawl", flipped);
  EXPECT_NO_THROW(read_model_header(dir / "flip.scrawl"));
  std::string version = good;
  version[8] = 9;
  spit(dir / "version.scrawl", version);
  std::string long_header = good;
  long_header[15] = 0x7f;  // a header length past the end of the file
  spit(dir / "long.scrawl", long_header);
  spit(dir / "magic.scrawl", "PK\x03\x04 this is a zip, not a model................");
  spit(dir / "short.scrawl", "SCRAWLNN");
  for (const auto& [file, why] : {std::pair{"version.scrawl", "version 9"},
                                  {"long.scrawl", "header length exceeds"},
                                  {"magic.scrawl", "bad magic"},
                                  {"short.scrawl", "8 bytes"},
                                  {"missing.scrawl", "cannot open"}}) {
    try {
      read_model_header(dir / file);
      ADD_FAILURE() << file << " read";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(dir / file + ": ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
}

// The finiteness check looks at exponent bits: the extreme finite values still load, bit for bit.
TEST(ModelIo, ExtremeFiniteParametersLoad) {
  TempDir dir;
  Model m = small_model();
  const std::vector<float> extremes = {FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN, -0.f};
  for (size_t i = 0; i < extremes.size(); ++i) m.params()[i * 100] = extremes[i];
  save_model(m, dir / "m.scrawl");
  const Model back = load_model(dir / "m.scrawl");
  for (size_t i = 0; i < extremes.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(back.params()[i * 100]), std::bit_cast<uint32_t>(extremes[i])) << i;
}

TEST(ModelIo, SaveIsAtomicAndLeavesNoTempFiles) {
  TempDir dir;
  save_model(small_model(), dir / "m.scrawl");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_THROW(save_model(small_model(), "/nonexistent-dir/m.scrawl"), std::runtime_error);
}

// read_file sizes one buffer from fstat; what stat cannot size (a pipe) is read in chunks to the end.
TEST(Files, ReadFileReturnsEveryByteOfFilesAndPipes) {
  TempDir tmp;
  std::string bytes(300000, '\0');  // more than one read chunk, zero bytes included
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  spit(tmp / "f.bin", bytes);
  EXPECT_EQ(read_file(tmp / "f.bin"), bytes);
  spit(tmp / "empty", "");
  EXPECT_EQ(read_file(tmp / "empty"), "");

  const std::string fifo = tmp / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // A broken read_file fails the test rather than killing or hanging it: no SIGPIPE for the writer when the reader
  // leaves early, and the pipe's other end opened and closed at the end, for a writer still waiting in open() (it
  // then fails its write).
  const auto old_sigpipe = std::signal(SIGPIPE, SIG_IGN);
  std::thread writer([&] { spit(fifo, bytes); });  // opening blocks until read_file opens the other end
  std::string got;
  try {
    got = read_file(fifo);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  ::close(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK));
  writer.join();
  std::signal(SIGPIPE, old_sigpipe);
  EXPECT_EQ(got, bytes);

  for (const auto& [path, why] : {std::pair{tmp / "missing", "cannot open"}, {tmp.path.string(), "read error"}}) {
    try {
      read_file(path);
      ADD_FAILURE() << path << " read";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": " + why), std::string::npos) << e.what();
    }
  }
}
