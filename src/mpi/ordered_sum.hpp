#pragma once
/// A sum of rows in a fixed global order: bitwise the same for any number of ranks, at O(width)
/// memory and traffic per rank.
#include <mpi.h>

#include <cstddef>
#include <vector>

namespace neurode::mpi {

/// Every rank holds a contiguous share of a global list of rows of `width` values, rank r's share
/// following rank r - 1's (as BlockParallel deals blocks). Returns, on every rank, the vector s with
///     s[k] = ((0 + row_0[k]) + row_1[k]) + ... + row_{n-1}[k]
/// over all rows in global order: the same additions, in the same order, as one process adding
/// the rows one after the other, so the same bits for any number of ranks.
///
/// A chain: rank 0 adds its rows, in order, onto zeros and passes the running sum to rank 1, which
/// adds its rows onto it and passes it on, and so on (a rank without rows passes it on as it is);
/// the last rank then holds the total and broadcasts it. The running sum travels in chunks, so
/// that rank r + 1 adds onto one chunk while rank r is still adding onto the next.
///
/// Memory beyond the caller's rows: the sum (width values). Communication per rank: width values
/// received from rank r - 1 (all but rank 0) and sent to rank r + 1 (all but the last), then one
/// broadcast of width values. Gathering the rows instead would hold and receive every rank's rows,
/// n x width values, on every rank. Time: the hops are sequential, so the chain adds a latency of
/// (ranks - 1) chunk transfers to one pass over the data; a tree would be shorter but would change
/// the order of the additions, and with it the bits.
///
/// Collective; every rank passes the same `width`. Uses point-to-point messages on `comm` with a
/// tag of its own. Throws std::logic_error when local_rows.size() is not a multiple of width.
std::vector<double> ordered_sum(const std::vector<double>& local_rows, std::size_t width,
                                MPI_Comm comm = MPI_COMM_WORLD);

}  // namespace neurode::mpi
