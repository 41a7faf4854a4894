#include "scrawl/nn/model_io.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "scrawl/util/files.h"

namespace scrawl {
namespace {

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}
uint32_t crc32_of(const char* p, size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace

void save_model(const Model& model, const std::string& path) {
  write_file_atomic(path, serialize_model(model));
}

std::string serialize_model(const Model& model) {
  const InputSpec& in = model.input();
  nlohmann::json h;
  h["arch"] = model.arch();
  h["input"] = {{"c", in.shape.c},         {"h", in.shape.h},
                {"w", in.shape.w},         {"orientation", in.orientation},
                {"polarity", in.polarity}, {"normalization", in.normalization}};
  h["classes"] = model.classes();
  h["param_count"] = model.param_count();
  const nlohmann::json meta = nlohmann::json::parse(model.meta_json, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object()) throw std::runtime_error("model metadata is not a JSON object: " + model.meta_json);
  h["meta"] = meta;
  const std::string header = h.dump();

  std::string out(kModelMagic, sizeof kModelMagic);
  put_u32(out, kModelVersion);
  put_u32(out, static_cast<uint32_t>(header.size()));
  out += header;
  const auto& p = model.params();
  static_assert(sizeof(float) == 4);
  out.append(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(float));  // x86/ARM: little-endian
  put_u32(out, crc32_of(out.data(), out.size()));
  return out;
}

Model load_model(const std::string& path) {
  return parse_model(read_file(path), path);
}

namespace {
// The header's fields (JSON text), each checked but the architecture, which building the model checks.
ModelHeader parse_header(const std::string& json, const std::string& path) {
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(json);
  } catch (const std::exception& e) {
    throw fail(std::string("header is not valid JSON (") + e.what() + ")");
  }
  ModelHeader head;
  try {
    InputSpec& in = head.input;
    const auto& j = h.at("input");
    in.shape = Shape{j.at("c").get<int>(), j.at("h").get<int>(), j.at("w").get<int>()};
    in.orientation = j.at("orientation").get<std::string>();
    in.polarity = j.at("polarity").get<std::string>();
    in.normalization = j.at("normalization").get<std::string>();
    if (in.shape.c <= 0 || in.shape.h <= 0 || in.shape.w <= 0 || in.shape.size() > (1 << 24))
      throw std::runtime_error("bad input shape " + in.shape.str());
    head.arch = h.at("arch").get<std::string>();
    head.classes = h.at("classes").get<std::string>();
    const nlohmann::json meta = h.value("meta", nlohmann::json::object());
    if (!meta.is_object()) throw fail("header's meta is not an object");
    head.meta_json = meta.dump();
    head.param_count = h.value("param_count", uint64_t{0});
  } catch (const std::exception& e) {
    throw fail(std::string("bad header (") + e.what() + ")");
  }
  return head;
}

// The file's first 16 bytes (of `size`): a scrawl model of this format version.
void check_magic_and_version(const std::string& s, size_t size, const std::string& path) {
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  if (size < 20) throw fail("not a scrawl model (file is " + std::to_string(size) + " bytes)");
  if (std::memcmp(s.data(), kModelMagic, 8) != 0) throw fail("not a scrawl model (bad magic)");
  const uint32_t version = get_u32(s, 8);
  if (version != kModelVersion)
    throw fail("model format version " + std::to_string(version) + " is not supported (this scrawl reads version " +
               std::to_string(kModelVersion) + ")");
}

// The header's length, which must leave room for the checksum in a file of `size` bytes.
uint32_t header_length(const std::string& s, size_t size, const std::string& path) {
  const uint32_t hlen = get_u32(s, 12);
  if (16ull + hlen + 4 > size) throw std::runtime_error(path + ": header length exceeds the file");
  return hlen;
}
}  // namespace

ModelHeader read_model_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  const auto size = static_cast<size_t>(std::max<std::streamoff>(0, in.tellg()));
  std::string head(std::min<size_t>(size, 16), '\0');
  in.seekg(0);
  if (!in.read(head.data(), std::streamsize(head.size()))) throw std::runtime_error(path + ": read error");
  if (size < 16) head.resize(16, '\0');  // check_magic_and_version reports the size
  check_magic_and_version(head, size, path);
  const uint32_t hlen = header_length(head, size, path);
  std::string json(hlen, '\0');
  if (!in.read(json.data(), std::streamsize(hlen))) throw std::runtime_error(path + ": read error");
  return parse_header(json, path);
}

Model parse_model(const std::string& s, const std::string& path) {
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  check_magic_and_version(s, s.size(), path);
  const uint32_t stored_crc = get_u32(s, s.size() - 4);
  if (crc32_of(s.data(), s.size() - 4) != stored_crc) throw fail("checksum mismatch (file is corrupt or truncated)");
  const uint32_t hlen = header_length(s, s.size(), path);
  const ModelHeader head = parse_header(s.substr(16, hlen), path);
  Model m;
  try {
    m = Model(head.arch, head.input, head.classes);
  } catch (const std::exception& e) {
    throw fail(std::string("bad header (") + e.what() + ")");
  }
  m.meta_json = head.meta_json;
  const uint64_t count = head.param_count;
  if (count != m.param_count())
    throw fail("header says " + std::to_string(count) + " parameters but the architecture has " +
               std::to_string(m.param_count()));
  const size_t expect = 16ull + hlen + count * 4 + 4;
  if (s.size() != expect)
    throw fail("file is " + std::to_string(s.size()) + " bytes, expected " + std::to_string(expect));
  std::memcpy(m.params().data(), s.data() + 16 + hlen, count * 4);
  // NaN and infinity are the floats whose exponent bits are all ones. Tested on the bits with no early exit, the loop
  // vectorizes: std::isfinite per value was 1.6% of reading 04_deep (the shipped models' 1.5 M parameters).
  uint32_t non_finite = 0;
  for (float v : m.params()) non_finite |= uint32_t((std::bit_cast<uint32_t>(v) & 0x7f800000u) == 0x7f800000u);
  if (non_finite) throw fail("parameters contain NaN or infinity");
  return m;
}

}  // namespace scrawl
