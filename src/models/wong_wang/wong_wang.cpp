#include "models/wong_wang/wong_wang.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace neurode::models {
namespace {

// r(x) = q(s) / d with s = -d (a x - b) and q(s) = s / (e^s - 1). Below |s| = 0.1 the direct form
// loses digits to cancellation (0/0 at s = 0); the Bernoulli series truncated after s^8 is exact to
// rounding there (next term ~ s^10 / 47900160 < 3e-18).
constexpr double kSeriesLimit = 0.1;

// q(s) = s / expm1(s) and q'(s).
inline void s_over_expm1(double s, double& q, double& dq) {
  if (std::abs(s) < kSeriesLimit) {
    const double s2 = s * s;
    // 1 - s/2 + s^2/12 - s^4/720 + s^6/30240 - s^8/1209600
    q = 1.0 - 0.5 * s + s2 * (1.0 / 12 + s2 * (-1.0 / 720 + s2 * (1.0 / 30240 + s2 * (-1.0 / 1209600))));
    dq = -0.5 + s * (1.0 / 6 + s2 * (-4.0 / 720 + s2 * (6.0 / 30240 + s2 * (-8.0 / 1209600))));
    return;
  }
  if (s > 0) {
    // Written with e = exp(-s) so that a strongly inhibited pool (s in the hundreds) gives q -> 0
    // instead of inf/inf: q = s e / (1 - e), q' = e (1 - s - e) / (1 - e)^2.
    const double e = std::exp(-s);
    const double one_minus_e = -std::expm1(-s);
    q = s * e / one_minus_e;
    dq = e * (1.0 - s - e) / (one_minus_e * one_minus_e);
    return;
  }
  // s < 0 (the active side): expm1(s) lies in (-1, 0), no overflow; q -> -s for large |s|.
  const double em1 = std::expm1(s);
  q = s / em1;
  // d/ds (s / (e^s - 1)) = (e^s - 1 - s e^s) / (e^s - 1)^2
  dq = (em1 - s * (em1 + 1.0)) / (em1 * em1);
}

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument("Wong-Wang parameters: " + message);
}

}  // namespace

void WongWangParameters::validate() const {
  require(tau_s_s > 0 && tau_ampa_s > 0, "tau_s_s and tau_ampa_s must be positive");
  require(d_s > 0 && a > 0, "a and d_s must be positive");
  require(gamma >= 0, "gamma must not be negative");
  require(sigma_nA >= 0, "sigma_nA must not be negative");
  require(dt_s > 0, "dt_s must be positive");
  require(pre_stimulus_s > 0 && stimulus_s > 0 && post_stimulus_s > 0, "phase durations must be positive");
  require(target_stride > 0 && target_points > 0, "target_stride and target_points must be positive");
  const std::size_t steps =
      phase_steps(pre_stimulus_s) + phase_steps(stimulus_s) + phase_steps(post_stimulus_s);
  require((target_points - 1) * target_stride < steps,
          std::to_string(target_points) + " target points every " + std::to_string(target_stride) +
              " steps do not fit into " + std::to_string(steps) + " Euler steps");
  require(target_points == 1 || column_t_end_s > column_t_start_s,
          "column_t_end_s must exceed column_t_start_s");
  require(column_stimulus_end_s > column_stimulus_start_s, "the column stimulus window is empty");
}

std::size_t WongWangParameters::phase_steps(double duration_s) const {
  // Python's int() truncates toward zero; 5 / 0.001 evaluates to exactly 5000.0 in binary64.
  return static_cast<std::size_t>(duration_s / dt_s) + 1;
}

WongWangRate wong_wang_rate(double x_nA, const WongWangParameters& p) {
  const double s = -p.d_s * (p.a * x_nA - p.b_Hz);
  double q, dq;
  s_over_expm1(s, q, dq);
  // dr/dx = q'(s) (ds/dx) / d = -a q'(s)
  return {q / p.d_s, -p.a * dq};
}

WongWangEulerRun simulate_wong_wang_euler(const WongWangParameters& p, double mu_A_Hz, double mu_B_Hz,
                                          const RandomStream* noise) {
  p.validate();
  if (p.sigma_nA > 0 && noise == nullptr)
    throw std::invalid_argument("Wong-Wang Euler run: sigma_nA > 0 needs a random stream");
  const std::size_t phase[3] = {p.phase_steps(p.pre_stimulus_s), p.phase_steps(p.stimulus_s),
                                p.phase_steps(p.post_stimulus_s)};
  const double mu_phase[3][2] = {{0.0, 0.0}, {mu_A_Hz, mu_B_Hz}, {0.0, 0.0}};

  WongWangEulerRun run;
  run.steps = phase[0] + phase[1] + phase[2];
  run.stimulus_begin = phase[0];
  run.stimulus_end = phase[0] + phase[1];
  run.dt_s = p.dt_s;
  run.r_Hz.resize(2 * run.steps);
  run.x_nA.resize(2 * run.steps);
  run.s.resize(2 * run.steps);
  run.I_noise_nA.resize(2 * run.steps);

  // The expressions below keep the prototype's (NumPy's) operation order, left to right, so that the
  // run agrees with it to rounding: the targets are defined by this run, and a reordered sum would
  // shift every value by a few ulps and grow through the 15003 steps.
  const double dt = p.dt_s;
  const double W[2][2] = {{p.J_within_nA, -p.J_between_nA}, {-p.J_between_nA, p.J_within_nA}};
  const double noise_scale = p.sigma_nA * std::sqrt(dt / p.tau_ampa_s);
  double s[2] = {p.s_initial, p.s_initial};
  double I_noise[2] = {p.I_noise_initial_nA, p.I_noise_initial_nA};
  std::size_t n = 0;
  for (int k = 0; k < 3; ++k) {
    const double* mu = mu_phase[k];
    for (std::size_t step = 0; step < phase[k]; ++step, ++n) {
      for (int i = 0; i < 2; ++i) {
        I_noise[i] = I_noise[i] + dt * (p.I_0_nA - I_noise[i]) / p.tau_ampa_s;
        if (p.sigma_nA > 0) I_noise[i] += noise_scale * noise->normal(2 * n + static_cast<std::size_t>(i));
      }
      double x[2], r[2];
      for (int i = 0; i < 2; ++i) {
        x[i] = (W[i][0] * s[0] + W[i][1] * s[1]) + p.J_ext_nA_per_Hz * mu[i] + I_noise[i];
        r[i] = wong_wang_rate(x[i], p).rate_Hz;
      }
      for (int i = 0; i < 2; ++i) {
        s[i] = s[i] + dt * (-s[i] / p.tau_s_s + (1.0 - s[i]) * p.gamma * r[i]);
        run.x_nA[2 * n + i] = x[i];
        run.r_Hz[2 * n + i] = r[i];
        run.s[2 * n + i] = s[i];
        run.I_noise_nA[2 * n + i] = I_noise[i];
      }
    }
  }
  return run;
}

std::vector<double> wong_wang_target_times(const WongWangParameters& p) {
  const std::size_t n = p.target_points;
  std::vector<double> t(n, p.column_t_start_s);
  if (n < 2) return t;
  const double step = (p.column_t_end_s - p.column_t_start_s) / static_cast<double>(n - 1);
  for (std::size_t k = 0; k < n; ++k) t[k] = p.column_t_start_s + static_cast<double>(k) * step;
  t[n - 1] = p.column_t_end_s;
  return t;
}

WongWangTarget wong_wang_target(const WongWangEulerRun& run, const WongWangParameters& p) {
  p.validate();
  if ((p.target_points - 1) * p.target_stride >= run.steps || run.r_Hz.size() != 2 * run.steps)
    throw std::invalid_argument("Wong-Wang target: the Euler run is too short for the target points");
  WongWangTarget target;
  target.t_s = wong_wang_target_times(p);
  target.values.resize(2 * p.target_points);
  target.step_index.resize(p.target_points);
  for (std::size_t k = 0; k < p.target_points; ++k) {
    const std::size_t n = k * p.target_stride;
    target.step_index[k] = n;
    // r / 20 in the prototype: a multiplication by 1/20 could differ from it by an ulp.
    const double divisor = 1.0 / p.rate_scale;
    target.values[2 * k] = run.r_Hz[2 * n] / divisor;
    target.values[2 * k + 1] = run.r_Hz[2 * n + 1] / divisor;
  }
  return target;
}

WongWangTarget wong_wang_target(const WongWangParameters& p, double mu_A_Hz, double mu_B_Hz,
                                const RandomStream* noise) {
  return wong_wang_target(simulate_wong_wang_euler(p, mu_A_Hz, mu_B_Hz, noise), p);
}

// --- continuous-time model ---------------------------------------------------------------------

WongWangModel::WongWangModel(const WongWangParameters& parameters, double mu_A_Hz, double mu_B_Hz)
    : parameters_(parameters), mu_{mu_A_Hz, mu_B_Hz} {
  parameters_.validate();
  if (parameters_.sigma_nA != 0)
    throw std::invalid_argument("Wong-Wang model: the ODE is the deterministic drift; sigma_nA must be 0");
  breakpoints_ = {parameters_.pre_stimulus_s, parameters_.pre_stimulus_s + parameters_.stimulus_s};
}

std::vector<double> WongWangModel::initial_state() const {
  return {parameters_.s_initial, parameters_.s_initial, parameters_.I_noise_initial_nA};
}

void WongWangModel::input_currents(std::size_t segment, const double* y, double* x) const {
  const auto& p = parameters_;
  // Only the middle segment carries the stimulus; the one before and the one after carry none.
  const double scale = segment == 1 ? p.J_ext_nA_per_Hz : 0.0;
  x[0] = p.J_within_nA * y[0] - p.J_between_nA * y[1] + scale * mu_[0] + y[2];
  x[1] = -p.J_between_nA * y[0] + p.J_within_nA * y[1] + scale * mu_[1] + y[2];
}

void WongWangModel::evaluate(std::size_t segment, const double* y, WongWangRate* rates) const {
  double x[2];
  input_currents(segment, y, x);
  rates[0] = wong_wang_rate(x[0], parameters_);
  rates[1] = wong_wang_rate(x[1], parameters_);
}

void WongWangModel::rates(std::size_t segment, const double* y, double* r) const {
  WongWangRate rs[2];
  evaluate(segment, y, rs);
  r[0] = rs[0].rate_Hz;
  r[1] = rs[1].rate_Hz;
}

void WongWangModel::rhs(double, std::size_t segment, const double* y, double* dydt) {
  const auto& p = parameters_;
  WongWangRate rs[2];
  evaluate(segment, y, rs);
  for (int i = 0; i < 2; ++i) dydt[i] = -y[i] / p.tau_s_s + (1.0 - y[i]) * p.gamma * rs[i].rate_Hz;
  dydt[2] = (p.I_0_nA - y[2]) / p.tau_ampa_s;
}

// Jacobian, with g_i = (1 - s_i) gamma r'(x_i) and dx_i/ds_j = W_ij, dx_i/dI = 1:
//   d(ds_i/dt)/ds_j = W_ij g_i - delta_ij (1 / tau_s + gamma r_i)
//   d(ds_i/dt)/dI   = g_i
//   d(dI/dt)/dI     = -1 / tau_ampa
void WongWangModel::jacobian_vector(double, std::size_t segment, const double* y, const double* v,
                                    double* out) {
  const auto& p = parameters_;
  WongWangRate rs[2];
  evaluate(segment, y, rs);
  const double W[2][2] = {{p.J_within_nA, -p.J_between_nA}, {-p.J_between_nA, p.J_within_nA}};
  for (int i = 0; i < 2; ++i) {
    const double g = (1.0 - y[i]) * p.gamma * rs[i].slope_Hz_per_nA;
    const double dx = W[i][0] * v[0] + W[i][1] * v[1] + v[2];
    out[i] = g * dx - (1.0 / p.tau_s_s + p.gamma * rs[i].rate_Hz) * v[i];
  }
  out[2] = -v[2] / p.tau_ampa_s;
}

void WongWangModel::jacobian_transpose_vector(double, std::size_t segment, const double* y, const double* w,
                                              double* out) {
  const auto& p = parameters_;
  WongWangRate rs[2];
  evaluate(segment, y, rs);
  const double W[2][2] = {{p.J_within_nA, -p.J_between_nA}, {-p.J_between_nA, p.J_within_nA}};
  double gw[2];
  for (int i = 0; i < 2; ++i) gw[i] = (1.0 - y[i]) * p.gamma * rs[i].slope_Hz_per_nA * w[i];
  for (int j = 0; j < 2; ++j)
    out[j] = W[0][j] * gw[0] + W[1][j] * gw[1] - (1.0 / p.tau_s_s + p.gamma * rs[j].rate_Hz) * w[j];
  out[2] = gw[0] + gw[1] - w[2] / p.tau_ampa_s;
}

void WongWangModel::parameter_transpose_vector(double, std::size_t, const double*, const double*, double*) {}

void WongWangModel::jacobian_entries(double, std::size_t segment, const double* y,
                                     std::vector<MatrixEntry>& entries) {
  const auto& p = parameters_;
  WongWangRate rs[2];
  evaluate(segment, y, rs);
  const double W[2][2] = {{p.J_within_nA, -p.J_between_nA}, {-p.J_between_nA, p.J_within_nA}};
  for (std::size_t i = 0; i < 2; ++i) {
    const double g = (1.0 - y[i]) * p.gamma * rs[i].slope_Hz_per_nA;
    for (std::size_t j = 0; j < 2; ++j) {
      double value = W[i][j] * g;
      if (i == j) value -= 1.0 / p.tau_s_s + p.gamma * rs[i].rate_Hz;
      entries.push_back({i, j, value});
    }
    entries.push_back({i, 2, g});
  }
  entries.push_back({2, 2, -1.0 / p.tau_ampa_s});
}

void WongWangModel::parameter_jacobian_entries(double, std::size_t, const double*,
                                               std::vector<MatrixEntry>&) {}

void WongWangModel::set_parameters(const std::vector<double>& values) {
  if (!values.empty()) throw std::invalid_argument("Wong-Wang model: it has no trainable parameters");
}

}  // namespace neurode::models
