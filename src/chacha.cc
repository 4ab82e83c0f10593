// ChaCha20, Poly1305 and the ChaCha20-Poly1305 AEAD, as RFC 8439 defines them.
#include <cstring>

#include "crypto.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#include <immintrin.h>
#endif
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
// The 256-bit vectors of the AVX2 path never cross a call boundary (all that
// touches them is inlined into one AVX2 function), so GCC's note on how they
// would be passed without AVX does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

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
// of them, which runs several blocks side by side. Always inlined, so that a
// caller compiled for AVX2 (below) gets AVX2 code for all of it.
#if defined(__GNUC__)
#define FLOODCHAT_INLINE inline __attribute__((always_inline))
#else
#define FLOODCHAT_INLINE inline
#endif

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
#if defined(__GNUC__)
#define FLOODCHAT_NOINLINE __attribute__((noinline))
#else
#define FLOODCHAT_NOINLINE
#endif

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

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FLOODCHAT_CHACHA_LANES 1
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

#if defined(__x86_64__) || defined(__i386__)
#define FLOODCHAT_CHACHA_AVX2 1

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

// AVX2 is usable when the processor has it (CPUID leaf 7) and the system
// saves the 256-bit registers on task switches (OSXSAVE, and XCR0 bits 1-2).
// Asked directly rather than through __builtin_cpu_supports, which would
// link libgcc's whole processor-model table into the static binary.
bool DetectAvx2() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  if ((c & (1u << 27)) == 0 || (c & (1u << 28)) == 0) return false;  // OSXSAVE, AVX
  uint32_t xcr0_low, xcr0_high;
  __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
  if ((xcr0_low & 6) != 6) return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return (b & (1u << 5)) != 0;
}

bool HaveAvx2() {
  static const bool have = DetectAvx2();
  return have;
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

// ---- Poly1305 -------------------------------------------------------------------
//
// The accumulator h and the key part r are numbers below 2^130, kept in five
// limbs of 26 bits so that every product fits in 64 bits: h is multiplied by
// r modulo p = 2^130 - 5 after each 16-byte block is added. A limb product
// that lands at 2^130 or above folds back multiplied by 5, since
// 2^130 = 5 (mod p); s = 5 * r precomputes that.

namespace {

constexpr uint32_t kLimb = 0x3ffffff;

// out = a b mod p, with the same partial carry as a block step (out may be a
// or b). For the powers of r.
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

#if defined(FLOODCHAT_CHACHA_AVX2)
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
  if (ok) stream.Xor(key, nonce, sealed, out, size);
  return ok;
}

}  // namespace crypto
}  // namespace floodchat
