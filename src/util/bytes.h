// Unsigned integers stored in a byte buffer (file headers: IDX, MATLAB, PNG, JPEG, TIFF, BMP, EXIF), in either
// byte order. The caller checks that [at, at + width) lies inside the buffer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scrawl {

inline uint32_t byte_at(std::string_view b, size_t at) {
  return static_cast<unsigned char>(b[at]);
}
inline uint32_t be16(std::string_view b, size_t at) {
  return byte_at(b, at) << 8 | byte_at(b, at + 1);
}
inline uint32_t le16(std::string_view b, size_t at) {
  return byte_at(b, at) | byte_at(b, at + 1) << 8;
}
inline uint32_t be32(std::string_view b, size_t at) {
  return be16(b, at) << 16 | be16(b, at + 2);
}
inline uint32_t le32(std::string_view b, size_t at) {
  return le16(b, at) | le16(b, at + 2) << 16;
}
// Byte order chosen at run time (TIFF's "II"/"MM", MATLAB's "IM"/"MI").
inline uint32_t u16(std::string_view b, size_t at, bool little) {
  return little ? le16(b, at) : be16(b, at);
}
inline uint32_t u32(std::string_view b, size_t at, bool little) {
  return little ? le32(b, at) : be32(b, at);
}

}  // namespace scrawl
