// What one stdin line asks for: a message to send or a /command. No IO.
#ifndef FLOODCHAT_CONSOLE_COMMAND_H_
#define FLOODCHAT_CONSOLE_COMMAND_H_

#include <string_view>

namespace floodchat {

enum class CommandKind {
  kNothing,     // an empty line: not sent
  kSend,        // `arg` is the text to send
  kConnect,     // `arg` is HOST:PORT (not yet checked)
  kDisconnect,  // `arg` is HOST:PORT or a nick
  kPeers,
  kStats,
  kWho,
  kNick,        // `arg` is the new nick (not yet checked)
  kQuit,
  kHelp,
  kError,       // `name` is the command as typed, `arg` what is wrong with it
  kUnknown,     // `name` is the command as typed, `suggestion` a close one or empty
};

struct Command {
  CommandKind kind = CommandKind::kNothing;
  std::string_view name;        // "/connect" etc.: points into the line
  std::string_view arg;         // points into the line, or at a static message
  std::string_view suggestion;  // for kUnknown: "/connect", or empty
};

// Without `raw`, a line starting with '/' is a command (its name in any case:
// /Peers is /peers), "//" escapes one '/', and an unknown command is kUnknown,
// with the command it is closest to when that is near enough to be a typo (a
// letter or two off, or the start of one command's name). With `raw` every
// non-empty line is kSend.
Command ParseCommand(std::string_view line, bool raw);

// The text /help prints.
extern const char kCommandHelp[];

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_COMMAND_H_
