#include "solvers/rk_discrete_adjoint.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace neurode::solvers {
namespace {

// Requests for a block of memory issued a few 64-byte lines at a time, between the sweep's own
// state-sized loops, rather than in one burst: a burst fills the core's few outstanding-miss
// buffers and stalls the loads that follow it.
class SpreadPrefetch {
 public:
  void start(const double* data, std::size_t count, std::size_t pieces) {
    next_ = reinterpret_cast<const char*>(data);
    end_ = data == nullptr ? next_ : reinterpret_cast<const char*>(data + count);
    const std::size_t lines = (count + 7) / 8;
    per_piece_ = pieces == 0 ? lines : (lines + pieces - 1) / pieces;
  }
  void piece() { issue(per_piece_); }
  void rest() { issue(static_cast<std::size_t>(-1)); }

 private:
  void issue(std::size_t lines) {
    // Into the outer caches (prefetcht2 on x86), not non-temporal: the line is read steps later,
    // after the steps' working sets have passed through L1 (where a non-temporal line would be
    // evicted and fetched from memory again).
    for (; lines > 0 && next_ < end_; --lines, next_ += 64) __builtin_prefetch(next_, 0, 1);
  }
  const char* next_ = nullptr;
  const char* end_ = nullptr;
  std::size_t per_piece_ = 0;
};

constexpr std::size_t kPieceSize = 128;    // doubles of a state-sized loop between two prefetch pieces
constexpr std::size_t kPrefetchSteps = 3;  // how many steps ahead of the sweep the requests run

}  // namespace

RkDiscreteAdjoint::RkDiscreteAdjoint(models::Model& model, ButcherTableau tableau)
    : model_(model), tableau_(std::move(tableau)), n_(model.state_size()) {
  const int s = tableau_.stages;
  needed_ = tableau_.stages_needed();
  slot_.assign(static_cast<std::size_t>(s), 0);
  std::size_t count = 0;
  for (std::size_t i = 0; i < needed_.size(); ++i)
    if (needed_[i]) slot_[i] = count++;
  needed_count_ = count;
  slope_feeds_a_stage_.assign(static_cast<std::size_t>(s), false);
  for (int i = 0; i < s; ++i)
    for (int j = i + 1; j < s; ++j)
      if (needed_[static_cast<std::size_t>(j)] && tableau_.a(j, i) != 0.0)
        slope_feeds_a_stage_[static_cast<std::size_t>(i)] = true;
  const std::size_t stage_storage = static_cast<std::size_t>(s) * n_;
  Y_.resize(stage_storage);
  K_.resize(stage_storage);
  W_.resize(stage_storage);
  u_.resize(n_);
  lambda_.resize(n_);
  pending_.resize(n_);
  cotangent_.resize(n_);
  if (tableau_.interpolate) {
    interpolated_.assign(stage_storage, 0.0);
    weights_.resize(static_cast<std::size_t>(s));
  }
}

// Like the sweep's loops below: vector code for AVX2 as well, without FMA (the same bits).
__attribute__((target_clones("avx2", "default"))) void RkDiscreteAdjoint::compute_stages(
    double t, double h, std::size_t segment, const double* y, bool all_slopes, const double* linearisations) {
  const int s = tableau_.stages;
  const std::size_t L = model_.linearisation_size();
  for (int i = 0; i < s; ++i) {
    if (!needed_[static_cast<std::size_t>(i)]) continue;
    double* Yi = &Y_[static_cast<std::size_t>(i) * n_];
    std::copy(y, y + n_, Yi);
    for (int j = 0; j < i; ++j) {
      const double coefficient = h * tableau_.a(i, j);
      if (coefficient == 0.0) continue;
      const double* Kj = &K_[static_cast<std::size_t>(j) * n_];
      for (std::size_t q = 0; q < n_; ++q) Yi[q] += coefficient * Kj[q];
    }
    // Euler's one slope, RK4's last: nothing in the backward sweep reads them.
    if (!all_slopes && !slope_feeds_a_stage_[static_cast<std::size_t>(i)]) continue;
    const double ti = t + tableau_.c[static_cast<std::size_t>(i)] * h;
    double* Ki = &K_[static_cast<std::size_t>(i) * n_];
    if (linearisations == nullptr) {
      model_.rhs(ti, segment, Yi, Ki);
      ++rhs_evaluations_;
    } else {
      model_.rhs_from_linearisation(ti, segment, Yi, linearisations + slot_[static_cast<std::size_t>(i)] * L,
                                    Ki);
    }
  }
}

void RkDiscreteAdjoint::step(double t, double h, std::size_t segment, const double* y, double* y_next) {
  compute_stages(t, h, segment, y, true);
  std::copy(y, y + n_, y_next);
  for (int i = 0; i < tableau_.stages; ++i) {
    const double coefficient = h * tableau_.b[static_cast<std::size_t>(i)];
    if (coefficient == 0.0) continue;
    const double* Ki = &K_[static_cast<std::size_t>(i) * n_];
    for (std::size_t q = 0; q < n_; ++q) y_next[q] += coefficient * Ki[q];
  }
}

struct RkDiscreteAdjoint::Sweep {
  struct Term {
    double coefficient;
    const double* W;
  };

  const TrajectoryStore& store;
  const Solution& solution;
  const ObservationCost& cost;
  AdjointResult result;
  std::size_t stride;         ///< the store's checkpoint_every
  std::size_t L;              ///< the model's linearisation size
  bool linearised;            ///< the stored steps' stage linearisations are in this method's layout
  bool read_state;            ///< the products from a linearisation read the stage states
  std::vector<double> block;  ///< the states of a block of steps, recomputed from its checkpoint
  std::size_t block_start;    ///< the first step whose start state is in block; steps() = none
  long k;                     ///< the latest observation not yet added
  bool pending_used = false;  ///< pending_ is cleared only after a step that used it
  SpreadPrefetch prefetcher;
  std::size_t pieces_per_step;  ///< state pieces of a step's loops, over which the prefetch is spread
  std::vector<Term> terms;      ///< of u_i = h b_i lambda + sum_j h a_ji W_j

  Sweep(const RkDiscreteAdjoint& adjoint, const TrajectoryStore& s, const Solution& out,
        const ObservationCost& c)
      : store(s),
        solution(out),
        cost(c),
        stride(s.checkpoint_every()),
        L(adjoint.model_.linearisation_size()) {
    const std::size_t N = s.steps(), n = adjoint.n_;
    result.gradient.assign(adjoint.model_.gradient_rows() * adjoint.model_.parameter_size(), 0.0);
    linearised = stride == 1 && L > 0 && s.recorded_steps() > 0 && s.stage_count() == adjoint.needed_count_ &&
                 s.linearisation_size() == L;
    read_state = adjoint.model_.linearised_products_read_state();
    block.resize(std::min(stride, std::max<std::size_t>(N, 1)) * n);
    block_start = N;
    k = static_cast<long>(out.times.size()) - 1;
    pieces_per_step = (adjoint.needed_count_ + 1) * ((n + kPieceSize - 1) / kPieceSize);
    terms.resize(static_cast<std::size_t>(adjoint.tableau_.stages));
  }
};

AdjointResult RkDiscreteAdjoint::run(const TrajectoryStore& store, const Solution& solution,
                                     const ObservationCost& cost) {
  const auto wall_start = std::chrono::steady_clock::now();
  rhs_evaluations_ = 0;
  std::fill(lambda_.begin(), lambda_.end(), 0.0);
  std::fill(interpolated_.begin(), interpolated_.end(), 0.0);
  interpolated_used_ = false;
  std::fill(pending_.begin(), pending_.end(), 0.0);
  Sweep sweep(*this, store, solution, cost);
  for (std::size_t m = store.steps(); m-- > 0;) {
    const StepRecord& step = store.step(m);
    add_observations_in(sweep, step);
    const double* stages = sweep.linearised ? store.stage_linearisations(m) : nullptr;
    prefetch_ahead(sweep, m);
    prepare_stages(sweep, m, stages);
    if (stages != nullptr) ++sweep.result.linearised_steps;
    differentiate_stages(sweep, step, stages);
    step_lambda_back(sweep);
  }
  for (; sweep.k >= 0; --sweep.k)
    add_cotangent(sweep, static_cast<std::size_t>(sweep.k), 1.0, lambda_);  // at t0
  AdjointResult result = std::move(sweep.result);
  result.dl_dy0 = lambda_;
  result.rhs_evaluations = rhs_evaluations_;
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

void RkDiscreteAdjoint::add_cotangent(Sweep& sweep, std::size_t k, double weight,
                                      std::vector<double>& target) {
  // An observation at a step end (every step when outputs are dense) adds straight into the
  // target: no clearing and copying of a state-sized vector per step.
  if (weight == 1.0) {
    sweep.cost.add_cotangent(k, sweep.solution.state(k), target.data());
    return;
  }
  std::fill(cotangent_.begin(), cotangent_.end(), 0.0);
  sweep.cost.add_cotangent(k, sweep.solution.state(k), cotangent_.data());
  for (std::size_t q = 0; q < n_; ++q) target[q] += weight * cotangent_[q];
}

void RkDiscreteAdjoint::add_observations_in(Sweep& sweep, const StepRecord& step) {
  const auto same_time = [](double a, double b) {
    return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b));
  };
  const double h = step.t_end - step.t_start;
  for (; sweep.k >= 0; --sweep.k) {
    const auto k = static_cast<std::size_t>(sweep.k);
    const double tk = sweep.solution.times[k];
    if (!(tk > step.t_start) || same_time(tk, step.t_start)) break;
    const double theta = same_time(tk, step.t_end) ? 1.0 : (tk - step.t_start) / h;
    if (theta != 1.0 && tableau_.interpolate) {
      add_interpolated_cotangent(sweep, k, theta);
      continue;
    }
    add_cotangent(sweep, k, theta, lambda_);
    if (theta != 1.0) {
      add_cotangent(sweep, k, 1.0 - theta, pending_);
      sweep.pending_used = true;
    }
  }
}

// y(t_k) = y_n + h sum_i b_i(theta) K_i: dL/dy(t_k) enters at the step's start (pending) and, with
// weight b_i(theta) (h is applied with the stage's other terms), into slope K_i's cotangent.
void RkDiscreteAdjoint::add_interpolated_cotangent(Sweep& sweep, std::size_t k, double theta) {
  std::fill(cotangent_.begin(), cotangent_.end(), 0.0);
  sweep.cost.add_cotangent(k, sweep.solution.state(k), cotangent_.data());
  for (std::size_t q = 0; q < n_; ++q) pending_[q] += cotangent_[q];
  sweep.pending_used = true;
  tableau_.interpolant.weights(theta, weights_.data());
  for (int i = 0; i < tableau_.stages; ++i) {
    const double w = weights_[static_cast<std::size_t>(i)];
    if (w == 0.0 || !needed_[static_cast<std::size_t>(i)]) continue;
    double* target = &interpolated_[static_cast<std::size_t>(i) * n_];
    for (std::size_t q = 0; q < n_; ++q) target[q] += w * cotangent_[q];
  }
  interpolated_used_ = true;
}

// The sweep walks the stored steps backwards, each step's block of linearisations once (megabytes
// in all: they come from memory, not cache). The hardware prefetcher follows the ascending reads
// within a block but not the jumps back: the block kPrefetchSteps steps back is asked for now,
// spread over this step's state loops (u = b lambda + ..., lambda += W).
void RkDiscreteAdjoint::prefetch_ahead(Sweep& sweep, std::size_t m) const {
  if (sweep.linearised && m >= kPrefetchSteps)
    sweep.prefetcher.start(sweep.store.stage_linearisations(m - kPrefetchSteps),
                           sweep.store.stage_count() * sweep.L, sweep.pieces_per_step);
  else
    sweep.prefetcher.start(nullptr, 0, 0);
}

const double* RkDiscreteAdjoint::start_state(Sweep& sweep, std::size_t m) {
  if (sweep.stride == 1) return sweep.store.checkpoint(m);
  const std::size_t N = sweep.store.steps();
  if (m < sweep.block_start || sweep.block_start == N) {
    const std::size_t first = (m / sweep.stride) * sweep.stride;
    sweep.block_start = first;
    std::copy(sweep.store.checkpoint(first), sweep.store.checkpoint(first) + n_, sweep.block.begin());
    for (std::size_t j = first; j < m; ++j) {
      const StepRecord& r = sweep.store.step(j);
      step(r.t_start, r.t_end - r.t_start, r.segment, &sweep.block[(j - first) * n_],
           &sweep.block[(j + 1 - first) * n_]);
    }
  }
  return &sweep.block[(m - sweep.block_start) * n_];
}

// A step whose kept stages suffice needs neither its start state (the store may not have kept it)
// nor its stage states.
void RkDiscreteAdjoint::prepare_stages(Sweep& sweep, std::size_t m, const double* stages) {
  if (stages != nullptr && !sweep.read_state) return;
  const StepRecord& r = sweep.store.step(m);
  compute_stages(r.t_start, r.t_end - r.t_start, r.segment, start_state(sweep, m), false, stages);
}

// The sweep's state-sized loops (a few per stage per step, over every trial of a batch) are vector
// code: compiled for AVX2 as well, chosen at load time; without FMA, so to the same bits.
__attribute__((target_clones("avx2", "default"))) void RkDiscreteAdjoint::differentiate_stages(
    Sweep& sweep, const StepRecord& step, const double* stages) {
  const int s = tableau_.stages;
  const double h = step.t_end - step.t_start;
  const std::size_t L = sweep.L;
  // u_i is the cotangent of slope K_i, W_i that of stage state Y_i.
  for (int i = s - 1; i >= 0; --i) {
    if (!needed_[static_cast<std::size_t>(i)]) continue;
    // u_i = h b_i lambda + sum_j>i h a_ji W_j, one pass over the state a piece at a time (the
    // piece stays in L1 while its terms are added, in the same order: the same bits).
    const double bi = h * tableau_.b[static_cast<std::size_t>(i)];
    std::size_t term_count = 0;
    for (int j = i + 1; j < s; ++j) {
      const double coefficient = h * tableau_.a(j, i);
      if (coefficient == 0.0 || !needed_[static_cast<std::size_t>(j)]) continue;
      sweep.terms[term_count++] = {coefficient, &W_[static_cast<std::size_t>(j) * n_]};
    }
    const double* interpolated =
        interpolated_used_ ? &interpolated_[static_cast<std::size_t>(i) * n_] : nullptr;
    double* Wi = &W_[static_cast<std::size_t>(i) * n_];
    if (bi == 0.0 && term_count == 0 && interpolated == nullptr) {
      // The interpolant's extra stage (Dormand-Prince's FSAL slope) in a step without an
      // interpolated observation: no cotangent.
      std::fill(Wi, Wi + n_, 0.0);
      continue;
    }
    for (std::size_t q0 = 0; q0 < n_; q0 += kPieceSize) {
      const std::size_t q1 = std::min(n_, q0 + kPieceSize);
      for (std::size_t q = q0; q < q1; ++q) u_[q] = bi * lambda_[q];
      for (std::size_t t = 0; t < term_count; ++t) {
        const auto [coefficient, Wj] = sweep.terms[t];
        for (std::size_t q = q0; q < q1; ++q) u_[q] += coefficient * Wj[q];
      }
      if (interpolated != nullptr)
        for (std::size_t q = q0; q < q1; ++q) u_[q] += h * interpolated[q];
      sweep.prefetcher.piece();
    }
    const double ti = step.t_start + tableau_.c[static_cast<std::size_t>(i)] * h;
    if (stages == nullptr) {
      model_.vector_jacobian_products(ti, step.segment, &Y_[static_cast<std::size_t>(i) * n_], u_.data(), Wi,
                                      sweep.result.gradient.data());
    } else {
      const double* Yi = sweep.read_state ? &Y_[static_cast<std::size_t>(i) * n_] : nullptr;
      model_.vector_jacobian_products_from_linearisation(ti, step.segment, Yi,
                                                         stages + slot_[static_cast<std::size_t>(i)] * L,
                                                         u_.data(), Wi, sweep.result.gradient.data());
    }
    ++sweep.result.transpose_products;
  }
  if (interpolated_used_) {
    std::fill(interpolated_.begin(), interpolated_.end(), 0.0);
    interpolated_used_ = false;
  }
}

__attribute__((target_clones("avx2", "default"))) void RkDiscreteAdjoint::step_lambda_back(Sweep& sweep) {
  const int s = tableau_.stages;
  // lambda += W_i for every stage, a piece at a time.
  for (std::size_t q0 = 0; q0 < n_; q0 += kPieceSize) {
    const std::size_t q1 = std::min(n_, q0 + kPieceSize);
    for (int i = 0; i < s; ++i) {
      if (!needed_[static_cast<std::size_t>(i)]) continue;
      const double* Wi = &W_[static_cast<std::size_t>(i) * n_];
      for (std::size_t q = q0; q < q1; ++q) lambda_[q] += Wi[q];
    }
    sweep.prefetcher.piece();
  }
  sweep.prefetcher.rest();
  if (sweep.pending_used) {
    for (std::size_t q = 0; q < n_; ++q) lambda_[q] += pending_[q];
    std::fill(pending_.begin(), pending_.end(), 0.0);
    sweep.pending_used = false;
  }
}

}  // namespace neurode::solvers
