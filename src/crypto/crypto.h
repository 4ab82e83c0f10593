// The cryptographic primitives of keyed mode, written here so that the binary
// needs no library: SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104), HKDF-SHA-256
// (RFC 5869), ChaCha20 and Poly1305 and their AEAD (RFC 8439), and X25519
// (RFC 7748).
//
// Where secrets are involved the code takes the same path and touches the same
// memory whatever their values: no branch and no table index depends on a key,
// a scalar, a plaintext or a tag. Tags are compared with EqualConstantTime.
// Callers wipe what they no longer need with Wipe(). Portable C++17: 64-bit
// integer products only (no __int128), so the same code runs on x86-64,
// aarch64, 32-bit ARM and Windows.
#ifndef FLOODCHAT_CRYPTO_CRYPTO_H_
#define FLOODCHAT_CRYPTO_CRYPTO_H_

#include <cstddef>
#include <cstdint>

namespace floodchat {
namespace crypto {

// ---- SHA-256, HMAC, HKDF ------------------------------------------------------

constexpr size_t kSha256Bytes = 32;
constexpr size_t kSha256BlockBytes = 64;

class Sha256 {
 public:
  Sha256() { Reset(); }
  void Reset();
  void Update(const void* data, size_t size);
  // Writes the digest and leaves the object to be Reset() or destroyed.
  void Final(uint8_t digest[kSha256Bytes]);
  ~Sha256();

 private:
  void Compress(const uint8_t* block);
  uint32_t state_[8];
  uint64_t length_ = 0;  // bytes hashed so far
  uint8_t block_[kSha256BlockBytes];
  size_t used_ = 0;      // bytes waiting in block_
};

void Sha256Digest(const void* data, size_t size, uint8_t digest[kSha256Bytes]);

class HmacSha256 {
 public:
  HmacSha256(const void* key, size_t key_size);
  void Update(const void* data, size_t size) { inner_.Update(data, size); }
  void Final(uint8_t mac[kSha256Bytes]);
  ~HmacSha256();

 private:
  Sha256 inner_;
  uint8_t outer_key_[kSha256BlockBytes];
};

void HmacSha256Digest(const void* key, size_t key_size, const void* data, size_t size,
                      uint8_t mac[kSha256Bytes]);

// RFC 5869. Extract: prk = HMAC(salt, ikm). Expand: `size` bytes of output
// keying material; false (and nothing written) when size > 255 * 32.
void HkdfExtract(const void* salt, size_t salt_size, const void* ikm, size_t ikm_size,
                 uint8_t prk[kSha256Bytes]);
bool HkdfExpand(const uint8_t prk[kSha256Bytes], const void* info, size_t info_size, uint8_t* out,
                size_t size);
bool Hkdf(const void* salt, size_t salt_size, const void* ikm, size_t ikm_size, const void* info,
          size_t info_size, uint8_t* out, size_t size);

// ---- ChaCha20, Poly1305, the AEAD -------------------------------------------

constexpr size_t kChaChaKeyBytes = 32;
constexpr size_t kChaChaNonceBytes = 12;
constexpr size_t kChaChaBlockBytes = 64;
constexpr size_t kPolyKeyBytes = 32;
constexpr size_t kTagBytes = 16;

// XORs `size` bytes of the key stream that starts at block `counter` into
// `in`, writing `out` (which may be `in`). The caller keeps the block counter
// from wrapping: counter + size / 64 < 2^32.
void ChaCha20Xor(const uint8_t key[kChaChaKeyBytes], const uint8_t nonce[kChaChaNonceBytes],
                 uint32_t counter, const uint8_t* in, uint8_t* out, size_t size);

class Poly1305 {
 public:
  explicit Poly1305(const uint8_t key[kPolyKeyBytes]);
  void Update(const uint8_t* data, size_t size);
  // Pads what has been given so far with zeros to a multiple of 16 bytes.
  void PadTo16();
  void Final(uint8_t tag[kTagBytes]);
  ~Poly1305();

 private:
  void Blocks(const uint8_t* data, size_t blocks, uint32_t high_bit);
  uint32_t r_[5], h_[5], pad_[4];
  // r, r^2, r^3, r^4, for the four-blocks-at-once path (x86 with AVX2),
  // computed the first time it runs.
  uint32_t powers_[4][5];
  bool have_powers_ = false;
  uint8_t partial_[16];
  size_t used_ = 0;
  uint64_t total_ = 0;
};

// ChaCha20-Poly1305 (RFC 8439 section 2.8). Seal writes size + kTagBytes bytes
// (ciphertext, then tag) to `out`. Open checks the tag first and only then
// decrypts sealed_size - kTagBytes bytes to `out`; false, and `out` left
// untouched, for a wrong tag, a sealed input shorter than a tag or a nonce
// that is not kChaChaNonceBytes long. `out` may equal `in` / `sealed`.
bool AeadSeal(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, size_t nonce_size,
              const uint8_t* aad, size_t aad_size, const uint8_t* in, size_t size, uint8_t* out);
bool AeadOpen(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, size_t nonce_size,
              const uint8_t* aad, size_t aad_size, const uint8_t* sealed, size_t sealed_size,
              uint8_t* out);

// ---- X25519 -------------------------------------------------------------------

constexpr size_t kX25519Bytes = 32;

// out = scalar * point, both 32-byte little-endian strings; the scalar is
// clamped and the point's top bit ignored, as RFC 7748 says.
void X25519(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes],
            const uint8_t point[kX25519Bytes]);
// The public key of a private scalar: scalar * 9.
void X25519Public(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes]);
// A Diffie-Hellman shared secret; false when it is all zeros (the peer sent
// a point of small order, which would fix the secret whatever our scalar).
bool X25519Shared(uint8_t out[kX25519Bytes], const uint8_t scalar[kX25519Bytes],
                  const uint8_t point[kX25519Bytes]);

// ---- helpers ----------------------------------------------------------------

// True when the n bytes at a and b are equal; the time does not depend on
// where they differ.
bool EqualConstantTime(const void* a, const void* b, size_t n);
// Overwrites n bytes with zeros in a way the compiler may not drop.
void Wipe(void* p, size_t n);
// Overwrites the 3 KiB of stack below the caller's frame, where the functions
// it called kept their secrets (ChaCha20's and X25519's working state).
void WipeStackBelow();

}  // namespace crypto
}  // namespace floodchat

#endif  // FLOODCHAT_CRYPTO_CRYPTO_H_
