#pragma once
/// The one result file of a scan, written through parallel HDF5 (MPI-IO) by every rank together:
/// /scan (the scan's text, columns and table) and /points/NNNNN (each point's whole result, copied
/// from its file). The metadata (groups, datasets, attributes) is created collectively, in the same
/// order on every rank, and each point's data is written by one rank alone (point p by rank
/// p mod P), so that nothing is gathered on any rank and the file's layout does not depend on the
/// number of ranks. Strings are stored as fixed-length UTF-8 (MPI-IO cannot write variable-length
/// data).
#include <mpi.h>

#include <string>

#include "scan/point_store.hpp"
#include "scan/scan_spec.hpp"
#include "scan/scan_table.hpp"

namespace neurode::scan {

/// Collective over `comm`. Writes under a temporary name (PATH.tmp), syncs, and renames it into
/// place, so that a killed merge never leaves a half-written PATH. Throws io::OutputError on every
/// rank when any rank could not write.
void write_scan_file(const std::string& path, const ScanSpec& spec, const ScanTable& table,
                     const PointStore& store, MPI_Comm comm);

}  // namespace neurode::scan
