#include "console/format.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "harness.h"

namespace floodchat {
namespace {

using floodchat_test::FromBase64;

std::string Safe(std::string_view in) {
  Buffer b;
  AppendTerminalSafe(in, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string Json(std::string_view in) {
  Buffer b;
  AppendJsonString(in, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string Styled(Format f, std::string_view nick, std::string_view text, const OutputStyle& st) {
  Message m;
  for (size_t i = 0; i < kMessageIdBytes; ++i) m.id.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  m.hops = 2;
  m.hop_limit = 64;
  m.sent_ms = 1796220896000;  // 2026-12-01 10:54:56 UTC
  m.nick = nick;
  m.text = text;
  Buffer b;
  FormatMessage(f, m, st, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string Format1(Format f, std::string_view nick, std::string_view text) {
  return Styled(f, nick, text, OutputStyle());
}

TEST(FormatTest, ChatAndText) {
  EXPECT_EQ(Format1(Format::kChat, "alice", "hello"), "alice: hello\n");
  EXPECT_EQ(Format1(Format::kText, "alice", "hello"), "hello\n");
}

TEST(FormatTest, Json) {
  EXPECT_EQ(Format1(Format::kJson, "alice", "hi \"you\""),
            "{\"id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"from\":\"alice\",\"hops\":2,"
            "\"ts\":1796220896000,\"text\":\"hi \\\"you\\\"\"}\n");
}

std::string Base64(std::string_view in) {
  Buffer b;
  AppendBase64(in, &b);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(FormatTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(255 - i));
  for (size_t n = 0; n <= all.size(); ++n) {
    std::string part = all.substr(0, n);
    ASSERT_EQ(Base64(part).size(), (n + 2) / 3 * 4);
    ASSERT_EQ(FromBase64(Base64(part)), part) << n;
  }
}

TEST(FormatTest, JsonAddsExactBytesOnlyWhenTextIsNotUtf8) {
  EXPECT_EQ(Format1(Format::kJson, "a", "caf\xc3\xa9 \x1b[2J"),
            "{\"id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"from\":\"a\",\"hops\":2,"
            "\"ts\":1796220896000,\"text\":\"caf\xc3\xa9 \\u001b[2J\"}\n");
  const std::string text("nul\0 \xff\xfe end", 11);
  std::string line = Format1(Format::kJson, "n\x80", text);
  EXPECT_NE(line.find("\"text\":\"nul\\u0000 \xef\xbf\xbd\xef\xbf\xbd end\""), std::string::npos)
      << line;
  size_t at = line.find("\"text_base64\":\"");
  ASSERT_NE(at, std::string::npos) << line;
  at += 15;
  EXPECT_EQ(FromBase64(line.substr(at, line.find('"', at) - at)), text);
  at = line.find("\"from_base64\":\"");
  ASSERT_NE(at, std::string::npos) << line;
  at += 15;
  EXPECT_EQ(FromBase64(line.substr(at, line.find('"', at) - at)), "n\x80");
  EXPECT_EQ(line.substr(line.size() - 2), "}\n");
}

TEST(FormatTest, TerminalSafeEscapesControls) {
  EXPECT_EQ(Safe("a\tb"), "a\tb");
  EXPECT_EQ(Safe("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(Safe(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(Safe("line\nbreak\r"), "line\\x0abreak\\x0d");
  EXPECT_EQ(Safe("\x7f"), "\\x7f");
  EXPECT_EQ(Safe("back\\slash"), "back\\slash");
}

TEST(FormatTest, TerminalSafeKeepsUtf8AndEscapesC1AndInvalid) {
  EXPECT_EQ(Safe("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"), "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(Safe("\xc2\x9b" "31m"), "\\xc2\\x9b31m");  // U+009B, the 8-bit CSI
  EXPECT_EQ(Safe("\x9b"), "\\x9b");                    // a bare CSI byte
  EXPECT_EQ(Safe("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(Safe("\xe2\x82"), "\\xe2\\x82");  // truncated sequence
  EXPECT_EQ(Safe("\xc0\xaf"), "\\xc0\\xaf");  // overlong '/'
}

TEST(FormatTest, JsonEscapes) {
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(Json(std::string("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(Json("\xc3\xa9"), "\"\xc3\xa9\"");
  EXPECT_EQ(Json("\xff"), "\"\xef\xbf\xbd\"");
  EXPECT_EQ(Json("a\xe2\x82z"), "\"a\xef\xbf\xbdz\"");  // one U+FFFD for the maximal subpart
  EXPECT_EQ(Json("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate
  EXPECT_EQ(Json("\xf4\x90\x80\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST(FormatTest, Utf8Sequence) {
  bool valid;
  const uint8_t euro[] = {0xe2, 0x82, 0xac};
  EXPECT_EQ(Utf8Sequence(euro, 3, &valid), 3u);
  EXPECT_TRUE(valid);
  EXPECT_EQ(Utf8Sequence(euro, 2, &valid), 2u);
  EXPECT_FALSE(valid);
  const uint8_t max[] = {0xf4, 0x8f, 0xbf, 0xbf};
  EXPECT_EQ(Utf8Sequence(max, 4, &valid), 4u);
  EXPECT_TRUE(valid);
  const uint8_t lone[] = {0x80};
  EXPECT_EQ(Utf8Sequence(lone, 1, &valid), 1u);
  EXPECT_FALSE(valid);
}

// Whatever the bytes, the output is one line: no raw LF, and in the terminal
// format no byte below 0x20 but tab, and the JSON string is valid UTF-8.
TEST(FormatTest, RandomBytesStayOneSafeLine) {
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text(rng() % 64, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    std::string chat = Format1(Format::kChat, "n", text);
    ASSERT_EQ(chat.find('\n'), chat.size() - 1);
    for (size_t i = 0; i + 1 < chat.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(chat[i]);
      ASSERT_TRUE(c >= 0x20 || c == '\t') << round;
      ASSERT_NE(c, 0x7f);
    }
    std::string json = Format1(Format::kJson, "n", text);
    ASSERT_EQ(json.find('\n'), json.size() - 1);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(json.data());
    for (size_t i = 0; i < json.size();) {
      bool valid;
      size_t len = Utf8Sequence(p + i, json.size() - i, &valid);
      ASSERT_TRUE(valid) << round << " at " << i;
      if (i + 1 < json.size()) {
        ASSERT_GE(p[i], 0x20u) << round << " at " << i;
      }
      i += len;
    }
  }
}

// Byte-at-a-time references for the two escapers, written from the rules in
// format.h, to check the word-at-a-time fast paths against.
std::string ReferenceSafe(std::string_view in) {
  std::string out;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data());
  char hex[8];
  for (size_t i = 0; i < in.size();) {
    bool valid;
    size_t len = Utf8Sequence(p + i, in.size() - i, &valid);
    bool control = p[i] < 0x20 ? p[i] != '\t' : p[i] == 0x7f;
    bool c1 = valid && len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0;
    if (valid && !control && !c1) {
      out.append(in.substr(i, len));
    } else {
      for (size_t k = 0; k < len; ++k) {
        snprintf(hex, sizeof hex, "\\x%02x", p[i + k]);
        out += hex;
      }
    }
    i += len;
  }
  return out;
}

std::string ReferenceJson(std::string_view in) {
  std::string out = "\"";
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data());
  char hex[8];
  for (size_t i = 0; i < in.size();) {
    bool valid;
    size_t len = Utf8Sequence(p + i, in.size() - i, &valid);
    uint8_t c = p[i];
    if (!valid) {
      out += "\xef\xbf\xbd";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      snprintf(hex, sizeof hex, "\\u%04x", c);
      out += hex;
    } else {
      out.append(in.substr(i, len));
    }
    i += len;
  }
  return out + "\"";
}

TEST(FormatTest, FastPathsMatchByteAtATimeReference) {
  std::mt19937 rng(99);
  const char specials[] = {'\0', '\t', '\n', 0x1f, 0x20, 0x7e, 0x7f, '"', '\\',
                           '\x80', '\xc2', '\x9b', '\xc3', '\xa9', '\xe2', '\xff'};
  for (int round = 0; round < 20000; ++round) {
    // Mostly printable ASCII with a few special bytes at random places, so
    // that every lane of the 8-byte blocks is exercised.
    std::string text(rng() % 40, 'a');
    for (char& c : text) c = static_cast<char>(0x20 + rng() % 0x5f);
    int sprinkle = static_cast<int>(rng() % 3);
    for (int k = 0; k < sprinkle && !text.empty(); ++k)
      text[rng() % text.size()] = specials[rng() % sizeof specials];
    ASSERT_EQ(Safe(text), ReferenceSafe(text)) << round;
    ASSERT_EQ(Json(text), ReferenceJson(text)) << round;
  }
}

TEST(FormatTest, ColourWrapsTheNickOnlyAndIsTheSameForTheSameNick) {
  OutputStyle st;
  st.color = true;
  int c = NickColor("alice");
  EXPECT_GE(c, 31);
  EXPECT_LE(c, 36);
  EXPECT_EQ(Styled(Format::kChat, "alice", "hi", st),
            "\x1b[" + std::to_string(c) + "malice\x1b[0m: hi\n");
  // A hostile nick is still made safe inside the colour.
  EXPECT_EQ(Styled(Format::kChat, "a\x1b[2J", "hi", st),
            "\x1b[" + std::to_string(NickColor("a\x1b[2J")) + "ma\\x1b[2J\x1b[0m: hi\n");
  // Nicks spread over the six colours.
  bool seen[37] = {};
  for (int i = 0; i < 200; ++i) seen[NickColor("nick" + std::to_string(i))] = true;
  for (int k = 31; k <= 36; ++k) EXPECT_TRUE(seen[k]) << k;
}

TEST(FormatTest, TimestampsComeFirstOrAsTimeMs) {
  OutputStyle st;
  st.timestamps = true;
  st.clock = "12:34:56";
  st.wall_ms = 1796220896789;
  EXPECT_EQ(Styled(Format::kChat, "alice", "hi", st), "12:34:56 alice: hi\n");
  EXPECT_EQ(Styled(Format::kText, "alice", "hi", st), "12:34:56 hi\n");
  EXPECT_EQ(Styled(Format::kJson, "alice", "hi", st),
            "{\"id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"from\":\"alice\",\"hops\":2,"
            "\"ts\":1796220896000,\"text\":\"hi\",\"time_ms\":1796220896789}\n");
}

TEST(FormatTest, PresenceLines) {
  auto show = [](Format f, PresenceNotice n, OutputStyle st = OutputStyle()) {
    Buffer b;
    FormatPresence(f, n, st, &b);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  };
  PresenceNotice n;
  n.kind = PresenceNotice::Kind::kJoined;
  n.node_id = 0x0123456789abcdefull;
  n.nick = "bob";
  EXPECT_EQ(show(Format::kChat, n), "* bob joined\n");
  EXPECT_EQ(show(Format::kJson, n), "{\"type\":\"joined\",\"node\":\"0123456789abcdef\",\"from\":\"bob\"}\n");
  EXPECT_EQ(show(Format::kText, n), "");
  n.kind = PresenceNotice::Kind::kRenamed;
  n.nick = "robert";
  n.old_nick = "b\x1b";
  EXPECT_EQ(show(Format::kChat, n), "* b\\x1b is now robert\n");
  EXPECT_EQ(show(Format::kJson, n),
            "{\"type\":\"nick\",\"node\":\"0123456789abcdef\",\"from\":\"robert\",\"was\":\"b\\u001b\"}\n");
  n.kind = PresenceNotice::Kind::kGone;
  n.silent_ms = 92400;
  OutputStyle st;
  st.timestamps = true;
  st.clock = "01:02:03";
  st.wall_ms = 5;
  EXPECT_EQ(show(Format::kChat, n, st), "01:02:03 * robert is gone (not heard from for 92 s)\n");
  EXPECT_EQ(show(Format::kJson, n, st),
            "{\"type\":\"gone\",\"node\":\"0123456789abcdef\",\"from\":\"robert\",\"silent_s\":92,"
            "\"time_ms\":5}\n");
  n.kind = PresenceNotice::Kind::kLeft;
  EXPECT_EQ(show(Format::kChat, n), "* robert left\n");
  n.kind = PresenceNotice::Kind::kBack;
  EXPECT_EQ(show(Format::kChat, n), "* robert is back\n");
  n.kind = PresenceNotice::Kind::kClash;
  EXPECT_EQ(show(Format::kChat, n), "");
}

}  // namespace
}  // namespace floodchat
