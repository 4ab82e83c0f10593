// What one stdin line asks for: a message to send or a /command. No IO.
#ifndef FLOODCHAT_CONSOLE_COMMAND_H_
#define FLOODCHAT_CONSOLE_COMMAND_H_

#include <string_view>

namespace floodchat {

enum class CommandKind {
  kNothing,  // an empty line: not sent
  kSend,     // `arg` is the text to send
  kConnect,  // `arg` is HOST:PORT (not yet checked)
  kPeers,
  kStats,
  kNick,     // `arg` is the new nick (not yet checked)
  kQuit,
  kHelp,
  kError,    // `name` is the command as typed, `arg` what is wrong with it
};

struct Command {
  CommandKind kind = CommandKind::kNothing;
  std::string_view name;  // "/connect" etc.: points into the line
  std::string_view arg;   // points into the line, or at a static message
};

// Without `raw`, a line starting with '/' is a command, "//" escapes one '/',
// and an unknown command is kError. With `raw` every non-empty line is kSend.
Command ParseCommand(std::string_view line, bool raw);

// The text /help prints.
extern const char kCommandHelp[];

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_COMMAND_H_
