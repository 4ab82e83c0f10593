#include "crypto/keys.h"

#include <cstring>

#include "crypto/crypto.h"
#include "crypto/ct.h"

namespace floodchat {

namespace {

// All ones when a <= b, for bytes: computed, never branched on.
inline uint32_t MaskLessOrEqual(uint32_t a, uint32_t b) { return ((b - a) >> 31) - 1; }

// The value of hex digit c (0-9, a-f, A-F) and all ones in *valid, or 0 in
// both; no branch or table index depends on c.
inline uint32_t HexNibble(uint8_t c, uint32_t* valid) {
  uint32_t x = c;
  uint32_t digit = MaskLessOrEqual('0', x) & MaskLessOrEqual(x, '9');
  uint32_t lower = MaskLessOrEqual('a', x) & MaskLessOrEqual(x, 'f');
  uint32_t upper = MaskLessOrEqual('A', x) & MaskLessOrEqual(x, 'F');
  *valid = digit | lower | upper;
  return (digit & (x - '0')) | (lower & (x - 'a' + 10)) | (upper & (x - 'A' + 10));
}

// The lowercase hex digit of n (0-15), by arithmetic rather than a table.
inline char HexDigit(uint32_t n) {
  return static_cast<char>('0' + n + (MaskLessOrEqual(10, n) & ('a' - '0' - 10)));
}

// What a key file's byte is to its structure. Which bytes are hex digits is
// public (in a key file every byte of a key is one); which digit is not, and
// is never computed here.
enum ByteClass : uint8_t { kHexDigit, kBlank, kHash, kNewline, kOther };

ByteClass Classify(uint8_t c) {
  uint32_t valid;
  HexNibble(c, &valid);
  uint32_t x = c;
  auto is = [x](uint32_t v) { return MaskLessOrEqual(x, v) & MaskLessOrEqual(v, x); };
  uint32_t blank = is(' ') | is('\t') | is('\r');
  uint32_t cls = (valid & kHexDigit) | (~valid & blank & kBlank) | (is('#') & kHash) |
                 (is('\n') & kNewline);
  cls |= ~(valid | blank | is('#') | is('\n')) & kOther;
  uint8_t out = static_cast<uint8_t>(cls);
  FLOODCHAT_CT_DECLASSIFY(&out, sizeof out);
  return static_cast<ByteClass>(out);
}

}  // namespace

bool DecodeKeyHex(const char* hex, uint8_t secret[kNetworkKeyBytes]) {
  uint32_t valid = ~0u;
  for (size_t i = 0; i < kNetworkKeyBytes; ++i) {
    uint32_t hi_valid, lo_valid;
    uint32_t hi = HexNibble(static_cast<uint8_t>(hex[2 * i]), &hi_valid);
    uint32_t lo = HexNibble(static_cast<uint8_t>(hex[2 * i + 1]), &lo_valid);
    valid &= hi_valid & lo_valid;
    secret[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  // Whether the text was a key is not a secret.
  bool ok = valid != 0;
  FLOODCHAT_CT_DECLASSIFY(&ok, sizeof ok);
  return ok;
}

void EncodeKeyHex(const uint8_t secret[kNetworkKeyBytes], char hex[2 * kNetworkKeyBytes]) {
  for (size_t i = 0; i < kNetworkKeyBytes; ++i) {
    hex[2 * i] = HexDigit(secret[i] >> 4);
    hex[2 * i + 1] = HexDigit(secret[i] & 15);
  }
}

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

// The file's structure (lines, comments, blanks) is found from each byte's
// class alone; the digits of a key are decoded without a branch.
bool ParseKeyFile(std::string_view text, std::vector<NetworkKey>* keys, size_t* line,
                  std::string* why) {
  keys->clear();
  size_t number = 0;
  size_t at = 0;
  while (at < text.size()) {
    ++number;
    size_t begin = at, end = at, content_end = at;
    bool comment = false;
    for (; end < text.size(); ++end) {
      ByteClass c = Classify(static_cast<uint8_t>(text[end]));
      if (c == kNewline) break;
      if (c == kHash) comment = true;
      if (!comment) content_end = end + 1;
    }
    at = end + 1;
    while (begin < content_end && Classify(static_cast<uint8_t>(text[begin])) == kBlank) ++begin;
    while (content_end > begin && Classify(static_cast<uint8_t>(text[content_end - 1])) == kBlank)
      --content_end;
    if (begin == content_end) continue;
    NetworkKey key;
    if (content_end - begin != 2 * kNetworkKeyBytes || !DecodeKeyHex(text.data() + begin, key.secret)) {
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
  std::string s(2 * kNetworkKeyBytes + 1, '\n');
  EncodeKeyHex(secret, &s[0]);
  return s;
}

}  // namespace floodchat
