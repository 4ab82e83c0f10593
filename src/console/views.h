// /peers and /stats: the node gathers the figures (status.h), these print
// them on stderr.
#ifndef FLOODCHAT_CONSOLE_VIEWS_H_
#define FLOODCHAT_CONSOLE_VIEWS_H_

#include <string>

#include <vector>

#include "presence/presence.h"
#include "status.h"

namespace floodchat {

void PrintPeers(const PeersView& view);
// The /stats text: "stats: " and `name=value` cells three to a row, the
// columns aligned, each row ending in a newline.
std::string StatsText(const StatsView& view);
// /who: "who: N nodes", then a row a node by nick: this one, and how long
// since each other was heard from.
void PrintWho(const std::vector<WhoRow>& rows);
void PrintStats(const StatsView& view);

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_VIEWS_H_
