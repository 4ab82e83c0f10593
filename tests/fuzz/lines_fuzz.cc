// libFuzzer target: the stdin line splitter, against a plain reference. The
// first input byte sets the longest line (0 to 255), the second the size of
// the reads; the rest is stdin. Every line, too-long report and length must
// match what splitting the whole input at once says, and the splitter never
// holds more than max_line + 1 bytes.
#include <cstdlib>
#include <string>
#include <vector>

#include "wire/lines.h"

namespace {

void Require(bool ok) {
  if (!ok) abort();
}

struct Event {
  bool too_long;
  size_t length;
  std::string line;
  bool operator==(const Event& o) const {
    return too_long == o.too_long && length == o.length && line == o.line;
  }
};

std::vector<Event> Reference(const std::string& in, size_t max_line) {
  std::vector<Event> out;
  size_t start = 0;
  while (start < in.size()) {
    size_t lf = in.find('\n', start);
    size_t end = lf == std::string::npos ? in.size() : lf;
    std::string line = in.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool too_long = line.size() > max_line;
    out.push_back({too_long, line.size(), too_long ? std::string() : line});
    if (lf == std::string::npos) break;
    start = lf + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max_line = data[0];
  const size_t step = data[1] % 32 + 1;
  const std::string in(reinterpret_cast<const char*>(data + 2), size - 2);
  floodchat::LineSplitter splitter(max_line);
  std::vector<Event> got;
  auto on_line = [&got](const floodchat::LineEvent& e) {
    got.push_back({e.too_long, e.length, std::string(e.line)});
  };
  for (size_t at = 0; at < in.size(); at += step) {
    size_t take = in.size() - at < step ? in.size() - at : step;
    splitter.Feed(in.data() + at, take, on_line);
    Require(splitter.pending() <= max_line + 1);
  }
  splitter.Finish(on_line);
  Require(got == Reference(in, max_line));
  return 0;
}
