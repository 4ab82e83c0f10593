// libFuzzer target: the metrics endpoint's request parser as the server
// drives it. The bytes arrive in pieces (first byte: piece size - 1), the
// parser is asked after each piece, and reading stops where the server
// stops (a verdict, or kMaxRequestHeadBytes). Checks: the bound holds; a
// verdict is one of the documented statuses; the verdict does not depend on
// how the bytes were split; the answer's Content-Length is its body's.
#include <cstdlib>
#include <string>
#include <string_view>

#include "metrics/http.h"

namespace {

void Require(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floodchat;
  if (size < 1) return 0;
  size_t piece = static_cast<size_t>(data[0]) + 1;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string received;
  HttpVerdict verdict;
  bool done = false;
  for (size_t at = 0; at < input.size() && !done;) {
    size_t take = piece;
    if (take > input.size() - at) take = input.size() - at;
    if (take > kMaxRequestHeadBytes - received.size()) take = kMaxRequestHeadBytes - received.size();
    received.append(input.substr(at, take));
    at += take;
    done = ParseHttpRequest(received, &verdict) == HttpParse::kDone;
    Require(done || received.size() < kMaxRequestHeadBytes);
  }
  if (!done) return 0;
  int s = verdict.status;
  Require(s == 200 || s == 400 || s == 404 || s == 405 || s == 431 || s == 505);
  Require(!verdict.head || s == 200 || s == 404);
  // Byte at a time, up to the same point: the same verdict.
  std::string again;
  HttpVerdict one;
  bool done_one = false;
  for (char c : received) {
    again += c;
    if (ParseHttpRequest(again, &one) == HttpParse::kDone) {
      done_one = true;
      break;
    }
  }
  Require(done_one && one.status == s && one.head == verdict.head);
  std::string body = "floodchat_peers 1\n";
  std::string answer = HttpAnswer(verdict, body);
  size_t end = answer.find("\r\n\r\n");
  Require(end != std::string::npos);
  size_t cl = answer.find("Content-Length: ");
  Require(cl != std::string::npos && cl < end);
  size_t length = static_cast<size_t>(strtoul(answer.c_str() + cl + 16, nullptr, 10));
  Require(verdict.head ? answer.size() == end + 4 : answer.size() == end + 4 + length);
  return 0;
}
