// mpi::BlockParallel, mpi::ordered_sum and the trainer on 4 ranks (cases in block_parallel_cases.inc).
constexpr int kRanks = 4;
#include "block_parallel_cases.inc"
