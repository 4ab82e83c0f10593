// The POSIX half of the platform layer's system services: the random source
// and the key file (net.h). Guarded whole, as net_posix.cc is.
#ifndef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include <cstdint>
#include <cstring>
#include <string>

#include "crypto/crypto.h"
#include "net/net.h"

namespace floodchat {
namespace net {

bool RandomBytes(void* out, size_t size) {
  unsigned char* p = static_cast<unsigned char*>(out);
#if defined(__linux__)
  while (size > 0) {
    ssize_t n = getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // e.g. ENOSYS on an old kernel: fall back to the device
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  if (size == 0) return true;
#endif
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  while (size > 0) {
    ssize_t n = read(fd, p, size);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      close(fd);
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  close(fd);
  return true;
}

bool ReadPrivateFile(const char* path, size_t max_size, std::string* text, bool* exposed,
                     std::string* error) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = strerror(errno);
    return false;
  }
  struct stat st;
  bool ok = false;
  if (fstat(fd, &st) != 0) {
    *error = strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    *error = "not a regular file";
  } else if (static_cast<uint64_t>(st.st_size) > max_size) {
    *error = "larger than " + std::to_string(max_size / 1024) + " KiB";
  } else {
    *exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
    text->clear();
    // Room for all of it up front: growing would leave copies of the keys in
    // freed memory. The caller wipes `text`; this wipes `buf`.
    text->reserve(static_cast<size_t>(st.st_size) + 1);
    char buf[4096];
    ok = true;
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        *error = strerror(errno);
        ok = false;
        break;
      }
      if (n == 0) break;
      text->append(buf, static_cast<size_t>(n));
      if (text->size() > max_size) {
        *error = "larger than " + std::to_string(max_size / 1024) + " KiB";
        ok = false;
        break;
      }
    }
    crypto::Wipe(buf, sizeof buf);
  }
  close(fd);
  return ok;
}

}  // namespace net
}  // namespace floodchat

#endif  // _WIN32
