// What the processor offers the primitives, asked once at run time, and the
// inlining attributes their vector paths rely on. Private to crypto/.
#ifndef FLOODCHAT_CRYPTO_CPU_H_
#define FLOODCHAT_CRYPTO_CPU_H_

#if defined(__GNUC__)
#define FLOODCHAT_INLINE inline __attribute__((always_inline))
#define FLOODCHAT_NOINLINE __attribute__((noinline))
#else
#define FLOODCHAT_INLINE inline
#define FLOODCHAT_NOINLINE
#endif

// The 128-bit vector paths: GCC and Clang vector types, on little-endian
// hosts, where a vector loaded from memory holds the key stream's words in
// order. They become SSE2 or NEON registers where there are some, and plain
// 32-bit operations where there are none.
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FLOODCHAT_CHACHA_LANES 1
// The 256-bit paths, on x86, taken only where the processor has AVX2.
#if defined(__x86_64__) || defined(__i386__)
#define FLOODCHAT_CHACHA_AVX2 1
#endif
#endif

namespace floodchat {
namespace crypto {

#if defined(FLOODCHAT_CHACHA_AVX2)
// True when the processor has AVX2 and the system saves its registers.
bool HaveAvx2();
#endif

}  // namespace crypto
}  // namespace floodchat

#endif  // FLOODCHAT_CRYPTO_CPU_H_
