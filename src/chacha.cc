// ChaCha20, Poly1305 and the ChaCha20-Poly1305 AEAD, as RFC 8439 defines them.
#include <cstring>

#include "crypto.h"

namespace floodchat {
namespace crypto {

namespace {

inline uint32_t LoadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

inline void StoreLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

inline void StoreLe64(uint8_t* p, uint64_t v) {
  StoreLe32(p, static_cast<uint32_t>(v));
  StoreLe32(p + 4, static_cast<uint32_t>(v >> 32));
}

// ---- ChaCha20 -------------------------------------------------------------------

// The quarter round on any type with +, ^ and shifts: uint32_t, or a vector
// of them, which runs several blocks side by side.
template <typename W>
inline W Rotl(W x, int n) {
  return (x << n) | (x >> (32 - n));
}

template <typename W>
inline void QuarterRound(W& a, W& b, W& c, W& d) {
  a += b; d ^= a; d = Rotl(d, 16);
  c += d; b ^= c; b = Rotl(b, 12);
  a += b; d ^= a; d = Rotl(d, 8);
  c += d; b ^= c; b = Rotl(b, 7);
}

template <typename W>
inline void DoubleRounds(W* x) {
  for (int i = 0; i < 10; ++i) {
    QuarterRound(x[0], x[4], x[8], x[12]);
    QuarterRound(x[1], x[5], x[9], x[13]);
    QuarterRound(x[2], x[6], x[10], x[14]);
    QuarterRound(x[3], x[7], x[11], x[15]);
    QuarterRound(x[0], x[5], x[10], x[15]);
    QuarterRound(x[1], x[6], x[11], x[12]);
    QuarterRound(x[2], x[7], x[8], x[13]);
    QuarterRound(x[3], x[4], x[9], x[14]);
  }
}

// The initial state: "expand 32-byte k", the key, the block counter, the
// nonce (section 2.3).
void InitState(const uint8_t key[kChaChaKeyBytes], const uint8_t nonce[kChaChaNonceBytes],
               uint32_t counter, uint32_t s[16]) {
  s[0] = 0x61707865;
  s[1] = 0x3320646e;
  s[2] = 0x79622d32;
  s[3] = 0x6b206574;
  for (int i = 0; i < 8; ++i) s[4 + i] = LoadLe32(key + 4 * i);
  s[12] = counter;
  for (int i = 0; i < 3; ++i) s[13 + i] = LoadLe32(nonce + 4 * i);
}

// One block of key stream XORed into up to 64 bytes.
void XorBlock(const uint32_t s[16], const uint8_t* in, uint8_t* out, size_t size) {
  uint32_t x[16];
  memcpy(x, s, sizeof x);
  DoubleRounds(x);
  uint8_t stream[kChaChaBlockBytes];
  for (int i = 0; i < 16; ++i) StoreLe32(stream + 4 * i, x[i] + s[i]);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(in[i] ^ stream[i]);
  Wipe(x, sizeof x);
  Wipe(stream, sizeof stream);
}

#if defined(__GNUC__)
// Four blocks at once: lane j of x[i] is word i of block counter + j. GCC and
// Clang turn the vector type into SSE2 or NEON registers where there are
// some, and into plain 32-bit operations where there are none.
typedef uint32_t U32x4 __attribute__((vector_size(16)));
constexpr size_t kLanes = 4;

void XorFourBlocks(const uint32_t s[16], const uint8_t* in, uint8_t* out) {
  U32x4 x[16], start[16];
  for (int i = 0; i < 16; ++i) start[i] = U32x4{s[i], s[i], s[i], s[i]};
  start[12] += U32x4{0, 1, 2, 3};
  for (int i = 0; i < 16; ++i) x[i] = start[i];
  DoubleRounds(x);
  for (int i = 0; i < 16; ++i) x[i] += start[i];
  for (size_t j = 0; j < kLanes; ++j) {
    for (int i = 0; i < 16; ++i) {
      size_t at = j * kChaChaBlockBytes + 4 * static_cast<size_t>(i);
      StoreLe32(out + at, LoadLe32(in + at) ^ x[i][j]);
    }
  }
  Wipe(x, sizeof x);
}
#endif

}  // namespace

void ChaCha20Xor(const uint8_t key[kChaChaKeyBytes], const uint8_t nonce[kChaChaNonceBytes],
                 uint32_t counter, const uint8_t* in, uint8_t* out, size_t size) {
  uint32_t s[16];
  InitState(key, nonce, counter, s);
#if defined(__GNUC__)
  for (; size >= kLanes * kChaChaBlockBytes; size -= kLanes * kChaChaBlockBytes) {
    XorFourBlocks(s, in, out);
    s[12] += kLanes;
    in += kLanes * kChaChaBlockBytes;
    out += kLanes * kChaChaBlockBytes;
  }
#endif
  while (size > 0) {
    size_t n = size < kChaChaBlockBytes ? size : kChaChaBlockBytes;
    XorBlock(s, in, out, n);
    ++s[12];
    in += n;
    out += n;
    size -= n;
  }
  Wipe(s, sizeof s);
}

// ---- Poly1305 -------------------------------------------------------------------
//
// The accumulator h and the key part r are numbers below 2^130, kept in five
// limbs of 26 bits so that every product fits in 64 bits: h is multiplied by
// r modulo p = 2^130 - 5 after each 16-byte block is added. A limb product
// that lands at 2^130 or above folds back multiplied by 5, since
// 2^130 = 5 (mod p); s = 5 * r precomputes that.

namespace {
constexpr uint32_t kLimb = 0x3ffffff;
}

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
  Wipe(h_, sizeof h_);
  Wipe(pad_, sizeof pad_);
  Wipe(partial_, sizeof partial_);
}

// Adds and multiplies whole 16-byte blocks; high_bit is 1 << 24 (bit 128 of
// the block, in limb 4) for a full block, 0 for the final padded one.
void Poly1305::Blocks(const uint8_t* m, size_t blocks, uint32_t high_bit) {
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

// ---- the AEAD -------------------------------------------------------------------

namespace {

// The tag over aad and ciphertext (section 2.8): each padded to 16 bytes, then
// both lengths as 64-bit little-endian numbers. The one-time Poly1305 key is
// the first 32 bytes of key-stream block 0.
void AeadTag(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, const uint8_t* aad,
             size_t aad_size, const uint8_t* ciphertext, size_t size, uint8_t tag[kTagBytes]) {
  uint8_t poly_key[kChaChaBlockBytes] = {};
  ChaCha20Xor(key, nonce, 0, poly_key, poly_key, sizeof poly_key);
  Poly1305 mac(poly_key);
  Wipe(poly_key, sizeof poly_key);
  mac.Update(aad, aad_size);
  mac.PadTo16();
  mac.Update(ciphertext, size);
  mac.PadTo16();
  uint8_t lengths[16];
  StoreLe64(lengths, aad_size);
  StoreLe64(lengths + 8, size);
  mac.Update(lengths, sizeof lengths);
  mac.Final(tag);
}

}  // namespace

bool AeadSeal(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, size_t nonce_size,
              const uint8_t* aad, size_t aad_size, const uint8_t* in, size_t size, uint8_t* out) {
  if (nonce_size != kChaChaNonceBytes) return false;
  ChaCha20Xor(key, nonce, 1, in, out, size);
  AeadTag(key, nonce, aad, aad_size, out, size, out + size);
  return true;
}

bool AeadOpen(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, size_t nonce_size,
              const uint8_t* aad, size_t aad_size, const uint8_t* sealed, size_t sealed_size,
              uint8_t* out) {
  if (nonce_size != kChaChaNonceBytes || sealed_size < kTagBytes) return false;
  size_t size = sealed_size - kTagBytes;
  uint8_t tag[kTagBytes];
  AeadTag(key, nonce, aad, aad_size, sealed, size, tag);
  bool ok = EqualConstantTime(tag, sealed + size, kTagBytes);
  if (ok) ChaCha20Xor(key, nonce, 1, sealed, out, size);
  return ok;
}

}  // namespace crypto
}  // namespace floodchat
