#include "crypto/keys.h"

#include <cstring>

#include "crypto/crypto.h"

namespace floodchat {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

NetworkKey::NetworkKey(const NetworkKey& other) { *this = other; }

NetworkKey& NetworkKey::operator=(const NetworkKey& other) {
  memcpy(secret, other.secret, sizeof secret);
  memcpy(id, other.id, sizeof id);
  return *this;
}

NetworkKey::~NetworkKey() { crypto::Wipe(secret, sizeof secret); }

void DeriveKeyId(const uint8_t secret[kNetworkKeyBytes], uint8_t id[kKeyIdBytes]) {
  static const char kLabel[] = "floodchat key id 1";
  uint8_t mac[crypto::kSha256Bytes];
  crypto::HmacSha256Digest(secret, kNetworkKeyBytes, kLabel, sizeof kLabel - 1, mac);
  memcpy(id, mac, kKeyIdBytes);
}

bool ParseKeyFile(std::string_view text, std::vector<NetworkKey>* keys, size_t* line,
                  std::string* why) {
  keys->clear();
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    size_t hash = l.find('#');
    if (hash != std::string_view::npos) l = l.substr(0, hash);
    while (!l.empty() && Blank(l.front())) l.remove_prefix(1);
    while (!l.empty() && Blank(l.back())) l.remove_suffix(1);
    if (l.empty()) continue;
    NetworkKey key;
    bool hex = l.size() == 2 * kNetworkKeyBytes;
    for (size_t i = 0; hex && i < kNetworkKeyBytes; ++i) {
      int hi = HexValue(l[2 * i]), lo = HexValue(l[2 * i + 1]);
      if (hi < 0 || lo < 0) hex = false;
      else key.secret[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    if (!hex) {
      *line = number;
      *why = "not a key: expected 64 hex digits (floodchat --gen-key makes one)";
      keys->clear();
      return false;
    }
    DeriveKeyId(key.secret, key.id);
    keys->push_back(key);
  }
  if (keys->empty()) {
    *line = 0;
    *why = "no key in the file (floodchat --gen-key makes one)";
    return false;
  }
  return true;
}

std::string KeyFileLine(const uint8_t secret[kNetworkKeyBytes]) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < kNetworkKeyBytes; ++i) {
    s.push_back(kDigits[secret[i] >> 4]);
    s.push_back(kDigits[secret[i] & 15]);
  }
  s.push_back('\n');
  return s;
}

}  // namespace floodchat
