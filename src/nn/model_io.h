// Model file format (little-endian), version 1:
//   8 bytes  magic "SCRAWLNN"
//   u32      format version
//   u32      header length H
//   H bytes  header JSON: arch, input {c,h,w,orientation,polarity,normalization}, classes, param_count, meta
//   f32[param_count] parameters
//   u32      CRC-32 of every byte before it
// Writes go to a temp file in the same folder, then rename, so a crash never leaves half a model.
#pragma once
#include <string>

#include "scrawl/nn/model.h"

namespace scrawl {

constexpr char kModelMagic[8] = {'S', 'C', 'R', 'A', 'W', 'L', 'N', 'N'};
constexpr uint32_t kModelVersion = 1;

// What a model file's header says.
struct ModelHeader {
  std::string arch;
  InputSpec input;
  std::string classes;
  uint64_t param_count = 0;
  std::string meta_json = "{}";
};

void save_model(const Model& model, const std::string& path);
// The exact bytes save_model writes.
std::string serialize_model(const Model& model);
// Throws std::runtime_error("PATH: problem") on any inconsistency.
Model load_model(const std::string& path);
// The same from bytes in memory; `path` only names the source in errors.
Model parse_model(const std::string& bytes, const std::string& path);
// The header alone, from a regular file's first bytes: what a model is without reading its parameters (load_model
// reads them, checks the checksum, the size and the architecture). Throws std::runtime_error("PATH: problem").
ModelHeader read_model_header(const std::string& path);

}  // namespace scrawl
