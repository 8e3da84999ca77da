#pragma once
/// The Hopf bifurcation toy as a training task (docs/hopf.md; spec column-model.md, Tasks item 1):
/// a neural ODE dz/dt = MLP(x, y, mu(t)) (models/mlp_vector_field.hpp) learns the trajectories of
/// the forced Hopf normal form (models/hopf.hpp) from random starts and phases. Loss: MSE of (x, y)
/// at every observation time. Metrics: "mse" and "correct_behaviour", whether the learned flow
/// with mu frozen spirals out to radius sqrt(mu) for mu > 0 and into the origin for mu < 0.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/hopf/hopf.hpp"
#include "models/hopf/mlp_vector_field.hpp"
#include "solvers/observation_cost.hpp"
#include "solvers/solver_settings.hpp"
#include "train/task.hpp"
#include "train/task_registry.hpp"

namespace neurode::train {

/// The frozen-mu behaviour check of one sample (docs/hopf.md, "correct_behaviour"):
///  1. mu_b = sin(c) of the sample, moved out of the critical band (-band, band) to its nearer
///     edge (sin(c) = 0 counts as +band). Near mu = 0 the relaxation time 1/(2|mu|) diverges
///     (critical slowing down), so no field, the true one included, settles within `duration`.
///  2. The field with mu held at mu_b is integrated for `duration` time units from the start.
///  3. Correct if mu_b > 0 and |r(T) - sqrt(mu_b)| <= radius_tolerance sqrt(mu_b), or mu_b < 0 and
///     r(T) < decay_radius. A failed solve (divergence, step limit) is incorrect.
struct BehaviourCriterion {
  double duration = 25.0;         ///< time units
  double radius_tolerance = 0.1;  ///< relative, mu > 0
  double decay_radius = 0.1;      ///< absolute, mu < 0
  double critical_band = 0.05;    ///< |mu| below this is moved to +-band
};

/// mu_b of step 1 for a sample.
double behaviour_mu(const models::HopfSample& sample, const BehaviourCriterion& criterion);
/// The verdict of step 3 from the final radius.
bool is_correct_behaviour(double mu, double final_radius, const BehaviourCriterion& criterion);

/// Builds a one-trial field whose forcing is `forcing` (held, its phase set so that sin(phase) is
/// the frozen mu); the caller owns the result.
using FieldFactory = std::function<std::unique_ptr<models::Model>(const models::MuForcing& forcing)>;

/// 1 (correct) or 0 per sample, each integrated alone with `solver` (options prefix
/// "hopf_behaviour_", so -ts_* options of a training run do not change the score).
std::vector<double> behaviour_scores(const FieldFactory& make_field,
                                     const std::vector<models::HopfSample>& samples,
                                     const BehaviourCriterion& criterion,
                                     const solvers::SolverSettings& solver);

/// The true trajectory of a sample at `times` (from t = times.front(), with mu(t) = sin(omega t + c)):
/// times x 2, row-major. Integrated alone with `solver` under the options prefix "hopf_truth_".
/// Throws std::runtime_error if the solve fails.
std::vector<double> hopf_true_trajectory(const models::HopfSample& sample, const std::vector<double>& times,
                                         double angular_frequency, const solvers::SolverSettings& solver);

/// `count` equally spaced times from 0 to t_end, both included (count >= 2).
std::vector<double> uniform_times(double t_end, std::size_t count);

/// Ground-truth integration: dopri5, rtol = atol = 1e-9, so that the targets' error is far below
/// any loss the network reaches.
solvers::SolverSettings hopf_truth_solver();
/// Behaviour integration: dopri5, rtol = atol = 1e-7, with a step limit so that a stiff learned
/// field costs at most 10^5 steps per sample before it counts as incorrect.
solvers::SolverSettings hopf_behaviour_solver();

struct HopfSettings {
  models::MlpSpec mlp{};   ///< default 3-100-100-100-2, softplus
  std::uint64_t seed = 1;  ///< data (sample_hopf) and initial weights
  std::size_t training_samples = 64;
  std::size_t evaluation_samples = 100;
  double t_end = 25.0;              ///< time units
  std::size_t observations = 51;    ///< equally spaced over [0, t_end], both ends included
  double angular_frequency = 0.25;  ///< omega of mu(t) = sin(omega t + c), rad per time unit
  BehaviourCriterion behaviour{};
  solvers::SolverSettings truth_solver = hopf_truth_solver();
  solvers::SolverSettings behaviour_solver = hopf_behaviour_solver();
};

/// MSE of (x, y) at the observation times: per trial (1 / 2T) sum_k |z_b(t_k) - target_b(t_k)|^2
/// over all T observations (t = 0 included; its residual is 0 since the start is exact).
class HopfObservationCost final : public solvers::ObservationCost {
 public:
  /// targets[(trial * observations + k) * 2 + c], c = 0 for x, 1 for y.
  HopfObservationCost(std::vector<double> targets, std::size_t observations);
  void add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const override;
  void add_cotangent(std::size_t k, const double* y, double* dl_dy) const override;

 private:
  std::vector<double> targets_;
  std::size_t observations_;
  std::size_t trials_;
  double weight_;  ///< 1 / (2T)
};

class HopfTask final : public Task {
 public:
  /// Draws every sample and integrates its true trajectory (one small solve each). Throws
  /// std::invalid_argument on bad settings.
  explicit HopfTask(HopfSettings settings);

  std::string name() const override { return "hopf"; }
  std::size_t samples(Split split) const override {
    return split == Split::training ? settings_.training_samples : settings_.evaluation_samples;
  }
  std::vector<double> initial_parameters() const override;
  std::vector<std::string> parameter_labels() const override;
  /// One MlpVectorField over the samples `indices` (mu not held), started at their starts.
  BatchProblem make_problem(Split split, const std::vector<std::size_t>& indices,
                            const std::vector<double>& parameters, std::uint64_t epoch) const override;
  std::vector<std::string> metric_names() const override { return {"mse", "correct_behaviour"}; }
  /// Per sample: the MSE of `solution` against the truth, and the frozen-mu behaviour verdict
  /// of the field with `parameters` (one extra solve per sample).
  std::vector<double> score(Split split, const std::vector<std::size_t>& indices,
                            const solvers::Solution& solution,
                            const std::vector<double>& parameters) const override;
  std::vector<std::string> recorded_names() const override { return {"x", "y"}; }
  void record(const solvers::Solution& solution, std::size_t k, std::size_t b,
              const std::vector<double>& parameters, double* out) const override;
  /// The true trajectory (observations x 2).
  std::vector<double> recorded_targets(Split split, std::size_t index) const override {
    return targets(split, index);
  }

  models::HopfSample sample(Split split, std::size_t index) const;
  const std::vector<double>& targets(Split split, std::size_t index) const;  ///< observations x 2
  const std::vector<double>& observation_times() const { return times_; }
  const HopfSettings& settings() const { return settings_; }

 private:
  HopfSettings settings_;
  std::vector<double> times_;
  std::vector<std::vector<double>> training_targets_, evaluation_targets_;
};

/// Reads `task: {type: hopf, ...}` (docs/hopf.md); refuses the column tasks' sections.
TaskSetup read_hopf_task(const TaskSources& sources);

}  // namespace neurode::train
