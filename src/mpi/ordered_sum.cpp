#include "mpi/ordered_sum.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

#include "mpi/world.hpp"

namespace neurode::mpi {
namespace {

// 256 KiB of the running sum per message: small enough to keep the pipeline full and the chunk in
// cache while a rank adds its rows onto it, large enough that per-message costs do not matter.
constexpr std::size_t kChunk = std::size_t{1} << 15;
constexpr int kTag = 0x6f73;  // "os"

}  // namespace

std::vector<double> ordered_sum(const std::vector<double>& local_rows, std::size_t width, MPI_Comm comm) {
  if (width == 0) return {};
  if (local_rows.size() % width != 0)
    throw std::logic_error("ordered_sum: " + std::to_string(local_rows.size()) +
                           " values are not whole rows of " + std::to_string(width));
  const int me = rank(comm), ranks = size(comm);
  const bool receives = me > 0, sends = me + 1 < ranks;
  const std::size_t rows = local_rows.size() / width;
  const std::size_t chunks = (width + kChunk - 1) / kChunk;
  std::vector<double> sum(width, 0.0);
  // Every chunk of the running sum lands in its own place, so all receives can be posted at once;
  // messages between two ranks arrive in the order they were sent.
  std::vector<MPI_Request> received(receives ? chunks : 0, MPI_REQUEST_NULL);
  std::vector<MPI_Request> sent(sends ? chunks : 0, MPI_REQUEST_NULL);
  for (std::size_t c = 0; c < received.size(); ++c) {
    const std::size_t begin = c * kChunk, count = std::min(kChunk, width - begin);
    MPI_Irecv(sum.data() + begin, static_cast<int>(count), MPI_DOUBLE, me - 1, kTag, comm, &received[c]);
  }
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t begin = c * kChunk, end = std::min(width, begin + kChunk);
    if (receives) MPI_Wait(&received[c], MPI_STATUS_IGNORE);
    // Row after row, each onto the running sum: the order of the sequential sum.
    double* s = sum.data();
    for (std::size_t r = 0; r < rows; ++r) {
      const double* row = local_rows.data() + r * width;
      for (std::size_t k = begin; k < end; ++k) s[k] += row[k];
    }
    if (sends)
      MPI_Isend(sum.data() + begin, static_cast<int>(end - begin), MPI_DOUBLE, me + 1, kTag, comm, &sent[c]);
  }
  MPI_Waitall(static_cast<int>(sent.size()), sent.data(), MPI_STATUSES_IGNORE);
  for (std::size_t begin = 0; begin < width; begin += INT_MAX)
    MPI_Bcast(sum.data() + begin, static_cast<int>(std::min<std::size_t>(INT_MAX, width - begin)), MPI_DOUBLE,
              ranks - 1, comm);
  return sum;
}

}  // namespace neurode::mpi
