#include "floor/floor_rk.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace neurode::bench {
namespace {

bool same_time(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

// A stage matters if it enters the solution directly or through a later stage that matters
// (Dormand-Prince's FSAL stage does not: it is only the next step's first stage and the error).
template <class T>
constexpr std::array<bool, T::stages> needed_stages() {
  std::array<bool, T::stages> needed{};
  for (int i = T::stages - 1; i >= 0; --i) {
    bool used = T::b[i] != 0.0;
    for (int j = i + 1; j < T::stages; ++j) used = used || (needed[j] && T::a[j][i] != 0.0);
    needed[i] = used;
  }
  return needed;
}

}  // namespace

FloorProblem make_floor_problem(const models::NetworkWeights& weights, double tau_synapse_s,
                                double tau_membrane_s, double tau_adaptation_s, double resistance,
                                double background_rate_Hz, const models::TransferParameters& transfer,
                                const models::PiecewiseDrive& drive, const std::vector<double>& y0,
                                const std::vector<double>& times,
                                const std::vector<std::size_t>& loss_populations,
                                const std::vector<double>& loss_target_rates) {
  if (weights.input.cols != 0 && !weights.input.value.empty())
    throw std::invalid_argument("floor: network input channels are not supported");
  FloorProblem p;
  const std::size_t n = weights.populations;
  p.n = n;
  const auto& W = weights.recurrent;
  p.w_start = W.row_start;
  p.w_col = W.col;
  p.w_value = W.value;
  // W^T by counting sort of the entries on their source.
  p.wt_start.assign(n + 1, 0);
  for (std::size_t e = 0; e < W.value.size(); ++e) ++p.wt_start[W.col[e] + 1];
  for (std::size_t j = 0; j < n; ++j) p.wt_start[j + 1] += p.wt_start[j];
  p.wt_col.resize(W.value.size());
  p.wt_value.resize(W.value.size());
  std::vector<std::size_t> fill(p.wt_start.begin(), p.wt_start.end() - 1);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e) {
      const std::size_t slot = fill[W.col[e]]++;
      p.wt_col[slot] = i;
      p.wt_value[slot] = W.value[e];
    }
  p.kappa = weights.adaptation_strength;
  p.segment_start = drive.times;
  for (std::size_t k = 0; k < drive.times.size(); ++k)
    for (std::size_t i = 0; i < n; ++i)
      p.drive.push_back(weights.feedforward[i] * drive.population_rates[k][i] +
                        weights.background[i] * background_rate_Hz);
  p.inv_tau_m = 1.0 / tau_membrane_s;
  p.inv_tau_a = 1.0 / tau_adaptation_s;
  p.inv_tau_s = 1.0 / tau_synapse_s;
  p.input_gain = resistance * tau_synapse_s / tau_membrane_s;
  p.transfer = models::TransferFunction(transfer);
  for (const auto& ref : weights.parameters) {
    if (ref.matrix != models::ParameterRef::Matrix::recurrent)
      throw std::invalid_argument("floor: only recurrent weights can be trainable");
    p.param_row.push_back(ref.row);
    p.param_col.push_back(ref.column);
  }
  p.y0 = y0;
  p.times = times;
  p.obs_weight.assign(times.size(), 1.0 / static_cast<double>(times.size()));
  p.loss_pop = loss_populations;
  p.loss_target = loss_target_rates;
  return p;
}

template <class T>
FloorRk<T>::FloorRk(const FloorProblem& problem, std::size_t max_steps)
    : p_(problem), n3_(3 * problem.n), max_steps_(max_steps) {
  const std::size_t n = p_.n;
  states_.resize((max_steps + 1) * n3_);
  stage_rate_.resize(max_steps * S * n);
  stage_slope_.resize(max_steps * S * n);
  step_t_.resize(max_steps);
  step_h_.resize(max_steps);
  step_segment_.resize(max_steps);
  step_obs_.resize(max_steps);
  K_.resize(S * n3_);
  Y_.resize(n3_);
  W_.resize(S * n3_);
  u_.resize(n3_);
  lambda_.resize(n3_);
  err_.resize(n3_);
  x_.resize(n);
  gradient_.resize(p_.param_row.size());
}

template <class T>
std::size_t FloorRk<T>::trajectory_bytes() const {
  return steps_ * (n3_ + 2 * S * p_.n + 3) * sizeof(double) + n3_ * sizeof(double);
}

template <class T>
void FloorRk<T>::rhs(const double* y, const double* D, double* dydt, double* rate, double* slope) const {
  const std::size_t n = p_.n;
  const double* V = y;
  const double* a = y + n;
  const double* r = y + 2 * n;
  // V - a first, then f and f' of all populations in one call (vector code), as neurode does.
  for (std::size_t i = 0; i < n; ++i) x_[i] = V[i] - a[i];
  p_.transfer.rates_and_slopes(x_.data(), n, rate, slope);
  const std::size_t* start = p_.w_start.data();
  const std::size_t* col = p_.w_col.data();
  const double* value = p_.w_value.data();
  for (std::size_t i = 0; i < n; ++i) {
    double recurrent = 0.0;
    for (std::size_t e = start[i]; e < start[i + 1]; ++e) recurrent += value[e] * rate[col[e]];
    dydt[i] = -V[i] * p_.inv_tau_m + p_.input_gain * (D[i] + recurrent);
    dydt[n + i] = (-a[i] + p_.kappa[i] * rate[i]) * p_.inv_tau_a;
    dydt[2 * n + i] = (-r[i] + rate[i]) * p_.inv_tau_s;
  }
}

// (dF/dy)^T u: the V rows couple through W f'(V - a); a and r are diagonal plus the same f'.
template <class T>
void FloorRk<T>::transpose_product(const double* u, const double* slope, double* out) const {
  const std::size_t n = p_.n;
  const std::size_t* start = p_.wt_start.data();
  const std::size_t* row = p_.wt_col.data();
  const double* value = p_.wt_value.data();
  for (std::size_t j = 0; j < n; ++j) {
    double wtu = 0.0;
    for (std::size_t e = start[j]; e < start[j + 1]; ++e) wtu += value[e] * u[row[e]];
    const double g = slope[j] * (p_.input_gain * wtu + p_.kappa[j] * u[n + j] * p_.inv_tau_a +
                                 u[2 * n + j] * p_.inv_tau_s);
    out[j] = -u[j] * p_.inv_tau_m + g;
    out[n + j] = -u[n + j] * p_.inv_tau_a - g;
    out[2 * n + j] = -u[2 * n + j] * p_.inv_tau_s;
  }
}

template <class T>
void FloorRk<T>::take_step(std::size_t m, double h, std::size_t segment, bool reuse_first, double* y_next) {
  const std::size_t n = p_.n;
  const double* y = &states_[m * n3_];
  const double* D = &p_.drive[segment * n];
  double* rate = &stage_rate_[m * S * n];
  double* slope = &stage_slope_[m * S * n];
  for (int i = 0; i < S; ++i) {
    double* Ki = &K_[i * n3_];
    if (i == 0) {
      if (!reuse_first) {
        rhs(y, D, Ki, rate, slope);
        ++rhs_evaluations_;
      }
      continue;
    }
    std::copy(y, y + n3_, Y_.begin());
    for (int j = 0; j < i; ++j) {
      const double c = h * T::a[i][j];
      if (c == 0.0) continue;
      const double* Kj = &K_[j * n3_];
      for (std::size_t q = 0; q < n3_; ++q) Y_[q] += c * Kj[q];
    }
    rhs(Y_.data(), D, Ki, rate + i * n, slope + i * n);
    ++rhs_evaluations_;
  }
  std::copy(y, y + n3_, y_next);
  for (int i = 0; i < S; ++i) {
    const double c = h * T::b[i];
    if (c == 0.0) continue;
    const double* Ki = &K_[i * n3_];
    for (std::size_t q = 0; q < n3_; ++q) y_next[q] += c * Ki[q];
  }
  if constexpr (T::embedded) {
    std::fill(err_.begin(), err_.end(), 0.0);
    for (int i = 0; i < S; ++i) {
      const double c = h * T::e[i];
      if (c == 0.0) continue;
      const double* Ki = &K_[i * n3_];
      for (std::size_t q = 0; q < n3_; ++q) err_[q] += c * Ki[q];
    }
  }
}

template <class T>
void FloorRk<T>::start() {
  loss_ = 0;
  steps_ = rejected_ = rhs_evaluations_ = 0;
  if (p_.times.empty() || p_.times.front() < p_.segment_start.front())
    throw std::invalid_argument("floor: observation times must start at or after the start time");
  std::copy(p_.y0.begin(), p_.y0.end(), states_.begin());
}

template <class T>
void FloorRk<T>::accept(std::size_t m, double t, double h, std::size_t segment, std::size_t& next_obs) {
  const double t_end = t + h;
  step_t_[m] = t;
  step_h_[m] = h;
  step_segment_[m] = segment;
  step_obs_[m] = -1;
  if (next_obs < p_.times.size() && same_time(p_.times[next_obs], t_end)) {
    const double* r = &states_[(m + 1) * n3_ + 2 * p_.n];
    double sum = 0;
    for (std::size_t q = 0; q < p_.loss_pop.size(); ++q) {
      const double d = r[p_.loss_pop[q]] - p_.loss_target[q];
      sum += d * d;
    }
    loss_ += p_.obs_weight[next_obs] * sum;
    step_obs_[m] = static_cast<long>(next_obs++);
  } else if (next_obs < p_.times.size() && p_.times[next_obs] < t_end) {
    throw std::invalid_argument("floor: observation time " + std::to_string(p_.times[next_obs]) +
                                " is not a step end");
  }
  steps_ = m + 1;
}

namespace {

// Observations at the start time count in the loss but not in the parameter gradient.
template <class P>
std::size_t initial_observations(const P& p, double& loss) {
  std::size_t k = 0;
  const double* r = p.y0.data() + 2 * p.n;
  while (k < p.times.size() && same_time(p.times[k], p.segment_start.front())) {
    double sum = 0;
    for (std::size_t q = 0; q < p.loss_pop.size(); ++q) {
      const double d = r[p.loss_pop[q]] - p.loss_target[q];
      sum += d * d;
    }
    loss += p.obs_weight[k] * sum;
    ++k;
  }
  return k;
}

}  // namespace

template <class T>
std::size_t FloorRk<T>::forward_fixed(double dt) {
  start();
  std::size_t next_obs = initial_observations(p_, loss_);
  const double t_end = p_.times.back();
  double t = p_.segment_start.front(), origin = t;
  std::size_t segment = 0;
  long j = 0;
  std::size_t m = 0;
  while (!same_time(t, t_end) && t < t_end) {
    if (m >= max_steps_) throw std::length_error("floor: more than max_steps steps");
    const bool next_is_segment =
        segment + 1 < p_.segment_start.size() && p_.segment_start[segment + 1] < t_end;
    const double stop = next_is_segment ? p_.segment_start[segment + 1] : t_end;
    double target = origin + static_cast<double>(j + 1) * dt;
    const bool landing = target >= stop - 1e-6 * dt;
    if (landing) target = stop;
    take_step(m, target - t, segment, false, &states_[(m + 1) * n3_]);
    accept(m, t, target - t, segment, next_obs);
    t = target;
    ++j;
    ++m;
    if (landing && next_is_segment) {
      ++segment;
      origin = t;
      j = 0;
    }
  }
  return steps_;
}

template <class T>
std::size_t FloorRk<T>::forward_steps(const std::vector<double>& step_ends) {
  start();
  std::size_t next_obs = initial_observations(p_, loss_);
  double t = p_.segment_start.front();
  std::size_t segment = 0;
  for (std::size_t m = 0; m < step_ends.size(); ++m) {
    if (m >= max_steps_) throw std::length_error("floor: more than max_steps steps");
    take_step(m, step_ends[m] - t, segment, false, &states_[(m + 1) * n3_]);
    accept(m, t, step_ends[m] - t, segment, next_obs);
    t = step_ends[m];
    if (segment + 1 < p_.segment_start.size() && same_time(t, p_.segment_start[segment + 1])) ++segment;
  }
  return steps_;
}

template <class T>
std::size_t FloorRk<T>::forward_adaptive(double rtol, double atol, double dt0) {
  if constexpr (!T::embedded) {
    throw std::logic_error("floor: adaptive steps need an embedded error estimate");
  } else {
    start();
    std::size_t next_obs = initial_observations(p_, loss_);
    const std::size_t n = p_.n;
    const double t_end = p_.times.back();
    double t = p_.segment_start.front(), h = dt0;
    std::size_t segment = 0, m = 0;
    bool first_known = false;  // K_[0] and step m's stage-0 slots already hold F(y_m)
    while (!same_time(t, t_end) && t < t_end) {
      if (m >= max_steps_) throw std::length_error("floor: more than max_steps steps");
      const bool next_is_segment =
          segment + 1 < p_.segment_start.size() && p_.segment_start[segment + 1] < t_end;
      double stop = next_is_segment ? p_.segment_start[segment + 1] : t_end;
      if (next_obs < p_.times.size()) stop = std::min(stop, p_.times[next_obs]);
      const bool landing = t + h >= stop;
      const double h_try = landing ? stop - t : h;
      double* y_next = &states_[(m + 1) * n3_];
      take_step(m, h_try, segment, first_known, y_next);
      first_known = true;  // a rejected step keeps y_m, hence F(y_m)
      const double* y = &states_[m * n3_];
      double sum = 0;
      for (std::size_t q = 0; q < n3_; ++q) {
        const double scale = atol + rtol * std::max(std::abs(y[q]), std::abs(y_next[q]));
        const double x = err_[q] / scale;
        sum += x * x;
      }
      const double norm = std::sqrt(sum / static_cast<double>(n3_));
      const double factor = norm == 0.0 ? 10.0 : std::clamp(0.9 * std::pow(norm, -0.2), 0.1, 10.0);
      if (norm > 1.0) {
        ++rejected_;
        h = h_try * factor;
        continue;
      }
      const double t_next = landing ? stop : t + h_try;
      accept(m, t, t_next - t, segment, next_obs);
      // First same as last: the last stage was evaluated at y_next.
      if (landing && next_is_segment && same_time(t_next, p_.segment_start[segment + 1])) {
        ++segment;
        first_known = false;
      } else {
        std::copy(&K_[(S - 1) * n3_], &K_[S * n3_], K_.begin());
        std::copy(&stage_rate_[(m * S + S - 1) * n], &stage_rate_[(m * S + S) * n],
                  &stage_rate_[(m + 1) * S * n]);
        std::copy(&stage_slope_[(m * S + S - 1) * n], &stage_slope_[(m * S + S) * n],
                  &stage_slope_[(m + 1) * S * n]);
      }
      h = h_try * factor;
      t = t_next;
      ++m;
    }
    return steps_;
  }
}

template <class T>
const std::vector<double>& FloorRk<T>::backward() {
  static constexpr auto needed = needed_stages<T>();
  const std::size_t n = p_.n;
  const std::size_t P = p_.param_row.size();
  std::fill(gradient_.begin(), gradient_.end(), 0.0);
  std::fill(lambda_.begin(), lambda_.end(), 0.0);
  for (std::size_t m = steps_; m-- > 0;) {
    if (step_obs_[m] >= 0) {
      const auto k = static_cast<std::size_t>(step_obs_[m]);
      const double* r = &states_[(m + 1) * n3_ + 2 * n];
      for (std::size_t q = 0; q < p_.loss_pop.size(); ++q)
        lambda_[2 * n + p_.loss_pop[q]] += p_.obs_weight[k] * 2.0 * (r[p_.loss_pop[q]] - p_.loss_target[q]);
    }
    const double h = step_h_[m];
    const double* rate = &stage_rate_[m * S * n];
    const double* slope = &stage_slope_[m * S * n];
    for (int i = S - 1; i >= 0; --i) {
      if (!needed[i]) continue;
      const double bi = h * T::b[i];
      for (std::size_t q = 0; q < n3_; ++q) u_[q] = bi * lambda_[q];
      for (int j = i + 1; j < S; ++j) {
        const double c = h * T::a[j][i];
        if (c == 0.0 || !needed[j]) continue;
        const double* Wj = &W_[j * n3_];
        for (std::size_t q = 0; q < n3_; ++q) u_[q] += c * Wj[q];
      }
      transpose_product(u_.data(), slope + i * n, &W_[i * n3_]);
      // dF_V,row / dW[row, col] = input_gain f_col
      for (std::size_t k = 0; k < P; ++k)
        gradient_[k] += p_.input_gain * u_[p_.param_row[k]] * rate[i * n + p_.param_col[k]];
    }
    for (int i = 0; i < S; ++i) {
      if (!needed[i]) continue;
      const double* Wi = &W_[i * n3_];
      for (std::size_t q = 0; q < n3_; ++q) lambda_[q] += Wi[q];
    }
  }
  return gradient_;
}

template class FloorRk<Rk4Tableau>;
template class FloorRk<Dp5Tableau>;

}  // namespace neurode::bench
