#!/bin/sh
# The broadcast tree's figures in the simulator (issue 13), each case run
# with the tree and with flooding on the same graph (same seed):
#   bench/tree_sim.sh [NODES [MESSAGES [STORE]]]
# defaults 10000 nodes, 1000 messages, the simulator's 1 MiB store. Needs
# `make sim`. Prints one JSON line per run, after a line naming it.
set -eu
cd "$(dirname "$0")/.."
sim=build/floodchat-sim
nodes=${1:-10000}
messages=${2:-1000}
store=${3:-1048576}
run() {
  name=$1
  shift
  for b in tree flood; do
    echo "== $name, $b"
    $sim --nodes "$nodes" --peers 5 --messages "$messages" --store "$store" --seed 1 \
      --broadcast "$b" "$@"
  done
}
run "one sender"
run "100 senders" --senders 100
run "a burst of $messages in 100 ms" --burst
run "a burst of $messages in 100 ms after one message from another node" --burst --warm 1
run "30% killed halfway" --churn 0.3
