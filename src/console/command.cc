#include "console/command.h"

namespace floodchat {

const char kCommandHelp[] =
    "commands:\n"
    "  /connect HOST:PORT  connect to another node\n"
    "  /peers              list connected peers\n"
    "  /stats              show counters\n"
    "  /nick NAME          change the name shown with your messages\n"
    "  /quit               send what is queued and exit\n"
    "  /help               this list\n"
    "  //text              send \"/text\"\n";

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Command ParseCommand(std::string_view line, bool raw) {
  Command c;
  if (line.empty()) return c;
  if (raw || line[0] != '/') {
    c.kind = CommandKind::kSend;
    c.arg = line;
    return c;
  }
  if (line.size() > 1 && line[1] == '/') {
    c.kind = CommandKind::kSend;
    c.arg = line.substr(1);
    return c;
  }
  std::string_view rest = line.substr(1);
  size_t space = rest.find_first_of(" \t");
  std::string_view name = rest.substr(0, space);
  c.name = line.substr(0, name.size() + 1);
  std::string_view arg = space == std::string_view::npos ? std::string_view() : Trim(rest.substr(space));
  struct Entry {
    std::string_view name;
    CommandKind kind;
    bool needs_arg;
  };
  static const Entry kTable[] = {
      {"connect", CommandKind::kConnect, true}, {"peers", CommandKind::kPeers, false},
      {"stats", CommandKind::kStats, false},    {"nick", CommandKind::kNick, true},
      {"quit", CommandKind::kQuit, false},      {"help", CommandKind::kHelp, false},
  };
  for (const Entry& e : kTable) {
    if (name != e.name) continue;
    if (e.needs_arg && arg.empty()) {
      c.kind = CommandKind::kError;
      c.arg = e.kind == CommandKind::kConnect ? "usage: /connect HOST:PORT" : "usage: /nick NAME";
      return c;
    }
    if (!e.needs_arg && !arg.empty()) {
      c.kind = CommandKind::kError;
      c.arg = "takes no argument";
      return c;
    }
    c.kind = e.kind;
    c.arg = arg;
    return c;
  }
  c.kind = CommandKind::kError;
  c.arg = "unknown command (/help lists them; //text sends /text)";
  return c;
}

}  // namespace floodchat
