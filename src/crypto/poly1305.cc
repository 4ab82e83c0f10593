// Poly1305, as RFC 8439 section 2.5 defines it.
#include <cstring>

#include "base/endian.h"
#include "crypto/cpu.h"
#include "crypto/crypto.h"

#if defined(FLOODCHAT_CHACHA_AVX2)
#include <immintrin.h>
// The 256-bit vectors never cross a call boundary (see chacha20.cc).
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace floodchat {
namespace crypto {

// ---- Poly1305 -------------------------------------------------------------------
//
// The accumulator h and the key part r are numbers below 2^130, kept in five
// limbs of 26 bits so that every product fits in 64 bits: h is multiplied by
// r modulo p = 2^130 - 5 after each 16-byte block is added. A limb product
// that lands at 2^130 or above folds back multiplied by 5, since
// 2^130 = 5 (mod p); s = 5 * r precomputes that.

namespace {

constexpr uint32_t kLimb = 0x3ffffff;

#if defined(FLOODCHAT_CHACHA_AVX2)
// out = a b mod p, with the same partial carry as a block step (out may be a
// or b). For the powers of r, which only the four-block path uses.
void MultiplyMod(const uint32_t a[5], const uint32_t b[5], uint32_t out[5]) {
  const uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4];
  const uint64_t s1 = b1 * 5, s2 = b2 * 5, s3 = b3 * 5, s4 = b4 * 5;
  const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
  uint64_t d0 = a0 * b0 + a1 * s4 + a2 * s3 + a3 * s2 + a4 * s1;
  uint64_t d1 = a0 * b1 + a1 * b0 + a2 * s4 + a3 * s3 + a4 * s2;
  uint64_t d2 = a0 * b2 + a1 * b1 + a2 * b0 + a3 * s4 + a4 * s3;
  uint64_t d3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + a4 * s4;
  uint64_t d4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  d1 += d0 >> 26;
  d2 += d1 >> 26;
  d3 += d2 >> 26;
  d4 += d3 >> 26;
  uint64_t t = (d0 & kLimb) + (d4 >> 26) * 5;
  out[0] = static_cast<uint32_t>(t & kLimb);
  out[1] = static_cast<uint32_t>((d1 & kLimb) + (t >> 26));
  out[2] = static_cast<uint32_t>(d2 & kLimb);
  out[3] = static_cast<uint32_t>(d3 & kLimb);
  out[4] = static_cast<uint32_t>(d4 & kLimb);
}

// Four blocks at once, one in each 64-bit lane of 256-bit registers, with
// AVX2's 32 x 32 -> 64-bit multiply. Of each 64 bytes, lanes 0 to 3 take
// blocks 0, 2, 1 and 3 (the order in which two loads and an unpack deliver
// them); each lane is multiplied by r^4 after each of its blocks, except after
// the last four, where the lanes are multiplied by the power that block's
// place calls for: r^4, r^2, r^3 and r. The lanes' sum is then what one block
// at a time gives: block i of n ends up multiplied by r^(n - i), and the
// accumulator carried in (in lane 0) by r^n. The limb arithmetic is the
// one-block step's, so the same bounds hold (limbs of about 27 bits, products
// and their sums below 2^60).
FLOODCHAT_NOINLINE __attribute__((target("avx2"))) void PolyFourBlocks(
    uint32_t h[5], const uint32_t powers[4][5], const uint8_t* m, size_t chunks,
    uint32_t high_bit) {
#define mul _mm256_mul_epu32
#define add _mm256_add_epi64
  const __m256i mask = _mm256_set1_epi64x(kLimb);
  const __m256i top = _mm256_set1_epi64x(high_bit);
  __m256i r[5], s[5], acc[5];
  for (int k = 0; k < 5; ++k) acc[k] = _mm256_set_epi64x(0, 0, 0, h[k]);
  for (size_t c = 0; c < chunks; ++c, m += 64) {
    if (c == 0 || c + 1 == chunks) {
      bool last = c + 1 == chunks;
      for (int k = 0; k < 5; ++k) {
        r[k] = last ? _mm256_set_epi64x(powers[0][k], powers[2][k], powers[1][k], powers[3][k])
                    : _mm256_set1_epi64x(powers[3][k]);
        s[k] = add(_mm256_slli_epi64(r[k], 2), r[k]);  // 5 r
      }
    }
    // lo: the first 8 bytes of blocks 0, 2, 1, 3; hi: their last 8.
    __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m));
    __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + 32));
    __m256i lo = _mm256_unpacklo_epi64(v0, v1);
    __m256i hi = _mm256_unpackhi_epi64(v0, v1);
    __m256i a[5];
    a[0] = add(acc[0], _mm256_and_si256(lo, mask));
    a[1] = add(acc[1], _mm256_and_si256(_mm256_srli_epi64(lo, 26), mask));
    a[2] = add(acc[2], _mm256_and_si256(
                           _mm256_or_si256(_mm256_srli_epi64(lo, 52), _mm256_slli_epi64(hi, 12)),
                           mask));
    a[3] = add(acc[3], _mm256_and_si256(_mm256_srli_epi64(hi, 14), mask));
    a[4] = add(acc[4], _mm256_or_si256(_mm256_srli_epi64(hi, 40), top));
    __m256i d0 = add(add(add(add(mul(a[0], r[0]), mul(a[1], s[4])), mul(a[2], s[3])),
                         mul(a[3], s[2])), mul(a[4], s[1]));
    __m256i d1 = add(add(add(add(mul(a[0], r[1]), mul(a[1], r[0])), mul(a[2], s[4])),
                         mul(a[3], s[3])), mul(a[4], s[2]));
    __m256i d2 = add(add(add(add(mul(a[0], r[2]), mul(a[1], r[1])), mul(a[2], r[0])),
                         mul(a[3], s[4])), mul(a[4], s[3]));
    __m256i d3 = add(add(add(add(mul(a[0], r[3]), mul(a[1], r[2])), mul(a[2], r[1])),
                         mul(a[3], r[0])), mul(a[4], s[4]));
    __m256i d4 = add(add(add(add(mul(a[0], r[4]), mul(a[1], r[3])), mul(a[2], r[2])),
                         mul(a[3], r[1])), mul(a[4], r[0]));
    d1 = add(d1, _mm256_srli_epi64(d0, 26));
    d2 = add(d2, _mm256_srli_epi64(d1, 26));
    d3 = add(d3, _mm256_srli_epi64(d2, 26));
    d4 = add(d4, _mm256_srli_epi64(d3, 26));
    __m256i carry = _mm256_srli_epi64(d4, 26);
    d0 = add(_mm256_and_si256(d0, mask), add(_mm256_slli_epi64(carry, 2), carry));
    acc[0] = _mm256_and_si256(d0, mask);
    acc[1] = add(_mm256_and_si256(d1, mask), _mm256_srli_epi64(d0, 26));
    acc[2] = _mm256_and_si256(d2, mask);
    acc[3] = _mm256_and_si256(d3, mask);
    acc[4] = _mm256_and_si256(d4, mask);
  }
#undef mul
#undef add
  // The lanes' sum, carried back to limbs of about 26 bits.
  alignas(32) uint64_t lanes[4];
  uint64_t sum[5];
  for (int k = 0; k < 5; ++k) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[k]);
    sum[k] = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  }
  sum[1] += sum[0] >> 26;
  sum[2] += sum[1] >> 26;
  sum[3] += sum[2] >> 26;
  sum[4] += sum[3] >> 26;
  uint64_t t = (sum[0] & kLimb) + (sum[4] >> 26) * 5;
  h[0] = static_cast<uint32_t>(t & kLimb);
  h[1] = static_cast<uint32_t>((sum[1] & kLimb) + (t >> 26));
  h[2] = static_cast<uint32_t>(sum[2] & kLimb);
  h[3] = static_cast<uint32_t>(sum[3] & kLimb);
  h[4] = static_cast<uint32_t>(sum[4] & kLimb);
  _mm256_zeroupper();
}
#endif  // FLOODCHAT_CHACHA_AVX2

}  // namespace

Poly1305::Poly1305(const uint8_t key[kPolyKeyBytes]) {
  // Clamp r (section 2.5): the top four bits of bytes 3, 7, 11, 15 and the
  // low two bits of bytes 4, 8, 12 are cleared.
  uint8_t r[16];
  memcpy(r, key, 16);
  r[3] &= 15;
  r[7] &= 15;
  r[11] &= 15;
  r[15] &= 15;
  r[4] &= 252;
  r[8] &= 252;
  r[12] &= 252;
  r_[0] = LoadLe32(r) & kLimb;
  r_[1] = (LoadLe32(r + 3) >> 2) & kLimb;
  r_[2] = (LoadLe32(r + 6) >> 4) & kLimb;
  r_[3] = (LoadLe32(r + 9) >> 6) & kLimb;
  r_[4] = LoadLe32(r + 12) >> 8;
  Wipe(r, sizeof r);
  for (int i = 0; i < 5; ++i) h_[i] = 0;
  for (int i = 0; i < 4; ++i) pad_[i] = LoadLe32(key + 16 + 4 * i);
}

Poly1305::~Poly1305() {
  Wipe(r_, sizeof r_);
  Wipe(powers_, sizeof powers_);
  Wipe(h_, sizeof h_);
  Wipe(pad_, sizeof pad_);
  Wipe(partial_, sizeof partial_);
}

// Adds and multiplies whole 16-byte blocks; high_bit is 1 << 24 (bit 128 of
// the block, in limb 4) for a full block, 0 for the final padded one.
void Poly1305::Blocks(const uint8_t* m, size_t blocks, uint32_t high_bit) {
#if defined(FLOODCHAT_CHACHA_AVX2)
  // Worth it from a few chunks on: the powers of r cost three multiplies.
  if (blocks >= 16 && HaveAvx2()) {
    if (!have_powers_) {
      memcpy(powers_[0], r_, sizeof r_);
      MultiplyMod(r_, r_, powers_[1]);
      MultiplyMod(powers_[1], r_, powers_[2]);
      MultiplyMod(powers_[1], powers_[1], powers_[3]);
      have_powers_ = true;
    }
    size_t n = blocks & ~size_t{3};
    PolyFourBlocks(h_, powers_, m, n / 4, high_bit);
    m += 16 * n;
    blocks -= n;
    if (blocks == 0) return;
  }
#endif
  const uint64_t r0 = r_[0], r1 = r_[1], r2 = r_[2], r3 = r_[3], r4 = r_[4];
  const uint64_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  uint32_t h0 = h_[0], h1 = h_[1], h2 = h_[2], h3 = h_[3], h4 = h_[4];
  for (; blocks > 0; --blocks, m += 16) {
    h0 += LoadLe32(m) & kLimb;
    h1 += (LoadLe32(m + 3) >> 2) & kLimb;
    h2 += (LoadLe32(m + 6) >> 4) & kLimb;
    h3 += (LoadLe32(m + 9) >> 6) & kLimb;
    h4 += (LoadLe32(m + 12) >> 8) | high_bit;
    uint64_t d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + static_cast<uint64_t>(h4) * s1;
    uint64_t d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + static_cast<uint64_t>(h4) * s2;
    uint64_t d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + static_cast<uint64_t>(h4) * s3;
    uint64_t d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + static_cast<uint64_t>(h4) * s4;
    uint64_t d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + static_cast<uint64_t>(h4) * r0;
    // A partial carry: enough to keep every limb a little over 26 bits, so
    // the next block's sums and products still fit.
    d1 += d0 >> 26;
    h0 = static_cast<uint32_t>(d0) & kLimb;
    d2 += d1 >> 26;
    h1 = static_cast<uint32_t>(d1) & kLimb;
    d3 += d2 >> 26;
    h2 = static_cast<uint32_t>(d2) & kLimb;
    d4 += d3 >> 26;
    h3 = static_cast<uint32_t>(d3) & kLimb;
    uint64_t c = d4 >> 26;
    h4 = static_cast<uint32_t>(d4) & kLimb;
    uint64_t t = h0 + c * 5;
    h0 = static_cast<uint32_t>(t) & kLimb;
    h1 += static_cast<uint32_t>(t >> 26);
  }
  h_[0] = h0;
  h_[1] = h1;
  h_[2] = h2;
  h_[3] = h3;
  h_[4] = h4;
}

void Poly1305::Update(const uint8_t* data, size_t size) {
  total_ += size;
  if (used_ > 0) {
    size_t take = 16 - used_;
    if (take > size) take = size;
    memcpy(partial_ + used_, data, take);
    used_ += take;
    data += take;
    size -= take;
    if (used_ < 16) return;
    Blocks(partial_, 1, 1u << 24);
    used_ = 0;
  }
  if (size >= 16) {
    Blocks(data, size / 16, 1u << 24);
    data += size / 16 * 16;
    size %= 16;
  }
  if (size > 0) memcpy(partial_, data, size);
  used_ = size;
}

void Poly1305::PadTo16() {
  if (used_ == 0) return;
  memset(partial_ + used_, 0, 16 - used_);
  Blocks(partial_, 1, 1u << 24);
  used_ = 0;
}

void Poly1305::Final(uint8_t tag[kTagBytes]) {
  if (used_ > 0) {
    // The last partial block ends with a 1 byte instead of the 2^128 bit.
    partial_[used_] = 1;
    memset(partial_ + used_ + 1, 0, 16 - used_ - 1);
    Blocks(partial_, 1, 0);
    used_ = 0;
  }
  uint32_t h0 = h_[0], h1 = h_[1], h2 = h_[2], h3 = h_[3], h4 = h_[4];
  // Carry fully, so each limb holds 26 bits (h4 may briefly hold more).
  h2 += h1 >> 26; h1 &= kLimb;
  h3 += h2 >> 26; h2 &= kLimb;
  h4 += h3 >> 26; h3 &= kLimb;
  h0 += (h4 >> 26) * 5; h4 &= kLimb;
  h1 += h0 >> 26; h0 &= kLimb;
  // h is now below 2^130 and may still be p or more: g = h + 5 - 2^130 is
  // h - p, and it is taken when it did not go below zero. The choice is a
  // mask, not a branch.
  uint32_t g0 = h0 + 5;
  uint32_t g1 = h1 + (g0 >> 26); g0 &= kLimb;
  uint32_t g2 = h2 + (g1 >> 26); g1 &= kLimb;
  uint32_t g3 = h3 + (g2 >> 26); g2 &= kLimb;
  uint32_t g4 = h4 + (g3 >> 26) - (1u << 26); g3 &= kLimb;
  uint32_t take_g = (g4 >> 31) - 1;  // all ones when g4 did not borrow
  h0 = (h0 & ~take_g) | (g0 & take_g);
  h1 = (h1 & ~take_g) | (g1 & take_g);
  h2 = (h2 & ~take_g) | (g2 & take_g);
  h3 = (h3 & ~take_g) | (g3 & take_g);
  h4 = (h4 & ~take_g) | (g4 & take_g);
  // tag = (h + s) mod 2^128, 32 bits at a time. The limbs are added, not
  // ORed, into place: h1 may be exactly 2^26 after the carry above.
  uint64_t acc = h0 + (static_cast<uint64_t>(h1) << 26);
  uint64_t f = (acc & 0xffffffff) + pad_[0];
  StoreLe32(tag, static_cast<uint32_t>(f));
  acc = (acc >> 32) + (static_cast<uint64_t>(h2) << 20);
  f = (acc & 0xffffffff) + pad_[1] + (f >> 32);
  StoreLe32(tag + 4, static_cast<uint32_t>(f));
  acc = (acc >> 32) + (static_cast<uint64_t>(h3) << 14);
  f = (acc & 0xffffffff) + pad_[2] + (f >> 32);
  StoreLe32(tag + 8, static_cast<uint32_t>(f));
  acc = (acc >> 32) + (static_cast<uint64_t>(h4) << 8);
  f = (acc & 0xffffffff) + pad_[3] + (f >> 32);
  StoreLe32(tag + 12, static_cast<uint32_t>(f));
}

}  // namespace crypto
}  // namespace floodchat
