#include "json.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace floodchat {
namespace testing {

namespace {

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  bool Document(Json* out) {
    if (!Value(out, 0)) return false;
    Space();
    return at_ == s_.size() || Fail("trailing bytes");
  }
  std::string error;

 private:
  bool Fail(const char* why) {
    error = std::string(why) + " at byte " + std::to_string(at_);
    return false;
  }
  void Space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\r' ||
                               s_[at_] == '\t'))
      ++at_;
  }
  bool Eat(char c) {
    Space();
    if (at_ < s_.size() && s_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool Value(Json* out, int depth) {
    if (depth > 64) return Fail("too deep");
    Space();
    if (at_ >= s_.size()) return Fail("unexpected end");
    char c = s_[at_];
    if (c == '{') {
      ++at_;
      out->kind = Json::Kind::kObject;
      if (Eat('}')) return true;
      do {
        std::pair<std::string, Json> m;
        Space();
        if (!String(&m.first) || !Eat(':') || !Value(&m.second, depth + 1))
          return Fail("bad member");
        out->members.push_back(std::move(m));
      } while (Eat(','));
      return Eat('}') || Fail("expected }");
    }
    if (c == '[') {
      ++at_;
      out->kind = Json::Kind::kArray;
      if (Eat(']')) return true;
      do {
        out->items.emplace_back();
        if (!Value(&out->items.back(), depth + 1)) return false;
      } while (Eat(','));
      return Eat(']') || Fail("expected ]");
    }
    if (c == '"') {
      out->kind = Json::Kind::kString;
      return String(&out->text);
    }
    size_t start = at_;
    while (at_ < s_.size() && (isalnum(static_cast<unsigned char>(s_[at_])) || s_[at_] == '-' ||
                               s_[at_] == '+' || s_[at_] == '.'))
      ++at_;
    out->text = s_.substr(start, at_ - start);
    if (out->text == "true" || out->text == "false") {
      out->kind = Json::Kind::kBool;
    } else if (out->text == "null") {
      out->kind = Json::Kind::kNull;
    } else if (!out->text.empty() &&
               (out->text[0] == '-' || isdigit(static_cast<unsigned char>(out->text[0])))) {
      out->kind = Json::Kind::kNumber;
    } else {
      return Fail("bad literal");
    }
    return true;
  }
  bool String(std::string* out) {
    if (at_ >= s_.size() || s_[at_] != '"') return Fail("expected string");
    ++at_;
    while (at_ < s_.size() && s_[at_] != '"') {
      char c = s_[at_++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (at_ >= s_.size()) break;
      char e = s_[at_++];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'u': {
          if (at_ + 4 > s_.size()) return Fail("short \\u");
          unsigned long v = std::stoul(s_.substr(at_, 4), nullptr, 16);
          at_ += 4;
          if (v >= 0x80) return Fail("non-ASCII \\u");  // not in the vector files
          out->push_back(static_cast<char>(v));
          break;
        }
        default: out->push_back(e);
      }
    }
    if (at_ >= s_.size()) return Fail("unterminated string");
    ++at_;
    return true;
  }

  const std::string& s_;
  size_t at_ = 0;
};

}  // namespace

const Json& Json::operator[](const std::string& key) const {
  static const Json kNone;
  for (const auto& m : members)
    if (m.first == key) return m.second;
  return kNone;
}

bool ParseJson(const std::string& input, Json* out, std::string* error) {
  Parser p(input);
  if (p.Document(out)) return true;
  *error = p.error;
  return false;
}

Json LoadVectors(const std::string& name) {
  std::string path = std::string(FLOODCHAT_SOURCE_DIR) + "/tests/vectors/" + name;
  std::string text;
  if (FILE* f = fopen(path.c_str(), "rb")) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    fclose(f);
  }
  Json doc;
  std::string error;
  EXPECT_TRUE(ParseJson(text, &doc, &error)) << path << ": " << error;
  return doc;
}

std::vector<uint8_t> Unhex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  EXPECT_EQ(hex.size() % 2, 0u) << hex;
  return out;
}

}  // namespace testing
}  // namespace floodchat
