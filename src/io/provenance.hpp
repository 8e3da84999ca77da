#pragma once
/// Where a result came from: written as attributes of /provenance in every output file.
#include <string>

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
};

/// Collects the provenance of this run (collective over MPI_COMM_WORLD only in that it asks its size).
Provenance current_provenance(const std::string& command_line);
void write_provenance(Hdf5File& file, const Provenance& provenance);

}  // namespace neurode::io
