#include "solvers/trajectory_store.hpp"

#include <algorithm>
#include <stdexcept>

namespace neurode::solvers {

TrajectoryStore::TrajectoryStore(std::size_t checkpoint_every) : stride_(checkpoint_every) {
  if (stride_ == 0) throw std::invalid_argument("checkpoint_every must be >= 1");
}

void TrajectoryStore::on_start(double t0, const double* y0, std::size_t n) {
  n_ = n;
  t0_ = t0;
  steps_.clear();
  states_.assign(y0, y0 + n);
  final_.assign(y0, y0 + n);
}

void TrajectoryStore::on_step(double t_start, double t_end, std::size_t segment, const double* y_end) {
  steps_.push_back({t_start, t_end, segment});
  if (steps_.size() % stride_ == 0) states_.insert(states_.end(), y_end, y_end + n_);
  std::copy(y_end, y_end + n_, final_.begin());
}

const double* TrajectoryStore::checkpoint(std::size_t k) const {
  if (k == steps_.size()) return final_.data();
  if (k % stride_ != 0) throw std::logic_error("state " + std::to_string(k) + " is not a checkpoint");
  return &states_[(k / stride_) * n_];
}

std::size_t TrajectoryStore::bytes() const {
  return (states_.capacity() + final_.capacity()) * sizeof(double) + steps_.capacity() * sizeof(StepRecord);
}

}  // namespace neurode::solvers
