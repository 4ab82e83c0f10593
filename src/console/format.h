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
#include "presence/presence.h"

namespace floodchat {

// How a line is dressed, beyond its format.
struct OutputStyle {
  bool color = false;      // chat: the nick in a colour of its own (NickColor)
  bool timestamps = false;  // chat, text: `clock` and a space first; json: "time_ms"
  std::string_view clock;  // "HH:MM:SS"
  uint64_t wall_ms = 0;    // milliseconds since 1970, for json
};

void FormatMessage(Format format, const Message& message, Buffer* out);
void FormatMessage(Format format, const Message& message, const OutputStyle& style, Buffer* out);
// The SGR colour (31 to 36) a nick is shown in: the same for the same bytes.
int NickColor(std::string_view nick);

// A presence notice (presence/presence.h) as one stdout line. chat:
// "* bob joined", "* bob left", "* bob is now robert", "* bob is gone (not
// heard from for 92 s)", "* bob is back". json: {"type":"joined","node":"<16
// hex>","from":NICK} with "was":OLD for "nick" and "silent_s":N for "gone";
// types joined, left, nick, gone, back. Nothing in text, nor for kClash.
void FormatPresence(Format format, const PresenceNotice& notice, const OutputStyle& style,
                    Buffer* out);

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
