// The parts' settings, made from the options: what each part is told, in
// one place.
#ifndef FLOODCHAT_NODE_CONFIGS_H_
#define FLOODCHAT_NODE_CONFIGS_H_

#include <cstdint>

#include "console/console.h"
#include "node/protocol.h"
#include "node_limits.h"
#include "options.h"
#include "transport/transport.h"

namespace floodchat {

// Reads the terminal's state (the editor, presence lines, colour) and
// NO_COLOR.
ConsoleConfig ConsoleConfigFor(const Options& o, const Limits& l);
TransportConfig TransportConfigFor(const Options& o, const Limits& l);
// `seeds`: the node ID, the message counter's start, two hash keys and the
// membership's random seed, from the OS random source.
ProtocolConfig ProtocolConfigFor(const Options& o, const uint64_t seeds[5]);

}  // namespace floodchat

#endif  // FLOODCHAT_NODE_CONFIGS_H_
