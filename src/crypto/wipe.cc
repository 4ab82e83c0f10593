// The helpers every primitive uses: constant-time comparison and wiping.
#include <cstdint>
#include <cstring>

#include "crypto/crypto.h"

namespace floodchat {
namespace crypto {

bool EqualConstantTime(const void* a, const void* b, size_t n) {
  const uint8_t* x = static_cast<const uint8_t*>(a);
  const uint8_t* y = static_cast<const uint8_t*>(b);
  uint8_t diff = 0;
  for (size_t i = 0; i < n; ++i) diff |= static_cast<uint8_t>(x[i] ^ y[i]);
  return diff == 0;
}

void Wipe(void* p, size_t n) {
#if defined(__GNUC__)
  // The empty asm says it reads the memory, so the memset cannot be dropped
  // as a store to memory that is about to die.
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  // Stores through a volatile pointer are observable behaviour, so they stay.
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
#endif
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
void WipeStackBelow() {
  uint8_t area[3072];
  Wipe(area, sizeof area);
}

}  // namespace crypto
}  // namespace floodchat
