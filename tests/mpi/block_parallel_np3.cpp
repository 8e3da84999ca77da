// mpi::BlockParallel, mpi::ordered_sum and the trainer on 3 ranks (cases in block_parallel_cases.inc).
constexpr int kRanks = 3;
#include "block_parallel_cases.inc"
