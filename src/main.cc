// floodchat: parse the command line, load the network keys, then hand over
// to the node.
#include <cstdio>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "base/diag.h"
#include "crypto/keys.h"
#include "node_limits.h"
#include "net/net.h"
#include "node/key_file.h"
#include "node/node.h"
#include "options.h"

namespace {

// Reads and parses -k FILE. Exit status 2 on any problem with it, as for a
// bad option: the node does not start on a network it cannot join.
bool LoadKeys(const std::string& path, std::vector<floodchat::NetworkKey>* keys) {
  floodchat::KeyFileResult r = floodchat::LoadKeyFile(path, keys);
  if (!r.ok) {
    floodchat::ErrPrintf("floodchat: %s\n", r.error.c_str());
    return false;
  }
  if (r.exposed) {
    floodchat::ErrPrintf("floodchat: %s: warning: readable by group or others (chmod 600 it)\n",
                         path.c_str());
  }
  return true;
}

int GenerateKey() {
  uint8_t key[floodchat::kNetworkKeyBytes];
  if (!floodchat::net::RandomBytes(key, sizeof key)) {
    floodchat::ErrPrintf("floodchat: --gen-key: the OS random source is unavailable\n");
    return 1;
  }
  std::string line = floodchat::KeyFileLine(key);
  floodchat::crypto::Wipe(key, sizeof key);
  fputs(line.c_str(), stdout);
  floodchat::crypto::Wipe(&line[0], line.size());
  return fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  floodchat::Options options;
  std::string error;
  floodchat::net::PrepareStdio();
  switch (floodchat::ParseOptions(argc, argv, floodchat::net::UserName(), &options, &error)) {
    case floodchat::ParseOutcome::kHelp:
      fputs(floodchat::kUsageText, stdout);
      return 0;
    case floodchat::ParseOutcome::kVersion:
      fputs(floodchat::kVersionText, stdout);
      return 0;
    case floodchat::ParseOutcome::kGenKey:
      return GenerateKey();
    case floodchat::ParseOutcome::kUsageError:
      floodchat::ErrPrintf("floodchat: %s\n", error.c_str());
      return 2;
    case floodchat::ParseOutcome::kRun:
      break;
  }
  std::vector<floodchat::NetworkKey> keys;
  if (!options.key_file.empty() && !LoadKeys(options.key_file, &keys)) return 2;
  floodchat::Node node(options, floodchat::LimitsFor(options), std::move(keys));
  return node.Run();
}
