// Network keys: the pre-shared keys of keyed mode (-k FILE), parsed from the
// key file's text. No IO here: main.cc reads the file.
//
//   key file := line*
//   line     := [64 hex digits] [# comment]     (spaces and tabs around both)
//
// The first key is the one this node uses on connections it opens; every key
// is accepted on connections it accepts.
#ifndef FLOODCHAT_CRYPTO_KEYS_H_
#define FLOODCHAT_CRYPTO_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace floodchat {

constexpr size_t kNetworkKeyBytes = 32;
// The key identifier sent in the clear in each key hello: the first bytes of
// HMAC-SHA-256(key, "floodchat key id 1"), which tell a node which of its
// keys a peer uses and, the key being 256 random bits, nothing about it.
constexpr size_t kKeyIdBytes = 8;
// A key file longer than this is refused rather than read.
constexpr size_t kMaxKeyFileBytes = 64 * 1024;

struct NetworkKey {
  uint8_t secret[kNetworkKeyBytes] = {};
  uint8_t id[kKeyIdBytes] = {};
  NetworkKey() = default;
  NetworkKey(const NetworkKey& other);
  NetworkKey& operator=(const NetworkKey& other);
  ~NetworkKey();  // wipes the secret
};

// Parses a key file's text into `keys`. On the first bad line returns false
// with *line (1-based) and *why; a file with no key at all is an error on
// line 0.
bool ParseKeyFile(std::string_view text, std::vector<NetworkKey>* keys, size_t* line,
                  std::string* why);

void DeriveKeyId(const uint8_t secret[kNetworkKeyBytes], uint8_t id[kKeyIdBytes]);

// 64 lowercase hex digits and a newline: a line of a key file.
std::string KeyFileLine(const uint8_t secret[kNetworkKeyBytes]);

// A key to and from its 64 hex digits (either case in; lowercase out), with
// no branch or table index that depends on the key (crypto/ct.h): false when
// some character is not a hex digit.
bool DecodeKeyHex(const char* hex, uint8_t secret[kNetworkKeyBytes]);
void EncodeKeyHex(const uint8_t secret[kNetworkKeyBytes], char hex[2 * kNetworkKeyBytes]);

}  // namespace floodchat

#endif  // FLOODCHAT_CRYPTO_KEYS_H_
