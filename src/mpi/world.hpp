#pragma once
/// MPI helpers: rank-0 printing, the dealing of items to ranks, and gathers in rank order. Nothing
/// here reduces in a tree: results that are summed are summed in a fixed global order
/// (mpi/ordered_sum.hpp), so that they do not depend on the number of ranks.
#include <mpi.h>

#include <string>
#include <utility>
#include <vector>

namespace neurode::mpi {

int rank(MPI_Comm comm = MPI_COMM_WORLD);
int size(MPI_Comm comm = MPI_COMM_WORLD);
inline bool is_root(MPI_Comm comm = MPI_COMM_WORLD) { return rank(comm) == 0; }

/// Prints a line on rank 0 only (stdout, flushed).
void print_root(const std::string& line, MPI_Comm comm = MPI_COMM_WORLD);

/// Items [0, count) are dealt to ranks in contiguous blocks; returns this rank's [begin, end).
std::pair<std::size_t, std::size_t> block_range(std::size_t count, int rank, int size);

/// Concatenates every rank's `local` values in rank order, on every rank (sizes may differ).
std::vector<double> allgather_concatenated(const std::vector<double>& local, MPI_Comm comm = MPI_COMM_WORLD);
/// The same on rank 0 only (empty elsewhere): results too large to hold on every rank. Throws
/// std::length_error when the total exceeds MPI's int counts.
std::vector<double> gather_concatenated(const std::vector<double>& local, MPI_Comm comm = MPI_COMM_WORLD);
/// The non-empty `local` message of the lowest rank that has one, on every rank; "" when no rank
/// has one (collective). A failure seen by one rank is then reported once, by rank 0, in its words.
std::string first_message(const std::string& local, MPI_Comm comm = MPI_COMM_WORLD);

}  // namespace neurode::mpi
