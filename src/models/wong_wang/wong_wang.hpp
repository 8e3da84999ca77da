#pragma once
/// The reduced two-pool decision model of Wong & Wang (2006, J. Neurosci. 26:1314), the generator of
/// the winner-take-all task's targets (docs/wong-wang.md, spec/wong-wang.md). Pools i = A, B:
///   x_i = sum_j W_ij s_j + J_ext mu_i + I_noise                         [nA]
///   r(x) = (a x - b) / (1 - exp(-d (a x - b)))                          [Hz]
///   ds_i/dt = -s_i / tau_s + (1 - s_i) gamma r(x_i)
///   dI_noise/dt = (I_0 - I_noise) / tau_ampa  (+ sigma sqrt(1/tau_ampa) dW/dt when sigma > 0)
/// with W = [[J_within, -J_between], [-J_between, J_within]].
///
/// Two ways to run it:
///  - simulate_wong_wang_euler / wong_wang_target reproduce the prototype's forward-Euler protocol
///    bit for bit (three phases of int(T/dt) + 1 steps, its order of updates), because the training
///    targets are defined by that run, not by the ODE;
///  - WongWangModel is the continuous-time ODE behind the neurode::models::Model interface, for
///    integration with PETSc TS and as an independent check of the physics.
#include <cstddef>
#include <vector>

#include "models/kernels/random_stream.hpp"
#include "models/model.hpp"
#include "models/wong_wang/stimulus_pairs.hpp"

namespace neurode::models {

/// Every number of the model and of the prototype's target protocol; defaults are the spec's.
struct WongWangParameters {
  // Dynamics (Wong & Wang 2006, Table/Eqs. of the reduced model).
  double J_within_nA = 0.2609;      ///< W_AA = W_BB, nA (per unit of gating variable)
  double J_between_nA = 0.0497;     ///< W_AB = W_BA = -J_between, nA
  double J_ext_nA_per_Hz = 5.2e-4;  ///< stimulus gain: current J_ext mu for an input mu in Hz
  double a = 270.0;                 ///< rate gain, (V nC)^-1: a x with x in nA is in Hz
  double b_Hz = 108.0;              ///< rate threshold, Hz
  double d_s = 0.154;               ///< rate curvature, s
  double tau_s_s = 0.1;             ///< NMDA gating time constant, s
  double gamma = 0.641;             ///< gating saturation factor (dimensionless)
  double I_0_nA = 0.3255;           ///< mean background current, nA
  double tau_ampa_s = 0.002;        ///< background (AMPA) time constant, s
  double sigma_nA = 0.0;            ///< background noise amplitude, nA; 0 in the prototype's targets
  double s_initial = 0.1;           ///< s_A(0) = s_B(0)
  double I_noise_initial_nA = 0.0;  ///< I_noise(0), nA

  // Protocol of the prototype's target run.
  double pre_stimulus_s = 5.0;       ///< duration without stimulus before it, s
  double stimulus_s = 5.0;           ///< duration with (mu_A, mu_B), s
  double post_stimulus_s = 5.0;      ///< duration without stimulus after it, s
  double dt_s = 1e-3;                ///< forward-Euler step, s
  std::size_t target_stride = 10;    ///< a target point every target_stride Euler steps (10 ms)
  std::size_t target_points = 1500;  ///< number of target points (15 s)
  double rate_scale = 1.0 / 20.0;    ///< target = rate_scale * r (Hz -> column rate units)

  // Where the targets are laid on the column simulation (time compressed about 100 times).
  double column_t_start_s = 0.0;          ///< first target time on the column grid, s
  double column_t_end_s = 0.15;           ///< last target time (grid = linspace(start, end, points)), s
  double column_stimulus_start_s = 0.05;  ///< column L4e/L4i stimulus switched on (exact step), s
  double column_stimulus_end_s = 0.10;    ///< and off, s

  StimulusPairParameters stimulus_pairs{};  ///< how (mu_A, mu_B) are drawn per sample

  /// Throws std::invalid_argument when a time constant, duration or step is not positive, the
  /// target points do not fit into the Euler run, or the column grid is empty.
  void validate() const;
  /// Euler steps of a phase of `duration_s`: int(duration_s / dt_s) + 1, as the prototype's
  /// Python loop (truncation, then one extra step).
  std::size_t phase_steps(double duration_s) const;
  double final_time_s() const { return pre_stimulus_s + stimulus_s + post_stimulus_s; }
};

struct WongWangRate {
  double rate_Hz;          ///< r(x), Hz
  double slope_Hz_per_nA;  ///< r'(x), Hz/nA
};

/// r(x) and r'(x). At a x = b the formula is 0/0 with limit 1/d (and slope a/2); near it, and for
/// large |d (a x - b)|, the evaluation switches to forms that are accurate to rounding (Bernoulli
/// series for |d (a x - b)| < 0.1, exp(-|.|) forms beyond), so both values are finite and smooth
/// for every finite x.
WongWangRate wong_wang_rate(double x_nA, const WongWangParameters& parameters);

/// Result of the prototype's forward-Euler run; arrays are steps x 2, row-major (pool A, pool B).
struct WongWangEulerRun {
  std::size_t steps = 0;           ///< total Euler steps (15003 for the defaults)
  std::size_t stimulus_begin = 0;  ///< first step with the stimulus on (5001)
  std::size_t stimulus_end = 0;    ///< one past the last (10002), half-open like the reference
  double dt_s = 0.0;               ///< step, s
  std::vector<double> r_Hz;        ///< r of step n, computed from s before the update of step n
  std::vector<double> x_nA;        ///< input current of step n (I_noise already updated)
  std::vector<double> s;           ///< s after step n
  std::vector<double> I_noise_nA;  ///< I_noise of each pool after its update in step n
};

/// Runs the prototype's protocol exactly: phases (0, 0), (mu_A, mu_B), (0, 0) of phase_steps(T)
/// Euler steps each; step n does, in this order,
///   I_noise += dt (I_0 - I_noise) / tau_ampa [+ sigma sqrt(dt / tau_ampa) N(0, 1)];
///   x = W s + J_ext mu + I_noise;  r = r(x);  s += dt (-s / tau_s + (1 - s) gamma r).
/// With sigma_nA > 0 the normals come from `noise` (lent, not stored; index 2 n + pool), which must
/// then be non-null (std::invalid_argument otherwise); with sigma_nA = 0 no random number is drawn.
WongWangEulerRun simulate_wong_wang_euler(const WongWangParameters& parameters, double mu_A_Hz,
                                          double mu_B_Hz, const RandomStream* noise = nullptr);

/// Training target of one stimulus pair on the column time grid.
struct WongWangTarget {
  std::vector<double> t_s;              ///< target_points times: linspace(column_t_start, column_t_end)
  std::vector<double> values;           ///< target_points x 2, row-major: rate_scale * r (pool A, B)
  std::vector<std::size_t> step_index;  ///< Euler step of each point: 0, stride, 2 stride, ...
};

/// The column time grid of the targets: linspace(column_t_start_s, column_t_end_s, target_points),
/// computed as numpy/torch do (start + k * (end - start) / (points - 1), last point exactly end).
std::vector<double> wong_wang_target_times(const WongWangParameters& parameters);

/// rate_scale * r_Hz[::target_stride][:target_points] of a run, laid on wong_wang_target_times.
WongWangTarget wong_wang_target(const WongWangEulerRun& run, const WongWangParameters& parameters);
/// simulate_wong_wang_euler followed by the sampling above.
WongWangTarget wong_wang_target(const WongWangParameters& parameters, double mu_A_Hz, double mu_B_Hz,
                                const RandomStream* noise = nullptr);

/// The continuous-time model (deterministic drift, sigma = 0) for one stimulus pair:
/// state y = [s_A, s_B, I_noise] (with sigma = 0 both pools' background currents obey the same
/// ODE from the same start, so one state carries both). The stimulus is piecewise constant with
/// breakpoints {pre_stimulus_s, pre_stimulus_s + stimulus_s}: segment 1 has (mu_A, mu_B), segments 0
/// and 2 have none. The model has no trainable parameters (parameter_size() == 0).
class WongWangModel final : public Model {
 public:
  /// Throws std::invalid_argument for invalid parameters or sigma_nA != 0 (noise is not a drift).
  WongWangModel(const WongWangParameters& parameters, double mu_A_Hz, double mu_B_Hz);

  static constexpr std::size_t kStateSize = 3;
  std::size_t state_size() const override { return kStateSize; }
  std::size_t parameter_size() const override { return 0; }
  StateLayout state_layout() const override {
    return {{{"s", {2}, "", "pool", "0 A, 1 B"},
             {"I_noise", {1}, "nA", "value", "both pools' background current"}}};
  }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v, double* out) override;
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override;
  /// No parameters: leaves grad untouched.
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override;
  std::string name() const override { return "wong-wang"; }
  bool has_assembled_jacobian() const override { return true; }
  bool has_assembled_parameter_jacobian() const override { return true; }
  /// The 7 structural nonzeros: ds_i/ds_j (4), ds_i/dI_noise (2), dI_noise/dI_noise (1).
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<MatrixEntry>& entries) override;
  /// No parameters: appends nothing.
  void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                  std::vector<MatrixEntry>& entries) override;
  std::vector<double> parameters() const override { return {}; }
  /// Accepts only an empty vector (std::invalid_argument otherwise).
  void set_parameters(const std::vector<double>& values) override;

  /// [s_initial, s_initial, I_noise_initial_nA].
  std::vector<double> initial_state() const;
  /// Input currents x_A, x_B (nA) of state y on `segment`.
  void input_currents(std::size_t segment, const double* y, double* x_nA) const;
  /// Rates r_A, r_B (Hz) of state y on `segment` (the reference's r_tight).
  void rates(std::size_t segment, const double* y, double* r_Hz) const;

  const WongWangParameters& wong_wang_parameters() const { return parameters_; }
  double mu_A_Hz() const { return mu_[0]; }
  double mu_B_Hz() const { return mu_[1]; }

 private:
  /// Rates and slopes of both pools.
  void evaluate(std::size_t segment, const double* y, WongWangRate* rates) const;

  WongWangParameters parameters_;
  double mu_[2];
  std::vector<double> breakpoints_;
};

}  // namespace neurode::models
