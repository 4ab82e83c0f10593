// libFuzzer target: what the node does with one stdin line that is not a
// message. Each input line goes through ParseCommand (raw or not, by the
// first byte); a /connect argument through ParseEndpoint, a /nick argument
// through ValidNick. Results point into the line, and an endpoint that
// parses prints back to text that parses to the same endpoint.
#include <cstdlib>
#include <string>
#include <string_view>

#include "console/command.h"
#include "options.h"

namespace {

void Require(bool ok) {
  if (!ok) abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floodchat;
  if (size < 1) return 0;
  const bool raw = (data[0] & 1) != 0;
  std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!all.empty()) {
    size_t lf = all.find('\n');
    std::string_view line = all.substr(0, lf);
    all = lf == std::string_view::npos ? std::string_view() : all.substr(lf + 1);
    Command c = ParseCommand(line, raw);
    Require(Inside(c.name, line));
    std::string error;
    switch (c.kind) {
      case CommandKind::kNothing:
        Require(line.empty());
        break;
      case CommandKind::kSend:
        Require(Inside(c.arg, line) && !c.arg.empty());
        if (!raw) Require(line[0] != '/' || (line.size() > 1 && line[1] == '/'));
        break;
      case CommandKind::kConnect: {
        Require(!raw && Inside(c.arg, line));
        Endpoint e;
        if (ParseEndpoint(c.arg, false, &e, &error)) {
          Endpoint again;
          Require(ParseEndpoint(EndpointText(e), false, &again, &error));
          Require(again.host == e.host && again.port == e.port);
        } else {
          Require(!error.empty());
        }
        break;
      }
      case CommandKind::kNick:
        Require(!raw && Inside(c.arg, line));
        if (!ValidNick(c.arg, &error)) Require(!error.empty());
        break;
      case CommandKind::kError:
        Require(!raw && !c.arg.empty());
        break;
      default:
        Require(!raw);
        break;
    }
  }
  return 0;
}
