#include "io/provenance.hpp"

#include <mpi.h>

#include <array>
#include <cstdio>
#include <ctime>

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

}  // namespace

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
  return p;
}

void write_provenance(Hdf5File& file, const Provenance& p) {
  file.create_group("/provenance");
  file.set_attribute("/provenance", "neurode_version", p.neurode_version);
  file.set_attribute("/provenance", "git_revision", p.git_revision);
  file.set_attribute("/provenance", "date_utc", p.date_utc);
  file.set_attribute("/provenance", "mpi_ranks", static_cast<double>(p.mpi_ranks));
  file.set_attribute("/provenance", "petsc_version", p.petsc_version);
  file.set_attribute("/provenance", "hdf5_version", p.hdf5_version);
  file.set_attribute("/provenance", "command_line", p.command_line);
}

}  // namespace neurode::io
