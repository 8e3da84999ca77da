#pragma once
/// Where a result came from: written as attributes of /provenance in every output file.
#include <mpi.h>

#include <string>
#include <vector>

#include "io/hdf5_file.hpp"

namespace neurode::io {

struct Provenance {
  std::string neurode_version;
  std::string git_revision;  ///< of the source tree the binary was built from, "unknown" outside git
  std::string date_utc;      ///< ISO 8601
  int mpi_ranks = 1;
  std::string petsc_version;
  std::string hdf5_version;
  std::string command_line;
  std::string build_type;      ///< CMAKE_BUILD_TYPE, e.g. "Release"
  std::string compiler;        ///< id and version, e.g. "GNU 12.2.0"
  std::string compiler_flags;  ///< CMAKE_CXX_FLAGS and the build type's flags
  /// The Slurm job the run belongs to; empty when the variable is not set (not under Slurm, or
  /// not an array job).
  std::string slurm_job_id, slurm_array_job_id, slurm_array_task_id;
  /// The distinct host names of the ranks, sorted: all ranks' after record_run_hosts, else this
  /// process's alone.
  std::vector<std::string> hosts;
};

/// Collective over `comm`: gathers every rank's host name and keeps the sorted distinct list for
/// current_provenance. Called once by every rank early in main(), because current_provenance runs
/// on rank 0 alone (while writing an output) and so cannot gather anything itself.
void record_run_hosts(MPI_Comm comm = MPI_COMM_WORLD);

/// Collects the provenance of this run. Not collective: it asks MPI_COMM_WORLD its size and reads
/// the hosts recorded by record_run_hosts.
Provenance current_provenance(const std::string& command_line);
void write_provenance(Hdf5File& file, const Provenance& provenance);

}  // namespace neurode::io
