#include "models/wong_wang/wong_wang.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

#include "models/kernels/random_stream.hpp"
#include "models/wong_wang/stimulus_pairs.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using models::WongWangParameters;

io::Array read_reference(const std::string& name) {
  io::Hdf5File file(testing::reference_path("wong_wang_20_35.h5"), io::Hdf5File::Mode::read);
  return file.read(name);
}

// Largest entrywise relative difference |a - b| / |b| (entries with b = 0 must match exactly).
double max_entrywise_relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, b[i] == 0.0 ? std::abs(a[i]) : std::abs(a[i] - b[i]) / std::abs(b[i]));
  return worst;
}

// --- rate function -------------------------------------------------------------------------------

TEST(WongWangRate, SmoothThroughTheSingularity) {
  const WongWangParameters p;
  const double x0 = p.b_Hz / p.a;  // a x = b: 0/0 in the formula, limit 1/d with slope a/2
  const auto at = models::wong_wang_rate(x0, p);
  EXPECT_NEAR(at.rate_Hz, 1.0 / p.d_s, 1e-12);
  EXPECT_NEAR(at.slope_Hz_per_nA, p.a / 2, 1e-9);
  // r'' at the singularity is a^2 d / 6 ~ 1871 Hz/nA^2.
  const double curvature = p.a * p.a * p.d_s / 6.0;
  for (double h = 1e-12; h <= 1e-3; h *= 10) {
    for (const double sign : {-1.0, 1.0}) {
      const auto rs = models::wong_wang_rate(x0 + sign * h, p);
      ASSERT_TRUE(std::isfinite(rs.rate_Hz) && std::isfinite(rs.slope_Hz_per_nA));
      EXPECT_NEAR(rs.rate_Hz, at.rate_Hz + sign * h * p.a / 2, curvature * h * h + 1e-12) << "h = " << h;
      EXPECT_NEAR(rs.slope_Hz_per_nA, p.a / 2, 2.0 * curvature * h + 1e-9) << "h = " << h;
    }
  }
}

TEST(WongWangRate, MatchesTheDirectFormulaAwayFromTheSingularity) {
  const WongWangParameters p;
  for (double x = -0.5; x < 1.0; x += 0.0137) {
    const double u = p.a * x - p.b_Hz;
    if (std::abs(p.d_s * u) < 0.2) continue;
    const double direct = u / (1.0 - std::exp(-p.d_s * u));
    EXPECT_NEAR(models::wong_wang_rate(x, p).rate_Hz, direct, 1e-14 * std::max(1.0, std::abs(direct))) << x;
  }
}

TEST(WongWangRate, SlopeIsTheDerivativeOfTheRate) {
  const WongWangParameters p;
  for (double x = -0.3; x < 0.9; x += 0.0113) {
    const double h = 1e-6;
    const double fd =
        (models::wong_wang_rate(x + h, p).rate_Hz - models::wong_wang_rate(x - h, p).rate_Hz) / (2 * h);
    EXPECT_NEAR(models::wong_wang_rate(x, p).slope_Hz_per_nA, fd, 1e-6 * std::max(1.0, std::abs(fd))) << x;
  }
}

TEST(WongWangRate, FiniteAtExtremeInputs) {
  const WongWangParameters p;
  for (const double x : {-1e6, -100.0, 100.0, 1e6}) {
    const auto rs = models::wong_wang_rate(x, p);
    EXPECT_TRUE(std::isfinite(rs.rate_Hz) && std::isfinite(rs.slope_Hz_per_nA)) << x;
    EXPECT_GE(rs.rate_Hz, 0.0);
  }
  EXPECT_EQ(models::wong_wang_rate(-1e6, p).rate_Hz, 0.0);
  EXPECT_NEAR(models::wong_wang_rate(1e6, p).rate_Hz, p.a * 1e6 - p.b_Hz, 1e-6);
}

// --- the prototype's Euler run -------------------------------------------------------------------

TEST(WongWangEuler, ProtocolStepCounts) {
  const WongWangParameters p;
  EXPECT_EQ(p.phase_steps(5.0), 5001u);
  const auto run = models::simulate_wong_wang_euler(p, 20, 35);
  const auto stim = read_reference("stim_on_steps").values;
  EXPECT_EQ(run.steps, 15003u);
  EXPECT_EQ(run.stimulus_begin, static_cast<std::size_t>(stim[0]));
  EXPECT_EQ(run.stimulus_end, static_cast<std::size_t>(stim[1]));
}

TEST(WongWangEuler, ReproducesTheReferenceRun) {
  const auto mu = read_reference("mu").values;
  const auto run = models::simulate_wong_wang_euler(WongWangParameters{}, mu[0], mu[1]);
  const auto r = read_reference("r_euler");
  const auto x = read_reference("x_euler");
  const auto s = read_reference("s_euler");
  ASSERT_EQ(r.rows(), run.steps);
  ASSERT_EQ(r.cols(), 2u);
  const double err_r = max_entrywise_relative_error(run.r_Hz, r.values);
  const double err_x = max_entrywise_relative_error(run.x_nA, x.values);
  const double err_s = max_entrywise_relative_error(run.s, s.values);
  std::printf("Euler vs reference, max entrywise relative error: r %.3e  x %.3e  s %.3e\n", err_r, err_x,
              err_s);
  EXPECT_LT(err_r, 1e-12);
  EXPECT_LT(err_x, 1e-12);
  EXPECT_LT(err_s, 1e-12);
}

TEST(WongWangEuler, TargetMatchesTheReference) {
  const WongWangParameters p;
  const auto mu = read_reference("mu").values;
  const auto target = models::wong_wang_target(p, mu[0], mu[1]);
  const auto reference = read_reference("target");
  const auto reference_t = read_reference("target_t").values;
  const auto reference_index = read_reference("target_step_index").values;
  ASSERT_EQ(reference.rows(), 1500u);
  ASSERT_EQ(target.values.size(), reference.values.size());
  ASSERT_EQ(target.t_s.size(), reference_t.size());
  const double err_target = max_entrywise_relative_error(target.values, reference.values);
  const double err_t = max_entrywise_relative_error(target.t_s, reference_t);
  std::printf("target vs reference, max entrywise relative error: values %.3e  t %.3e\n", err_target, err_t);
  EXPECT_LT(err_target, 1e-12);
  EXPECT_LT(err_t, 1e-12);
  for (std::size_t k = 0; k < target.step_index.size(); ++k)
    ASSERT_EQ(target.step_index[k], static_cast<std::size_t>(reference_index[k]));
  EXPECT_EQ(target.t_s.front(), 0.0);
  EXPECT_EQ(target.t_s.back(), 0.15);
}

TEST(WongWangEuler, NoiseNeedsAStreamAndIsReproducible) {
  WongWangParameters p;
  p.sigma_nA = 0.02;
  EXPECT_THROW(models::simulate_wong_wang_euler(p, 20, 35), std::invalid_argument);
  const models::RandomStream noise(7, models::RandomDomain::wong_wang_noise, 3);
  const auto a = models::simulate_wong_wang_euler(p, 20, 35, &noise);
  const auto b = models::simulate_wong_wang_euler(p, 20, 35, &noise);
  EXPECT_EQ(a.s, b.s);
  const auto quiet = models::simulate_wong_wang_euler(WongWangParameters{}, 20, 35, &noise);
  EXPECT_NE(a.s, quiet.s);
  // sigma = 0 draws nothing: passing a stream changes nothing.
  EXPECT_EQ(quiet.s, models::simulate_wong_wang_euler(WongWangParameters{}, 20, 35).s);
}

TEST(WongWangParameters, RejectsInvalidValues) {
  WongWangParameters p;
  EXPECT_NO_THROW(p.validate());
  p.target_points = 1501;  // (1501 - 1) * 10 = 15000 < 15003 still fits
  EXPECT_NO_THROW(p.validate());
  p.target_points = 1502;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = {};
  p.tau_s_s = 0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = {};
  p.dt_s = -1e-3;
  EXPECT_THROW(p.validate(), std::invalid_argument);
}

// --- the continuous-time model -------------------------------------------------------------------

// Classical RK4 with a fixed step on each forcing segment separately, so that steps land exactly on
// the stimulus jumps (a step across a jump would be only first-order accurate).
struct Rk4Result {
  std::vector<double> t, y;  // saved every `save_every` steps, y row-major (points x 3)
};

Rk4Result integrate_rk4(models::WongWangModel& model, double t_end, double h, std::size_t save_every) {
  constexpr std::size_t n = models::WongWangModel::kStateSize;
  std::vector<double> y = model.initial_state(), k1(n), k2(n), k3(n), k4(n), tmp(n);
  std::vector<double> edges{0.0};
  for (double b : model.breakpoints()) edges.push_back(b);
  edges.push_back(t_end);
  Rk4Result out;
  out.t.push_back(0.0);
  out.y.insert(out.y.end(), y.begin(), y.end());
  std::size_t global_step = 0;
  for (std::size_t segment = 0; segment + 1 < edges.size(); ++segment) {
    const double t0 = edges[segment];
    const auto steps = static_cast<std::size_t>(std::llround((edges[segment + 1] - t0) / h));
    for (std::size_t k = 0; k < steps; ++k) {
      const double t = t0 + static_cast<double>(k) * h;
      model.rhs(t, segment, y.data(), k1.data());
      for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i] + 0.5 * h * k1[i];
      model.rhs(t + 0.5 * h, segment, tmp.data(), k2.data());
      for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i] + 0.5 * h * k2[i];
      model.rhs(t + 0.5 * h, segment, tmp.data(), k3.data());
      for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i] + h * k3[i];
      model.rhs(t + h, segment, tmp.data(), k4.data());
      for (std::size_t i = 0; i < n; ++i) y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
      if (++global_step % save_every == 0) {
        out.t.push_back(static_cast<double>(global_step) * h);
        out.y.insert(out.y.end(), y.begin(), y.end());
      }
    }
  }
  return out;
}

TEST(WongWangModel, MatchesTheTightReferenceSolution) {
  const WongWangParameters p;
  const auto mu = read_reference("mu").values;
  models::WongWangModel model(p, mu[0], mu[1]);
  const auto t_ref = read_reference("t_tight").values;
  const auto s_ref = read_reference("s_tight");
  const auto r_ref = read_reference("r_tight");
  const auto I_ref = read_reference("I_noise_tight");
  const auto solution = integrate_rk4(model, p.final_time_s(), 1e-4, 100);  // saves every 10 ms
  ASSERT_EQ(solution.t.size(), t_ref.size());

  const std::size_t points = t_ref.size();
  std::vector<double> s(2 * points), r(2 * points), I(2 * points), I_exact(2 * points),
      r_own_state(2 * points), r_reference_I(2 * points);
  for (std::size_t k = 0; k < points; ++k) {
    ASSERT_NEAR(solution.t[k], t_ref[k], 1e-9);
    const double* y = &solution.y[3 * k];
    // The reference evaluates r with the mu active at t: the stimulus holds on [5, 10).
    const std::size_t segment = models::segment_at(model.breakpoints(), t_ref[k]);
    model.rates(segment, y, &r[2 * k]);
    s[2 * k] = y[0];
    s[2 * k + 1] = y[1];
    I[2 * k] = I[2 * k + 1] = y[2];
    I_exact[2 * k] = I_exact[2 * k + 1] = p.I_0_nA * -std::expm1(-t_ref[k] / p.tau_ampa_s);
    // r of the reference's own state: checks the rate evaluation and the segment convention alone.
    const double reference_state[3] = {s_ref.at(k, 0), s_ref.at(k, 1), I_ref.at(k, 0)};
    model.rates(segment, reference_state, &r_own_state[2 * k]);
    // r of our s with the reference's I_noise (see below).
    const double mixed_state[3] = {y[0], y[1], I_ref.at(k, 0)};
    model.rates(segment, mixed_state, &r_reference_I[2 * k]);
  }
  const double err_s = max_entrywise_relative_error(s, s_ref.values);
  const double err_I = max_entrywise_relative_error(I, I_ref.values);
  const double err_I_exact = max_entrywise_relative_error(I, I_exact);
  const double err_I_reference_exact = max_entrywise_relative_error(I_ref.values, I_exact);
  const double err_r = max_entrywise_relative_error(r, r_ref.values);
  const double err_r_own_state = max_entrywise_relative_error(r_own_state, r_ref.values);
  const double err_r_reference_I = max_entrywise_relative_error(r_reference_I, r_ref.values);
  const double err_r_global = testing::max_relative_error(r, r_ref.values);
  std::printf(
      "RK4 (h = 1e-4 s) vs DOP853 reference, max entrywise relative error:\n"
      "  s %.3e   I_noise %.3e   r %.3e (max|dr|/max|r| %.3e)\n"
      "  I_noise vs closed form: ours %.3e, reference %.3e\n"
      "  r of the reference state %.3e; r of our s with the reference I_noise %.3e\n",
      err_s, err_I, err_r, err_r_global, err_I_exact, err_I_reference_exact, err_r_own_state,
      err_r_reference_I);
  EXPECT_LT(err_s, 1e-6);
  EXPECT_LT(err_I, 1e-6);
  EXPECT_LT(err_r_own_state, 1e-13);
  EXPECT_LT(err_r_reference_I, 1e-6);
  EXPECT_LT(err_r_global, 1e-6);
  // I_noise(t) = I_0 (1 - exp(-t / tau_ampa)) in closed form. The reference's I_noise_tight departs
  // from it by up to 3.0e-7 relative (worst at t = 5.05 s, just after the stimulus onset), and the
  // rate's slope there (dr/dx ~ 66 Hz/nA at r ~ 2.5 Hz) turns that into 2.5e-6 relative in r_tight.
  // Our I_noise is exact to 2e-9 (RK4's error in the first 10 ms), so the entrywise bound on r
  // against r_tight measures the reference's own accuracy; with the reference's I_noise (above), or
  // relative to the largest rate, the agreement is better than 1e-6.
  EXPECT_LT(err_I_exact, 1e-8);
  EXPECT_LT(err_r, 5e-6);
}

TEST(WongWangModel, ReadmeNumbers) {
  const WongWangParameters p;
  models::WongWangModel model(p, 20, 35);
  // Save every step so that the states at 5 s, 10 s and 15 s are at hand.
  const double h = 1e-4;
  const auto solution = integrate_rk4(model, p.final_time_s(), h, 1);
  const auto state_at = [&](double t) {
    return &solution.y[3 * static_cast<std::size_t>(std::llround(t / h))];
  };
  double rest[2], end_of_stimulus[2], persistent[2];
  model.rates(0, state_at(5.0), rest);              // just before the stimulus
  model.rates(1, state_at(10.0), end_of_stimulus);  // limit t -> 10 from the left
  model.rates(2, state_at(15.0), persistent);
  std::printf("rest %.6f Hz, end of stimulus winner %.6f / loser %.6f Hz, persistent %.6f Hz\n", rest[0],
              end_of_stimulus[1], end_of_stimulus[0], persistent[1]);
  EXPECT_NEAR(rest[0], 1.7846, 1e-3);
  EXPECT_NEAR(rest[1], 1.7846, 1e-3);
  EXPECT_NEAR(end_of_stimulus[1], 31.7435, 1e-3);
  EXPECT_NEAR(end_of_stimulus[0], 0.6476, 1e-3);
  EXPECT_NEAR(persistent[1], 20.4275, 1e-3);
  EXPECT_LT(persistent[0], 1.0);
}

TEST(WongWangModel, StructureAndStimulusSegments) {
  const WongWangParameters p;
  models::WongWangModel model(p, 20, 35);
  EXPECT_EQ(model.state_size(), 3u);
  EXPECT_EQ(model.trial_count(), 1u);
  EXPECT_EQ(model.parameter_size(), 0u);
  EXPECT_EQ(model.breakpoints(), (std::vector<double>{5.0, 10.0}));
  EXPECT_TRUE(model.parameters().empty());
  EXPECT_NO_THROW(model.set_parameters({}));
  EXPECT_THROW(model.set_parameters({1.0}), std::invalid_argument);
  const std::vector<double> y{0.3, 0.2, 0.31};
  double x_off[2], x_on[2];
  model.input_currents(0, y.data(), x_off);
  model.input_currents(1, y.data(), x_on);
  EXPECT_NEAR(x_on[0] - x_off[0], p.J_ext_nA_per_Hz * 20, 1e-15);
  EXPECT_NEAR(x_on[1] - x_off[1], p.J_ext_nA_per_Hz * 35, 1e-15);
  model.input_currents(2, y.data(), x_on);
  EXPECT_EQ(x_on[0], x_off[0]);
  std::vector<double> grad{1.5};
  model.parameter_transpose_vector(0, 1, y.data(), y.data(), grad.data());
  EXPECT_EQ(grad[0], 1.5);
  std::vector<models::MatrixEntry> entries;
  model.parameter_jacobian_entries(0, 1, y.data(), entries);
  EXPECT_TRUE(entries.empty());
  WongWangParameters noisy;
  noisy.sigma_nA = 0.01;
  EXPECT_THROW(models::WongWangModel(noisy, 20, 35), std::invalid_argument);
}

TEST(WongWangModel, JacobianProductsAgreeWithFiniteDifferencesAndEachOther) {
  models::WongWangModel model(WongWangParameters{}, 20, 35);
  // States on both sides of the singular point a x = b and in the saturated range.
  const std::vector<std::array<double, 3>> states{
      {0.1, 0.1, 0.0}, {0.3, 0.05, 0.3255}, {0.7, 0.02, 0.33}, {0.2, 0.25, 0.31}};
  for (const auto& state : states) {
    for (std::size_t segment = 0; segment < 3; ++segment) {
      double J[3][3] = {};
      std::vector<models::MatrixEntry> entries;
      model.jacobian_entries(0, segment, state.data(), entries);
      EXPECT_EQ(entries.size(), 7u);
      for (const auto& e : entries) J[e.row][e.col] += e.value;
      for (std::size_t j = 0; j < 3; ++j) {
        // Column j by central differences.
        const double h = 1e-6;
        auto plus = state, minus = state;
        plus[j] += h;
        minus[j] -= h;
        double fp[3], fm[3];
        model.rhs(0, segment, plus.data(), fp);
        model.rhs(0, segment, minus.data(), fm);
        double e_j[3] = {0, 0, 0}, Jv[3], JTw[3];
        e_j[j] = 1;
        model.jacobian_vector(0, segment, state.data(), e_j, Jv);
        model.jacobian_transpose_vector(0, segment, state.data(), e_j, JTw);
        for (std::size_t i = 0; i < 3; ++i) {
          const double fd = (fp[i] - fm[i]) / (2 * h);
          EXPECT_NEAR(J[i][j], fd, 1e-6 * std::max(1.0, std::abs(fd))) << i << "," << j;
          EXPECT_NEAR(Jv[i], J[i][j], 1e-12 * std::max(1.0, std::abs(J[i][j])));
          EXPECT_NEAR(JTw[i], J[j][i], 1e-12 * std::max(1.0, std::abs(J[j][i])));
        }
      }
    }
  }
}

// --- random streams ------------------------------------------------------------------------------

TEST(RandomStream, PhiloxKnownAnswers) {
  // Random123's published kat_vectors for Philox4x32-10.
  using Block = std::array<std::uint32_t, 4>;
  EXPECT_EQ(models::philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(models::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(models::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(RandomStream, DependsOnlyOnSeedStreamAndIndex) {
  const models::RandomStream a(42, 7), b(42, 7);
  // Forward in one, backward in the other: no hidden state, so the order of evaluation is irrelevant.
  std::vector<double> forward, backward(1000);
  for (std::uint64_t k = 0; k < 1000; ++k) forward.push_back(a.uniform(k));
  for (std::uint64_t k = 1000; k-- > 0;) backward[k] = b.uniform(k);
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(a.normal(123), models::RandomStream(42, 7).normal(123));
  // Changing any part of the key changes the numbers.
  EXPECT_NE(a.bits(0), models::RandomStream(43, 7).bits(0));
  EXPECT_NE(a.bits(0), models::RandomStream(42, 8).bits(0));
  EXPECT_NE(a.bits(0), a.bits(1));
  EXPECT_NE(a.bits(0), models::RandomStream(42, 7ull << 32).bits(0));
  EXPECT_NE(a.bits(0), a.bits(1ull << 32));
  // Domains separate streams of the same sample.
  EXPECT_NE(models::stream_id(models::RandomDomain::stimulus_pair, 5),
            models::stream_id(models::RandomDomain::wong_wang_noise, 5));
  EXPECT_THROW(models::stream_id(models::RandomDomain::stimulus_pair, 1ull << 48), std::out_of_range);
}

TEST(RandomStream, RoughlyUniformAndNormal) {
  const models::RandomStream stream(2024, 1);
  constexpr std::size_t n = 200000, bins = 20;
  std::vector<double> counts(bins, 0.0);
  double mean = 0, second = 0, normal_mean = 0, normal_second = 0, normal_fourth = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    const double u = stream.uniform(k);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    counts[static_cast<std::size_t>(u * bins)] += 1;
    mean += u;
    second += u * u;
    const double z = stream.normal(k + n);
    ASSERT_TRUE(std::isfinite(z));
    normal_mean += z;
    normal_second += z * z;
    normal_fourth += z * z * z * z;
  }
  mean /= n;
  second /= n;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(second - mean * mean, 1.0 / 12, 2e-3);
  double chi2 = 0;
  for (double c : counts) chi2 += (c - double(n) / bins) * (c - double(n) / bins) / (double(n) / bins);
  // 19 degrees of freedom: P(chi2 > 43.8) = 0.001.
  EXPECT_LT(chi2, 43.8);
  EXPECT_NEAR(normal_mean / n, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(normal_second / n, 1.0, 0.02);
  EXPECT_NEAR(normal_fourth / n, 3.0, 0.1);
}

// --- stimulus pairs ------------------------------------------------------------------------------

TEST(StimulusPairs, RangesAndFairCoin) {
  const models::StimulusPairParameters p;
  std::size_t a_strong = 0;
  constexpr std::size_t n = 20000;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto pair = models::sample_stimulus_pair(11, i, p);
    const double weak = std::min(pair.mu_A_Hz, pair.mu_B_Hz), strong = std::max(pair.mu_A_Hz, pair.mu_B_Hz);
    ASSERT_GE(weak, 15.0);
    ASSERT_LT(weak, 25.0);
    ASSERT_GE(strong - weak, 10.0 - 1e-12);
    ASSERT_LT(strong - weak, 20.0 + 1e-12);
    a_strong += pair.mu_A_Hz > pair.mu_B_Hz;
  }
  // Binomial(n, 1/2): standard deviation sqrt(n)/2 ~ 71; allow 5 of them.
  EXPECT_NEAR(static_cast<double>(a_strong), n / 2.0, 5 * std::sqrt(double(n)) / 2);
}

TEST(StimulusPairs, ReproducibleAndIndependentOfOrder) {
  const WongWangParameters ww;
  std::vector<models::StimulusPair> forward, backward(64);
  for (std::uint64_t i = 0; i < 64; ++i)
    forward.push_back(models::sample_stimulus_pair(5, i, ww.stimulus_pairs));
  for (std::uint64_t i = 64; i-- > 0;) backward[i] = models::sample_stimulus_pair(5, i, ww.stimulus_pairs);
  std::set<double> distinct;
  for (std::size_t i = 0; i < 64; ++i) {
    EXPECT_EQ(forward[i].mu_A_Hz, backward[i].mu_A_Hz);
    EXPECT_EQ(forward[i].mu_B_Hz, backward[i].mu_B_Hz);
    distinct.insert(forward[i].mu_A_Hz);
  }
  EXPECT_EQ(distinct.size(), 64u);
  const auto other_seed = models::sample_stimulus_pair(6, 0, ww.stimulus_pairs);
  EXPECT_NE(other_seed.mu_A_Hz, forward[0].mu_A_Hz);
}

TEST(StimulusPairs, UnshuffledGivesBTheStrongerInput) {
  models::StimulusPairParameters p;
  p.shuffle = false;
  for (std::uint64_t i = 0; i < 100; ++i) {
    const auto pair = models::sample_stimulus_pair(3, i, p);
    EXPECT_GT(pair.mu_B_Hz, pair.mu_A_Hz);
  }
  p.weak_max_Hz = 10.0;
  EXPECT_THROW(models::sample_stimulus_pair(3, 0, p), std::invalid_argument);
}

}  // namespace
}  // namespace neurode
