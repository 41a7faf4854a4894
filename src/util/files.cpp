#include "scrawl/util/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace scrawl {

// One buffer of the file's size, filled by read(2). The stream copy this replaced (ostringstream << rdbuf) grew its
// buffer by doubling and copied it out again, touching about three times the file's bytes (the shipped models are
// 3.5 and 2.5 MB). Files whose size stat cannot tell (pipes, /proc) are read to their end in chunks.
std::string read_file(const std::string& path) {
  struct Fd {  // closed however the read ends, an allocation failing included
    int fd;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (const int err = errno; file.fd < 0) throw std::runtime_error(path + ": cannot open (" + std::strerror(err) + ")");
  auto read_some = [&](char* into, size_t max) {
    for (;;) {
      const ssize_t k = ::read(file.fd, into, max);
      if (k >= 0) return static_cast<size_t>(k);
      if (const int err = errno; err != EINTR)
        throw std::runtime_error(path + ": read error (" + std::strerror(err) + ")");
    }
  };
  struct stat st {};
  const bool sized = ::fstat(file.fd, &st) == 0 && S_ISREG(st.st_mode);
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
