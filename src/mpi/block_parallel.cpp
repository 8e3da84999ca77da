#include "mpi/block_parallel.hpp"

#include <algorithm>
#include <tuple>

#include "mpi/interruption.hpp"
#include "mpi/world.hpp"

namespace neurode::mpi {

BlockParallel::BlockParallel(std::size_t items, std::size_t block_size, MPI_Comm comm)
    : items_(items),
      block_size_(block_size == 0 ? std::max<std::size_t>(items, 1) : block_size),
      blocks_((items + block_size_ - 1) / block_size_),
      comm_(comm) {
  std::tie(first_, end_) = block_range(blocks_, rank(comm), size(comm));
}

std::pair<std::size_t, std::size_t> BlockParallel::items_of(std::size_t b) const {
  const std::size_t begin = b * block_size_;
  return {begin, std::min(items_, begin + block_size_)};
}

std::string BlockParallel::first_failure_here(const std::function<std::string(std::size_t)>& work) const {
  for (std::size_t b = first_; b < end_; ++b) {
    // The remaining blocks would be thrown away: every rank stops at the agreement below.
    if (interruption_requested()) return {};
    if (std::string failure = work(b); !failure.empty()) return failure;
  }
  return {};
}

std::vector<double> BlockParallel::gather_to_all(const std::vector<double>& local) const {
  // Blocks are dealt in contiguous runs, so rank order is block order.
  return allgather_concatenated(local, comm_);
}

std::vector<double> BlockParallel::gather_to_root(const std::vector<double>& local) const {
  return gather_concatenated(local, comm_);
}

std::string agreed_failure(const std::string& local_failure, MPI_Comm comm,
                           const std::string& interrupted_note) {
  // An interruption wins over a failure: a solve cut short by the signal also reports one.
  if (interrupted_anywhere(comm))
    throw Interrupted("interrupted by " + interruption_signal_name() + interrupted_note);
  return first_message(local_failure, comm);
}

}  // namespace neurode::mpi
