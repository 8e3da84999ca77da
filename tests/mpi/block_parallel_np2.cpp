// mpi::BlockParallel, mpi::ordered_sum and the trainer on 2 ranks (cases in block_parallel_cases.inc).
constexpr int kRanks = 2;
#include "block_parallel_cases.inc"
