#include "io/memory_limit.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

namespace neurode::io {
namespace {

// A limit file's value: a byte count, or none for "max" (cgroup v2) and unreadable files.
std::uint64_t limit_in_file(const std::string& path) {
  std::ifstream limit(path);
  std::string value;
  if (!(limit >> value) || value == "max") return std::numeric_limits<std::uint64_t>::max();
  try {
    return std::stoull(value);
  } catch (const std::exception&) {
    return std::numeric_limits<std::uint64_t>::max();
  }
}

// The smallest limit in `file` of the group `group` (e.g. "/slurm/job_12/step_0") and its ancestors
// under `mount`: a job's limit may sit on the job's group and its processes in a step below it.
std::uint64_t smallest_up_the_tree(const std::string& mount, std::string group, const std::string& file) {
  std::uint64_t smallest = std::numeric_limits<std::uint64_t>::max();
  while (true) {
    while (!group.empty() && group.back() == '/') group.pop_back();
    smallest = std::min(smallest, limit_in_file(mount + group + "/" + file));
    if (group.empty()) return smallest;
    group.erase(group.rfind('/'));
  }
}

}  // namespace

std::uint64_t cgroup_memory_limit(const std::string& membership, const std::string& root) {
  std::uint64_t smallest = std::numeric_limits<std::uint64_t>::max();
  std::istringstream lines(membership);
  std::string line;
  while (std::getline(lines, line)) {
    // "ID:CONTROLLERS:PATH"; the path may itself contain ':'.
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string group = line.substr(second + 1);
    if (group.empty() || group.front() != '/') continue;
    if (line.rfind("0::", 0) == 0) {
      smallest = std::min(smallest, smallest_up_the_tree(root, group, "memory.max"));
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ','))
      if (name == "memory")
        smallest = std::min(smallest, smallest_up_the_tree(root + "/memory", group, "memory.limit_in_bytes"));
  }
  return smallest;
}

namespace {

std::uint64_t cgroup_limit() {
  std::ifstream membership("/proc/self/cgroup");
  std::ostringstream text;
  text << membership.rdbuf();
  return cgroup_memory_limit(text.str(), "/sys/fs/cgroup");
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
