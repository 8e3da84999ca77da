#pragma once
/// A counter shared by the ranks of a communicator, held on its rank 0: next() hands out 0, 1, 2,
/// ... to whichever rank asks first (MPI one-sided atomics, MPI_Fetch_and_op), so that ranks that
/// finish early take more items and none waits for the slowest. Which rank takes an item decides
/// nothing but when it is done: the items' results must not depend on it.
#include <mpi.h>

namespace neurode::mpi {

class WorkCounter {
 public:
  /// Collective over `comm`.
  explicit WorkCounter(MPI_Comm comm);
  /// Collective over the communicator given to the constructor.
  ~WorkCounter();
  WorkCounter(const WorkCounter&) = delete;
  WorkCounter& operator=(const WorkCounter&) = delete;

  /// The next item number (not collective). Within one node this is a shared-memory atomic; across
  /// nodes without network atomics it may wait until rank 0 next enters MPI.
  long next();

 private:
  MPI_Win window_ = MPI_WIN_NULL;
  long* value_ = nullptr;
};

}  // namespace neurode::mpi
