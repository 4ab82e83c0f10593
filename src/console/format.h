// Turns a received message into one stdout line. No IO.
//
// chat: "NICK: TEXT\n"; text: "TEXT\n". In both, bytes that could drive a
// terminal are shown as \xHH: C0 controls but tab, DEL, UTF-8-encoded C1
// controls (U+0080 to U+009F) and bytes that are not valid UTF-8.
// json: {"id":"<32 hex>","from":NICK,"hops":N,"text":TEXT}\n, valid JSON for
// any bytes: controls are escaped and invalid UTF-8 becomes U+FFFD; then, if
// that happened, "from_base64" and "text_base64" carry the exact bytes.
#ifndef FLOODCHAT_CONSOLE_FORMAT_H_
#define FLOODCHAT_CONSOLE_FORMAT_H_

#include <string>
#include <string_view>

#include "base/buffer.h"
#include "wire/frame.h"
#include "options.h"

namespace floodchat {

void FormatMessage(Format format, const Message& message, Buffer* out);

// `bytes` made safe for a terminal as in the chat format, for diagnostics
// that show what a peer sent (its nick).
std::string TerminalSafe(std::string_view bytes);

// The pieces, exposed for tests.
void AppendTerminalSafe(std::string_view bytes, Buffer* out);
// With quotes; false if some bytes were not UTF-8 and became U+FFFD.
bool AppendJsonString(std::string_view bytes, Buffer* out);
void AppendBase64(std::string_view bytes, Buffer* out);  // RFC 4648, padded

// Length of the UTF-8 sequence at the start of p[0..n): the sequence's length
// if it is well-formed (shortest form, no surrogates, at most U+10FFFF) with
// *valid = true, else the length of its maximal ill-formed prefix (at least 1)
// with *valid = false. n >= 1.
size_t Utf8Sequence(const uint8_t* p, size_t n, bool* valid);

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_FORMAT_H_
