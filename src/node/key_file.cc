#include "node/key_file.h"

#include <cstdio>

#include "crypto/crypto.h"
#include "net/net.h"

namespace floodchat {

KeyFileResult LoadKeyFile(const std::string& path, std::vector<NetworkKey>* keys) {
  KeyFileResult r;
  std::string text, why;
  if (!net::ReadPrivateFile(path.c_str(), kMaxKeyFileBytes, &text, &r.exposed, &why)) {
    r.error = path;
    r.error.append(": ").append(why);
    return r;
  }
  std::vector<NetworkKey> parsed;
  size_t line = 0;
  r.ok = ParseKeyFile(text, &parsed, &line, &why);
  crypto::Wipe(&text[0], text.size());
  if (!r.ok) {
    char where[24] = "";
    if (line != 0) snprintf(where, sizeof where, ":%zu", line);
    r.error = path;
    r.error.append(where).append(": ").append(why);
    return r;
  }
  *keys = std::move(parsed);  // the old keys' destructors wipe them
  return r;
}

}  // namespace floodchat
