#include "crypto/cpu.h"

#if defined(FLOODCHAT_CHACHA_AVX2)
#include <cpuid.h>

#include <cstdint>

namespace floodchat {
namespace crypto {

namespace {

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

}  // namespace

bool HaveAvx2() {
  static const bool have = DetectAvx2();
  return have;
}

}  // namespace crypto
}  // namespace floodchat

#endif  // FLOODCHAT_CHACHA_AVX2
