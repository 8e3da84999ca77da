#pragma once
/// Deterministic block parallelism, shared by training and simulation ensembles. Items [0, items)
/// are cut into blocks of consecutive items, the blocks are dealt to the ranks in contiguous runs
/// (block_range: rank 0 the first blocks, rank 1 the next, ...), each rank works through its blocks
/// in order, the ranks agree on failure or interruption before any result is used, and results
/// come back in block order. A block's work never depends on the rank that does it and results are
/// put together in block order, so they are bitwise the same for any number of ranks.
///
/// What a rank appends for its blocks, in order, is its contiguous share of a list in global block
/// order: gather_to_all / gather_to_root put the list back together, and mpi::ordered_sum
/// (mpi/ordered_sum.hpp) sums its rows in that order.
#include <mpi.h>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace neurode::mpi {

class BlockParallel {
 public:
  /// Items [0, items) in blocks of `block_size` (the last may be shorter; 0: one block of all
  /// items), dealt to the ranks of `comm`.
  BlockParallel(std::size_t items, std::size_t block_size, MPI_Comm comm = MPI_COMM_WORLD);

  std::size_t items() const { return items_; }
  std::size_t blocks() const { return blocks_; }
  /// This rank's blocks are [first_block(), end_block()); ranks beyond the block count have none.
  std::size_t first_block() const { return first_; }
  std::size_t end_block() const { return end_; }
  /// Items [begin, end) of block `b` (any block, not only this rank's).
  std::pair<std::size_t, std::size_t> items_of(std::size_t b) const;
  MPI_Comm comm() const { return comm_; }

  /// Collective. Runs `work(b)` for this rank's blocks in order; `work` returns "" when block b
  /// succeeded and otherwise what went wrong, which ends this rank's blocks, as does a signal
  /// received here. Then the ranks agree (fail_together): all throw mpi::Interrupted when any rank
  /// was signalled, else all throw Failure with the message of the lowest rank that failed. When
  /// it returns, it returns on every rank and every block of every rank has succeeded.
  template <class Failure>
  void run(const std::function<std::string(std::size_t block)>& work,
           const std::string& interrupted_note = "") const;

  /// Collective: every rank's `local` values (those of its blocks, in order) concatenated in block
  /// order, on every rank.
  std::vector<double> gather_to_all(const std::vector<double>& local) const;
  /// The same on rank 0 only (empty elsewhere), for results too large to hold on every rank.
  std::vector<double> gather_to_root(const std::vector<double>& local) const;

 private:
  std::string first_failure_here(const std::function<std::string(std::size_t)>& work) const;

  std::size_t items_, block_size_, blocks_, first_, end_;
  MPI_Comm comm_;
};

/// Collective agreement after local work: throws mpi::Interrupted ("interrupted by SIGTERM" and
/// `interrupted_note`) on every rank when any rank of `comm` was signalled; otherwise returns, on
/// every rank, the non-empty `local_failure` of the lowest rank that has one, or "" when none does.
std::string agreed_failure(const std::string& local_failure, MPI_Comm comm,
                           const std::string& interrupted_note = "");

/// agreed_failure, throwing Failure(message) on every rank when some rank failed.
template <class Failure>
void fail_together(const std::string& local_failure, MPI_Comm comm,
                   const std::string& interrupted_note = "") {
  if (std::string message = agreed_failure(local_failure, comm, interrupted_note); !message.empty())
    throw Failure(message);
}

template <class Failure>
void BlockParallel::run(const std::function<std::string(std::size_t block)>& work,
                        const std::string& interrupted_note) const {
  fail_together<Failure>(first_failure_here(work), comm_, interrupted_note);
}

}  // namespace neurode::mpi
