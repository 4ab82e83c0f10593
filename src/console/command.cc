#include "console/command.h"

#include <cstddef>
#include <string>

namespace floodchat {

const char kCommandHelp[] =
    "commands:\n"
    "  /connect HOST:PORT     keep a connection to another node\n"
    "  /disconnect HOST:PORT  close it and stop retrying it (or NICK: the connections\n"
    "                         to the nodes of that nick)\n"
    "  /peers                 list connected peers\n"
    "  /who                   list the nodes in the network\n"
    "  /stats                 show counters\n"
    "  /nick NAME             change the name shown with your messages\n"
    "  /quit                  send what is queued and exit\n"
    "  /help                  this list\n"
    "  //text                 send \"/text\"\n";

namespace {

struct Entry {
  std::string_view name;
  CommandKind kind;
  std::string_view usage;  // empty: takes no argument
};

const Entry kTable[] = {
    {"connect", CommandKind::kConnect, "usage: /connect HOST:PORT"},
    {"disconnect", CommandKind::kDisconnect, "usage: /disconnect HOST:PORT|NICK"},
    {"peers", CommandKind::kPeers, ""},
    {"stats", CommandKind::kStats, ""},
    {"who", CommandKind::kWho, ""},
    {"nick", CommandKind::kNick, "usage: /nick NAME"},
    {"quit", CommandKind::kQuit, ""},
    {"help", CommandKind::kHelp, ""},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The edit distance between a and b (insertions, deletions, substitutions
// and swaps of two neighbours), for names of a few letters.
size_t Distance(std::string_view a, std::string_view b) {
  const size_t kMax = 32;
  if (a.size() >= kMax || b.size() >= kMax) return kMax;
  size_t d[kMax + 1][kMax + 1];
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t best = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[a.size()][b.size()];
}

// The command `name` (lower case) is a typo of, if one is close enough.
std::string_view Suggest(std::string_view name) {
  if (name.empty()) return {};
  const Entry* best = nullptr;
  size_t best_distance = 3;  // at most two edits...
  const Entry* prefix_of = nullptr;
  int prefixes = 0;
  for (const Entry& e : kTable) {
    size_t d = Distance(name, e.name);
    // ...and fewer than half the letters of a short name.
    if (d < best_distance && d * 2 < e.name.size()) {
      best = &e;
      best_distance = d;
    }
    if (e.name.substr(0, name.size()) == name) {
      prefix_of = &e;
      ++prefixes;
    }
  }
  if (best != nullptr) return best->name;
  if (prefixes == 1) return prefix_of->name;
  return {};
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
  std::string lower;
  for (char ch : name) lower += Lower(ch);
  for (const Entry& e : kTable) {
    if (lower != e.name) continue;
    if (!e.usage.empty() && arg.empty()) {
      c.kind = CommandKind::kError;
      c.arg = e.usage;
      return c;
    }
    if (e.usage.empty() && !arg.empty()) {
      c.kind = CommandKind::kError;
      c.arg = "takes no argument";
      return c;
    }
    c.kind = e.kind;
    c.arg = arg;
    return c;
  }
  c.kind = CommandKind::kUnknown;
  c.suggestion = Suggest(lower);
  return c;
}

}  // namespace floodchat
