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
  const std::size_t stage_storage = static_cast<std::size_t>(s) * n_;
  Y_.resize(stage_storage);
  K_.resize(stage_storage);
  W_.resize(stage_storage);
  u_.resize(n_);
  lambda_.resize(n_);
  pending_.resize(n_);
  cotangent_.resize(n_);
}

void RkDiscreteAdjoint::compute_stages(double t, double h, std::size_t segment, const double* y,
                                       const double* linearisations) {
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
  compute_stages(t, h, segment, y);
  std::copy(y, y + n_, y_next);
  for (int i = 0; i < tableau_.stages; ++i) {
    const double coefficient = h * tableau_.b[static_cast<std::size_t>(i)];
    if (coefficient == 0.0) continue;
    const double* Ki = &K_[static_cast<std::size_t>(i) * n_];
    for (std::size_t q = 0; q < n_; ++q) y_next[q] += coefficient * Ki[q];
  }
}

// The sweep's state-sized loops (a few per stage per step, over every trial of a batch) are vector
// code: compiled for AVX2 as well, chosen at load time; without FMA, so to the same bits.
__attribute__((target_clones("avx2", "default"))) AdjointResult RkDiscreteAdjoint::run(
    const TrajectoryStore& store, const Solution& solution, const ObservationCost& cost) {
  const auto wall_start = std::chrono::steady_clock::now();
  rhs_evaluations_ = 0;
  AdjointResult result;
  result.gradient.assign(model_.trial_count() * model_.parameter_size(), 0.0);
  const int s = tableau_.stages;
  const std::size_t N = store.steps();
  const std::size_t stride = store.checkpoint_every();
  std::fill(lambda_.begin(), lambda_.end(), 0.0);
  std::vector<double> block(std::min(stride, std::max<std::size_t>(N, 1)) * n_);
  std::size_t block_start = N;  // first step whose start state is in `block`; N = none loaded
  // Stage linearisations from the forward pass, when the store has them in this method's layout.
  const std::size_t L = model_.linearisation_size();
  const bool linearised = stride == 1 && L > 0 && store.recorded_steps() > 0 &&
                          store.stage_count() == needed_count_ && store.linearisation_size() == L;
  const bool read_state = model_.linearised_products_read_state();
  SpreadPrefetch prefetcher;
  const std::size_t pieces_per_step = (needed_count_ + 1) * ((n_ + kPieceSize - 1) / kPieceSize);
  struct Term {
    double coefficient;
    const double* W;
  };
  std::vector<Term> terms(static_cast<std::size_t>(s));

  auto add_cotangent = [&](std::size_t k, double weight, std::vector<double>& target) {
    // An observation at a step end (every step when outputs are dense) adds straight into the
    // target: no clearing and copying of a state-sized vector per step.
    if (weight == 1.0) {
      cost.add_cotangent(k, solution.state(k), target.data());
      return;
    }
    std::fill(cotangent_.begin(), cotangent_.end(), 0.0);
    cost.add_cotangent(k, solution.state(k), cotangent_.data());
    for (std::size_t q = 0; q < n_; ++q) target[q] += weight * cotangent_[q];
  };
  auto same_time = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); };

  long k = static_cast<long>(solution.times.size()) - 1;
  std::fill(pending_.begin(), pending_.end(), 0.0);
  bool pending_used = false;  // pending_ is cleared only after a step that used it
  for (std::size_t m = N; m-- > 0;) {
    const StepRecord& rec = store.step(m);
    const double h = rec.t_end - rec.t_start;
    while (k >= 0) {
      const double tk = solution.times[static_cast<std::size_t>(k)];
      if (!(tk > rec.t_start) || same_time(tk, rec.t_start)) break;
      const double theta = same_time(tk, rec.t_end) ? 1.0 : (tk - rec.t_start) / h;
      add_cotangent(static_cast<std::size_t>(k), theta, lambda_);
      if (theta != 1.0) {
        add_cotangent(static_cast<std::size_t>(k), 1.0 - theta, pending_);
        pending_used = true;
      }
      --k;
    }
    const double* stages = linearised ? store.stage_linearisations(m) : nullptr;
    // The sweep walks the stored steps backwards, each step's block of linearisations once
    // (megabytes in all: they come from memory, not cache). The hardware prefetcher follows the
    // ascending reads within a block but not the jumps back: ask for the block kPrefetchSteps
    // steps back now, spread over this step's state loops (u = b lambda + ..., lambda += W).
    if (linearised && m >= kPrefetchSteps)
      prefetcher.start(store.stage_linearisations(m - kPrefetchSteps), store.stage_count() * L,
                       pieces_per_step);
    else
      prefetcher.start(nullptr, 0, 0);
    // The state at the start of step m (stored, or recomputed from its checkpoint), unless the
    // step's kept stages suffice: the store may not have kept it then.
    const bool needs_state = stages == nullptr || read_state;
    const double* y_m = nullptr;
    if (needs_state && stride == 1) {
      y_m = store.checkpoint(m);
    } else if (needs_state) {
      if (m < block_start || block_start == N) {
        block_start = (m / stride) * stride;
        std::copy(store.checkpoint(block_start), store.checkpoint(block_start) + n_, block.begin());
        for (std::size_t j = block_start; j < m; ++j) {
          const StepRecord& r = store.step(j);
          step(r.t_start, r.t_end - r.t_start, r.segment, &block[(j - block_start) * n_],
               &block[(j + 1 - block_start) * n_]);
        }
      }
      y_m = &block[(m - block_start) * n_];
    }
    if (stages == nullptr)
      compute_stages(rec.t_start, h, rec.segment, y_m);
    else if (read_state)
      compute_stages(rec.t_start, h, rec.segment, y_m, stages);
    if (stages != nullptr) ++result.linearised_steps;
    // Reverse sweep over the stages: u_i is the cotangent of slope K_i, W_i that of stage state Y_i.
    for (int i = s - 1; i >= 0; --i) {
      if (!needed_[static_cast<std::size_t>(i)]) continue;
      // u_i = h b_i lambda + sum_j>i h a_ji W_j, one pass over the state a piece at a time (the
      // piece stays in L1 while its terms are added, in the same order: the same bits).
      const double bi = h * tableau_.b[static_cast<std::size_t>(i)];
      std::size_t term_count = 0;
      for (int j = i + 1; j < s; ++j) {
        const double coefficient = h * tableau_.a(j, i);
        if (coefficient == 0.0 || !needed_[static_cast<std::size_t>(j)]) continue;
        terms[term_count++] = {coefficient, &W_[static_cast<std::size_t>(j) * n_]};
      }
      for (std::size_t q0 = 0; q0 < n_; q0 += kPieceSize) {
        const std::size_t q1 = std::min(n_, q0 + kPieceSize);
        for (std::size_t q = q0; q < q1; ++q) u_[q] = bi * lambda_[q];
        for (std::size_t t = 0; t < term_count; ++t) {
          const auto [coefficient, Wj] = terms[t];
          for (std::size_t q = q0; q < q1; ++q) u_[q] += coefficient * Wj[q];
        }
        prefetcher.piece();
      }
      const double ti = rec.t_start + tableau_.c[static_cast<std::size_t>(i)] * h;
      double* Wi = &W_[static_cast<std::size_t>(i) * n_];
      if (stages == nullptr) {
        model_.vector_jacobian_products(ti, rec.segment, &Y_[static_cast<std::size_t>(i) * n_], u_.data(), Wi,
                                        result.gradient.data());
      } else {
        const double* Yi = read_state ? &Y_[static_cast<std::size_t>(i) * n_] : nullptr;
        model_.vector_jacobian_products_from_linearisation(ti, rec.segment, Yi,
                                                           stages + slot_[static_cast<std::size_t>(i)] * L,
                                                           u_.data(), Wi, result.gradient.data());
      }
      ++result.transpose_products;
    }
    // lambda += W_i for every stage, likewise a piece at a time.
    for (std::size_t q0 = 0; q0 < n_; q0 += kPieceSize) {
      const std::size_t q1 = std::min(n_, q0 + kPieceSize);
      for (int i = 0; i < s; ++i) {
        if (!needed_[static_cast<std::size_t>(i)]) continue;
        const double* Wi = &W_[static_cast<std::size_t>(i) * n_];
        for (std::size_t q = q0; q < q1; ++q) lambda_[q] += Wi[q];
      }
      prefetcher.piece();
    }
    prefetcher.rest();
    if (pending_used) {
      for (std::size_t q = 0; q < n_; ++q) lambda_[q] += pending_[q];
      std::fill(pending_.begin(), pending_.end(), 0.0);
      pending_used = false;
    }
  }
  for (; k >= 0; --k) add_cotangent(static_cast<std::size_t>(k), 1.0, lambda_);  // outputs at t0
  result.dl_dy0 = lambda_;
  result.rhs_evaluations = rhs_evaluations_;
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace neurode::solvers
