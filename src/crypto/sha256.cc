// SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869).
#include <cstring>

#include "base/endian.h"
#include "crypto/crypto.h"

namespace floodchat {
namespace crypto {

namespace {

// The first 32 bits of the fractional parts of the square roots of the first
// 8 primes (the initial state) and of the cube roots of the first 64 primes
// (the round constants), FIPS 180-4 sections 5.3.3 and 4.2.2.
constexpr uint32_t kInitialState[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

// ---- SHA-256 --------------------------------------------------------------------

void Sha256::Reset() {
  memcpy(state_, kInitialState, sizeof state_);
  length_ = 0;
  used_ = 0;
}

Sha256::~Sha256() {
  Wipe(state_, sizeof state_);
  Wipe(block_, sizeof block_);
}

void Sha256::Compress(const uint8_t* block) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) w[i] = GetU32(block + 4 * i);
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[i] +
                  w[i];
    uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
  Wipe(w, sizeof w);
}

void Sha256::Update(const void* data, size_t size) {
  if (size == 0) return;  // data may then be null
  const uint8_t* p = static_cast<const uint8_t*>(data);
  length_ += size;
  if (used_ > 0) {
    size_t take = kSha256BlockBytes - used_;
    if (take > size) take = size;
    memcpy(block_ + used_, p, take);
    used_ += take;
    p += take;
    size -= take;
    if (used_ < kSha256BlockBytes) return;
    Compress(block_);
    used_ = 0;
  }
  for (; size >= kSha256BlockBytes; p += kSha256BlockBytes, size -= kSha256BlockBytes) Compress(p);
  if (size > 0) memcpy(block_, p, size);
  used_ = size;
}

void Sha256::Final(uint8_t digest[kSha256Bytes]) {
  // Padding: a 1 bit, zeros, and the length in bits as a 64-bit big-endian
  // number ending a block.
  uint64_t bits = length_ * 8;
  block_[used_++] = 0x80;
  if (used_ > kSha256BlockBytes - 8) {
    memset(block_ + used_, 0, kSha256BlockBytes - used_);
    Compress(block_);
    used_ = 0;
  }
  memset(block_ + used_, 0, kSha256BlockBytes - 8 - used_);
  PutU32(block_ + 56, static_cast<uint32_t>(bits >> 32));
  PutU32(block_ + 60, static_cast<uint32_t>(bits));
  Compress(block_);
  for (int i = 0; i < 8; ++i) PutU32(digest + 4 * i, state_[i]);
}

void Sha256Digest(const void* data, size_t size, uint8_t digest[kSha256Bytes]) {
  Sha256 h;
  h.Update(data, size);
  h.Final(digest);
}

// ---- HMAC -----------------------------------------------------------------------

HmacSha256::HmacSha256(const void* key, size_t key_size) {
  // A key longer than a block is replaced by its digest; a shorter one is
  // padded with zeros.
  uint8_t k[kSha256BlockBytes] = {};
  if (key_size > kSha256BlockBytes) {
    Sha256Digest(key, key_size, k);
  } else if (key_size > 0) {
    memcpy(k, key, key_size);
  }
  uint8_t inner_key[kSha256BlockBytes];
  for (size_t i = 0; i < kSha256BlockBytes; ++i) {
    inner_key[i] = static_cast<uint8_t>(k[i] ^ 0x36);
    outer_key_[i] = static_cast<uint8_t>(k[i] ^ 0x5c);
  }
  inner_.Update(inner_key, sizeof inner_key);
  Wipe(k, sizeof k);
  Wipe(inner_key, sizeof inner_key);
}

HmacSha256::~HmacSha256() { Wipe(outer_key_, sizeof outer_key_); }

void HmacSha256::Final(uint8_t mac[kSha256Bytes]) {
  uint8_t inner_digest[kSha256Bytes];
  inner_.Final(inner_digest);
  Sha256 outer;
  outer.Update(outer_key_, sizeof outer_key_);
  outer.Update(inner_digest, sizeof inner_digest);
  outer.Final(mac);
  Wipe(inner_digest, sizeof inner_digest);
}

void HmacSha256Digest(const void* key, size_t key_size, const void* data, size_t size,
                      uint8_t mac[kSha256Bytes]) {
  HmacSha256 h(key, key_size);
  h.Update(data, size);
  h.Final(mac);
}

// ---- HKDF -----------------------------------------------------------------------

void HkdfExtract(const void* salt, size_t salt_size, const void* ikm, size_t ikm_size,
                 uint8_t prk[kSha256Bytes]) {
  // RFC 5869 2.2: no salt means a string of HashLen zeros, which as an HMAC
  // key is the same as an empty one.
  HmacSha256Digest(salt, salt_size, ikm, ikm_size, prk);
}

bool HkdfExpand(const uint8_t prk[kSha256Bytes], const void* info, size_t info_size, uint8_t* out,
                size_t size) {
  if (size > 255 * kSha256Bytes) return false;
  uint8_t t[kSha256Bytes];
  size_t done = 0;
  for (uint8_t i = 1; done < size; ++i) {
    HmacSha256 h(prk, kSha256Bytes);
    if (i > 1) h.Update(t, sizeof t);
    h.Update(info, info_size);
    h.Update(&i, 1);
    h.Final(t);
    size_t take = size - done < kSha256Bytes ? size - done : kSha256Bytes;
    memcpy(out + done, t, take);
    done += take;
  }
  Wipe(t, sizeof t);
  return true;
}

bool Hkdf(const void* salt, size_t salt_size, const void* ikm, size_t ikm_size, const void* info,
          size_t info_size, uint8_t* out, size_t size) {
  if (size > 255 * kSha256Bytes) return false;
  uint8_t prk[kSha256Bytes];
  HkdfExtract(salt, salt_size, ikm, ikm_size, prk);
  bool ok = HkdfExpand(prk, info, info_size, out, size);
  Wipe(prk, sizeof prk);
  return ok;
}

}  // namespace crypto
}  // namespace floodchat
