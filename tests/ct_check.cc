// The constant-time check (make ct): run under valgrind's memcheck, built
// with FLOODCHAT_CT_CHECK, with every secret marked undefined. memcheck then
// reports any branch or memory index that depends on a secret, in the key
// file's hex and in each primitive; the run fails on any report. The results
// are declassified only to check that they are right.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/ct.h"
#include "crypto/keys.h"

namespace {

using namespace floodchat;

int failures = 0;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "ct_check: %s: wrong result\n", what);
    ++failures;
  }
}

template <typename T>
T Public(T v) {
  FLOODCHAT_CT_DECLASSIFY(&v, sizeof v);
  return v;
}

bool PublicEqual(const uint8_t* a, const uint8_t* b, size_t n) {
  std::vector<uint8_t> x(a, a + n), y(b, b + n);
  FLOODCHAT_CT_DECLASSIFY(x.data(), n);
  FLOODCHAT_CT_DECLASSIFY(y.data(), n);
  return x == y;
}

}  // namespace

int main() {
  // The key file: two keys among comments and blanks, the whole text secret.
  std::string k1, k2;
  for (int i = 0; i < 32; ++i) {
    char h[3];
    snprintf(h, sizeof h, "%02x", (i * 37 + 5) & 255);
    k1 += h;
    snprintf(h, sizeof h, "%02X", (i * 11 + 200) & 255);
    k2 += h;
  }
  std::string text = "# network keys\n\n  " + k1 + "  # the new one\n\t" + k2 + "\r\n";
  FLOODCHAT_CT_SECRET(&text[0], text.size());
  std::vector<NetworkKey> keys;
  size_t line = 0;
  std::string why;
  bool parsed = ParseKeyFile(text, &keys, &line, &why);
  Check(parsed && keys.size() == 2, "ParseKeyFile");
  if (keys.size() == 2) {
    std::string back1 = KeyFileLine(keys[0].secret), back2 = KeyFileLine(keys[1].secret);
    FLOODCHAT_CT_DECLASSIFY(&back1[0], back1.size());
    FLOODCHAT_CT_DECLASSIFY(&back2[0], back2.size());
    std::string lower2 = k2;
    for (char& c : lower2) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    Check(back1 == k1 + "\n", "KeyFileLine");
    Check(back2 == lower2 + "\n", "KeyFileLine, upper case in");
  }
  char bad[64];
  memset(bad, 'a', sizeof bad);
  bad[40] = 'g';
  FLOODCHAT_CT_SECRET(bad, sizeof bad);
  uint8_t out[kNetworkKeyBytes];
  Check(!DecodeKeyHex(bad, out), "DecodeKeyHex of a non-digit");

  // The primitives, each with its secret inputs undefined.
  uint8_t key[32], nonce[12] = {1, 2, 3}, msg[300], sealed[316], stream[300], tag[16];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  for (int i = 0; i < 300; ++i) msg[i] = static_cast<uint8_t>(i);
  FLOODCHAT_CT_SECRET(key, sizeof key);
  FLOODCHAT_CT_SECRET(msg, sizeof msg);
  crypto::ChaCha20Xor(key, nonce, 1, msg, stream, sizeof msg);
  crypto::AeadSeal(key, nonce, sizeof nonce, nonce, 4, msg, sizeof msg, sealed);
  {
    crypto::Poly1305 mac(key);
    mac.Update(msg, sizeof msg);
    mac.Final(tag);
  }
  uint8_t digest[32], mac[32], okm[64];
  crypto::Sha256Digest(msg, sizeof msg, digest);
  crypto::HmacSha256Digest(key, sizeof key, msg, 64, mac);
  crypto::Hkdf(nonce, sizeof nonce, key, sizeof key, "info", 4, okm, sizeof okm);
  uint8_t scalar[32], peer_public[32], shared[32], own_public[32];
  for (int i = 0; i < 32; ++i) scalar[i] = static_cast<uint8_t>(255 - i);
  crypto::X25519Public(peer_public, key);  // from the (secret) key as a scalar
  FLOODCHAT_CT_DECLASSIFY(peer_public, sizeof peer_public);  // public keys are public
  FLOODCHAT_CT_SECRET(scalar, sizeof scalar);
  crypto::X25519Public(own_public, scalar);
  bool nonzero = crypto::X25519Shared(shared, scalar, peer_public);
  Check(Public(nonzero), "X25519Shared");
  // Opening checks the tag in constant time; whether it matched is public.
  uint8_t opened[300];
  bool opened_ok = crypto::AeadOpen(key, nonce, sizeof nonce, nonce, 4, sealed, sizeof sealed, opened);
  Check(Public(opened_ok) && PublicEqual(opened, msg, sizeof msg), "AeadOpen");
  // A few results against a second computation, so a wrong path is seen.
  uint8_t stream2[300];
  crypto::ChaCha20Xor(key, nonce, 1, stream, stream2, sizeof stream);
  Check(PublicEqual(stream2, msg, sizeof msg), "ChaCha20Xor twice");
  uint8_t shared2[32];
  crypto::X25519Shared(shared2, key, own_public);
  Check(PublicEqual(shared, shared2, sizeof shared), "X25519 agreement");
  Check(Public(crypto::EqualConstantTime(digest, digest, sizeof digest)), "EqualConstantTime");
  if (failures == 0) printf("ct_check: key file hex and primitives done\n");
  return failures == 0 ? 0 : 1;
}
