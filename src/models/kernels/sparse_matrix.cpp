#include "models/kernels/sparse_matrix.hpp"

#include <algorithm>

namespace neurode::models {

SparseMatrix SparseMatrix::from_entries(
    std::size_t rows, std::size_t cols,
    const std::map<std::pair<std::size_t, std::size_t>, double>& entries) {
  SparseMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_start.assign(rows + 1, 0);
  for (const auto& [index, v] : entries) ++m.row_start[index.first + 1];
  for (std::size_t r = 0; r < rows; ++r) m.row_start[r + 1] += m.row_start[r];
  m.col.reserve(entries.size());
  m.value.reserve(entries.size());
  for (const auto& [index, v] : entries) {  // std::map iterates in (row, col) order
    m.col.push_back(index.second);
    m.value.push_back(v);
  }
  return m;
}

std::size_t SparseMatrix::find(std::size_t r, std::size_t c) const {
  if (r >= rows) return npos;
  const auto begin = col.begin() + static_cast<std::ptrdiff_t>(row_start[r]);
  const auto end = col.begin() + static_cast<std::ptrdiff_t>(row_start[r + 1]);
  const auto it = std::lower_bound(begin, end, c);
  return (it != end && *it == c) ? static_cast<std::size_t>(it - col.begin()) : npos;
}

double SparseMatrix::at(std::size_t r, std::size_t c) const {
  const std::size_t k = find(r, c);
  return k == npos ? 0.0 : value[k];
}

std::vector<double> SparseMatrix::dense() const {
  std::vector<double> out(rows * cols, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = row_start[r]; k < row_start[r + 1]; ++k) out[r * cols + col[k]] = value[k];
  return out;
}

}  // namespace neurode::models
