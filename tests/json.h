// A small JSON reader for the test-vector files: enough of RFC 8259 for
// objects, arrays, strings (with \uXXXX escapes of ASCII), numbers, true,
// false and null. Test code only.
#ifndef FLOODCHAT_TESTS_JSON_H_
#define FLOODCHAT_TESTS_JSON_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace floodchat {
namespace testing {

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;  // a string's value, or a number or literal as written
  std::vector<Json> items;                             // an array's
  std::vector<std::pair<std::string, Json>> members;   // an object's, in order

  // A member of an object; a null value when there is none.
  const Json& operator[](const std::string& key) const;
  long long Int() const { return std::stoll(text); }
};

// Parses a whole document; false and *error on malformed input.
bool ParseJson(const std::string& input, Json* out, std::string* error);
// Reads and parses a file of the test vectors (tests/vectors/NAME).
Json LoadVectors(const std::string& name);
std::vector<uint8_t> Unhex(const std::string& hex);

}  // namespace testing
}  // namespace floodchat

#endif  // FLOODCHAT_TESTS_JSON_H_
