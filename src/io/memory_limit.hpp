#pragma once
/// How much memory a run may use, for the size checks that refuse a run before it allocates
/// (docs/reliability.md, "Input checks"): inputs whose estimate exceeds it are bad input (exit 2).
#include <cstdint>
#include <string>

namespace neurode::io {

/// The memory this process may use, in bytes: the machine's physical memory, or less when the
/// process is confined: an address-space or data-segment limit (`ulimit -v`, `ulimit -d`) or the
/// memory limit of its control group (cgroup v2 `memory.max`, as Slurm confines a job to its
/// allocation; cgroup v1 `memory.limit_in_bytes` on older clusters). Computed once.
std::uint64_t memory_limit_bytes();
/// The smallest memory limit of the control groups that `membership` (the text of
/// /proc/self/cgroup) names under `root` (/sys/fs/cgroup), each group and its ancestors: cgroup v2
/// `memory.max` for the unified line "0::PATH", cgroup v1 `ROOT/memory/PATH/memory.limit_in_bytes`
/// for the line of the memory controller. UINT64_MAX when none is set or readable.
std::uint64_t cgroup_memory_limit(const std::string& membership, const std::string& root);
/// What memory_limit_bytes() is, for messages: "23.4 GB (physical memory)".
std::string describe_memory_limit();
/// A byte count for messages: "512 B", "3.1 MB", "384 GB", "1.2e+13 GB".
std::string format_bytes(double bytes);

}  // namespace neurode::io
