#include "mpi/work_counter.hpp"

namespace neurode::mpi {

WorkCounter::WorkCounter(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const MPI_Aint bytes = rank == 0 ? static_cast<MPI_Aint>(sizeof(long)) : 0;
  MPI_Win_allocate(bytes, sizeof(long), MPI_INFO_NULL, comm, &value_, &window_);
  if (rank == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_);
    *value_ = 0;
    MPI_Win_unlock(0, window_);
  }
  MPI_Barrier(comm);  // no rank asks before the counter is set
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window_);
}

WorkCounter::~WorkCounter() {
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

long WorkCounter::next() {
  const long one = 1;
  long taken = 0;
  MPI_Fetch_and_op(&one, &taken, MPI_LONG, 0, 0, MPI_SUM, window_);
  MPI_Win_flush(0, window_);
  return taken;
}

}  // namespace neurode::mpi
