// floodchat-sim: the simulator's command line (sim/scenario.h). Prints what
// it did on stderr and one JSON line of figures last on stdout.
#include <cstdio>
#include <string>

#include "sim/scenario.h"

int main(int argc, char** argv) {
  floodchat::sim::Scenario s;
  std::string error;
  if (!floodchat::sim::ParseScenario(argc, argv, &s, &error)) {
    fprintf(stderr, "floodchat-sim: %s\n", error.c_str());
    fprintf(stderr,
            "usage: floodchat-sim --nodes N [--peers D] [--graph mesh|random:D] [--broadcast tree|flood]\n"
            "                     [--messages M] [--senders K] [--burst] [--churn FRACTION]\n"
            "                     [--latency-ms LO-HI] [--seed S] [--seen N]\n"
            "                     [--partition SECONDS] [--store BYTES] [--graft-floor-ms MS]\n"
            "                     [--own-to-all] [--swap-hops N] [--warm N]\n"
            "                     [--hops N] [--linger SECONDS]\n");
    return 2;
  }
  floodchat::sim::Result r = floodchat::sim::RunScenario(s);
  fprintf(stderr,
          "floodchat-sim: connections per node when the messages began: min %u, mean %.2f, max %u; "
          "%llu events\n",
          r.degree_min, r.degree_mean, r.degree_max, static_cast<unsigned long long>(r.events));
  printf("%s\n", floodchat::sim::ResultJson(r).c_str());
  return 0;
}
