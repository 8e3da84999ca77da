#include "solvers/continuous_adjoint.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "solvers/integrator.hpp"

namespace neurode::solvers {
namespace {

// The forward trajectory between stored steps: cubic Hermite from the states and slopes at each
// step's ends (slopes evaluated on the step's own forcing segment, so jumps stay sharp). With every
// state stored, all slopes are computed once; with a state every k steps, the states and slopes of
// a block of k steps are recomputed from its checkpoint when the backward pass first needs them,
// and the two blocks last used are kept (a backward step can straddle a block boundary), so that
// memory is (steps / k + 2 (3k + 1)) states.
class HermiteTrajectory {
 public:
  HermiteTrajectory(models::Model& model, const TrajectoryStore& store, const StepRecompute& recompute)
      : model_(model),
        store_(store),
        recompute_(recompute),
        n_(store.state_size()),
        stride_(store.checkpoint_every()) {
    if (stride_ != 1 && !recompute_)
      throw std::invalid_argument(
          "gradient: the continuous adjoint with checkpoint_every > 1 recomputes steps with an explicit "
          "Runge-Kutta forward method; use checkpoint_every: 1 with an implicit one");
    // With every state stored, one block of all steps whose states are the store's own.
    if (stride_ == 1) load(blocks_[0], 0, store.steps());
  }

  /// Step containing t (searching from the end, where the backward pass starts).
  std::size_t step_at(double t) {
    const std::size_t N = store_.steps();
    if (cursor_ >= N) cursor_ = N - 1;
    while (cursor_ > 0 && t < store_.step(cursor_).t_start) --cursor_;
    while (cursor_ + 1 < N && t > store_.step(cursor_).t_end) ++cursor_;
    return cursor_;
  }

  void evaluate(std::size_t m, double t, double* y) {
    const Block& b = block_of(m);
    const std::size_t j = m - b.first;
    const StepRecord& r = store_.step(m);
    const double h = r.t_end - r.t_start;
    const double s = std::clamp((t - r.t_start) / h, 0.0, 1.0);
    const double h00 = (1 + 2 * s) * (1 - s) * (1 - s), h10 = s * (1 - s) * (1 - s);
    const double h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1);
    const double* ya = state(b, j);
    const double* yb = state(b, j + 1);
    const double* fa = &b.slope_start[j * n_];
    const double* fb = &b.slope_end[j * n_];
    for (std::size_t q = 0; q < n_; ++q) y[q] = h00 * ya[q] + h10 * h * fa[q] + h01 * yb[q] + h11 * h * fb[q];
  }

  /// Bytes of the recomputed states and slopes held (on top of the store's own).
  std::size_t bytes() const {
    std::size_t total = 0;
    for (const Block& b : blocks_)
      total += (b.states.size() + b.slope_start.size() + b.slope_end.size()) * sizeof(double);
    return total;
  }
  long recomputed_steps() const { return recomputed_steps_; }

 private:
  struct Block {
    std::size_t first = static_cast<std::size_t>(-1);  ///< its first step; -1: empty
    std::size_t count = 0;
    std::vector<double> states, slope_start, slope_end;
    long last_use = 0;
  };

  const double* state(const Block& b, std::size_t j) const {
    return stride_ == 1 ? store_.checkpoint(b.first + j) : &b.states[j * n_];
  }

  const Block& block_of(std::size_t m) {
    ++clock_;
    for (Block& b : blocks_)
      if (b.first != static_cast<std::size_t>(-1) && m >= b.first && m < b.first + b.count) {
        b.last_use = clock_;
        return b;
      }
    Block& victim = blocks_[0].last_use <= blocks_[1].last_use ? blocks_[0] : blocks_[1];
    const std::size_t first = (m / stride_) * stride_;
    load(victim, first, std::min(stride_, store_.steps() - first));
    victim.last_use = clock_;
    return victim;
  }

  // States of steps [first, first + count) from the checkpoint (stored, or recomputed), and the
  // slopes at each step's ends.
  void load(Block& b, std::size_t first, std::size_t count) {
    b.first = first;
    b.count = count;
    b.slope_start.resize(count * n_);
    b.slope_end.resize(count * n_);
    if (stride_ > 1) b.states.resize((count + 1) * n_);
    for (std::size_t j = 0; j <= count && stride_ > 1; ++j) {
      double* y = &b.states[j * n_];
      if (j == 0 || first + j == store_.steps()) {
        const double* stored = store_.checkpoint(first + j);
        std::copy(stored, stored + n_, y);
      } else {
        const StepRecord& r = store_.step(first + j - 1);
        recompute_(r.t_start, r.t_end - r.t_start, r.segment, y - n_, y);
        ++recomputed_steps_;
      }
    }
    for (std::size_t j = 0; j < count; ++j) {
      const StepRecord& r = store_.step(first + j);
      model_.rhs(r.t_start, r.segment, state(b, j), &b.slope_start[j * n_]);
      model_.rhs(r.t_end, r.segment, state(b, j + 1), &b.slope_end[j * n_]);
    }
  }

  models::Model& model_;
  const TrajectoryStore& store_;
  const StepRecompute& recompute_;
  std::size_t n_, stride_;
  Block blocks_[2];
  long clock_ = 0;
  long recomputed_steps_ = 0;
  std::size_t cursor_ = static_cast<std::size_t>(-1);
};

// The adjoint system in reversed time s = T - t, state [lambda (n), mu (trials x P)]:
//   d lambda/ds = (dF/dy)^T lambda,  d mu/ds = (dF/dp)^T lambda.
class AdjointModel final : public models::Model {
 public:
  AdjointModel(models::Model& forward, HermiteTrajectory& trajectory, double t_end)
      : forward_(forward),
        trajectory_(trajectory),
        t_end_(t_end),
        n_(forward.state_size()),
        p_(forward.gradient_rows() * forward.parameter_size()),
        y_(n_) {
    for (double b : forward.breakpoints()) breakpoints_.push_back(t_end - b);
    std::sort(breakpoints_.begin(), breakpoints_.end());
  }

  std::string name() const override { return "continuous adjoint of " + forward_.name(); }
  std::size_t state_size() const override { return n_ + p_; }
  std::size_t parameter_size() const override { return 0; }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double s, std::size_t adjoint_segment, const double* z, double* dz) override {
    const std::size_t segment = forward_segment(adjoint_segment);
    interpolate_forward_state(s);
    forward_.jacobian_transpose_vector(t_end_ - s, segment, y_.data(), z, dz);
    std::fill(dz + n_, dz + n_ + p_, 0.0);
    forward_.parameter_transpose_vector(t_end_ - s, segment, y_.data(), z, dz + n_);
    ++transpose_products;
  }
  void jacobian_vector(double s, std::size_t adjoint_segment, const double*, const double* v,
                       double* out) override {
    rhs(s, adjoint_segment, v, out);  // linear in lambda
  }
  // From the forward model's assembled Jacobians: its products do not include dF/dp v. Only a
  // transposed solve of an implicit backward method asks for it (GMRES, the default, does not).
  void jacobian_transpose_vector(double s, std::size_t adjoint_segment, const double*, const double* w,
                                 double* out) override {
    const std::size_t segment = forward_segment(adjoint_segment);
    interpolate_forward_state(s);
    entries_.clear();
    forward_.jacobian_entries(t_end_ - s, segment, y_.data(), entries_);
    forward_.parameter_jacobian_entries(t_end_ - s, segment, y_.data(), parameter_entries_);
    std::fill(out, out + n_ + p_, 0.0);
    for (const auto& e : entries_) out[e.row] += e.value * w[e.col];
    for (const auto& e : parameter_entries_) out[e.row] += e.value * w[n_ + e.col];
    parameter_entries_.clear();
  }
  void parameter_transpose_vector(double, std::size_t, const double*, const double*, double*) override {}
  /// [J^T 0; (dF/dp)^T 0]: assembled when the forward model has both its Jacobians assembled;
  /// otherwise an implicit backward method runs on the products alone (jacobian_vector is rhs).
  bool has_assembled_jacobian() const override {
    return forward_.has_assembled_jacobian() && forward_.has_assembled_parameter_jacobian();
  }
  bool has_assembled_parameter_jacobian() const override { return true; }  // no parameters
  void jacobian_entries(double s, std::size_t adjoint_segment, const double*,
                        std::vector<models::MatrixEntry>& entries) override {
    const std::size_t segment = forward_segment(adjoint_segment);
    interpolate_forward_state(s);
    entries_.clear();
    parameter_entries_.clear();
    forward_.jacobian_entries(t_end_ - s, segment, y_.data(), entries_);
    forward_.parameter_jacobian_entries(t_end_ - s, segment, y_.data(), parameter_entries_);
    for (const auto& e : entries_) entries.push_back({e.col, e.row, e.value});
    for (const auto& e : parameter_entries_) entries.push_back({n_ + e.col, e.row, e.value});
  }
  void parameter_jacobian_entries(double, std::size_t, const double*,
                                  std::vector<models::MatrixEntry>&) override {}
  std::vector<double> parameters() const override { return {}; }
  void set_parameters(const std::vector<double>&) override {}
  /// d lambda/ds = D lambda + (dN/dy)^T lambda: the forward decay D (diagonal) is lambda's own, so
  /// an IMEX backward method splits the same way; mu has none.
  bool has_linear_decay() const override { return forward_.has_linear_decay(); }
  void linear_decay(double* diagonal) const override {
    forward_.linear_decay(diagonal);
    std::fill(diagonal + n_, diagonal + n_ + p_, 0.0);
  }

  long transpose_products = 0;

 private:
  // The forward segment of the backward step's own segment: forward segment k ([b_{k-1}, b_k)) is
  // adjoint segment B - k. It must come from the step, not from the time: at a jump, the first
  // stage of the backward step sits on the breakpoint, where the time alone would name the segment
  // beyond it, and the gradient would drop to first order.
  std::size_t forward_segment(std::size_t adjoint_segment) const {
    return forward_.breakpoints().size() - adjoint_segment;
  }
  // The forward state at t = T - s into y_ (continuous across breakpoints: either side's step gives it).
  void interpolate_forward_state(double s) {
    const double t = t_end_ - s;
    trajectory_.evaluate(trajectory_.step_at(t), t, y_.data());
  }

  models::Model& forward_;
  HermiteTrajectory& trajectory_;
  double t_end_;
  std::size_t n_, p_;
  std::vector<double> y_;
  std::vector<double> breakpoints_;
  std::vector<models::MatrixEntry> entries_, parameter_entries_;
};

}  // namespace

struct ContinuousAdjoint::Impl {
  models::Model& model;
  SolverSettings backward;
  StepRecompute recompute;
  std::string description;
};

ContinuousAdjoint::ContinuousAdjoint(models::Model& model, const SolverSettings& backward,
                                     StepRecompute recompute)
    : impl_(std::make_unique<Impl>(Impl{model, backward, std::move(recompute), ""})) {
  // The backward solve has no outputs inside its pieces, and its method (-adjoint_ts_type) may
  // have no interpolant: the forward solve's dense_output is not its business.
  impl_->backward.dense_output = false;
}

ContinuousAdjoint::~ContinuousAdjoint() = default;

std::string ContinuousAdjoint::method_description() const { return impl_->description; }

AdjointResult ContinuousAdjoint::run(const TrajectoryStore& store, const Solution& solution,
                                     const ObservationCost& cost) {
  const auto wall_start = std::chrono::steady_clock::now();
  models::Model& model = impl_->model;
  const std::size_t n = model.state_size();
  const std::size_t P = model.gradient_rows() * model.parameter_size();
  HermiteTrajectory trajectory(model, store, impl_->recompute);
  const double t0 = store.t0();
  const double T = solution.times.back();
  AdjointModel adjoint(model, trajectory, T);
  Integrator integrator(adjoint, impl_->backward, "adjoint_");
  impl_->description = integrator.method_description();

  std::vector<double> z(n + P, 0.0), cotangent(n);
  AdjointResult result;
  long steps = 0;
  auto add_cotangent = [&](std::size_t k) {
    std::fill(cotangent.begin(), cotangent.end(), 0.0);
    cost.add_cotangent(k, solution.state(k), cotangent.data());
    for (std::size_t q = 0; q < n; ++q) z[q] += cotangent[q];
  };
  // Walk back from the last observation, integrating between consecutive ones.
  std::size_t k = solution.times.size() - 1;
  add_cotangent(k);
  double s = 0.0;
  while (true) {
    const double t_next = k > 0 ? solution.times[k - 1] : t0;
    const double s_next = T - t_next;
    if (s_next > s) {
      const Solution piece = integrator.solve(s, z, {s, s_next});
      if (!piece.ok()) throw std::runtime_error("continuous adjoint: " + piece.message);
      std::copy(piece.state(1), piece.state(1) + n + P, z.begin());
      result.rhs_evaluations += piece.statistics.rhs_evaluations;
      steps += piece.statistics.steps;
    }
    s = s_next;
    if (k == 0) break;
    --k;
    add_cotangent(k);
  }
  result.dl_dy0.assign(z.begin(), z.begin() + static_cast<std::ptrdiff_t>(n));
  result.gradient.assign(z.begin() + static_cast<std::ptrdiff_t>(n), z.end());
  result.transpose_products = adjoint.transpose_products;
  result.backward_steps = steps;
  result.recomputed_steps = trajectory.recomputed_steps();
  result.interpolation_bytes = trajectory.bytes();
  result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace neurode::solvers
