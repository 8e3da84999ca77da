#include "mpi/world.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace neurode::mpi {

int rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

int size(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

void print_root(const std::string& line, MPI_Comm comm) {
  if (!is_root(comm)) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::pair<std::size_t, std::size_t> block_range(std::size_t count, int r, int s) {
  const std::size_t ranks = static_cast<std::size_t>(s);
  const std::size_t index = static_cast<std::size_t>(r);
  const std::size_t base = count / ranks, extra = count % ranks;
  const std::size_t begin = index * base + std::min(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

std::vector<double> allgather_concatenated(const std::vector<double>& local, MPI_Comm comm) {
  const int ranks = size(comm);
  int mine = static_cast<int>(local.size());
  std::vector<int> counts(static_cast<std::size_t>(ranks)), offsets(static_cast<std::size_t>(ranks), 0);
  MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  for (std::size_t r = 1; r < counts.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<double> all(static_cast<std::size_t>(offsets.back() + counts.back()));
  MPI_Allgatherv(local.data(), mine, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, comm);
  return all;
}

std::vector<double> gather_concatenated(const std::vector<double>& local, MPI_Comm comm) {
  const int ranks = size(comm);
  std::int64_t total = static_cast<std::int64_t>(local.size());
  MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, comm);
  if (total > std::numeric_limits<int>::max())
    throw std::length_error("gather: " + std::to_string(total) + " values exceed MPI's int counts");
  int mine = static_cast<int>(local.size());
  std::vector<int> counts(static_cast<std::size_t>(ranks)), offsets(static_cast<std::size_t>(ranks), 0);
  MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  std::vector<double> all;
  if (is_root(comm)) {
    for (std::size_t r = 1; r < counts.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(local.data(), mine, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, 0, comm);
  return all;
}

std::string first_message(const std::string& local, MPI_Comm comm) {
  const int ranks = size(comm);
  int from = local.empty() ? ranks : rank(comm);
  MPI_Allreduce(MPI_IN_PLACE, &from, 1, MPI_INT, MPI_MIN, comm);
  if (from == ranks) return {};
  int length = static_cast<int>(local.size());
  MPI_Bcast(&length, 1, MPI_INT, from, comm);
  std::string message = rank(comm) == from ? local : std::string(static_cast<std::size_t>(length), '\0');
  MPI_Bcast(message.data(), length, MPI_CHAR, from, comm);
  return message;
}

}  // namespace neurode::mpi
