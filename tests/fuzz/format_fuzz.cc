// libFuzzer target: turning a received message into a stdout line, for any
// nick and text bytes. The first input byte picks the format and the nick's
// length (up to 32); the rest is the nick, then the text. Checked:
//  - one line: a single LF, at the end;
//  - chat and text: no byte a terminal acts on (C0 but tab, DEL, C1 as UTF-8)
//    and valid UTF-8 throughout;
//  - json: valid UTF-8, no raw control byte, and the exact nick and text can be
//    read back, from the escaped strings or else from the base64 fields.
#include <cstdlib>
#include <string>

#include "console/format.h"

namespace {

using floodchat::Buffer;
using floodchat::Format;
using floodchat::Message;

void Require(bool ok) {
  if (!ok) abort();
}

bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    bool valid;
    size_t n = floodchat::Utf8Sequence(reinterpret_cast<const uint8_t*>(s.data()) + i,
                                       s.size() - i, &valid);
    if (!valid) return false;
    i += n;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The JSON string that starts at line[*at] (the opening quote), unescaped;
// *at moves past the closing quote. Aborts on anything floodchat never writes.
std::string TakeString(const std::string& line, size_t* at) {
  Require(*at < line.size() && line[*at] == '"');
  std::string out;
  size_t i = *at + 1;
  for (;;) {
    Require(i < line.size());
    char c = line[i++];
    if (c == '"') break;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    Require(i < line.size());
    char e = line[i++];
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        Require(i + 4 <= line.size() && line[i] == '0' && line[i + 1] == '0');
        int hi = HexDigit(line[i + 2]), lo = HexDigit(line[i + 3]);
        Require(hi >= 0 && lo >= 0);
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 4;
        break;
      }
      default: Require(false);
    }
  }
  *at = i;
  return out;
}

std::string FromBase64(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  Require(in.size() % 4 == 0);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=') {
      Require(i + 2 >= in.size());
      break;
    }
    size_t v = kAlphabet.find(in[i]);
    Require(v != std::string::npos);
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// Expects `key` at *at ("\"key\":"), then returns the string after it.
std::string Field(const std::string& line, size_t* at, const std::string& key) {
  std::string want = ",\"" + key + "\":";
  Require(line.compare(*at, want.size(), want) == 0);
  *at += want.size();
  return TakeString(line, at);
}

void CheckJson(const std::string& line, const std::string& nick, const std::string& text,
               uint64_t sent_ms) {
  Require(ValidUtf8(line));
  for (unsigned char c : line) Require(c >= 0x20);
  Require(line.compare(0, 7, "{\"id\":\"") == 0);
  size_t at = 6;
  Require(TakeString(line, &at).size() == 32);
  std::string from = Field(line, &at, "from");
  Require(line.compare(at, 8, ",\"hops\":") == 0);
  at += 8;
  while (at < line.size() && line[at] >= '0' && line[at] <= '9') ++at;
  Require(line.compare(at, 6, ",\"ts\":") == 0);
  at += 6;
  uint64_t ts = 0;
  while (at < line.size() && line[at] >= '0' && line[at] <= '9') ts = ts * 10 + (line[at++] - '0');
  Require(ts == sent_ms);
  std::string got_text = Field(line, &at, "text");
  if (line.compare(at, 16, ",\"from_base64\":\"") == 0) {
    Require(from != nick);  // only when the nick had to change
    from = FromBase64(Field(line, &at, "from_base64"));
  }
  if (line.compare(at, 16, ",\"text_base64\":\"") == 0) {
    Require(got_text != text);
    got_text = FromBase64(Field(line, &at, "text_base64"));
  }
  Require(line.compare(at, std::string::npos, "}") == 0);
  Require(from == nick);
  Require(got_text == text);
}

void CheckTerminalSafe(const std::string& line) {
  Require(ValidUtf8(line));
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    Require((c >= 0x20 && c != 0x7f) || c == '\t');
    if (c == 0xc2 && i + 1 < line.size()) {
      unsigned char d = static_cast<unsigned char>(line[i + 1]);
      Require(d < 0x80 || d > 0x9f);  // no C1 control
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const Format kFormats[] = {Format::kChat, Format::kText, Format::kJson};
  Format format = kFormats[data[0] % 3];
  size_t nick_size = (data[0] / 3) % 33;
  if (nick_size > size - 1) nick_size = size - 1;
  std::string nick(reinterpret_cast<const char*>(data + 1), nick_size);
  std::string text(reinterpret_cast<const char*>(data + 1 + nick_size), size - 1 - nick_size);
  Message m;
  for (size_t i = 0; i < floodchat::kMessageIdBytes; ++i) m.id.bytes[i] = static_cast<uint8_t>(i);
  m.hops = 3;
  m.hop_limit = 64;
  m.sent_ms = UINT64_MAX - size;  // the widest there is
  m.nick = nick;
  m.text = text;
  Buffer out;
  floodchat::FormatMessage(format, m, &out);
  std::string line(reinterpret_cast<const char*>(out.data()), out.size());
  Require(!line.empty() && line.back() == '\n');
  line.pop_back();
  Require(line.find('\n') == std::string::npos);
  if (format == Format::kJson) {
    CheckJson(line, nick, text, m.sent_ms);
  } else {
    CheckTerminalSafe(line);
  }
  return 0;
}
