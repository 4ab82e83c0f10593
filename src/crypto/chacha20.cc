// ChaCha20, as RFC 8439 section 2.4 defines it, one block at a time and, where
// the processor allows, four or eight blocks side by side.
#include <cstring>

#include "base/endian.h"
#include "crypto/cpu.h"
#include "crypto/crypto.h"

#if defined(FLOODCHAT_CHACHA_AVX2)
#include <immintrin.h>
// The 256-bit vectors of the AVX2 path never cross a call boundary (all that
// touches them is inlined into one AVX2 function), so GCC's note on how they
// would be passed without AVX does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace floodchat {
namespace crypto {

namespace {

// ---- ChaCha20 -------------------------------------------------------------------

// The quarter round on any type with +, ^ and shifts: uint32_t, or a vector
// of them, which runs several blocks side by side. Always inlined, so that a
// caller compiled for AVX2 (below) gets AVX2 code for all of it.

template <int N, typename W>
FLOODCHAT_INLINE W Rotl(W x) {
  return (x << N) | (x >> (32 - N));
}

template <typename W>
FLOODCHAT_INLINE void QuarterRound(W& a, W& b, W& c, W& d) {
  a += b; d ^= a; d = Rotl<16>(d);
  c += d; b ^= c; b = Rotl<12>(b);
  a += b; d ^= a; d = Rotl<8>(d);
  c += d; b ^= c; b = Rotl<7>(b);
}

template <typename W>
FLOODCHAT_INLINE void DoubleRounds(W* x) {
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

// The block functions are never inlined: ChaCha20Xor wipes the stack below
// its own frame, where theirs are (see WipeStackBelow).

// One block of key stream XORed into up to 64 bytes.
FLOODCHAT_NOINLINE void XorBlock(const uint32_t s[16], const uint8_t* in, uint8_t* out,
                                 size_t size) {
  uint32_t x[16];
  memcpy(x, s, sizeof x);
  DoubleRounds(x);
  uint8_t stream[kChaChaBlockBytes];
  for (int i = 0; i < 16; ++i) StoreLe32(stream + 4 * i, x[i] + s[i]);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(in[i] ^ stream[i]);
}

#if defined(FLOODCHAT_CHACHA_LANES)
// Four blocks at once: lane j of x[i] is word i of block counter + j. GCC and
// Clang turn the vector type into SSE2 or NEON registers where there are
// some, and into plain 32-bit operations where there are none. (Little-endian
// hosts only: there a vector loaded from memory holds the key stream's words
// in order.)
typedef uint32_t U32x4 __attribute__((vector_size(16)));
constexpr size_t kLanes = 4;

#if defined(__clang__)
#define FLOODCHAT_SHUFFLE(a, b, i0, i1, i2, i3) __builtin_shufflevector(a, b, i0, i1, i2, i3)
#else
#define FLOODCHAT_SHUFFLE(a, b, i0, i1, i2, i3) __builtin_shuffle(a, b, U32x4{i0, i1, i2, i3})
#endif

// Transposes a 4x4 matrix of words held as four row vectors.
inline void Transpose(U32x4& a, U32x4& b, U32x4& c, U32x4& d) {
  U32x4 ab_lo = FLOODCHAT_SHUFFLE(a, b, 0, 4, 1, 5);  // a0 b0 a1 b1
  U32x4 ab_hi = FLOODCHAT_SHUFFLE(a, b, 2, 6, 3, 7);  // a2 b2 a3 b3
  U32x4 cd_lo = FLOODCHAT_SHUFFLE(c, d, 0, 4, 1, 5);
  U32x4 cd_hi = FLOODCHAT_SHUFFLE(c, d, 2, 6, 3, 7);
  a = FLOODCHAT_SHUFFLE(ab_lo, cd_lo, 0, 1, 4, 5);  // a0 b0 c0 d0
  b = FLOODCHAT_SHUFFLE(ab_lo, cd_lo, 2, 3, 6, 7);
  c = FLOODCHAT_SHUFFLE(ab_hi, cd_hi, 0, 1, 4, 5);
  d = FLOODCHAT_SHUFFLE(ab_hi, cd_hi, 2, 3, 6, 7);
}

FLOODCHAT_NOINLINE void XorFourBlocks(const uint32_t s[16], const uint8_t* in, uint8_t* out) {
  U32x4 x[16], start[16];
  for (int i = 0; i < 16; ++i) start[i] = U32x4{s[i], s[i], s[i], s[i]};
  start[12] += U32x4{0, 1, 2, 3};
  for (int i = 0; i < 16; ++i) x[i] = start[i];
  DoubleRounds(x);
  for (int i = 0; i < 16; ++i) x[i] += start[i];
  // Words 4g..4g+3 of the four blocks, turned so that each vector holds four
  // consecutive words of one block: 16 bytes of its key stream.
  for (int g = 0; g < 4; ++g) {
    Transpose(x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
    for (size_t j = 0; j < kLanes; ++j) {
      size_t at = j * kChaChaBlockBytes + 16 * static_cast<size_t>(g);
      U32x4 v;
      memcpy(&v, in + at, 16);
      v ^= x[4 * g + j];
      memcpy(out + at, &v, 16);
    }
  }
}

#if defined(FLOODCHAT_CHACHA_AVX2)

// Eight blocks at once in 256-bit registers, on x86 processors that have
// AVX2 (checked at run time: the baseline build assumes only SSE2). The
// rotations by 16 and 8 bits move whole bytes, so they are byte shuffles.
typedef uint32_t U32x8 __attribute__((vector_size(32)));
typedef uint8_t U8x32 __attribute__((vector_size(32)));
constexpr size_t kWideLanes = 8;

#if defined(__clang__)
#define FLOODCHAT_BYTE_SHUFFLE(v, ...) __builtin_shufflevector(v, v, __VA_ARGS__)
#else
#define FLOODCHAT_BYTE_SHUFFLE(v, ...) __builtin_shuffle(v, U8x32{__VA_ARGS__})
#endif

template <>
FLOODCHAT_INLINE U32x8 Rotl<16, U32x8>(U32x8 x) {
  U8x32 b = reinterpret_cast<U8x32&>(x);
  b = FLOODCHAT_BYTE_SHUFFLE(b, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 18, 19, 16,
                             17, 22, 23, 20, 21, 26, 27, 24, 25, 30, 31, 28, 29);
  return reinterpret_cast<U32x8&>(b);
}

template <>
FLOODCHAT_INLINE U32x8 Rotl<8, U32x8>(U32x8 x) {
  U8x32 b = reinterpret_cast<U8x32&>(x);
  b = FLOODCHAT_BYTE_SHUFFLE(b, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 19, 16, 17,
                             18, 23, 20, 21, 22, 27, 24, 25, 26, 31, 28, 29, 30);
  return reinterpret_cast<U32x8&>(b);
}

FLOODCHAT_NOINLINE __attribute__((target("avx2"))) void XorEightBlocks(const uint32_t s[16],
                                                                        const uint8_t* in,
                                                                        uint8_t* out) {
  U32x8 x[16], start[16];
  for (int i = 0; i < 16; ++i) start[i] = U32x8{s[i], s[i], s[i], s[i], s[i], s[i], s[i], s[i]};
  start[12] += U32x8{0, 1, 2, 3, 4, 5, 6, 7};
  for (int i = 0; i < 16; ++i) x[i] = start[i];
  DoubleRounds(x);
  // Word i of block j is lane j of x[i]. Each group of four words is
  // transposed within the 128-bit halves, so that a half holds four
  // consecutive words of one block (blocks j and j + 4 share a register);
  // the halves are then paired into 32 bytes of key stream each.
  __m256i t[4][4];
  for (int g = 0; g < 4; ++g) {
    __m256i a = (__m256i)(x[4 * g] + start[4 * g]);
    __m256i b = (__m256i)(x[4 * g + 1] + start[4 * g + 1]);
    __m256i c = (__m256i)(x[4 * g + 2] + start[4 * g + 2]);
    __m256i d = (__m256i)(x[4 * g + 3] + start[4 * g + 3]);
    __m256i ab_lo = _mm256_unpacklo_epi32(a, b), ab_hi = _mm256_unpackhi_epi32(a, b);
    __m256i cd_lo = _mm256_unpacklo_epi32(c, d), cd_hi = _mm256_unpackhi_epi32(c, d);
    t[g][0] = _mm256_unpacklo_epi64(ab_lo, cd_lo);  // blocks 0 | 4
    t[g][1] = _mm256_unpackhi_epi64(ab_lo, cd_lo);  // blocks 1 | 5
    t[g][2] = _mm256_unpacklo_epi64(ab_hi, cd_hi);  // blocks 2 | 6
    t[g][3] = _mm256_unpackhi_epi64(ab_hi, cd_hi);  // blocks 3 | 7
  }
  for (size_t j = 0; j < 4; ++j) {
    const __m256i stream[4] = {
        _mm256_permute2x128_si256(t[0][j], t[1][j], 0x20),  // block j, bytes 0-31
        _mm256_permute2x128_si256(t[2][j], t[3][j], 0x20),  // block j, bytes 32-63
        _mm256_permute2x128_si256(t[0][j], t[1][j], 0x31),  // block j + 4
        _mm256_permute2x128_si256(t[2][j], t[3][j], 0x31),
    };
    for (size_t k = 0; k < 4; ++k) {
      size_t at = (j + 4 * (k / 2)) * kChaChaBlockBytes + 32 * (k % 2);
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + at));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + at), _mm256_xor_si256(v, stream[k]));
    }
  }
  // Clear the registers' upper halves before SSE code runs again: left
  // dirty, they make every later SSE instruction (the four-block path, and
  // much of the program) several times slower. GCC does not always add this
  // itself for a function compiled for AVX2 by attribute.
  __builtin_ia32_vzeroupper();
}

#endif  // x86
#endif  // FLOODCHAT_CHACHA_LANES

// Runs `xor_blocks`, kBlocks blocks at a time, over as much of the input as
// it covers, advancing the state's counter and the pointers.
template <size_t kBlocks, typename XorBlocks>
void Stride(XorBlocks xor_blocks, uint32_t s[16], const uint8_t** in, uint8_t** out,
            size_t* size) {
  for (; *size >= kBlocks * kChaChaBlockBytes; *size -= kBlocks * kChaChaBlockBytes) {
    xor_blocks(s, *in, *out);
    s[12] += kBlocks;
    *in += kBlocks * kChaChaBlockBytes;
    *out += kBlocks * kChaChaBlockBytes;
  }
}

}  // namespace

void ChaCha20Xor(const uint8_t key[kChaChaKeyBytes], const uint8_t nonce[kChaChaNonceBytes],
                 uint32_t counter, const uint8_t* in, uint8_t* out, size_t size) {
  uint32_t s[16];
  InitState(key, nonce, counter, s);
#if defined(FLOODCHAT_CHACHA_AVX2)
  if (size >= kWideLanes * kChaChaBlockBytes && HaveAvx2())
    Stride<kWideLanes>(XorEightBlocks, s, &in, &out, &size);
#endif
#if defined(FLOODCHAT_CHACHA_LANES)
  Stride<kLanes>(XorFourBlocks, s, &in, &out, &size);
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
  // The block functions leave key stream and state, the key included, in
  // their frames below this one; rather than wipe each block's, the stack
  // below is overwritten once, here. The largest of those frames, the
  // eight-block one's, is about 1.8 KiB (gcc -fstack-usage, -Os).
  WipeStackBelow();
}


}  // namespace crypto
}  // namespace floodchat
