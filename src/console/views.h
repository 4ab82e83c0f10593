// /peers and /stats: the node gathers the figures (status.h), these print
// them on stderr.
#ifndef FLOODCHAT_CONSOLE_VIEWS_H_
#define FLOODCHAT_CONSOLE_VIEWS_H_

#include "status.h"

namespace floodchat {

void PrintPeers(const PeersView& view);
void PrintStats(const StatsView& view);

}  // namespace floodchat

#endif  // FLOODCHAT_CONSOLE_VIEWS_H_
