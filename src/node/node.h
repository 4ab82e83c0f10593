// The node: one thread, one poll loop over the listener, every connection,
// stdin and stdout. It owns the parts and only dispatches between them: the
// transport's events go to the protocol (membership and broadcast), whose
// actions go back to the transport and to the console; stdin's lines come
// to the node as ConsoleActions.
//
// Each turn: build the poll set from the live tables, wait, then handle the
// connections before stdin, and write last: one send per peer and one stdout
// write per turn, so that everything a wake-up produced leaves in one call
// each. Connections are closed during a turn and reaped at the start of the
// next (transport.h).
#ifndef FLOODCHAT_NODE_NODE_H_
#define FLOODCHAT_NODE_NODE_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "base/diag.h"
#include "console/console.h"
#include "crypto/keys.h"
#include "metrics/server.h"
#include "node_limits.h"
#include "net/net.h"
#include "node/protocol.h"
#include "options.h"
#include "node/presence_agent.h"
#include "transport/transport.h"

namespace floodchat {

class Node : public ConsoleActions, public MetricsSource {
 public:
  // `keys`: keyed mode's network keys (-k), empty for an open network.
  Node(const Options& options, const Limits& limits, std::vector<NetworkKey> keys);
  // Defined in node.cc: one copy of the destructor and its thunks (MinGW's
  // LTO link otherwise finds the thunks of three bases defined twice).
  ~Node() override;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Runs until stdin ends, /quit, SIGINT or SIGTERM; returns the exit status.
  // SIGUSR1 prints the /stats and /peers views, SIGHUP reloads the key file.
  int Run();

  // ConsoleActions.
  void SendLine(std::string_view text) override;
  void Connect(const Endpoint& endpoint) override;
  void Disconnect(std::string_view what) override;
  void ShowPeers() override;
  void ShowStats() override;
  void ShowWho() override;
  void SetNick(std::string_view nick) override;
  void Quit() override;

  // MetricsSource.
  std::string MetricsText() override;

 private:
  bool Start();
  StatsView GatherStats() const;
  void ReloadKeys();
  void BeginDrain();
  bool DrainStep();  // true when the node may exit
  bool InputPaused() const;
  int PollTimeout() const;

  Options options_;
  Limits limits_;
  std::vector<NetworkKey> keys_;
  Log log_;
  Identity identity_;
  Console console_;
  PresenceAgent presence_;  // the sink of what the broadcast policy delivers
  Protocol protocol_;  // its policies are made in Start(), once the node ID is known
  Transport transport_;
  MetricsServer metrics_;

  uint64_t now_ = 0;
  std::vector<net::PollEntry> poll_;
  bool draining_ = false;
  bool queued_said_ = false;  // the notice that lines wait for a peer is shown
  uint64_t drain_deadline_ = 0;
  int exit_status_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_NODE_NODE_H_
