// Lines on standard error. Each is formatted in full first and written with
// one call, so that it reaches stderr in one piece: C libraries differ in how
// they write a long printf to an unbuffered stream (musl's goes out in pieces
// of 80 bytes), and readers of stderr, tests among them, see whole lines.
#ifndef FLOODCHAT_DIAG_H_
#define FLOODCHAT_DIAG_H_

namespace floodchat {

// Writes the formatted text, which should end in a newline, to stderr. Text
// beyond 4 KiB is cut, and the line still ends in a newline.
void ErrPrintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace floodchat

#endif  // FLOODCHAT_DIAG_H_
