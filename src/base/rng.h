// A small fast generator (splitmix64) for choices that need to be spread, not
// secret: which address to dial, jitter, which addresses to offer. Seeded from
// the OS random source in the binary and from --seed in the simulator.
#ifndef FLOODCHAT_BASE_RNG_H_
#define FLOODCHAT_BASE_RNG_H_

#include <cstdint>

namespace floodchat {

// A 64-bit finaliser with full avalanche (splitmix64's): spreads keyed IDs
// over hash tables.
inline uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next() { return Mix64(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform enough below n (the bias of the modulo is below 2^-40 for the
  // small n used here); 0 when n is 0.
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t state_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_RNG_H_
