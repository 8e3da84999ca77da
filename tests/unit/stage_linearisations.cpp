// The discrete adjoint with the stage linearisations kept from the forward pass (f and f' of every
// stage of the column model) gives the gradient it gives when it evaluates every stage again: for
// each explicit method, with adaptive steps, rejections and forcing breakpoints, for a batch of
// trials; models without a linearisation and checkpointing keep the recomputing path.
#include <gtest/gtest.h>
#include <petscsys.h>

#include <cmath>
#include <memory>
#include <string>

#include "solvers/butcher_tableau.hpp"
#include "solvers/gradient.hpp"
#include "solvers/rk_discrete_adjoint.hpp"
#include "solvers/trajectory_store.hpp"
#include "support/gradient_problems.hpp"
#include "support/reference.hpp"
#include "support/required_part.hpp"

namespace neurode {
namespace {

using solvers::GradientMethod;

using testing::method;

solvers::GradientResult gradient(models::Model& model, const testing::GradientProblem& p,
                                 const solvers::SolverSettings& solver, bool keep_stages,
                                 std::size_t checkpoint_every = 1,
                                 GradientMethod gradient_method = GradientMethod::discrete) {
  solvers::GradientSettings g;
  g.method = gradient_method;
  g.checkpoint_every = checkpoint_every;
  g.keep_stage_linearisations = keep_stages;
  solvers::GradientSolver gs(model, solver, g);
  auto r = gs.compute(p.times.front(), p.y0, p.times, *p.loss);
  EXPECT_TRUE(r.forward.ok()) << r.forward.message;
  return r;
}

struct Case {
  const char* name;
  solvers::SolverSettings solver;
  bool expect_rejections;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class KeptStages : public ::testing::TestWithParam<Case> {};

// Random two-area networks (lateral, feed-forward and feedback weights), 2 trials, forcing jumps at
// 10 ms and 30 ms (restarts of the method), with and without trainable time constants (whose
// products read the stage state, which is then rebuilt from the kept slopes).
TEST_P(KeptStages, GradientEqualsRecomputedStages) {
  for (bool scalars : {false, true}) {
    auto p = testing::random_network_problem(11, 2, scalars);
    const auto& solver = GetParam().solver;
    const auto recomputed = gradient(*p.model, p, solver, false);
    const auto kept = gradient(*p.model, p, solver, true);
    const long steps = kept.forward.statistics.steps;
    ASSERT_GT(steps, 10);
    if (GetParam().expect_rejections) {
      EXPECT_GT(kept.forward.statistics.rejected_steps, 0);
    }
    EXPECT_EQ(kept.backward_linearised_steps, steps) << "every accepted step's stages identified";
    EXPECT_EQ(kept.backward_rhs_evaluations, 0);
    EXPECT_EQ(recomputed.backward_linearised_steps, 0);
    // Recomputing evaluates the slopes that later stage states read: none for Euler's one stage.
    if (std::string(GetParam().name) == "euler_fixed") {
      EXPECT_EQ(recomputed.backward_rhs_evaluations, 0);
    } else if (std::string(GetParam().name) == "rk4_fixed") {
      EXPECT_EQ(recomputed.backward_rhs_evaluations, 3 * steps) << "RK4's last slope is not evaluated";
    } else {
      EXPECT_GT(recomputed.backward_rhs_evaluations, 0);
    }
    EXPECT_EQ(kept.forward.statistics.steps, recomputed.forward.statistics.steps);
    // The forward solve is the same computation: rhs_recording's F is rhs's bitwise.
    EXPECT_EQ(kept.forward.states, recomputed.forward.states);
    ASSERT_EQ(kept.gradient.size(), recomputed.gradient.size());
    ASSERT_EQ(kept.gradient.size(), 2 * p.model->parameter_size());
    EXPECT_LT(testing::max_relative_error(kept.gradient, recomputed.gradient), 1e-13)
        << GetParam().name << (scalars ? " with time constants" : "");
    EXPECT_LT(testing::max_relative_error(kept.dl_dy0, recomputed.dl_dy0), 1e-13);
    // With time constants the kept stages come on top of the states; without, they replace the
    // states (StatesOnlyWhereNeededGiveTheSameGradient), and Euler's one stage is smaller.
    if (scalars) {
      EXPECT_GT(kept.trajectory_bytes, recomputed.trajectory_bytes);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, KeptStages,
                         ::testing::Values(Case{"rk4_fixed", method("rk4", false, 2e-4), false},
                                           // A first step of 10 ms at 1e-8: rejected, as are the first steps
                                           // after the restarts at the forcing jumps.
                                           Case{"dopri5_adaptive", method("dopri5", true, 1e-2, 1e-8), true},
                                           Case{"bs3_adaptive", method("bs3", true, 1e-2, 1e-7), true},
                                           Case{"dopri5_fixed", method("dopri5", false, 2e-4), false},
                                           Case{"euler_fixed", method("euler", false, 1e-4), false}),
                         [](const auto& test) { return std::string(test.param.name); });

TEST(KeptStagesIdentities, BackpropEulerIsStillTheDiscreteAdjointOfEuler) {
  auto p = testing::random_network_problem(3, 2);
  const auto solver = method("euler", false, 1e-4);
  const auto a = gradient(*p.model, p, solver, true, 1, GradientMethod::backprop_euler);
  const auto b = gradient(*p.model, p, solver, true, 1, GradientMethod::discrete);
  const auto c = gradient(*p.model, p, solver, false, 1, GradientMethod::backprop_euler);
  EXPECT_EQ(a.gradient, b.gradient);
  EXPECT_EQ(a.backward_linearised_steps, a.forward.statistics.steps);
  EXPECT_LT(testing::max_relative_error(a.gradient, c.gradient), 1e-13);
}

// Euler and RK4 record their stages in place, straight into the store; an adaptive method without
// FSAL does too, until a rejected attempt makes a step's evaluations outnumber its stages, and the
// step goes on in the integrator's own buffer. Fehlberg 5(4) (PETSc's rk/5f, by option: neurode's
// methods with an error estimate are FSAL) with a first step of 10 ms at 1e-8 has such steps.
TEST(KeptStagesIdentities, InPlaceRecordingSurvivesRejectedAttempts) {
  ASSERT_EQ(PetscOptionsSetValue(nullptr, "-ts_rk_type", "5f"), 0);
  auto p = testing::random_network_problem(5, 2);
  const auto solver = method("dopri5", true, 1e-2, 1e-8);
  const auto recomputed = gradient(*p.model, p, solver, false);
  const auto kept = gradient(*p.model, p, solver, true);
  ASSERT_EQ(PetscOptionsClearValue(nullptr, "-ts_rk_type"), 0);
  EXPECT_NE(kept.forward.method.find("rk/5f"), std::string::npos) << kept.forward.method;
  EXPECT_FALSE(solvers::rk_tableau("5f").fsal);
  EXPECT_GT(kept.forward.statistics.rejected_steps, 0);
  EXPECT_EQ(kept.backward_linearised_steps, kept.forward.statistics.steps);
  EXPECT_EQ(kept.forward.states, recomputed.forward.states);
  EXPECT_LT(testing::max_relative_error(kept.gradient, recomputed.gradient), 1e-13);
  EXPECT_LT(testing::max_relative_error(kept.dl_dy0, recomputed.dl_dy0), 1e-13);
}

// With a checkpoint every k > 1 steps the states in between are recomputed anyway: no stages are
// kept, and the gradient is the fully stored one.
TEST(KeptStagesIdentities, CheckpointingKeepsNoStagesAndAgrees) {
  auto p = testing::random_network_problem(4, 2);
  const auto solver = method("dopri5", true, 1e-6, 1e-8);
  const auto full = gradient(*p.model, p, solver, true, 1);
  const auto checkpointed = gradient(*p.model, p, solver, true, 16);
  EXPECT_EQ(full.backward_linearised_steps, full.forward.statistics.steps);
  EXPECT_EQ(checkpointed.backward_linearised_steps, 0);
  EXPECT_LT(testing::max_relative_error(checkpointed.gradient, full.gradient), 1e-12);
  EXPECT_LT(checkpointed.trajectory_bytes * 4, full.trajectory_bytes);
}

// The continuous adjoint does not use the stages and does not keep them.
TEST(KeptStagesIdentities, ContinuousAdjointKeepsNoStages) {
  auto p = testing::random_network_problem(4);
  const auto solver = method("dopri5", true, 1e-6, 1e-8);
  solvers::GradientSettings g;
  g.method = GradientMethod::continuous;
  g.adjoint_solver = solver;
  solvers::GradientSolver gs(*p.model, solver, g);
  const auto r = gs.compute(p.times.front(), p.y0, p.times, *p.loss);
  ASSERT_TRUE(r.forward.ok());
  EXPECT_EQ(r.backward_linearised_steps, 0);
  const auto discrete = gradient(*p.model, p, solver, false);
  // The store of a discrete adjoint without stages, plus the Hermite slopes at both ends of every
  // step that the continuous adjoint computes for its interpolation.
  const std::size_t slopes = 2 * p.model->state_size() * static_cast<std::size_t>(r.forward.statistics.steps);
  EXPECT_EQ(r.trajectory_bytes, discrete.trajectory_bytes + slopes * sizeof(double));
}

// A model that implements only the required interface (no linearisation): the column network
// behind a forwarding wrapper. The adjoint recomputes every stage.
class PlainModel final : public testing::RequiredPart {
 public:
  using RequiredPart::RequiredPart;
  void vector_jacobian_products(double t, std::size_t segment, const double* y, const double* w, double* out,
                                double* grad) override {
    inner_.vector_jacobian_products(t, segment, y, w, out, grad);
  }
  bool has_assembled_jacobian() const override { return inner_.has_assembled_jacobian(); }
  bool has_assembled_parameter_jacobian() const override { return inner_.has_assembled_parameter_jacobian(); }
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<models::MatrixEntry>& entries) override {
    inner_.jacobian_entries(t, segment, y, entries);
  }
  void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                  std::vector<models::MatrixEntry>& entries) override {
    inner_.parameter_jacobian_entries(t, segment, y, entries);
  }
};

TEST(KeptStagesIdentities, ModelWithoutLinearisationRecomputesStages) {
  auto p = testing::random_network_problem(7, 2);
  PlainModel plain(*p.model);
  ASSERT_EQ(plain.linearisation_size(), 0u);
  for (const auto& solver : {method("rk4", false, 2e-4), method("dopri5", true, 1e-2, 1e-8)}) {
    const auto r = gradient(plain, p, solver, true);
    const auto column = gradient(*p.model, p, solver, false);
    EXPECT_EQ(r.backward_linearised_steps, 0);
    EXPECT_EQ(r.backward_rhs_evaluations, column.backward_rhs_evaluations);
    EXPECT_EQ(r.gradient, column.gradient);  // the same computation
    EXPECT_EQ(r.trajectory_bytes, column.trajectory_bytes);
  }
}

// Replays the steps of `full` (every state and every step's stages kept) into `partial`, with the
// stages of every third step only: as when the integrator could not identify the others.
void replay_every_third_step(const solvers::TrajectoryStore& full, solvers::TrajectoryStore& partial) {
  partial.on_start(full.t0(), full.checkpoint(0), full.state_size());
  std::vector<const double*> stages(full.stage_count());
  for (std::size_t m = 0; m < full.steps(); ++m) {
    const auto& rec = full.step(m);
    partial.on_step(rec.t_start, rec.t_end, rec.segment, full.checkpoint(m + 1));
    if (m % 3 != 0) continue;
    for (std::size_t i = 0; i < stages.size(); ++i)
      stages[i] = full.stage_linearisations(m) + i * full.linearisation_size();
    partial.on_step_stages(stages.data(), stages.size(), full.linearisation_size());
  }
}

// A store holding some steps with and some without their stages (as when the integrator could not
// identify a step's evaluations): each step takes its own path, and the gradient is the same.
TEST(KeptStagesIdentities, PartlyRecordedTrajectoryGivesTheSameGradient) {
  auto p = testing::random_network_problem(8, 2, true);
  const auto solver = method("dopri5", true, 1e-2, 1e-8);
  solvers::Integrator integrator(*p.model, solver);
  solvers::TrajectoryStore full(1);
  full.set_record_stages(true);
  const auto forward = integrator.solve(p.times.front(), p.y0, p.times, &full);
  ASSERT_TRUE(forward.ok());
  ASSERT_EQ(full.recorded_steps(), full.steps());
  const auto tableau = solvers::rk_tableau("5dp");
  ASSERT_EQ(full.stage_count(), 6u);  // the FSAL stage does not influence the step
  ASSERT_EQ(full.linearisation_size(), p.model->linearisation_size());

  // Replay the steps into a second store, with the stages of every third step only.
  solvers::TrajectoryStore partial(1);
  partial.set_record_stages(true);
  replay_every_third_step(full, partial);
  EXPECT_EQ(partial.recorded_steps(), (full.steps() + 2) / 3);
  EXPECT_EQ(partial.stage_linearisations(1), nullptr);

  solvers::TrajectoryStore none(1);
  integrator.solve(p.times.front(), p.y0, p.times, &none);
  ASSERT_EQ(none.recorded_steps(), 0u);

  solvers::RkDiscreteAdjoint adjoint(*p.model, tableau);
  const auto a = adjoint.run(full, forward, *p.loss);
  const auto b = adjoint.run(partial, forward, *p.loss);
  const auto c = adjoint.run(none, forward, *p.loss);
  EXPECT_EQ(a.linearised_steps, static_cast<long>(full.steps()));
  EXPECT_EQ(b.linearised_steps, static_cast<long>(partial.recorded_steps()));
  EXPECT_EQ(c.linearised_steps, 0);
  EXPECT_LT(testing::max_relative_error(a.gradient, c.gradient), 1e-13);
  EXPECT_LT(testing::max_relative_error(b.gradient, c.gradient), 1e-13);
}

// For a model whose linearised products do not read the state, the store keeps only the start
// states of steps without recorded stages (and the last step's): the same gradient, bit for bit,
// from a fraction of the memory, and a clear error for a state that was not kept.
TEST(KeptStagesIdentities, StatesOnlyWhereNeededGiveTheSameGradient) {
  auto p = testing::random_network_problem(8, 2, false);
  ASSERT_FALSE(p.model->linearised_products_read_state());
  const auto solver = method("dopri5", true, 1e-2, 1e-8);
  solvers::Integrator integrator(*p.model, solver);
  solvers::TrajectoryStore full(1);
  full.set_record_stages(true);
  const auto forward = integrator.solve(p.times.front(), p.y0, p.times, &full);
  ASSERT_TRUE(forward.ok());
  ASSERT_GT(full.steps(), 6u);
  solvers::TrajectoryStore lean(1);
  lean.set_record_stages(true);
  lean.set_states_only_where_needed(true);
  ASSERT_TRUE(integrator.solve(p.times.front(), p.y0, p.times, &lean).ok());
  ASSERT_EQ(lean.recorded_steps(), lean.steps());
  EXPECT_LT(lean.bytes(), full.bytes());
  EXPECT_THROW(lean.checkpoint(1), std::logic_error);
  EXPECT_EQ(std::vector<double>(lean.checkpoint(lean.steps() - 1),
                                lean.checkpoint(lean.steps() - 1) + lean.state_size()),
            std::vector<double>(full.checkpoint(full.steps() - 1),
                                full.checkpoint(full.steps() - 1) + full.state_size()));

  // A replay with the stages of every third step only: the others keep their start states.
  solvers::TrajectoryStore partial(1);
  partial.set_record_stages(true);
  partial.set_states_only_where_needed(true);
  replay_every_third_step(full, partial);
  for (std::size_t m = 1; m + 1 < full.steps(); ++m) {
    if (m % 3 == 0) {
      EXPECT_THROW(partial.checkpoint(m), std::logic_error) << "step " << m;
    } else {
      EXPECT_EQ(partial.checkpoint(m)[0], full.checkpoint(m)[0]) << "step " << m;
    }
  }

  solvers::RkDiscreteAdjoint adjoint(*p.model, solvers::rk_tableau("5dp"));
  const auto a = adjoint.run(full, forward, *p.loss);
  const auto b = adjoint.run(lean, forward, *p.loss);
  const auto c = adjoint.run(partial, forward, *p.loss);
  EXPECT_EQ(b.gradient, a.gradient);
  EXPECT_EQ(b.linearised_steps, a.linearised_steps);
  EXPECT_LT(testing::max_relative_error(c.gradient, a.gradient), 1e-13);
  EXPECT_EQ(c.linearised_steps, static_cast<long>(partial.recorded_steps()));
}

// The column model's linearised products are its plain ones: the same arithmetic on the same f, f'.
// The linearisation keeps f' of every population and f only of those the products read: the sources
// of the trainable recurrent weights, or all with trainable time constants and adaptation strengths.
TEST(KeptStagesModel, ColumnNetworkProductsFromTheLinearisationAreItsOwn) {
  for (bool scalars : {false, true}) {
    auto p = testing::random_network_problem(9, 3, scalars);
    auto& model = *p.model;
    const std::size_t n = model.state_size(), P = model.parameter_size();
    const std::size_t populations = model.populations();
    std::vector<bool> source(populations, false);
    for (const auto& ref : model.weights().parameters)
      if (ref.matrix == models::ParameterRef::Matrix::recurrent) source[ref.column] = true;
    std::vector<std::uint32_t> expected_kept;
    for (std::size_t i = 0; i < populations; ++i)
      if (scalars || source[i]) expected_kept.push_back(static_cast<std::uint32_t>(i));
    EXPECT_EQ(model.kept_rates(), expected_kept);
    if (!scalars) {
      EXPECT_LT(expected_kept.size(), populations);
    }
    ASSERT_EQ(model.linearisation_size(), (populations + expected_kept.size()) * 3);
    EXPECT_EQ(model.linearised_products_read_state(), scalars);
    std::vector<double> y(n), w(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = 20.0 + 5.0 * std::sin(0.7 * static_cast<double>(i));
      w[i] = std::cos(1.3 * static_cast<double>(i));
    }
    for (std::size_t segment = 0; segment <= model.breakpoints().size(); ++segment) {
      std::vector<double> f(n), f_recording(n), f_from(n), lin(model.linearisation_size());
      model.rhs(0.0, segment, y.data(), f.data());
      model.rhs_recording(0.0, segment, y.data(), f_recording.data(), lin.data());
      model.rhs_from_linearisation(0.0, segment, y.data(), lin.data(), f_from.data());
      EXPECT_EQ(f, f_recording);
      EXPECT_EQ(f, f_from);
      std::vector<double> out(n), out_lin(n), g(3 * P, 0.0), g_lin(3 * P, 0.0);
      model.vector_jacobian_products(0.0, segment, y.data(), w.data(), out.data(), g.data());
      model.vector_jacobian_products_from_linearisation(0.0, segment, scalars ? y.data() : nullptr,
                                                        lin.data(), w.data(), out_lin.data(), g_lin.data());
      EXPECT_EQ(out, out_lin);
      EXPECT_EQ(g, g_lin);
    }
  }
}

}  // namespace
}  // namespace neurode
