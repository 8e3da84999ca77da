#include "models/column_network.hpp"

#include <algorithm>
#include <stdexcept>

namespace neurode::models {

ColumnConstants ColumnConstants::from(const ColumnParameters& p) {
  ColumnConstants c;
  c.tau_synapse_s = p.tau_synapse_s;
  c.tau_membrane_s = p.tau_membrane_s;
  c.tau_adaptation_s = p.tau_adaptation_s;
  c.resistance = p.resistance();
  c.background_rate_Hz = p.background_rate_Hz;
  c.transfer = p.transfer;
  return c;
}

ColumnNetwork::ColumnNetwork(NetworkWeights weights, ColumnConstants constants,
                             std::vector<PiecewiseDrive> drives)
    : weights_(std::move(weights)),
      constants_(constants),
      transfer_(constants.transfer),
      drives_(std::move(drives)),
      n_(weights_.populations),
      trials_(drives_.size()),
      channels_(weights_.input.cols) {
  if (trials_ == 0) throw std::invalid_argument("column network: at least one trial is needed");
  if (!(constants_.tau_synapse_s > 0 && constants_.tau_membrane_s > 0 && constants_.tau_adaptation_s > 0))
    throw std::invalid_argument("column network: time constants must be positive");
  for (const auto& d : drives_) d.validate(n_, channels_);
  // Global breakpoints: every jump of any trial after the first segment's start.
  for (const auto& d : drives_)
    for (std::size_t k = 1; k < d.times.size(); ++k) breakpoints_.push_back(d.times[k]);
  std::sort(breakpoints_.begin(), breakpoints_.end());
  breakpoints_.erase(std::unique(breakpoints_.begin(), breakpoints_.end()), breakpoints_.end());
  const std::size_t segments = breakpoints_.size() + 1;
  trial_segment_.resize(trials_ * segments);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const auto& times = drives_[trial].times;
    for (std::size_t g = 0; g < segments; ++g) {
      const double start = g == 0 ? times.front() : breakpoints_[g - 1];
      const auto k =
          static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), start) - times.begin());
      trial_segment_[trial * segments + g] = k == 0 ? 0 : k - 1;
    }
  }
  update_time_constants();
  x_.resize(n_ * trials_);
  rate_.resize(n_ * trials_);
  slope_.resize(n_ * trials_);
  work_.resize(n_);
  block_in_.resize(n_ * trials_);
  block_out_.resize(n_ * trials_);
  block_acc_.resize(trials_);
  field_.resize(3 * n_ * trials_);
  for (const auto& ref : weights_.parameters)
    if (ref.matrix != ParameterRef::Matrix::recurrent && ref.matrix != ParameterRef::Matrix::input)
      has_scalar_parameters_ = true;
  update_drive();
}

void ColumnNetwork::update_time_constants() {
  input_gain_ = constants_.resistance * constants_.tau_synapse_s / constants_.tau_membrane_s;
  inverse_tau_ = {1.0 / constants_.tau_membrane_s, 1.0 / constants_.tau_adaptation_s,
                  1.0 / constants_.tau_synapse_s};
}

void ColumnNetwork::update_drive() {
  const std::size_t segments = breakpoints_.size() + 1;
  drive_.assign(trials_ * segments * n_, 0.0);
  const SparseMatrix& w_in = weights_.input;
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const auto& d = drives_[trial];
    for (std::size_t g = 0; g < segments; ++g) {
      const std::size_t k = trial_segment_[trial * segments + g];
      double* out = &drive_[(trial * segments + g) * n_];
      for (std::size_t i = 0; i < n_; ++i) {
        double sum = weights_.feedforward[i] * d.population_rates[k][i] +
                     weights_.background[i] * constants_.background_rate_Hz;
        if (channels_ > 0)
          for (std::size_t e = w_in.row_start[i]; e < w_in.row_start[i + 1]; ++e)
            sum += w_in.value[e] * d.channel_values[k][w_in.col[e]];
        out[i] = sum;
      }
    }
  }
}

void ColumnNetwork::evaluate_rates(const double* y_all, double* rate, double* slope) {
  // V - a of every population of every trial first, then f and f' of the whole block in one call,
  // so that the transfer function runs over long arrays (vector code) rather than per population.
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const double* V = y_all + 3 * n_ * trial;
    const double* a = V + n_;
    double* x = &x_[n_ * trial];
    for (std::size_t i = 0; i < n_; ++i) x[i] = V[i] - a[i];
  }
  transfer_.rates_and_slopes(x_.data(), n_ * trials_, rate, slope);
}

void ColumnNetwork::field_of_trial(std::size_t trial, std::size_t segment, const double* y,
                                   const double* rate, double* dydt) {
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  const double* D = drive(trial, segment);
  for (std::size_t i = 0; i < n_; ++i) {
    double recurrent = 0.0;
    for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e)
      recurrent += W.value[e] * rate[W.col[e]];
    dydt[i] = -y[i] * inv_tau_m + input_gain_ * (D[i] + recurrent);
    dydt[n_ + i] = (-y[n_ + i] + kappa[i] * rate[i]) * inv_tau_a;
    dydt[2 * n_ + i] = (-y[2 * n_ + i] + rate[i]) * inv_tau_s;
  }
}

void ColumnNetwork::field_of_block(std::size_t segment, const double* y_all, const double* rate,
                                   double* dydt_all) {
  if (trials_ == 1) {
    field_of_trial(0, segment, y_all, rate, dydt_all);
    return;
  }
  // The trials share W: with the rates population-major (trials contiguous), each connection is
  // read once for the whole batch and the inner loop runs over trials (vectorisable). Each trial's
  // sum runs over the connections in the same order as field_of_trial, so the results are equal.
  const std::size_t T = trials_;
  for (std::size_t trial = 0; trial < T; ++trial)
    for (std::size_t j = 0; j < n_; ++j) block_in_[j * T + trial] = rate[trial * n_ + j];
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  double* __restrict acc = block_acc_.data();
  const double* __restrict in = block_in_.data();
  for (std::size_t i = 0; i < n_; ++i) {
    std::fill(acc, acc + T, 0.0);
    for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e) {
      const double w = W.value[e];
      const double* __restrict source = in + W.col[e] * T;
      for (std::size_t trial = 0; trial < T; ++trial) acc[trial] += w * source[trial];
    }
    for (std::size_t trial = 0; trial < T; ++trial) {
      const std::size_t off = 3 * n_ * trial;
      const double* y = y_all + off;
      double* dydt = dydt_all + off;
      const double r = rate[trial * n_ + i];
      dydt[i] = -y[i] * inv_tau_m + input_gain_ * (drive(trial, segment)[i] + acc[trial]);
      dydt[n_ + i] = (-y[n_ + i] + kappa[i] * r) * inv_tau_a;
      dydt[2 * n_ + i] = (-y[2 * n_ + i] + r) * inv_tau_s;
    }
  }
}

void ColumnNetwork::rhs(double, std::size_t segment, const double* y_all, double* dydt_all) {
  evaluate_rates(y_all);
  field_of_block(segment, y_all, rate_.data(), dydt_all);
}

void ColumnNetwork::rhs_recording(double, std::size_t segment, const double* y_all, double* dydt_all,
                                  double* linearisation) {
  evaluate_rates(y_all, linearisation, linearisation + n_ * trials_);
  field_of_block(segment, y_all, linearisation, dydt_all);
}

void ColumnNetwork::rhs_from_linearisation(double, std::size_t segment, const double* y_all,
                                           const double* linearisation, double* dydt_all) {
  field_of_block(segment, y_all, linearisation, dydt_all);
}

void ColumnNetwork::jacobian_vector(double, std::size_t, const double* y_all, const double* v_all,
                                    double* out_all) {
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  evaluate_rates(y_all);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const std::size_t off = 3 * n_ * trial;
    const double* v = v_all + off;
    const double* slope = &slope_[n_ * trial];
    double* out = out_all + off;
    // df_j = f'_j (v_V - v_a)
    for (std::size_t j = 0; j < n_; ++j) work_[j] = slope[j] * (v[j] - v[n_ + j]);
    for (std::size_t i = 0; i < n_; ++i) {
      double recurrent = 0.0;
      for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e)
        recurrent += W.value[e] * work_[W.col[e]];
      out[i] = -v[i] * inv_tau_m + input_gain_ * recurrent;
      out[n_ + i] = (-v[n_ + i] + kappa[i] * work_[i]) * inv_tau_a;
      out[2 * n_ + i] = (-v[2 * n_ + i] + work_[i]) * inv_tau_s;
    }
  }
}

void ColumnNetwork::transpose_product_of_trial(const double* slope, const double* w, double* out) {
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  // work_j = sum_i W_ij w_V,i  (W^T w_V)
  std::fill(work_.begin(), work_.end(), 0.0);
  for (std::size_t i = 0; i < n_; ++i)
    for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e) work_[W.col[e]] += W.value[e] * w[i];
  for (std::size_t j = 0; j < n_; ++j) {
    const double g =
        slope[j] * (input_gain_ * work_[j] + kappa[j] * w[n_ + j] * inv_tau_a + w[2 * n_ + j] * inv_tau_s);
    out[j] = -w[j] * inv_tau_m + g;
    out[n_ + j] = -w[n_ + j] * inv_tau_a - g;
    out[2 * n_ + j] = -w[2 * n_ + j] * inv_tau_s;
  }
}

void ColumnNetwork::transpose_product_of_block(const double* slope, const double* w_all, double* out_all) {
  if (trials_ == 1) {
    transpose_product_of_trial(slope, w_all, out_all);
    return;
  }
  // As field_of_block: W^T w_V for all trials at once, trials contiguous, each trial's sums in
  // transpose_product_of_trial's order (so the results are equal).
  const std::size_t T = trials_;
  for (std::size_t trial = 0; trial < T; ++trial)
    for (std::size_t i = 0; i < n_; ++i) block_in_[i * T + trial] = w_all[3 * n_ * trial + i];
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  double* __restrict wt = block_out_.data();
  const double* __restrict in = block_in_.data();
  std::fill(block_out_.begin(), block_out_.end(), 0.0);
  for (std::size_t i = 0; i < n_; ++i) {
    const double* __restrict source = in + i * T;
    for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e) {
      const double v = W.value[e];
      double* __restrict target = wt + W.col[e] * T;
      for (std::size_t trial = 0; trial < T; ++trial) target[trial] += v * source[trial];
    }
  }
  for (std::size_t trial = 0; trial < T; ++trial) {
    const double* w = w_all + 3 * n_ * trial;
    const double* s = slope + n_ * trial;
    double* out = out_all + 3 * n_ * trial;
    for (std::size_t j = 0; j < n_; ++j) {
      const double g = s[j] * (input_gain_ * wt[j * T + trial] + kappa[j] * w[n_ + j] * inv_tau_a +
                               w[2 * n_ + j] * inv_tau_s);
      out[j] = -w[j] * inv_tau_m + g;
      out[n_ + j] = -w[n_ + j] * inv_tau_a - g;
      out[2 * n_ + j] = -w[2 * n_ + j] * inv_tau_s;
    }
  }
}

void ColumnNetwork::parameter_product_of_trial(std::size_t trial, std::size_t segment, const double* rate,
                                               const double* w, double* g) {
  const std::size_t segments = breakpoints_.size() + 1;
  const std::size_t off = 3 * n_ * trial;
  for (std::size_t k = 0; k < weights_.parameters.size(); ++k) {
    const ParameterRef& ref = weights_.parameters[k];
    switch (ref.matrix) {
      case ParameterRef::Matrix::recurrent:
        g[k] += input_gain_ * w[ref.row] * rate[ref.column];
        break;
      case ParameterRef::Matrix::input:
        g[k] += input_gain_ * w[ref.row] *
                drives_[trial].channel_values[trial_segment_[trial * segments + segment]][ref.column];
        break;
      case ParameterRef::Matrix::tau_membrane:
        for (std::size_t i = 0; i < n_; ++i) g[k] -= w[i] * field_[off + i] / constants_.tau_membrane_s;
        break;
      case ParameterRef::Matrix::tau_adaptation:
        for (std::size_t i = 0; i < n_; ++i)
          g[k] -= w[n_ + i] * field_[off + n_ + i] / constants_.tau_adaptation_s;
        break;
      case ParameterRef::Matrix::adaptation_strength:
        g[k] += w[n_ + ref.row] * rate[ref.row] / constants_.tau_adaptation_s;
        break;
    }
  }
}

void ColumnNetwork::jacobian_transpose_vector(double, std::size_t, const double* y_all, const double* w_all,
                                              double* out_all) {
  evaluate_rates(y_all);
  transpose_product_of_block(slope_.data(), w_all, out_all);
}

void ColumnNetwork::parameter_transpose_vector(double t, std::size_t segment, const double* y_all,
                                               const double* w_all, double* grad) {
  const std::size_t P = weights_.parameters.size();
  if (P == 0) return;
  // dF/dtau = -F/tau for the time constants (R held fixed): they need the field itself.
  if (has_scalar_parameters_) rhs(t, segment, y_all, field_.data());
  evaluate_rates(y_all);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const std::size_t off = 3 * n_ * trial;
    parameter_product_of_trial(trial, segment, &rate_[n_ * trial], w_all + off, grad + trial * P);
  }
}

void ColumnNetwork::vector_jacobian_products(double t, std::size_t segment, const double* y_all,
                                             const double* w_all, double* out_all, double* grad) {
  const std::size_t P = weights_.parameters.size();
  if (has_scalar_parameters_) rhs(t, segment, y_all, field_.data());
  evaluate_rates(y_all);  // rate and slope once for both products
  transpose_product_of_block(slope_.data(), w_all, out_all);
  if (P > 0)
    for (std::size_t trial = 0; trial < trials_; ++trial)
      parameter_product_of_trial(trial, segment, &rate_[n_ * trial], w_all + 3 * n_ * trial,
                                 grad + trial * P);
}

void ColumnNetwork::vector_jacobian_products_from_linearisation(double t, std::size_t segment,
                                                                const double* y_all,
                                                                const double* linearisation,
                                                                const double* w_all, double* out_all,
                                                                double* grad) {
  const std::size_t P = weights_.parameters.size();
  if (has_scalar_parameters_) rhs_from_linearisation(t, segment, y_all, linearisation, field_.data());
  transpose_product_of_block(linearisation + n_ * trials_, w_all, out_all);
  if (P > 0)
    for (std::size_t trial = 0; trial < trials_; ++trial)
      parameter_product_of_trial(trial, segment, linearisation + n_ * trial, w_all + 3 * n_ * trial,
                                 grad + trial * P);
}

void ColumnNetwork::jacobian_entries(double, std::size_t, const double* y_all,
                                     std::vector<MatrixEntry>& entries) {
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  evaluate_rates(y_all);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const std::size_t off = 3 * n_ * trial;
    const double* slope = &slope_[n_ * trial];
    for (std::size_t i = 0; i < n_; ++i) {
      const std::size_t Vi = off + i, ai = off + n_ + i, ri = off + 2 * n_ + i;
      entries.push_back({Vi, Vi, -inv_tau_m});
      for (std::size_t e = W.row_start[i]; e < W.row_start[i + 1]; ++e) {
        const std::size_t j = W.col[e];
        const double d = input_gain_ * W.value[e] * slope[j];
        entries.push_back({Vi, off + j, d});
        entries.push_back({Vi, off + n_ + j, -d});
      }
      entries.push_back({ai, Vi, kappa[i] * slope[i] * inv_tau_a});
      entries.push_back({ai, ai, (-1.0 - kappa[i] * slope[i]) * inv_tau_a});
      entries.push_back({ri, Vi, slope[i] * inv_tau_s});
      entries.push_back({ri, ai, -slope[i] * inv_tau_s});
      entries.push_back({ri, ri, -inv_tau_s});
    }
  }
}

void ColumnNetwork::parameter_jacobian_entries(double t, std::size_t segment, const double* y_all,
                                               std::vector<MatrixEntry>& entries) {
  const std::size_t P = weights_.parameters.size();
  const std::size_t segments = breakpoints_.size() + 1;
  if (has_scalar_parameters_) rhs(t, segment, y_all, field_.data());
  evaluate_rates(y_all);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const std::size_t off = 3 * n_ * trial;
    const double* rate = &rate_[n_ * trial];
    for (std::size_t k = 0; k < P; ++k) {
      const ParameterRef& ref = weights_.parameters[k];
      const std::size_t column = trial * P + k;
      switch (ref.matrix) {
        case ParameterRef::Matrix::recurrent:
          entries.push_back({off + ref.row, column, input_gain_ * rate[ref.column]});
          break;
        case ParameterRef::Matrix::input:
          entries.push_back(
              {off + ref.row, column,
               input_gain_ *
                   drives_[trial].channel_values[trial_segment_[trial * segments + segment]][ref.column]});
          break;
        case ParameterRef::Matrix::tau_membrane:
          for (std::size_t i = 0; i < n_; ++i)
            entries.push_back({off + i, column, -field_[off + i] / constants_.tau_membrane_s});
          break;
        case ParameterRef::Matrix::tau_adaptation:
          for (std::size_t i = 0; i < n_; ++i)
            entries.push_back({off + n_ + i, column, -field_[off + n_ + i] / constants_.tau_adaptation_s});
          break;
        case ParameterRef::Matrix::adaptation_strength:
          entries.push_back({off + n_ + ref.row, column, rate[ref.row] / constants_.tau_adaptation_s});
          break;
      }
    }
  }
}

std::vector<double> ColumnNetwork::parameter_values(const NetworkWeights& weights,
                                                    const ColumnConstants& constants) {
  std::vector<double> values;
  values.reserve(weights.parameters.size());
  for (const auto& ref : weights.parameters) {
    switch (ref.matrix) {
      case ParameterRef::Matrix::recurrent:
        values.push_back(weights.recurrent.value[ref.index]);
        break;
      case ParameterRef::Matrix::input:
        values.push_back(weights.input.value[ref.index]);
        break;
      case ParameterRef::Matrix::tau_membrane:
        values.push_back(constants.tau_membrane_s);
        break;
      case ParameterRef::Matrix::tau_adaptation:
        values.push_back(constants.tau_adaptation_s);
        break;
      case ParameterRef::Matrix::adaptation_strength:
        values.push_back(weights.adaptation_strength[ref.row]);
        break;
    }
  }
  return values;
}

std::vector<double> ColumnNetwork::parameters() const { return parameter_values(weights_, constants_); }

void ColumnNetwork::set_parameters(const std::vector<double>& values) {
  if (values.size() != weights_.parameters.size())
    throw std::invalid_argument("column network: " + std::to_string(values.size()) +
                                " parameter values for " + std::to_string(weights_.parameters.size()) +
                                " parameters");
  bool input_changed = false;
  for (std::size_t k = 0; k < values.size(); ++k) {
    const auto& ref = weights_.parameters[k];
    switch (ref.matrix) {
      case ParameterRef::Matrix::recurrent:
        weights_.recurrent.value[ref.index] = values[k];
        break;
      case ParameterRef::Matrix::input:
        weights_.input.value[ref.index] = values[k];
        input_changed = true;
        break;
      case ParameterRef::Matrix::tau_membrane:
      case ParameterRef::Matrix::tau_adaptation:
        if (!(values[k] > 0))
          throw std::invalid_argument("column network: " + ref.label + " must stay positive");
        (ref.matrix == ParameterRef::Matrix::tau_membrane ? constants_.tau_membrane_s
                                                          : constants_.tau_adaptation_s) = values[k];
        break;
      case ParameterRef::Matrix::adaptation_strength:
        weights_.adaptation_strength[ref.row] = values[k];
        break;
    }
  }
  update_time_constants();
  if (input_changed) update_drive();
}

}  // namespace neurode::models
