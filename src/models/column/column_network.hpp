#pragma once
/// The laminar column network's dynamics for a batch of trials (docs/model.md):
///   I = tau_s (W_ff nu_ff(t) + W_bg nu_bg + W_in u(t) + W f(V - a))
///   dV/dt = (-V + R I) / tau_m,  da/dt = (-a + kappa f(V - a)) / tau_a,  dr/dt = (-r + f(V - a)) / tau_s
/// State of one trial: [V(N), a(N), r(N)]; trials are laid end to end. All derivative products are
/// matrix-free; dF/dW (N x N^2) is never formed.
#include <cstdint>
#include <vector>

#include "models/column/column_parameters.hpp"
#include "models/column/network_builder.hpp"
#include "models/column/piecewise_drive.hpp"
#include "models/column/transfer_function.hpp"
#include "models/kernels/trial_batched_product.hpp"
#include "models/model.hpp"

namespace neurode::models {

/// Global constants of the dynamics.
struct ColumnConstants {
  double tau_synapse_s = 5e-4;
  double tau_membrane_s = 0.02;
  double tau_adaptation_s = 10.0;
  double resistance = 80.0;
  double background_rate_Hz = 8.0;
  TransferParameters transfer{};

  static ColumnConstants from(const ColumnParameters& parameters);
};

/// One trial's state [V, a, r] of `populations` populations each (index 8 * column + population).
StateLayout column_state_layout(std::size_t populations);

class ColumnNetwork final : public Model {
 public:
  /// One drive per trial; all trials share the weights.
  ColumnNetwork(NetworkWeights weights, ColumnConstants constants, std::vector<PiecewiseDrive> drives);
  /// Replaces the trials' drives (as many as before), so that a training's next group of samples
  /// reuses the network, its transposes and its solver instead of building them again.
  void set_drives(std::vector<PiecewiseDrive> drives);
  const std::vector<PiecewiseDrive>& drives() const { return drives_; }

  std::size_t state_size() const override { return 3 * n_ * trials_; }
  std::size_t trial_count() const override { return trials_; }
  std::size_t parameter_size() const override { return weights_.parameters.size(); }
  StateLayout state_layout() const override { return column_state_layout(n_); }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v, double* out) override;
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override;
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override;
  void vector_jacobian_products(double t, std::size_t segment, const double* y, const double* w, double* out,
                                double* grad) override;
  /// Linearisation: f' at every trial's V - a (trials x n values, trial-major), then f of the
  /// populations whose rates the parameter products read (trials x kept_rates().size(), trial-major):
  /// the sources of the trainable recurrent weights, or every population when time constants or
  /// adaptation strengths are trainable. A gradient's trajectory store holds one per stage, so
  /// what is not needed is not kept.
  std::size_t linearisation_size() const override { return (n_ + kept_rates_.size()) * trials_; }
  const std::vector<std::uint32_t>& kept_rates() const { return kept_rates_; }
  void rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                     double* linearisation) override;
  void rhs_from_linearisation(double t, std::size_t segment, const double* y, const double* linearisation,
                              double* dydt) override;
  /// Only the time-constant parameters (dF/dtau = -F/tau) need the state.
  bool linearised_products_read_state() const override { return has_scalar_parameters_; }
  void vector_jacobian_products_from_linearisation(double t, std::size_t segment, const double* y,
                                                   const double* linearisation, const double* w, double* out,
                                                   double* grad) override;
  std::string name() const override { return "column network"; }
  bool has_assembled_jacobian() const override { return true; }
  /// -V / tau_m, -a / tau_a and -r / tau_s: the decay of every state (docs/model.md).
  bool has_linear_decay() const override { return true; }
  void linear_decay(double* diagonal) const override;
  bool has_assembled_parameter_jacobian() const override { return true; }
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<MatrixEntry>& entries) override;
  void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                  std::vector<MatrixEntry>& entries) override;
  std::vector<double> parameters() const override;
  void set_parameters(const std::vector<double>& values) override;

  /// Current values of the trainable parameters of `weights` (in their order) under `constants`.
  static std::vector<double> parameter_values(const NetworkWeights& weights,
                                              const ColumnConstants& constants);

  std::size_t populations() const { return n_; }
  /// Where V sits in one trial's block of the state, [0, populations): the components that the
  /// spec's noise drives by default (models/noise/column_noise.hpp).
  std::vector<std::size_t> membrane_offsets() const;
  const NetworkWeights& weights() const { return weights_; }
  const ColumnConstants& constants() const { return constants_; }
  const TransferFunction& transfer() const { return transfer_; }

 private:
  /// f and f' of every population of every trial (trial-major) into rate and slope.
  void evaluate_rates(const double* y_all, double* rate, double* slope);
  void evaluate_rates(const double* y_all) {
    evaluate_rates(y_all, rates_and_slopes_.data(), rates_and_slopes_.data() + n_ * trials_);
  }
  const double* rates() const { return rates_and_slopes_.data(); }
  const double* slopes() const { return rates_and_slopes_.data() + n_ * trials_; }
  /// The linearisation's part after f': f of the kept populations of every trial.
  void keep_rates(const double* rate_all, double* kept) const;
  /// The linearisation at y into recorded_, through rates_and_slopes_.
  const double* record_linearisation(const double* y_all);
  /// F of one trial at its state y with its rates `rate` already evaluated there.
  void field_of_trial(std::size_t trial, std::size_t segment, const double* y, const double* rate,
                      double* dydt);
  /// F of all trials with their rates (trial-major) already evaluated.
  void field_of_block(std::size_t segment, const double* y_all, const double* rate, double* dydt_all);
  /// F of one trial from its sums W f already formed (`recurrent`).
  void field_from_recurrent(const double* y, const double* rate, const double* drive, const double* recurrent,
                            double* dydt) const;
  /// (dF/dy)^T w of one trial from its sums W^T w_V already formed (`recurrent`).
  void transpose_from_recurrent(const double* slope, const double* w, const double* recurrent,
                                double* out) const;
  /// (dF/dy)^T w of all trials with their slopes (trial-major).
  void transpose_product_of_block(const double* slope, const double* w_all, double* out_all);
  /// (dF/dy)^T w of one trial with the slopes f' at its state.
  void transpose_product_of_trial(const double* slope, const double* w, double* out);
  /// Adds (dF/dW_ij)^T w of every trial for the trainable recurrent weights, with the kept rates f
  /// of all trials (the linearisation's layout), into grad (trials x parameters).
  void recurrent_parameter_products(const double* rate_all, const double* w_all, double* grad);
  /// Adds (dF/dp)^T w of one trial for the other parameters (input weights, and time constants and
  /// adaptation strengths with field_ evaluated) with its kept rates f (all of them whenever an
  /// adaptation strength is trainable).
  void parameter_product_of_trial(std::size_t trial, std::size_t segment, const double* rate, const double* w,
                                  double* g);
  /// The breakpoints of all drives and each trial's segment in every global segment.
  void index_drives();
  void update_drive();
  void update_time_constants();
  const double* drive(std::size_t trial, std::size_t segment) const {
    return &drive_[(trial * breakpoints_.size() + trial + segment) * n_];
  }

  NetworkWeights weights_;
  ColumnConstants constants_;
  TransferFunction transfer_;
  std::vector<PiecewiseDrive> drives_;
  std::size_t n_;
  std::size_t trials_;
  std::size_t channels_;
  std::vector<double> breakpoints_;
  std::vector<std::size_t> trial_segment_;  ///< [trial][global segment] -> the trial's own segment
  std::vector<double> drive_;               ///< [trial][global segment][population], Hz-weighted
  double input_gain_ = 0;                   ///< R tau_s / tau_m: dV/dt per unit of weighted rate
  struct InverseTimeConstants {
    double membrane, adaptation, synapse;  ///< 1/tau_m, 1/tau_a, 1/tau_s
  } inverse_tau_{};
  // Scratch, sized once: V - a of every population of every trial; their rates f then slopes f';
  // a linearisation (linearisation_size()); work_ is one trial's.
  std::vector<double> x_, rates_and_slopes_, recorded_, work_, field_;
  // W^T, its rows in the order of W's rows (see trial_batched_product), and where each of its
  // entries sits in W.
  SparseMatrix recurrent_transpose_;
  std::vector<std::size_t> transpose_source_;
  // Dense copies of W and W^T for single trials (see DenseColumns), refreshed with the weights.
  DenseColumns recurrent_dense_, transpose_dense_;
  // Scratch of the batched products: an input and an output population-major (trials contiguous).
  std::vector<double> block_in_, block_out_;
  /// The trainable weights among the parameters as flat (parameter, row, column) lists.
  struct WeightParameter {
    std::size_t index, row, column;
  };
  std::vector<WeightParameter> input_parameters_;
  /// The trainable recurrent weights grouped by row (the population they drive): group r holds
  /// recurrent_entries_[recurrent_group_start_[r] .. [r + 1]), all in row recurrent_group_row_[r],
  /// so that gain x w_row is formed once per row and trial. gain_w_ is its scratch (one per trial).
  struct IndexColumn {
    std::uint32_t index, kept;  ///< the parameter, and its column's place among kept_rates_
  };
  std::vector<std::uint32_t> kept_rates_;  ///< populations whose f the linearisation keeps, ascending
  bool all_rates_kept_ = false;
  std::vector<IndexColumn> recurrent_entries_;
  std::vector<std::size_t> recurrent_group_start_, recurrent_group_row_;
  std::vector<double> gain_w_;
  bool has_scalar_parameters_ = false;
};

}  // namespace neurode::models
