// Speed of the primitives as the node is built: the AEAD over 16 KiB records
// (keyed mode's batch size) and over 130-byte ones (one small message),
// ChaCha20 and Poly1305 alone, and X25519 (two per handshake).
//
//   make bench-crypto     (builds with the release flags and runs)
//
// Prints the median of 7 timings of each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "crypto/crypto.h"

namespace {

using namespace floodchat::crypto;

template <typename F>
double MedianSeconds(F f) {
  std::vector<double> t;
  for (int i = 0; i < 7; ++i) {
    auto a = std::chrono::steady_clock::now();
    f();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[3];
}

}  // namespace

int main() {
  uint8_t key[32], nonce[12] = {};
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> buf(16384 + kTagBytes), out(buf.size());
  const size_t total = 64u << 20;

  double s = MedianSeconds([&] {
    for (size_t done = 0; done < total; done += 16384)
      AeadSeal(key, nonce, 12, key, 4, buf.data(), 16384, out.data());
  });
  printf("AEAD seal, 16 KiB records:   %7.1f MB/s\n", total / s / 1e6);
  s = MedianSeconds([&] {
    for (size_t done = 0; done < total / 8; done += 130)
      AeadSeal(key, nonce, 12, key, 4, buf.data(), 130, out.data());
  });
  printf("AEAD seal, 130-byte records: %7.1f MB/s (%.0f ns a record)\n", total / 8 / s / 1e6,
         s / (total / 8 / 130) * 1e9);
  s = MedianSeconds([&] {
    for (size_t done = 0; done < total; done += 16384)
      ChaCha20Xor(key, nonce, 1, buf.data(), out.data(), 16384);
  });
  printf("ChaCha20:                    %7.1f MB/s\n", total / s / 1e6);
  s = MedianSeconds([&] {
    for (size_t done = 0; done < total; done += 16384) {
      Poly1305 mac(key);
      mac.Update(buf.data(), 16384);
      mac.Final(out.data());
    }
  });
  printf("Poly1305:                    %7.1f MB/s\n", total / s / 1e6);
  uint8_t point[32] = {9}, result[32];
  s = MedianSeconds([&] {
    for (int i = 0; i < 100; ++i) X25519(result, key, point);
  });
  printf("X25519:                      %7.0f us an operation\n", s / 100 * 1e6);
  return 0;
}
