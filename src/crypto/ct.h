// Constant-time checking. A build with FLOODCHAT_CT_CHECK (make ct) runs
// under valgrind's memcheck with secrets marked undefined, so that memcheck
// reports every branch and every memory index that depends on one. Values
// that are public by design (a byte is or is not a hex digit; a tag did or
// did not match) are declassified where they are computed. In every other
// build both macros are nothing.
#ifndef FLOODCHAT_CRYPTO_CT_H_
#define FLOODCHAT_CRYPTO_CT_H_

#if defined(FLOODCHAT_CT_CHECK)
#include <valgrind/memcheck.h>
#define FLOODCHAT_CT_SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define FLOODCHAT_CT_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define FLOODCHAT_CT_SECRET(p, n) ((void)(p), (void)(n))
#define FLOODCHAT_CT_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

#endif  // FLOODCHAT_CRYPTO_CT_H_
