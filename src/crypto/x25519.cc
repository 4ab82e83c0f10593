// X25519 (RFC 7748): the Montgomery ladder on Curve25519, over the field of
// integers modulo p = 2^255 - 19.
//
// A field element is ten signed 64-bit limbs in radix 2^25.5: limb i holds
// 26 bits when i is even and 25 when it is odd, and weighs 2^ceil(25.5 i).
// Additions and subtractions work limb by limb and leave the carries for
// later. In a product, limb i times limb j weighs 2^(25.5 (i + j)), rounded:
// twice the next limb's weight when both i and j are odd; a term that lands
// at 2^255 or above folds back multiplied by 19, since 2^255 = 19 (mod p).
// With inputs of at most 2^27 per limb (carried values and sums or
// differences of two), each of a limb's ten terms is below 2^59.3 and their
// sum below 2^63. Nothing branches on, or indexes by, the scalar: the ladder
// swaps its points with masks.
#include <cstring>

#include "crypto/crypto.h"

namespace floodchat {
namespace crypto {

namespace {

constexpr int kLimbs = 10;
typedef int64_t Fe[kLimbs];

constexpr int Width(int i) { return i % 2 == 0 ? 26 : 25; }

// Moves each limb's bits above its width into the next limb, the carry out
// of the top limb back into limb 0 times 19; twice, so that afterwards every
// limb is within its width but for a little in limb 0. (c * 2^w rather than
// c << w: c may be negative; the right shift is arithmetic, a floor.)
void Carry(Fe h) {
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < kLimbs; ++i) {
      int64_t c = h[i] >> Width(i);
      h[i] -= c * (int64_t{1} << Width(i));
      if (i + 1 < kLimbs) {
        h[i + 1] += c;
      } else {
        h[0] += 19 * c;
      }
    }
  }
}

void Add(Fe o, const Fe a, const Fe b) {
  for (int i = 0; i < kLimbs; ++i) o[i] = a[i] + b[i];
}

void Sub(Fe o, const Fe a, const Fe b) {
  for (int i = 0; i < kLimbs; ++i) o[i] = a[i] - b[i];
}

void Mul(Fe o, const Fe f, const Fe g) {
  // g times 19 and 2 f for odd limbs, so that the inner loop only multiplies
  // and adds.
  int64_t g19[kLimbs], f2[kLimbs];
  for (int i = 0; i < kLimbs; ++i) {
    g19[i] = 19 * g[i];
    f2[i] = i % 2 == 1 ? 2 * f[i] : f[i];
  }
  int64_t h[kLimbs] = {};
  for (int i = 0; i < kLimbs; ++i) {
    for (int j = 0; j < kLimbs; ++j) {
      int64_t fi = (j % 2 == 1) ? f2[i] : f[i];
      int k = i + j;
      if (k < kLimbs) {
        h[k] += fi * g[j];
      } else {
        h[k - kLimbs] += fi * g19[j];
      }
    }
  }
  Carry(h);
  memcpy(o, h, sizeof h);
}

void Square(Fe o, const Fe a) { Mul(o, a, a); }

// o = f times a small constant (below 2^17).
void MulSmall(Fe o, const Fe f, int64_t k) {
  for (int i = 0; i < kLimbs; ++i) o[i] = f[i] * k;
  Carry(o);
}

// Swaps p and q when bit is 1, leaves them when it is 0, the same way both
// times.
void Swap(Fe p, Fe q, int64_t bit) {
  int64_t mask = -bit;
  for (int i = 0; i < kLimbs; ++i) {
    int64_t t = mask & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}

void Unpack(Fe o, const uint8_t in[32]) {
  // Bits 0 to 254, little-endian; the top bit of a u-coordinate is ignored
  // (RFC 7748 section 5).
  uint64_t acc = 0;
  int have = 0, byte = 0;
  for (int i = 0; i < kLimbs; ++i) {
    while (have < Width(i) && byte < 32) {
      acc |= static_cast<uint64_t>(in[byte++]) << have;
      have += 8;
    }
    o[i] = static_cast<int64_t>(acc & ((uint64_t{1} << Width(i)) - 1));
    acc >>= Width(i);
    have -= Width(i);
  }
}

// Writes the unique representative in [0, p).
void Pack(uint8_t out[32], const Fe in) {
  Fe h;
  memcpy(h, in, sizeof h);
  Carry(h);
  // Carried, h may still be a little below zero (limb 0 takes -19 per
  // borrow out of the top). Adding 2p, limb by limb, and carrying again
  // leaves every limb non-negative and h below 2^255 plus a little.
  for (int i = 0; i < kLimbs; ++i) h[i] += 2 * ((int64_t{1} << Width(i)) - 1);
  h[0] -= 2 * 18;  // 2p's limb 0 is 2 (2^26 - 19)
  Carry(h);
  // Now h < 2p, and h >= p exactly when h + 19 reaches 2^255: q, the carry
  // out of the top of h + 19. Adding 19 q and dropping bit 255 subtracts q p.
  int64_t q = 19;
  for (int i = 0; i < kLimbs; ++i) q = (h[i] + q) >> Width(i);
  h[0] += 19 * q;
  for (int i = 0; i < kLimbs; ++i) {
    int64_t c = h[i] >> Width(i);
    h[i] -= c * (int64_t{1} << Width(i));
    if (i + 1 < kLimbs) h[i + 1] += c;  // the carry out of limb 9 is bit 255: dropped
  }
  uint64_t acc = 0;
  int have = 0, at = 0;
  for (int i = 0; i < kLimbs; ++i) {
    acc |= static_cast<uint64_t>(h[i]) << have;
    have += Width(i);
    while (have >= 8) {
      out[at++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      have -= 8;
    }
  }
  out[at] = static_cast<uint8_t>(acc);  // the last 7 bits (255 = 31 * 8 + 7)
}

// z^(2^k) for k squarings.
void SquareTimes(Fe o, const Fe z, int k) {
  Square(o, z);
  for (int i = 1; i < k; ++i) Square(o, o);
}

// o = z^(p - 2) = 1 / z (Fermat), p - 2 = 2^255 - 21, by a fixed chain of
// 254 squarings and 11 multiplications; the exponent is public.
void Invert(Fe o, const Fe z) {
  Fe z2, z9, z11, a, b, c;
  Square(z2, z);                // 2
  SquareTimes(a, z2, 2);        // 8
  Mul(z9, a, z);                // 9
  Mul(z11, z9, z2);             // 11
  Square(a, z11);               // 22
  Mul(a, a, z9);                // 31 = 2^5 - 1
  SquareTimes(b, a, 5);
  Mul(a, b, a);                 // 2^10 - 1
  SquareTimes(b, a, 10);
  Mul(b, b, a);                 // 2^20 - 1
  SquareTimes(c, b, 20);
  Mul(b, c, b);                 // 2^40 - 1
  SquareTimes(b, b, 10);
  Mul(a, b, a);                 // 2^50 - 1
  SquareTimes(b, a, 50);
  Mul(b, b, a);                 // 2^100 - 1
  SquareTimes(c, b, 100);
  Mul(b, c, b);                 // 2^200 - 1
  SquareTimes(b, b, 50);
  Mul(a, b, a);                 // 2^250 - 1
  SquareTimes(a, a, 5);         // 2^255 - 32
  Mul(o, a, z11);               // 2^255 - 21
}

}  // namespace

namespace {

// The Montgomery ladder (RFC 7748 section 5) for a clamped scalar. Not
// inlined: its working values stay in its own frame, below X25519's, where
// X25519 overwrites them afterwards.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
void Ladder(uint8_t out[kX25519Bytes], const uint8_t k[32], const uint8_t point[kX25519Bytes]) {
  Fe x1, x2 = {1}, z2 = {0}, x3, z3 = {1};
  Fe a, aa, b, bb, e, c, d, da, cb;
  Unpack(x1, point);
  memcpy(x3, x1, sizeof x3);
  int64_t swap = 0;
  for (int t = 254; t >= 0; --t) {
    int64_t bit = (k[t >> 3] >> (t & 7)) & 1;
    swap ^= bit;
    Swap(x2, x3, swap);
    Swap(z2, z3, swap);
    swap = bit;
    Add(a, x2, z2);
    Square(aa, a);
    Sub(b, x2, z2);
    Square(bb, b);
    Sub(e, aa, bb);
    Add(c, x3, z3);
    Sub(d, x3, z3);
    Mul(da, d, a);
    Mul(cb, c, b);
    Add(x3, da, cb);
    Square(x3, x3);
    Sub(z3, da, cb);
    Square(z3, z3);
    Mul(z3, z3, x1);
    Mul(x2, aa, bb);
    MulSmall(z2, e, 121665);  // a24 = (486662 - 2) / 4 (RFC 7748 section 5)
    Add(z2, z2, aa);
    Mul(z2, z2, e);
  }
  Swap(x2, x3, swap);
  Swap(z2, z3, swap);
  Invert(z2, z2);
  Mul(x2, x2, z2);
  Pack(out, x2);
}

}  // namespace

void X25519(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes],
            const uint8_t point[kX25519Bytes]) {
  uint8_t k[32];
  memcpy(k, scalar, sizeof k);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  Ladder(out, k, point);
  Wipe(k, sizeof k);
  // The ladder's frame and those of the field operations below it, about
  // 2 KiB in all (gcc -fstack-usage).
  WipeStackBelow();
}

void X25519Public(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes]) {
  static const uint8_t kBasePoint[kX25519Bytes] = {9};
  X25519(out, scalar, kBasePoint);
}

bool X25519Shared(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes],
                  const uint8_t point[kX25519Bytes]) {
  X25519(out, scalar, point);
  static const uint8_t kZero[kX25519Bytes] = {};
  return !EqualConstantTime(out, kZero, kX25519Bytes);
}

}  // namespace crypto
}  // namespace floodchat
