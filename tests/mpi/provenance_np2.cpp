// io::record_run_hosts gathers the host names of all ranks (a collective), and current_provenance
// on rank 0 alone then reports them, sorted and distinct: two ranks on this machine, one host.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <array>
#include <string>

#include "io/provenance.hpp"

namespace neurode {
namespace {

TEST(ProvenanceHosts, AllRanksGatheredDistinct) {
  int ranks = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  EXPECT_EQ(ranks, 2);
  io::record_run_hosts(MPI_COMM_WORLD);
  std::array<char, 256> name{};
  gethostname(name.data(), name.size() - 1);
  if (rank == 0) {  // as the commands call it: on rank 0 only, no collective inside
    const io::Provenance p = io::current_provenance("test");
    EXPECT_EQ(p.hosts, std::vector<std::string>{name.data()});
    EXPECT_EQ(p.mpi_ranks, 2);
  }
}

}  // namespace
}  // namespace neurode
