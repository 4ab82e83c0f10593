// Force-included (-include) when the program is compiled against musl's C
// headers with GCC's libstdc++ headers, which were configured for glibc and
// name two glibc-only things: the __GLIBC_PREREQ macro (used in a version test
// that is false for musl) and the type __locale_t.
#ifndef FLOODCHAT_MUSL_COMPAT_H_
#define FLOODCHAT_MUSL_COMPAT_H_

#ifndef __GLIBC_PREREQ
#define __GLIBC_PREREQ(major, minor) 0
#endif

#ifdef __cplusplus
#include <locale.h>
typedef locale_t __locale_t;
#endif

#endif  // FLOODCHAT_MUSL_COMPAT_H_
