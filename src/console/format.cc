#include "console/format.h"

#include <cstdio>
#include <cstring>

namespace floodchat {

namespace {

const char kHex[] = "0123456789abcdef";

// Characters that pass through both output styles untouched.
inline bool PlainAscii(uint8_t c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

// Length of the leading run of bytes 0x20 to 0x7e (and, for JSON, not '"' or
// '\\'), found 8 bytes at a time: most text is plain ASCII and is then copied
// with one memcpy.
size_t PlainRun(const uint8_t* p, size_t n, bool json) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    // A byte lane's high bit ends up set if it is < 0x20 or > 0x7e. Carries
    // can only mark a lane wrongly after a lane that was rightly marked.
    uint64_t special = ((x - kOnes * 0x20) & ~x) | (x + kOnes) | x;
    if (json) {
      uint64_t quote = x ^ (kOnes * '"');
      uint64_t slash = x ^ (kOnes * '\\');
      special |= ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash);
    }
    if ((special & kHigh) != 0) break;
  }
  if (json) {
    while (i < n && PlainAscii(p[i])) ++i;
  } else {
    while (i < n && p[i] >= 0x20 && p[i] < 0x7f) ++i;
  }
  return i;
}

uint8_t* PutHexByte(uint8_t* p, uint8_t b) {
  p[0] = '\\';
  p[1] = 'x';
  p[2] = static_cast<uint8_t>(kHex[b >> 4]);
  p[3] = static_cast<uint8_t>(kHex[b & 15]);
  return p + 4;
}

size_t Unsigned(uint64_t v, char* out) {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

}  // namespace

size_t Utf8Sequence(const uint8_t* p, size_t n, bool* valid) {
  uint8_t c = p[0];
  *valid = true;
  if (c < 0x80) return 1;
  size_t need;
  uint8_t lo = 0x80, hi = 0xbf;  // bounds for the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    need = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 3;
    if (c == 0xe0) lo = 0xa0;  // no overlong forms
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;  // at most U+10FFFF
  } else {
    *valid = false;
    return 1;
  }
  size_t i = 1;
  for (; i < need; ++i) {
    if (i >= n) break;
    uint8_t b = p[i];
    uint8_t blo = i == 1 ? lo : 0x80, bhi = i == 1 ? hi : 0xbf;
    if (b < blo || b > bhi) break;
  }
  if (i < need) *valid = false;
  return i;
}

void AppendTerminalSafe(std::string_view bytes, Buffer* out) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  uint8_t* w = out->Reserve(n * 4);
  uint8_t* start = w;
  size_t i = 0;
  while (i < n) {
    size_t run = PlainRun(p + i, n - i, false);
    memcpy(w, p + i, run);
    w += run;
    i += run;
    if (i == n) break;
    uint8_t c = p[i];
    if (c == '\t') {
      *w++ = c;
      ++i;
      continue;
    }
    if (c < 0x80) {  // C0 control or DEL
      w = PutHexByte(w, c);
      ++i;
      continue;
    }
    bool valid;
    size_t len = Utf8Sequence(p + i, n - i, &valid);
    // U+0080..U+009F are encoded as C2 80..C2 9F: 8-bit controls on some
    // terminals, so they are escaped like invalid bytes.
    bool c1 = valid && len == 2 && c == 0xc2 && p[i + 1] < 0xa0;
    if (valid && !c1) {
      memcpy(w, p + i, len);
      w += len;
    } else {
      for (size_t k = 0; k < len; ++k) w = PutHexByte(w, p[i + k]);
    }
    i += len;
  }
  out->Commit(static_cast<size_t>(w - start));
}

std::string TerminalSafe(std::string_view bytes) {
  Buffer b;
  AppendTerminalSafe(bytes, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

void AppendBase64(std::string_view bytes, Buffer* out) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  uint8_t* w = out->Reserve((n + 2) / 3 * 4);
  uint8_t* start = w;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    *w++ = static_cast<uint8_t>(kAlphabet[v >> 18]);
    *w++ = static_cast<uint8_t>(kAlphabet[(v >> 12) & 63]);
    *w++ = static_cast<uint8_t>(kAlphabet[(v >> 6) & 63]);
    *w++ = static_cast<uint8_t>(kAlphabet[v & 63]);
  }
  if (i < n) {
    uint32_t v = uint32_t{p[i]} << 16 | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0);
    *w++ = static_cast<uint8_t>(kAlphabet[v >> 18]);
    *w++ = static_cast<uint8_t>(kAlphabet[(v >> 12) & 63]);
    *w++ = i + 1 < n ? static_cast<uint8_t>(kAlphabet[(v >> 6) & 63]) : '=';
    *w++ = '=';
  }
  out->Commit(static_cast<size_t>(w - start));
}

bool AppendJsonString(std::string_view bytes, Buffer* out) {
  bool exact = true;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  // Worst case: every byte becomes \u00XX (6 bytes); U+FFFD takes 3 per byte.
  uint8_t* w = out->Reserve(n * 6 + 2);
  uint8_t* start = w;
  *w++ = '"';
  size_t i = 0;
  while (i < n) {
    size_t run = PlainRun(p + i, n - i, true);
    memcpy(w, p + i, run);
    w += run;
    i += run;
    if (i == n) break;
    uint8_t c = p[i];
    if (c < 0x80) {
      *w++ = '\\';
      switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '\n': *w++ = 'n'; break;
        case '\r': *w++ = 'r'; break;
        case '\t': *w++ = 't'; break;
        default:
          *w++ = 'u';
          *w++ = '0';
          *w++ = '0';
          *w++ = static_cast<uint8_t>(kHex[c >> 4]);
          *w++ = static_cast<uint8_t>(kHex[c & 15]);
      }
      ++i;
      continue;
    }
    bool valid;
    size_t len = Utf8Sequence(p + i, n - i, &valid);
    if (valid) {
      memcpy(w, p + i, len);
      w += len;
    } else {
      exact = false;
      *w++ = 0xef;  // U+FFFD REPLACEMENT CHARACTER
      *w++ = 0xbf;
      *w++ = 0xbd;
    }
    i += len;
  }
  *w++ = '"';
  out->Commit(static_cast<size_t>(w - start));
  return exact;
}

int NickColor(std::string_view nick) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : nick) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return 31 + static_cast<int>(h % 6);
}

namespace {

void AppendClock(const OutputStyle& style, Buffer* out) {
  if (!style.timestamps) return;
  out->Append(style.clock.data(), style.clock.size());
  out->AppendByte(' ');
}

void AppendTimeMs(const OutputStyle& style, Buffer* out) {
  if (!style.timestamps) return;
  std::string t = ",\"time_ms\":" + std::to_string(style.wall_ms);
  out->Append(t.data(), t.size());
}

void AppendNick(std::string_view nick, const OutputStyle& style, Buffer* out) {
  if (!style.color) {
    AppendTerminalSafe(nick, out);
    return;
  }
  std::string on = "\x1b[" + std::to_string(NickColor(nick)) + "m";
  out->Append(on.data(), on.size());
  AppendTerminalSafe(nick, out);
  out->Append("\x1b[0m", 4);
}

}  // namespace

void FormatMessage(Format format, const Message& m, Buffer* out) {
  FormatMessage(format, m, OutputStyle(), out);
}

void FormatMessage(Format format, const Message& m, const OutputStyle& style, Buffer* out) {
  switch (format) {
    case Format::kChat:
      AppendClock(style, out);
      AppendNick(m.nick, style, out);
      out->Append(": ", 2);
      AppendTerminalSafe(m.text, out);
      break;
    case Format::kText:
      AppendClock(style, out);
      AppendTerminalSafe(m.text, out);
      break;
    case Format::kJson: {
      char head[8 + 2 * kMessageIdBytes];
      memcpy(head, "{\"id\":\"", 7);
      for (size_t i = 0; i < kMessageIdBytes; ++i) {
        head[7 + 2 * i] = kHex[m.id.bytes[i] >> 4];
        head[8 + 2 * i] = kHex[m.id.bytes[i] & 15];
      }
      head[7 + 2 * kMessageIdBytes] = '"';
      out->Append(head, sizeof head);
      out->Append(",\"from\":", 8);
      bool nick_exact = AppendJsonString(m.nick, out);
      char hops[48];  // ,"hops":255,"ts":<20 digits>
      memcpy(hops, ",\"hops\":", 8);
      size_t len = 8 + Unsigned(m.hops, hops + 8);
      memcpy(hops + len, ",\"ts\":", 6);
      len += 6;
      len += Unsigned(m.sent_ms, hops + len);
      out->Append(hops, len);
      out->Append(",\"text\":", 8);
      bool text_exact = AppendJsonString(m.text, out);
      // Bytes that are not UTF-8 cannot be in a JSON string: the exact bytes
      // follow in base64 so that nothing is lost.
      if (!nick_exact) {
        out->Append(",\"from_base64\":\"", 16);
        AppendBase64(m.nick, out);
        out->AppendByte('"');
      }
      if (!text_exact) {
        out->Append(",\"text_base64\":\"", 16);
        AppendBase64(m.text, out);
        out->AppendByte('"');
      }
      AppendTimeMs(style, out);
      out->AppendByte('}');
      break;
    }
  }
  out->AppendByte('\n');
}

void FormatPresence(Format format, const PresenceNotice& n, const OutputStyle& style,
                    Buffer* out) {
  using Kind = PresenceNotice::Kind;
  if (format == Format::kText || n.kind == Kind::kClash) return;
  std::string silent = std::to_string(n.silent_ms / 1000);
  if (format == Format::kChat) {
    AppendClock(style, out);
    out->Append("* ", 2);
    AppendTerminalSafe(n.kind == Kind::kRenamed ? n.old_nick : n.nick, out);
    std::string tail;
    switch (n.kind) {
      case Kind::kJoined: tail = " joined"; break;
      case Kind::kLeft: tail = " left"; break;
      case Kind::kRenamed: tail = " is now "; break;
      case Kind::kGone: tail = " is gone (not heard from for " + silent + " s)"; break;
      case Kind::kBack: tail = " is back"; break;
      case Kind::kClash: break;
    }
    out->Append(tail.data(), tail.size());
    if (n.kind == Kind::kRenamed) AppendTerminalSafe(n.nick, out);
    out->AppendByte('\n');
    return;
  }
  const char* type = n.kind == Kind::kJoined    ? "joined"
                     : n.kind == Kind::kLeft    ? "left"
                     : n.kind == Kind::kRenamed ? "nick"
                     : n.kind == Kind::kGone    ? "gone"
                                                : "back";
  char node[17];
  for (int i = 0; i < 16; ++i) node[i] = kHex[(n.node_id >> (60 - 4 * i)) & 15];
  node[16] = 0;
  std::string head = std::string("{\"type\":\"") + type + "\",\"node\":\"" + node + "\",\"from\":";
  out->Append(head.data(), head.size());
  AppendJsonString(n.nick, out);
  if (n.kind == Kind::kRenamed) {
    out->Append(",\"was\":", 7);
    AppendJsonString(n.old_nick, out);
  }
  if (n.kind == Kind::kGone) {
    std::string s = ",\"silent_s\":" + silent;
    out->Append(s.data(), s.size());
  }
  AppendTimeMs(style, out);
  out->Append("}\n", 2);
}

}  // namespace floodchat
