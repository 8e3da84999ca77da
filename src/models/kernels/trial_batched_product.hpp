#pragma once
/// Sparse products for a batch of trials that share one matrix. Inputs and outputs are
/// population-major (the trials of one population contiguous), so each stored entry is read once
/// per batch and the innermost loop runs over trials in vector registers.
///
/// Each trial's sum starts from 0 and adds the row's entries in stored order, exactly the
/// operations of a product for that trial alone: a trial's result does not depend on the size of
/// the batch it is integrated in (which is what keeps trainings bitwise equal across rank counts).
#include <cstddef>
#include <vector>

#include "models/kernels/sparse_matrix.hpp"

namespace neurode::models {

/// A dense copy of a sparse matrix for the trials a block has left over after its groups of 4
/// (a block of 1 to 3 trials, or the last trials of a larger one): column-major with the rows padded
/// to a multiple of 4, so that the vector lanes run over rows and each row's sum still runs over the
/// columns in order. The structural zeros add +-0 to a sum that starts at +0 and so is never -0:
/// the sums are bitwise the sparse ones (for finite inputs; a non-finite rate fails the solve's
/// divergence check either way). Kept only where it pays: 8% of the entries stored or more.
struct DenseColumns {
  std::size_t rows = 0, cols = 0, padded_rows = 0;
  std::vector<double> value;  ///< cols x padded_rows; empty when the sparse form is used
  bool used() const { return !value.empty(); }
};

/// The dense copy of A when A is dense enough (see DenseColumns), else an empty one.
DenseColumns dense_columns(const SparseMatrix& A);
/// Rewrites the values of `dense` from A (same pattern), after A's values changed.
void refresh_dense_columns(const SparseMatrix& A, DenseColumns& dense);

/// out[i T + t] = sum_e A.value[e] in[A.col[e] T + t] for every row i of A and trial t < T. With
/// `dense` (A's DenseColumns) the trials outside groups of 4 use the dense copy.
void multiply_over_trials(const SparseMatrix& A, const double* in, std::size_t trials, double* out,
                          const DenseColumns* dense = nullptr);

/// out[i T + t] = in[t stride + i] for i < n, t < trials: the first n values of each trial's
/// record, population-major.
void to_population_major(const double* in, std::size_t stride, std::size_t n, std::size_t trials,
                         double* out);

/// out[t n + i] = in[i T + t]: back to one contiguous run of n values per trial.
void to_trial_major(const double* in, std::size_t n, std::size_t trials, double* out);

/// A^T, whose row j lists A's entries of column j by increasing row of A: the order in which a
/// scatter over A's rows adds them, so a gather over A^T's rows gives bitwise the same sums.
/// source[e] is the position in A.value of A^T's entry e (to refresh values after A changes).
SparseMatrix transpose(const SparseMatrix& A, std::vector<std::size_t>& source);

}  // namespace neurode::models
