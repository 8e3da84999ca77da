#include "io/config_limits.hpp"

#include "io/memory_limit.hpp"

namespace neurode::io {

double trajectory_bytes(double runs, double times, double states) {
  return 3.0 * runs * times * states * sizeof(double);
}

void require_memory(const ConfigNode& key, double bytes, const std::string& what) {
  if (bytes <= static_cast<double>(memory_limit_bytes())) return;
  key.fail("expected a run that fits in memory, but " + what + " needs about " + format_bytes(bytes) +
           ", more than the " + describe_memory_limit() + " this process may use");
}

}  // namespace neurode::io
