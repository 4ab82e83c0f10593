// X25519 (RFC 7748): the Montgomery ladder on Curve25519, over the field of
// integers modulo p = 2^255 - 19.
//
// A field element is 16 signed 64-bit limbs of 16 bits each (limb i weighs
// 2^(16 i)). Additions and subtractions work limb by limb and leave the
// carries for later; a product of two elements has 31 limb sums that fit in
// 64 bits, and the part at 2^256 and above folds back multiplied by 38, since
// 2^256 = 2 * 2^255 = 2 * 19 (mod p). Nothing branches on, or indexes by, the
// scalar: the ladder swaps its points with masks.
#include <cstring>

#include "crypto.h"

namespace floodchat {
namespace crypto {

namespace {

typedef int64_t Fe[16];

// Moves each limb's bits above 16 into the next limb; the carry out of the
// top limb comes back into limb 0 times 38. Afterwards limbs 1..15 are in
// [0, 2^16) and limb 0 is near that range. (c * 65536 rather than c << 16:
// c may be negative.)
void Carry(Fe o) {
  for (int i = 0; i < 16; ++i) {
    int64_t c = o[i] >> 16;  // floor division: the shift is arithmetic
    o[i] -= c * 65536;
    if (i < 15) {
      o[i + 1] += c;
    } else {
      o[0] += 38 * c;
    }
  }
}

void Add(Fe o, const Fe a, const Fe b) {
  for (int i = 0; i < 16; ++i) o[i] = a[i] + b[i];
}

void Sub(Fe o, const Fe a, const Fe b) {
  for (int i = 0; i < 16; ++i) o[i] = a[i] - b[i];
}

void Mul(Fe o, const Fe a, const Fe b) {
  int64_t t[31] = {};
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) t[i + j] += a[i] * b[j];
  for (int i = 0; i < 15; ++i) t[i] += 38 * t[i + 16];
  for (int i = 0; i < 16; ++i) o[i] = t[i];
  Carry(o);
  Carry(o);
}

void Square(Fe o, const Fe a) { Mul(o, a, a); }

// Swaps p and q when bit is 1, leaves them when it is 0, the same way both
// times.
void Swap(Fe p, Fe q, int64_t bit) {
  int64_t mask = -bit;
  for (int i = 0; i < 16; ++i) {
    int64_t t = mask & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}

void Unpack(Fe o, const uint8_t in[32]) {
  for (int i = 0; i < 16; ++i) o[i] = in[2 * i] | static_cast<int64_t>(in[2 * i + 1]) << 8;
  o[15] &= 0x7fff;  // the top bit of a u-coordinate is ignored (RFC 7748 5)
}

// Writes the unique representative in [0, p).
void Pack(uint8_t out[32], const Fe in) {
  Fe t;
  memcpy(t, in, sizeof t);
  Carry(t);
  Carry(t);
  Carry(t);
  // Now 0 <= t < 2^256 = 2p + 38, so p is subtracted at most twice; each time
  // the difference is kept only when it did not borrow.
  for (int round = 0; round < 2; ++round) {
    Fe m;
    m[0] = t[0] - 0xffed;
    for (int i = 1; i < 15; ++i) {
      m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
      m[i - 1] &= 0xffff;
    }
    m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
    m[14] &= 0xffff;
    int64_t borrow = (m[15] >> 16) & 1;
    m[15] &= 0xffff;
    Swap(t, m, 1 - borrow);
  }
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = static_cast<uint8_t>(t[i]);
    out[2 * i + 1] = static_cast<uint8_t>(t[i] >> 8);
  }
}

// o = z^(p - 2) = 1 / z (Fermat). p - 2 = 2^255 - 21: every bit from 254 down
// is 1 except bits 4 and 2. The exponent is public, so the branch is too.
void Invert(Fe o, const Fe z) {
  Fe c;
  memcpy(c, z, sizeof c);
  for (int bit = 253; bit >= 0; --bit) {
    Square(c, c);
    if (bit != 4 && bit != 2) Mul(c, c, z);
  }
  memcpy(o, c, sizeof c);
}

}  // namespace

void X25519(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes],
            const uint8_t point[kX25519Bytes]) {
  uint8_t k[32];
  memcpy(k, scalar, sizeof k);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  // (a24 = (486662 - 2) / 4 = 121665, RFC 7748 section 5.)
  const Fe a24 = {0xdb41, 1};
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
    Mul(z2, a24, e);
    Add(z2, z2, aa);
    Mul(z2, z2, e);
  }
  Swap(x2, x3, swap);
  Swap(z2, z3, swap);
  Invert(z2, z2);
  Mul(x2, x2, z2);
  Pack(out, x2);
  Wipe(k, sizeof k);
  Wipe(x2, sizeof x2);
  Wipe(z2, sizeof z2);
  Wipe(x3, sizeof x3);
  Wipe(z3, sizeof z3);
  Wipe(a, sizeof a);
  Wipe(aa, sizeof aa);
  Wipe(b, sizeof b);
  Wipe(bb, sizeof bb);
  Wipe(e, sizeof e);
  Wipe(c, sizeof c);
  Wipe(d, sizeof d);
  Wipe(da, sizeof da);
  Wipe(cb, sizeof cb);
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
