#include "models/column/column_network.hpp"

#include <algorithm>
#include <numeric>

#include <stdexcept>
#include "models/kernels/trial_batched_product.hpp"

namespace neurode::models {

StateLayout column_state_layout(std::size_t populations) {
  const std::string index =
      "8 * column + population (0 L2/3e, 1 L2/3i, 2 L4e, 3 L4i, 4 L5e, 5 L5i, 6 L6e, 7 L6i)";
  return {{{"V", {populations}, "mV", "population", index},
           {"a", {populations}, "mV", "population", index},
           {"r", {populations}, "Hz", "population", index}}};
}

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
  index_drives();
  update_time_constants();
  x_.resize(n_ * trials_);
  rates_and_slopes_.resize(2 * n_ * trials_);
  work_.resize(n_);
  block_in_.resize(n_ * trials_);
  block_out_.resize(n_ * trials_);
  recurrent_transpose_ = transpose(weights_.recurrent, transpose_source_);
  recurrent_dense_ = dense_columns(weights_.recurrent);
  transpose_dense_ = dense_columns(recurrent_transpose_);
  field_.resize(3 * n_ * trials_);
  std::vector<WeightParameter> recurrent;
  for (std::size_t k = 0; k < weights_.parameters.size(); ++k) {
    const ParameterRef& ref = weights_.parameters[k];
    if (ref.matrix == ParameterRef::Matrix::recurrent)
      recurrent.push_back({k, ref.row, ref.column});
    else if (ref.matrix == ParameterRef::Matrix::input)
      input_parameters_.push_back({k, ref.row, ref.column});
    else
      has_scalar_parameters_ = true;
  }
  // The time constants' products need the field, hence every f; otherwise only the sources of the
  // trainable recurrent weights.
  all_rates_kept_ = has_scalar_parameters_;
  std::vector<bool> kept(n_, all_rates_kept_);
  for (const auto& c : recurrent) kept[c.column] = true;
  std::vector<std::uint32_t> kept_slot(n_, 0);
  for (std::size_t i = 0; i < n_; ++i)
    if (kept[i]) {
      kept_slot[i] = static_cast<std::uint32_t>(kept_rates_.size());
      kept_rates_.push_back(static_cast<std::uint32_t>(i));
    }
  recorded_.resize(linearisation_size());
  // Each parameter's product is one addition to its own gradient entry, so grouping them by row
  // changes no result.
  std::stable_sort(recurrent.begin(), recurrent.end(),
                   [](const WeightParameter& a, const WeightParameter& b) { return a.row < b.row; });
  for (const auto& c : recurrent) {
    if (recurrent_group_row_.empty() || recurrent_group_row_.back() != c.row) {
      recurrent_group_row_.push_back(c.row);
      recurrent_group_start_.push_back(recurrent_entries_.size());
    }
    recurrent_entries_.push_back({static_cast<std::uint32_t>(c.index), kept_slot[c.column]});
  }
  recurrent_group_start_.push_back(recurrent_entries_.size());
  gain_w_.resize(trials_);
  update_drive();
}

std::vector<std::size_t> ColumnNetwork::membrane_offsets() const {
  std::vector<std::size_t> offsets(n_);
  std::iota(offsets.begin(), offsets.end(), std::size_t{0});
  return offsets;
}

void ColumnNetwork::linear_decay(double* diagonal) const {
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    double* d = diagonal + 3 * n_ * trial;
    std::fill(d, d + n_, -inverse_tau_.membrane);
    std::fill(d + n_, d + 2 * n_, -inverse_tau_.adaptation);
    std::fill(d + 2 * n_, d + 3 * n_, -inverse_tau_.synapse);
  }
}

void ColumnNetwork::update_time_constants() {
  input_gain_ = constants_.resistance * constants_.tau_synapse_s / constants_.tau_membrane_s;
  inverse_tau_ = {1.0 / constants_.tau_membrane_s, 1.0 / constants_.tau_adaptation_s,
                  1.0 / constants_.tau_synapse_s};
}

void ColumnNetwork::index_drives() {
  for (const auto& d : drives_) d.validate(n_, channels_);
  // Global breakpoints: every jump of any trial after the first segment's start.
  breakpoints_.clear();
  for (const auto& d : drives_)
    for (std::size_t k = 1; k < d.times.size(); ++k) breakpoints_.push_back(d.times[k]);
  std::sort(breakpoints_.begin(), breakpoints_.end());
  breakpoints_.erase(std::unique(breakpoints_.begin(), breakpoints_.end()), breakpoints_.end());
  const std::size_t segments = breakpoints_.size() + 1;
  trial_segment_.assign(trials_ * segments, 0);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const auto& times = drives_[trial].times;
    for (std::size_t g = 0; g < segments; ++g) {
      const double start = g == 0 ? times.front() : breakpoints_[g - 1];
      const auto k =
          static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), start) - times.begin());
      trial_segment_[trial * segments + g] = k == 0 ? 0 : k - 1;
    }
  }
}

void ColumnNetwork::set_drives(std::vector<PiecewiseDrive> drives) {
  if (drives.size() != trials_)
    throw std::invalid_argument("column network: " + std::to_string(drives.size()) + " drives for " +
                                std::to_string(trials_) + " trials");
  drives_ = std::move(drives);
  index_drives();
  update_drive();
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
  multiply_over_trials(weights_.recurrent, rate, 1, work_.data(), &recurrent_dense_);  // W f
  field_from_recurrent(y, rate, drive(trial, segment), work_.data(), dydt);
}

void ColumnNetwork::field_of_block(std::size_t segment, const double* y_all, const double* rate,
                                   double* dydt_all) {
  if (trials_ == 1) {
    field_of_trial(0, segment, y_all, rate, dydt_all);
    return;
  }
  // The trials share W: W f for all of them at once, population-major (see trial_batched_product),
  // then each trial's field from its own contiguous sums (vector code over populations).
  const std::size_t T = trials_;
  to_population_major(rate, n_, n_, T, block_in_.data());
  multiply_over_trials(weights_.recurrent, block_in_.data(), T, block_out_.data(), &recurrent_dense_);
  to_trial_major(block_out_.data(), n_, T, block_in_.data());
  for (std::size_t trial = 0; trial < T; ++trial) {
    const std::size_t off = 3 * n_ * trial;
    field_from_recurrent(y_all + off, rate + trial * n_, drive(trial, segment), block_in_.data() + trial * n_,
                         dydt_all + off);
  }
}

// The per-population loops of the field and of the transposed product run for every trial at every
// stage: compiled for AVX2 as well (chosen at load time) and, without FMA, to the same bits.
__attribute__((target_clones("avx2", "default"))) void ColumnNetwork::field_from_recurrent(
    const double* __restrict y, const double* __restrict r, const double* __restrict D,
    const double* __restrict recurrent, double* __restrict dydt) const {
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* __restrict kappa = weights_.adaptation_strength.data();
  for (std::size_t i = 0; i < n_; ++i) {
    dydt[i] = -y[i] * inv_tau_m + input_gain_ * (D[i] + recurrent[i]);
    dydt[n_ + i] = (-y[n_ + i] + kappa[i] * r[i]) * inv_tau_a;
    dydt[2 * n_ + i] = (-y[2 * n_ + i] + r[i]) * inv_tau_s;
  }
}

void ColumnNetwork::rhs(double, std::size_t segment, const double* y_all, double* dydt_all) {
  evaluate_rates(y_all);
  field_of_block(segment, y_all, rates(), dydt_all);
}

void ColumnNetwork::keep_rates(const double* rate_all, double* kept) const {
  if (all_rates_kept_) {
    std::copy(rate_all, rate_all + n_ * trials_, kept);
    return;
  }
  const std::size_t m = kept_rates_.size();
  for (std::size_t trial = 0; trial < trials_; ++trial)
    for (std::size_t k = 0; k < m; ++k) kept[m * trial + k] = rate_all[n_ * trial + kept_rates_[k]];
}

const double* ColumnNetwork::record_linearisation(const double* y_all) {
  evaluate_rates(y_all, rates_and_slopes_.data(), recorded_.data());
  keep_rates(rates_and_slopes_.data(), recorded_.data() + n_ * trials_);
  return recorded_.data();
}

void ColumnNetwork::rhs_recording(double, std::size_t segment, const double* y_all, double* dydt_all,
                                  double* linearisation) {
  // f' straight into the linearisation (with a trajectory store, its slot for this stage); f into
  // scratch for the field, then the kept part of it.
  evaluate_rates(y_all, rates_and_slopes_.data(), linearisation);
  field_of_block(segment, y_all, rates_and_slopes_.data(), dydt_all);
  keep_rates(rates_and_slopes_.data(), linearisation + n_ * trials_);
}

void ColumnNetwork::rhs_from_linearisation(double t, std::size_t segment, const double* y_all,
                                           const double* linearisation, double* dydt_all) {
  if (all_rates_kept_)
    field_of_block(segment, y_all, linearisation + n_ * trials_, dydt_all);
  else
    rhs(t, segment, y_all, dydt_all);  // not every f was kept (nor needed by the products)
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
    const double* slope = slopes() + n_ * trial;
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
  multiply_over_trials(recurrent_transpose_, w, 1, work_.data(), &transpose_dense_);  // W^T w_V
  transpose_from_recurrent(slope, w, work_.data(), out);
}

__attribute__((target_clones("avx2", "default"))) void ColumnNetwork::transpose_from_recurrent(
    const double* __restrict slope, const double* __restrict w, const double* __restrict recurrent,
    double* __restrict out) const {
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* __restrict kappa = weights_.adaptation_strength.data();
  for (std::size_t j = 0; j < n_; ++j) {
    const double g = slope[j] * (input_gain_ * recurrent[j] + kappa[j] * w[n_ + j] * inv_tau_a +
                                 w[2 * n_ + j] * inv_tau_s);
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
  // As field_of_block: W^T w_V for all trials at once, population-major.
  const std::size_t T = trials_;
  to_population_major(w_all, 3 * n_, n_, T, block_in_.data());
  multiply_over_trials(recurrent_transpose_, block_in_.data(), T, block_out_.data(), &transpose_dense_);
  to_trial_major(block_out_.data(), n_, T, block_in_.data());
  for (std::size_t trial = 0; trial < T; ++trial)
    transpose_from_recurrent(slope + n_ * trial, w_all + 3 * n_ * trial, block_in_.data() + n_ * trial,
                             out_all + 3 * n_ * trial);
}

void ColumnNetwork::parameter_product_of_trial(std::size_t trial, std::size_t segment, const double* rate,
                                               const double* w, double* g) {
  const std::size_t segments = breakpoints_.size() + 1;
  if (!input_parameters_.empty()) {
    const double* channel = drives_[trial].channel_values[trial_segment_[trial * segments + segment]].data();
    for (const auto& c : input_parameters_) g[c.index] += input_gain_ * w[c.row] * channel[c.column];
  }
  if (!has_scalar_parameters_) return;
  const std::size_t off = 3 * n_ * trial;
  for (std::size_t k = 0; k < weights_.parameters.size(); ++k) {
    const ParameterRef& ref = weights_.parameters[k];
    switch (ref.matrix) {
      case ParameterRef::Matrix::recurrent:
      case ParameterRef::Matrix::input:
        break;
      case ParameterRef::Matrix::tau_membrane:
        for (std::size_t i = 0; i < n_; ++i) g[k] -= w[i] * field_[off + i] / constants_.tau_membrane_s;
        break;
      case ParameterRef::Matrix::tau_adaptation:
        for (std::size_t i = 0; i < n_; ++i)
          g[k] -= w[n_ + i] * field_[off + n_ + i] / constants_.tau_adaptation_s;
        break;
      case ParameterRef::Matrix::adaptation_strength:
        g[k] += w[n_ + ref.row] * rate[ref.row] / constants_.tau_adaptation_s;  // every f kept
        break;
    }
  }
}

void ColumnNetwork::recurrent_parameter_products(const double* kept_rate_all, const double* w_all,
                                                 double* grad) {
  // This runs at every stage of the backward pass: per row, gain x w_V of each trial once, then
  // each of the row's parameters for all trials (the index and column read once).
  const std::size_t P = weights_.parameters.size(), T = trials_, n = n_;
  double* __restrict gain_w = gain_w_.data();
  const std::size_t m = kept_rates_.size();
  for (std::size_t r = 0; r + 1 < recurrent_group_start_.size(); ++r) {
    const std::size_t row = recurrent_group_row_[r];
    for (std::size_t t = 0; t < T; ++t) gain_w[t] = input_gain_ * w_all[3 * n * t + row];
    for (std::size_t e = recurrent_group_start_[r]; e < recurrent_group_start_[r + 1]; ++e) {
      const IndexColumn c = recurrent_entries_[e];
      for (std::size_t t = 0; t < T; ++t) grad[t * P + c.index] += gain_w[t] * kept_rate_all[m * t + c.kept];
    }
  }
}

void ColumnNetwork::jacobian_transpose_vector(double, std::size_t, const double* y_all, const double* w_all,
                                              double* out_all) {
  evaluate_rates(y_all);
  transpose_product_of_block(slopes(), w_all, out_all);
}

void ColumnNetwork::parameter_transpose_vector(double t, std::size_t segment, const double* y_all,
                                               const double* w_all, double* grad) {
  const std::size_t P = weights_.parameters.size();
  if (P == 0) return;
  // dF/dtau = -F/tau for the time constants (R held fixed): they need the field itself.
  if (has_scalar_parameters_) rhs(t, segment, y_all, field_.data());
  const double* kept = record_linearisation(y_all) + n_ * trials_;
  const std::size_t m = kept_rates_.size();
  recurrent_parameter_products(kept, w_all, grad);
  for (std::size_t trial = 0; trial < trials_; ++trial)
    parameter_product_of_trial(trial, segment, kept + m * trial, w_all + 3 * n_ * trial, grad + trial * P);
}

void ColumnNetwork::vector_jacobian_products(double t, std::size_t segment, const double* y_all,
                                             const double* w_all, double* out_all, double* grad) {
  // Rate and slope once for both products, in the linearisation's layout.
  vector_jacobian_products_from_linearisation(t, segment, y_all, record_linearisation(y_all), w_all, out_all,
                                              grad);
}

void ColumnNetwork::vector_jacobian_products_from_linearisation(double t, std::size_t segment,
                                                                const double* y_all,
                                                                const double* linearisation,
                                                                const double* w_all, double* out_all,
                                                                double* grad) {
  const std::size_t P = weights_.parameters.size();
  if (has_scalar_parameters_) rhs_from_linearisation(t, segment, y_all, linearisation, field_.data());
  transpose_product_of_block(linearisation, w_all, out_all);
  if (P == 0) return;
  const double* kept = linearisation + n_ * trials_;
  const std::size_t m = kept_rates_.size();
  recurrent_parameter_products(kept, w_all, grad);
  for (std::size_t trial = 0; trial < trials_; ++trial)
    parameter_product_of_trial(trial, segment, kept + m * trial, w_all + 3 * n_ * trial, grad + trial * P);
}

void ColumnNetwork::jacobian_entries(double, std::size_t, const double* y_all,
                                     std::vector<MatrixEntry>& entries) {
  const SparseMatrix& W = weights_.recurrent;
  const auto [inv_tau_m, inv_tau_a, inv_tau_s] = inverse_tau_;
  const double* kappa = weights_.adaptation_strength.data();
  evaluate_rates(y_all);
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const std::size_t off = 3 * n_ * trial;
    const double* slope = slopes() + n_ * trial;
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
    const double* rate = rates() + n_ * trial;
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
  for (std::size_t e = 0; e < transpose_source_.size(); ++e)
    recurrent_transpose_.value[e] = weights_.recurrent.value[transpose_source_[e]];
  refresh_dense_columns(weights_.recurrent, recurrent_dense_);
  refresh_dense_columns(recurrent_transpose_, transpose_dense_);
  if (input_changed) update_drive();
}

}  // namespace neurode::models
