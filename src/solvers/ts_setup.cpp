#include "solvers/ts_setup.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "petsc/error.hpp"
#include "petsc/error_norm.hpp"
#include "petsc/vector_copy.hpp"
#include "petsc/vector_maxpy.hpp"
#include "solvers/method_table.hpp"

namespace neurode::solvers {
namespace {

void apply_method(TS ts, const SolverSettings& s) {
  const MethodInfo& m = method_info(s.method);
  NEURODE_PETSC_CHECK(TSSetType(ts, m.ts_type.c_str()));
  if (m.ts_type == TSRK) NEURODE_PETSC_CHECK(TSRKSetType(ts, m.subtype.c_str()));
  if (m.ts_type == TSARKIMEX) NEURODE_PETSC_CHECK(TSARKIMEXSetType(ts, m.subtype.c_str()));
  if (m.ts_type == TSTHETA) {
    NEURODE_PETSC_CHECK(TSThetaSetTheta(ts, s.theta));
    NEURODE_PETSC_CHECK(TSThetaSetEndpoint(ts, PETSC_TRUE));
  }
  if (m.ts_type == TSBDF) NEURODE_PETSC_CHECK(TSBDFSetOrder(ts, s.bdf_order));
}

void apply_step_control(TS ts, const SolverSettings& s) {
  TSAdapt adapt;
  NEURODE_PETSC_CHECK(TSGetAdapt(ts, &adapt));
  NEURODE_PETSC_CHECK(TSAdaptSetType(adapt, s.adaptive ? TSADAPTBASIC : TSADAPTNONE));
  NEURODE_PETSC_CHECK(TSAdaptSetStepLimits(adapt, s.dt_min, PETSC_DEFAULT));
  NEURODE_PETSC_CHECK(TSSetTolerances(ts, s.atol, nullptr, s.rtol, nullptr));
  NEURODE_PETSC_CHECK(TSSetTimeStep(ts, s.dt));
  NEURODE_PETSC_CHECK(TSSetMaxSteps(ts, static_cast<PetscInt>(std::min<long>(s.max_steps, PETSC_MAX_INT))));
  NEURODE_PETSC_CHECK(TSSetMaxStepRejections(ts, 100));
  NEURODE_PETSC_CHECK(TSSetMaxSNESFailures(ts, -1));
  // Steps are landed on the stops by the integrator's pre-step hook; a failed step is a result.
  NEURODE_PETSC_CHECK(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  NEURODE_PETSC_CHECK(TSSetErrorIfStepFails(ts, PETSC_FALSE));
}

// Newton with the exact Jacobian: GMRES, preconditioned by LU of the assembled copy where the model
// has one.
void apply_linear_solver(TS ts, bool assembled_jacobian) {
  SNES snes;
  KSP ksp;
  PC pc;
  NEURODE_PETSC_CHECK(TSGetSNES(ts, &snes));
  NEURODE_PETSC_CHECK(SNESGetKSP(snes, &ksp));
  NEURODE_PETSC_CHECK(KSPSetType(ksp, KSPGMRES));
  NEURODE_PETSC_CHECK(KSPGetPC(ksp, &pc));
  NEURODE_PETSC_CHECK(PCSetType(pc, assembled_jacobian ? PCLU : PCNONE));
}

// Options come last so that -ts_type, -ts_rk_type, -ts_dt, ... override the config. A PETSc error
// here is a bad option (an unknown type, a value that is not a number): bad input.
void apply_options(TS ts, const std::string& prefix) {
  try {
    NEURODE_PETSC_CHECK(TSSetFromOptions(ts));
  } catch (const PetscException& e) {
    throw std::invalid_argument("PETSc options" + (prefix.empty() ? "" : " (prefix -" + prefix + ")") + ": " +
                                (e.detail().empty() ? e.what() : e.detail()));
  }
}

ActiveMethod read_back(TS ts, const SolverSettings& settings) {
  ActiveMethod m;
  TSType type;
  NEURODE_PETSC_CHECK(TSGetType(ts, &type));
  m.ts_type = type;
  if (m.ts_type == TSRK) {
    TSRKType rk;
    NEURODE_PETSC_CHECK(TSRKGetType(ts, &rk));
    m.subtype = rk;
  } else if (m.ts_type == TSBDF) {
    PetscInt order;
    NEURODE_PETSC_CHECK(TSBDFGetOrder(ts, &order));
    m.subtype = "order " + std::to_string(order);
  }
  TSAdapt adapt;
  TSAdaptType adapt_type;
  NEURODE_PETSC_CHECK(TSGetAdapt(ts, &adapt));
  NEURODE_PETSC_CHECK(TSAdaptGetType(adapt, &adapt_type));
  m.adapt_type = adapt_type;
  m.fixed_step = m.adapt_type == TSADAPTNONE;
  NEURODE_PETSC_CHECK(TSGetTimeStep(ts, &m.dt));
  PetscReal atol = settings.atol, rtol = settings.rtol;
  NEURODE_PETSC_CHECK(TSGetTolerances(ts, &atol, nullptr, &rtol, nullptr));
  m.atol = atol;
  m.rtol = rtol;
  m.implicit = !is_explicit_ts_type(m.ts_type);
  if (m.ts_type == TSRK) m.tableau = rk_tableau_of(ts, m.subtype);
  m.linear_decay_split = method_info(settings.method).linear_decay_split && m.ts_type == TSARKIMEX;
  if (settings.dense_output) {
    if (!m.tableau.interpolant.available())
      throw std::invalid_argument("solver.dense_output: the method " + m.description() +
                                  " has no interpolant (expected one of " + dense_output_method_names() +
                                  ", or dense_output: false to stop at every output)");
    m.tableau.interpolate = true;
  }
  return m;
}

// The config's values are checked when it is read; these checks catch what the options database
// changed (-ts_dt -1, -ts_rtol nan), which PETSc takes as given.
void check_option_values(const ActiveMethod& m, const std::string& prefix) {
  const auto refuse = [&](const char* option, double value, const char* expected) {
    std::ostringstream message;
    message << "PETSc option -" << prefix << option << ": expected " << expected << ", got " << value;
    throw std::invalid_argument(message.str());
  };
  if (!(std::isfinite(m.dt) && m.dt > 0)) refuse("ts_dt", m.dt, "a step > 0");
  if (m.fixed_step) return;
  // Below ~10 units in the last place a tolerance cannot be met in double precision.
  if (!(std::isfinite(m.rtol) && m.rtol >= 1e-15)) refuse("ts_rtol", m.rtol, "a number >= 1e-15");
  if (!(std::isfinite(m.atol) && m.atol >= 1e-15)) refuse("ts_atol", m.atol, "a number >= 1e-15");
}

}  // namespace

std::string ActiveMethod::description() const {
  std::ostringstream s;
  s << ts_type;
  if (!subtype.empty()) s << "/" << subtype;
  if (fixed_step)
    s << ", fixed step " << dt << " s";
  else
    s << ", adaptive (" << adapt_type << ", rtol " << rtol << ", atol " << atol << ")";
  if (tableau.interpolate) s << ", dense output of order " << tableau.interpolant.order;
  if (linear_decay_split) s << ", linear decay implicit, coupling explicit";
  return s.str();
}

ActiveMethod set_up_ts(TS ts, const SolverSettings& settings, const std::string& options_prefix,
                       bool assembled_jacobian) {
  if (!options_prefix.empty()) NEURODE_PETSC_CHECK(TSSetOptionsPrefix(ts, options_prefix.c_str()));
  NEURODE_PETSC_CHECK(TSSetProblemType(ts, TS_NONLINEAR));
  apply_method(ts, settings);
  apply_step_control(ts, settings);
  apply_linear_solver(ts, assembled_jacobian);
  apply_options(ts, options_prefix);
  petsc::use_fast_error_norm(ts);  // once the options have fixed the type
  ActiveMethod method = read_back(ts, settings);
  check_option_values(method, options_prefix);
  return method;
}

void use_fast_stage_sums(TS ts, Vec solution) {
  NEURODE_PETSC_CHECK(TSSetSolution(ts, solution));
  NEURODE_PETSC_CHECK(TSSetUp(ts));
  PetscInt stages = 0;
  Vec* stage_vectors = nullptr;
  NEURODE_PETSC_CHECK(TSGetStages(ts, &stages, &stage_vectors));
  for (PetscInt i = 0; i < stages; ++i) petsc::use_fast_maxpy(stage_vectors[i]);
  petsc::use_fast_maxpy(solution);
  petsc::use_fast_copy(solution);
}

}  // namespace neurode::solvers
