// The /stats counters in the Prometheus text exposition format (version
// 0.0.4): for each metric a HELP line, a TYPE line and its sample. Pure.
#ifndef FLOODCHAT_METRICS_EXPOSITION_H_
#define FLOODCHAT_METRICS_EXPOSITION_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "status.h"

namespace floodchat {

struct MetricSpec {
  const char* name;  // floodchat_..., counters ending in _total
  bool counter;      // else a gauge
  const char* help;
  uint64_t (*value)(const StatsView&);
};

// Every metric served, in the order served; one for each /stats counter
// (seen's two figures are two gauges).
extern const MetricSpec kMetrics[];
extern const size_t kMetricCount;

std::string RenderMetrics(const StatsView& stats);

}  // namespace floodchat

#endif  // FLOODCHAT_METRICS_EXPOSITION_H_
