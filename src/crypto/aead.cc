// The ChaCha20-Poly1305 AEAD, as RFC 8439 section 2.8 defines it.
#include <cstring>

#include "base/endian.h"
#include "crypto/cpu.h"
#include "crypto/crypto.h"
#include "crypto/ct.h"

namespace floodchat {
namespace crypto {

// ---- the AEAD -------------------------------------------------------------------

namespace {

// The first four key-stream blocks, made together (the vector path makes four
// for about the price of one): block 0 gives the one-time Poly1305 key,
// blocks 1 to 3 the key stream for the message's first 192 bytes.
constexpr size_t kStartBlocks = 4;
constexpr size_t kHeadBytes = (kStartBlocks - 1) * kChaChaBlockBytes;

struct AeadStream {
  uint8_t start[kStartBlocks * kChaChaBlockBytes];
  AeadStream(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce) {
    memset(start, 0, sizeof start);
    ChaCha20Xor(key, nonce, 0, start, start, sizeof start);
  }
  ~AeadStream() { Wipe(start, sizeof start); }

  void Xor(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, const uint8_t* in,
           uint8_t* out, size_t size) const {
    size_t head = size < kHeadBytes ? size : kHeadBytes;
    for (size_t i = 0; i < head; ++i)
      out[i] = static_cast<uint8_t>(in[i] ^ start[kChaChaBlockBytes + i]);
    if (size > head) ChaCha20Xor(key, nonce, kStartBlocks, in + head, out + head, size - head);
  }

  // The tag over aad and ciphertext (section 2.8): each padded to 16 bytes,
  // then both lengths as 64-bit little-endian numbers.
  void Tag(const uint8_t* aad, size_t aad_size, const uint8_t* ciphertext, size_t size,
           uint8_t tag[kTagBytes]) const {
    Poly1305 mac(start);
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
};

}  // namespace

bool AeadSeal(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, size_t nonce_size,
              const uint8_t* aad, size_t aad_size, const uint8_t* in, size_t size, uint8_t* out) {
  if (nonce_size != kChaChaNonceBytes) return false;
  AeadStream stream(key, nonce);
  stream.Xor(key, nonce, in, out, size);
  stream.Tag(aad, aad_size, out, size, out + size);
  return true;
}

bool AeadOpen(const uint8_t key[kChaChaKeyBytes], const uint8_t* nonce, size_t nonce_size,
              const uint8_t* aad, size_t aad_size, const uint8_t* sealed, size_t sealed_size,
              uint8_t* out) {
  if (nonce_size != kChaChaNonceBytes || sealed_size < kTagBytes) return false;
  size_t size = sealed_size - kTagBytes;
  AeadStream stream(key, nonce);
  uint8_t tag[kTagBytes];
  stream.Tag(aad, aad_size, sealed, size, tag);
  bool ok = EqualConstantTime(tag, sealed + size, kTagBytes);
  // Whether the tag matched is public: the record is refused or used.
  FLOODCHAT_CT_DECLASSIFY(&ok, sizeof ok);
  if (ok) stream.Xor(key, nonce, sealed, out, size);
  return ok;
}

}  // namespace crypto
}  // namespace floodchat

