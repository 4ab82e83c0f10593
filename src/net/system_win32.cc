// Windows' half of the platform layer's system services: the random source
// and the key file (net.h). Guarded whole, as net_win32.cc is.
#ifdef _WIN32

#include <windows.h>
#include <bcrypt.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "crypto/crypto.h"
#include "net/net.h"

namespace floodchat {
namespace net {

bool RandomBytes(void* out, size_t size) {
  return BCryptGenRandom(nullptr, static_cast<PUCHAR>(out), static_cast<ULONG>(size),
                         BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}

bool ReadPrivateFile(const char* path, size_t max_size, std::string* text, bool* exposed,
                     std::string* error) {
  // Windows keeps access in ACLs, not mode bits: nothing to warn about here.
  *exposed = false;
  FILE* f = fopen(path, "rb");
  if (f == nullptr) {
    *error = strerror(errno);
    return false;
  }
  text->clear();
  text->reserve(max_size + 1);  // no copies of the keys left behind by growth
  char buf[4096];
  size_t n;
  bool ok = true;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    text->append(buf, n);
    if (text->size() > max_size) {
      *error = "larger than " + std::to_string(max_size / 1024) + " KiB";
      ok = false;
      break;
    }
  }
  if (ok && ferror(f)) {
    *error = "read error";
    ok = false;
  }
  crypto::Wipe(buf, sizeof buf);
  fclose(f);
  return ok;
}

}  // namespace net
}  // namespace floodchat

#endif  // _WIN32
