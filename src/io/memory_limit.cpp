#include "io/memory_limit.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <utility>

namespace neurode::io {
namespace {

// The memory.max of the cgroup v2 this process belongs to; "max" (no limit) or unreadable: none.
std::uint64_t cgroup_limit() {
  std::ifstream membership("/proc/self/cgroup");
  std::string line;
  while (std::getline(membership, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    std::ifstream limit("/sys/fs/cgroup" + line.substr(3) + "/memory.max");
    std::string value;
    if (limit >> value && value != "max") {
      try {
        return std::stoull(value);
      } catch (const std::exception&) {
      }
    }
  }
  return std::numeric_limits<std::uint64_t>::max();
}

std::uint64_t resource_limit(int resource) {
  rlimit limit{};
  if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

std::pair<std::uint64_t, std::string> compute_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  std::uint64_t limit = pages > 0 && page_size > 0
                            ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size)
                            : std::numeric_limits<std::uint64_t>::max();
  std::string source = "physical memory";
  const std::pair<std::uint64_t, const char*> confinements[] = {
      {resource_limit(RLIMIT_AS), "address-space limit, ulimit -v"},
      {resource_limit(RLIMIT_DATA), "data-segment limit, ulimit -d"},
      {cgroup_limit(), "memory limit of the cgroup"}};
  for (const auto& [bytes, name] : confinements)
    if (bytes < limit) {
      limit = bytes;
      source = name;
    }
  return {limit, source};
}

const std::pair<std::uint64_t, std::string>& limit_and_source() {
  static const auto value = compute_limit();
  return value;
}

}  // namespace

std::uint64_t memory_limit_bytes() { return limit_and_source().first; }

std::string describe_memory_limit() {
  return format_bytes(static_cast<double>(limit_and_source().first)) + " (" + limit_and_source().second + ")";
}

std::string format_bytes(double bytes) {
  char buffer[64];
  if (bytes < 1e3)
    std::snprintf(buffer, sizeof buffer, "%.0f B", bytes);
  else if (bytes < 1e6)
    std::snprintf(buffer, sizeof buffer, "%.1f kB", bytes / 1e3);
  else if (bytes < 1e9)
    std::snprintf(buffer, sizeof buffer, "%.1f MB", bytes / 1e6);
  else if (bytes < 1e15)
    std::snprintf(buffer, sizeof buffer, "%.1f GB", bytes / 1e9);
  else
    std::snprintf(buffer, sizeof buffer, "%.2g GB", bytes / 1e9);
  return buffer;
}

}  // namespace neurode::io
