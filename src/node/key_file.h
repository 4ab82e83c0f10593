// Reading -k FILE: at start (main.cc) and again on SIGHUP (node.cc).
#ifndef FLOODCHAT_NODE_KEY_FILE_H_
#define FLOODCHAT_NODE_KEY_FILE_H_

#include <string>
#include <vector>

#include "crypto/keys.h"

namespace floodchat {

struct KeyFileResult {
  bool ok = false;
  // What is wrong, ready to follow "floodchat: ": "FILE: why" or
  // "FILE:LINE: why".
  std::string error;
  // The file is readable by its group or others (POSIX mode bits).
  bool exposed = false;
};

// Reads and parses the key file into *keys (replaced only on success). The
// file's text is wiped from memory before this returns.
KeyFileResult LoadKeyFile(const std::string& path, std::vector<NetworkKey>* keys);

}  // namespace floodchat

#endif  // FLOODCHAT_NODE_KEY_FILE_H_
