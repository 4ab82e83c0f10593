// Lines on standard error. Each is formatted in full first and written with
// one call, so that it reaches stderr in one piece: C libraries differ in how
// they write a long printf to an unbuffered stream (musl's goes out in pieces
// of 80 bytes), and readers of stderr, tests among them, see whole lines.
#ifndef FLOODCHAT_BASE_DIAG_H_
#define FLOODCHAT_BASE_DIAG_H_

// Lets the compiler check printf-style calls. MinGW's plain `printf`
// archetype is Microsoft's, which lacks %zu and %llu; the build uses MinGW's
// C99 printf (__USE_MINGW_ANSI_STDIO), whose archetype is gnu_printf.
#ifdef __MINGW32__
#define FLOODCHAT_PRINTF(format_arg, first_arg) \
  __attribute__((format(gnu_printf, format_arg, first_arg)))
#else
#define FLOODCHAT_PRINTF(format_arg, first_arg) \
  __attribute__((format(printf, format_arg, first_arg)))
#endif

namespace floodchat {

// Writes the formatted text, which should end in a newline, to stderr. Text
// beyond 4 KiB is cut, and the line still ends in a newline.
void ErrPrintf(const char* format, ...) FLOODCHAT_PRINTF(1, 2);

}  // namespace floodchat

#endif  // FLOODCHAT_BASE_DIAG_H_
