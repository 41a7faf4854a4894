#include "scrawl/util/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace scrawl {

// One buffer of the file's size, filled by read(2). The stream copy this replaces (ostringstream << rdbuf) grew its
// buffer by doubling and copied it out again: about three times the file's bytes touched for the first time. Reading
// the two shipped models that way was 11% of `scrawl read 04_deep.jpg` on the Zen 3 VM of session 19, nearly all of it
// the kernel zeroing fresh pages. Files whose size stat cannot tell (pipes, /proc) are read until end of file.
std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  auto read_some = [&](char* into, size_t max) {
    for (;;) {
      const ssize_t k = ::read(fd, into, max);
      if (k >= 0) return static_cast<size_t>(k);
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error(path + ": read error (" + why + ")");
    }
  };
  struct stat st {};
  const bool sized = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  std::string bytes(sized ? static_cast<size_t>(st.st_size) : size_t{0}, '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const size_t k = read_some(bytes.data() + done, bytes.size() - done);
    if (k == 0) break;  // the file shrank since fstat
    done += k;
  }
  if (done == bytes.size()) {  // what stat said is read: anything more (a pipe, a growing file) comes in chunks
    char chunk[16 << 10];
    for (size_t k; (k = read_some(chunk, sizeof chunk)) > 0;) bytes.append(chunk, k);
    done = bytes.size();
  }
  ::close(fd);
  bytes.resize(done);
  return bytes;
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t k = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (k < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error(path + ": write failed (" + why + ")");
    }
    done += static_cast<size_t>(k);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": write failed (" + std::string(std::strerror(errno)) + ")");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename into place (" + why + ")");
  }
}

}  // namespace scrawl
