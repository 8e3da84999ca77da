#pragma once
/// Compressed sparse rows: the recurrent and input weights of a network are block-sparse, so
/// products cost the number of connections, not N^2.
#include <cstddef>
#include <map>
#include <utility>
#include <vector>

namespace neurode::models {

struct SparseMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::size_t> row_start;  ///< size rows + 1
  std::vector<std::size_t> col;        ///< column of each stored entry
  std::vector<double> value;

  /// Builds from (row, col) -> value; entries are stored sorted by row then column.
  static SparseMatrix from_entries(std::size_t rows, std::size_t cols,
                                   const std::map<std::pair<std::size_t, std::size_t>, double>& entries);
  /// Position of (r, c) in `value`, or npos when the entry is not stored.
  std::size_t find(std::size_t r, std::size_t c) const;
  double at(std::size_t r, std::size_t c) const;
  std::vector<double> dense() const;  ///< row-major rows x cols
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

}  // namespace neurode::models
