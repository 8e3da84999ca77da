#include "io/provenance.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "io/build_info.hpp"
#include "petsc/session.hpp"

namespace neurode::io {
namespace {

std::string git_revision() {
  // Asked at run time, so a rebuilt binary never reports a stale revision.
  const std::string command = std::string("git -C '") + build_info::source_dir +
                              "' describe --always --dirty --abbrev=12 2>/dev/null";
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    std::array<char, 128> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::string now_utc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// Host names are at most HOST_NAME_MAX (64 on Linux) bytes; one more keeps the terminating zero,
// which gethostname leaves out when it truncates.
constexpr int kHostNameBytes = HOST_NAME_MAX + 1;

std::string this_host() {
  std::array<char, kHostNameBytes + 1> name{};
  if (gethostname(name.data(), kHostNameBytes) != 0) return "unknown";
  return name.data();
}

// The hosts of all ranks, once record_run_hosts has run.
std::optional<std::vector<std::string>>& recorded_hosts() {
  static std::optional<std::vector<std::string>> hosts;
  return hosts;
}

}  // namespace

void record_run_hosts(MPI_Comm comm) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  std::array<char, kHostNameBytes> mine{};
  const std::string host = this_host();
  std::copy_n(host.begin(), std::min<std::size_t>(host.size(), kHostNameBytes - 1), mine.begin());
  std::vector<char> all(static_cast<std::size_t>(ranks) * kHostNameBytes);
  MPI_Allgather(mine.data(), kHostNameBytes, MPI_CHAR, all.data(), kHostNameBytes, MPI_CHAR, comm);
  std::vector<std::string> hosts;
  for (int r = 0; r < ranks; ++r) hosts.emplace_back(all.data() + static_cast<std::size_t>(r) * kHostNameBytes);
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  recorded_hosts() = std::move(hosts);
}

Provenance current_provenance(const std::string& command_line) {
  Provenance p;
  p.neurode_version = build_info::version;
  p.git_revision = git_revision();
  p.date_utc = now_utc();
  MPI_Comm_size(MPI_COMM_WORLD, &p.mpi_ranks);
  p.petsc_version = petsc::version_string();
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  p.hdf5_version = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
  p.command_line = command_line;
  p.build_type = build_info::build_type;
  p.compiler = build_info::compiler;
  p.compiler_flags = build_info::compiler_flags;
  p.slurm_job_id = environment("SLURM_JOB_ID");
  p.slurm_array_job_id = environment("SLURM_ARRAY_JOB_ID");
  p.slurm_array_task_id = environment("SLURM_ARRAY_TASK_ID");
  p.hosts = recorded_hosts().value_or(std::vector<std::string>{this_host()});
  return p;
}

void write_provenance(Hdf5File& file, const Provenance& p) {
  const std::string g = "/provenance";
  file.create_group(g);
  file.set_attribute(g, "neurode_version", p.neurode_version);
  file.set_attribute(g, "git_revision", p.git_revision);
  file.set_attribute(g, "date_utc", p.date_utc);
  file.set_attribute(g, "mpi_ranks", static_cast<double>(p.mpi_ranks));
  file.set_attribute(g, "petsc_version", p.petsc_version);
  file.set_attribute(g, "hdf5_version", p.hdf5_version);
  file.set_attribute(g, "command_line", p.command_line);
  file.set_attribute(g, "build_type", p.build_type);
  file.set_attribute(g, "compiler", p.compiler);
  file.set_attribute(g, "compiler_flags", p.compiler_flags);
  std::string hosts;
  for (const auto& h : p.hosts) hosts += (hosts.empty() ? "" : ",") + h;
  file.set_attribute(g, "hosts", hosts);
  file.set_attribute(g, "host_count", static_cast<double>(p.hosts.size()));
  // Only the variables that are set: an absent attribute means "not run under Slurm" (or not as
  // an array job), which an empty string would blur with an empty value.
  if (!p.slurm_job_id.empty()) file.set_attribute(g, "slurm_job_id", p.slurm_job_id);
  if (!p.slurm_array_job_id.empty()) file.set_attribute(g, "slurm_array_job_id", p.slurm_array_job_id);
  if (!p.slurm_array_task_id.empty()) file.set_attribute(g, "slurm_array_task_id", p.slurm_array_task_id);
}

}  // namespace neurode::io
