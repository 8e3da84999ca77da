// The method table against PETSc: every name a config accepts maps to a TS type (and subtype) that
// PETSc accepts, and the properties the table claims are what the TS reports once it is set up
// (type, explicit or implicit, step control, Butcher tableau, orders checked on the tableau's order
// conditions); what runs after options is read back from the TS, not taken from the table.
#include <gtest/gtest.h>
#include <petscts.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/column/network_file.hpp"
#include "petsc/error.hpp"
#include "petsc/handle.hpp"
#include "solvers/butcher_tableau.hpp"
#include "solvers/integrator.hpp"
#include "solvers/implicit_system.hpp"
#include "solvers/method_table.hpp"
#include "solvers/solver_settings.hpp"
#include "solvers/ts_setup.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using solvers::MethodInfo;

// The highest order p <= 4 whose order conditions the weights `b` meet with the tableau's A and c
// (c_i = sum_j a_ij).
int satisfied_order(PetscInt s, const PetscReal* A, const PetscReal* b, const PetscReal* c) {
  auto a = [&](PetscInt i, PetscInt j) { return A[i * s + j]; };
  auto sum = [&](auto term) {
    double total = 0;
    for (PetscInt i = 0; i < s; ++i) total += b[i] * term(i);
    return total;
  };
  auto ac = [&](PetscInt i) {  // sum_j a_ij c_j
    double total = 0;
    for (PetscInt j = 0; j < s; ++j) total += a(i, j) * c[j];
    return total;
  };
  auto ac2 = [&](PetscInt i) {  // sum_j a_ij c_j^2
    double total = 0;
    for (PetscInt j = 0; j < s; ++j) total += a(i, j) * c[j] * c[j];
    return total;
  };
  auto aac = [&](PetscInt i) {  // sum_j a_ij sum_k a_jk c_k
    double total = 0;
    for (PetscInt j = 0; j < s; ++j) total += a(i, j) * ac(j);
    return total;
  };
  auto holds = [](double value, double expected) { return std::abs(value - expected) < 1e-12; };
  const std::vector<std::vector<bool>> conditions = {
      {holds(sum([](PetscInt) { return 1.0; }), 1.0)},
      {holds(sum([&](PetscInt i) { return c[i]; }), 0.5)},
      {holds(sum([&](PetscInt i) { return c[i] * c[i]; }), 1.0 / 3), holds(sum(ac), 1.0 / 6)},
      {holds(sum([&](PetscInt i) { return c[i] * c[i] * c[i]; }), 0.25),
       holds(sum([&](PetscInt i) { return c[i] * ac(i); }), 1.0 / 8), holds(sum(ac2), 1.0 / 12),
       holds(sum(aac), 1.0 / 24)},
  };
  int order = 0;
  for (const auto& level : conditions) {
    for (bool ok : level)
      if (!ok) return order;
    ++order;
  }
  return order;
}

solvers::SolverSettings defaults_of(const MethodInfo& m) {
  solvers::SolverSettings s;
  s.method = m.name;
  s.adaptive = m.adaptive_by_default;
  s.theta = 0.75;
  s.bdf_order = 3;
  return s;
}


TEST(MethodTable, NamesAreTheConfigsMethodsAndTheSettingsQueriesAgree) {
  const auto& table = solvers::method_table();
  ASSERT_EQ(table.size(), solvers::known_methods().size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const MethodInfo& m = table[i];
    EXPECT_EQ(solvers::known_methods()[i], m.name);
    EXPECT_TRUE(solvers::is_known_method(m.name));
    EXPECT_EQ(solvers::default_adaptive(m.name), m.adaptive_by_default) << m.name;
    EXPECT_EQ(solvers::is_implicit_method(m.name), m.implicit) << m.name;
    EXPECT_EQ(&solvers::method_info(m.name), &m);
    EXPECT_FALSE(m.description.empty()) << m.name;
    EXPECT_TRUE(m.butcher_tableau == !m.implicit) << m.name << ": the explicit methods are Runge-Kutta";
    EXPECT_LT(m.embedded_order, std::max(m.order, 1)) << m.name;
  }
  EXPECT_EQ(solvers::method_names(), "euler, rk4, bs3, dopri5, rk8, theta, cn, beuler, bdf, arkimex, imex");
  EXPECT_EQ(solvers::butcher_tableau_method_names(), "euler, rk4, bs3, dopri5, rk8");
  EXPECT_FALSE(solvers::is_known_method("rk45"));
  EXPECT_EQ(solvers::find_method("rk45"), nullptr);
  try {
    solvers::method_info("rk45");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown solver method 'rk45' (expected one of euler, rk4"),
              std::string::npos)
        << e.what();
  }
}

TEST(MethodTable, EveryTypeAndSubtypeIsAcceptedByPetsc) {
  for (const MethodInfo& m : solvers::method_table()) {
    petsc::TSHandle ts;
    NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
    EXPECT_EQ(TSSetType(ts, m.ts_type.c_str()), 0) << m.name;
    if (m.ts_type == TSRK) {
      EXPECT_EQ(TSRKSetType(ts, m.subtype.c_str()), 0) << m.name;
    } else if (m.ts_type == TSARKIMEX) {
      EXPECT_EQ(TSARKIMEXSetType(ts, m.subtype.c_str()), 0) << m.name;
    } else {
      EXPECT_TRUE(m.subtype.empty()) << m.name;
    }
  }
}

// What set_up_ts leaves in the TS for each method at its default step control (and theta 3/4,
// BDF order 3): the table's type and subtype, explicit or implicit, adaptive or fixed, and the
// orders, read from PETSc.
TEST(MethodTable, PropertiesAreWhatTheTsReportsAfterSetUp) {
  for (const MethodInfo& m : solvers::method_table()) {
    SCOPED_TRACE(m.name);
    const auto settings = defaults_of(m);
    for (bool assembled : {true, false}) {
      petsc::TSHandle ts;
      NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
      const solvers::ActiveMethod active = solvers::set_up_ts(ts, settings, "", assembled);
      TSType type;
      NEURODE_PETSC_CHECK(TSGetType(ts, &type));
      EXPECT_EQ(std::string(type), m.ts_type);
      EXPECT_EQ(active.ts_type, m.ts_type);
      EXPECT_EQ(active.implicit, m.implicit);
      EXPECT_EQ(!solvers::is_explicit_ts_type(type), m.implicit);
      TSAdapt adapt;
      TSAdaptType adapt_type;
      NEURODE_PETSC_CHECK(TSGetAdapt(ts, &adapt));
      NEURODE_PETSC_CHECK(TSAdaptGetType(adapt, &adapt_type));
      EXPECT_EQ(std::string(adapt_type), m.adaptive_by_default ? TSADAPTBASIC : TSADAPTNONE);
      EXPECT_EQ(active.fixed_step, !m.adaptive_by_default);
      EXPECT_EQ(active.runge_kutta(), m.butcher_tableau);
      if (m.implicit) {
        EXPECT_EQ(solvers::preconditioner_type(ts), assembled ? PCLU : PCNONE);
      }

      if (m.ts_type == TSRK) {
        TSRKType rk;
        PetscInt order = 0;
        NEURODE_PETSC_CHECK(TSRKGetType(ts, &rk));
        NEURODE_PETSC_CHECK(TSRKGetOrder(ts, &order));
        EXPECT_EQ(std::string(rk), m.subtype);
        EXPECT_EQ(active.subtype, m.subtype);
        EXPECT_EQ(order, m.order);
        PetscInt s = 0, tableau_order = 0;
        const PetscReal *A, *b, *c, *bembed, *binterp;
        PetscBool fsal;
        NEURODE_PETSC_CHECK(TSRKGetTableau(ts, &s, &A, &b, &c, &bembed, &tableau_order, &binterp, &fsal));
        EXPECT_EQ(satisfied_order(s, A, b, c), std::min(m.order, 4));
        EXPECT_EQ(bembed != nullptr, m.embedded_order > 0);
        if (bembed != nullptr) {
          EXPECT_EQ(satisfied_order(s, A, bembed, c), std::min(m.embedded_order, 4));
        }
        EXPECT_EQ(active.tableau.stages, s);
        EXPECT_EQ(active.tableau.b, std::vector<double>(b, b + s));
      } else if (m.ts_type == TSARKIMEX) {
        TSARKIMEXType ark;
        NEURODE_PETSC_CHECK(TSARKIMEXGetType(ts, &ark));
        EXPECT_EQ(std::string(ark), m.subtype);
      } else if (m.ts_type == TSBDF) {
        PetscInt order = 0;
        NEURODE_PETSC_CHECK(TSBDFGetOrder(ts, &order));
        EXPECT_EQ(order, settings.bdf_order);
        EXPECT_EQ(active.subtype, "order 3");
        EXPECT_EQ(m.order, 0) << "set by the settings";
      } else {
        // theta, cn and beuler are PETSc's theta family: order 2 at theta = 1/2, else 1.
        PetscReal theta = 0;
        PetscBool endpoint = PETSC_FALSE;
        NEURODE_PETSC_CHECK(TSThetaGetTheta(ts, &theta));
        NEURODE_PETSC_CHECK(TSThetaGetEndpoint(ts, &endpoint));
        // At theta = 1 (beuler) the end-point and midpoint forms are the same method.
        EXPECT_TRUE(endpoint || theta == 1.0);
        if (m.ts_type == TSTHETA) {
          EXPECT_EQ(theta, settings.theta);
          EXPECT_EQ(m.order, 0) << "set by the settings";
        } else {
          EXPECT_EQ(m.order, theta == 0.5 ? 2 : 1);
        }
      }
    }
  }
}

// An option replaces the config's method: the TS's method is what is reported and what the
// discrete adjoint differentiates.
TEST(MethodTable, OptionsOverrideTheTableAndAreReadBack) {
  PetscOptionsSetValue(nullptr, "-table_ts_type", "rk");
  PetscOptionsSetValue(nullptr, "-table_ts_rk_type", "3bs");
  petsc::TSHandle ts;
  NEURODE_PETSC_CHECK(TSCreate(PETSC_COMM_SELF, ts.out()));
  solvers::SolverSettings s;
  s.method = "beuler";
  s.adaptive = false;
  const auto active = solvers::set_up_ts(ts, s, "table_", true);
  PetscOptionsClearValue(nullptr, "-table_ts_type");
  PetscOptionsClearValue(nullptr, "-table_ts_rk_type");
  EXPECT_EQ(active.ts_type, "rk");
  EXPECT_EQ(active.subtype, "3bs");
  EXPECT_FALSE(active.implicit);
  EXPECT_TRUE(active.fixed_step);
  EXPECT_EQ(active.tableau.stages, 4);
  EXPECT_TRUE(active.tableau.fsal);
  EXPECT_EQ(active.description(), "rk/3bs, fixed step 0.0001 s");
}

TEST(MethodTable, TheIntegratorExposesTheTableauOfItsRungeKuttaMethodOnly) {
  const auto net = models::load_network_file(testing::reference_path("wta_two_columns.h5"));
  models::ColumnNetwork model(net.weights, net.constants, std::vector{net.drive});
  for (const MethodInfo& m : solvers::method_table()) {
    solvers::Integrator integrator(model, defaults_of(m));
    const solvers::ButcherTableau* tableau = integrator.butcher_tableau();
    EXPECT_EQ(tableau != nullptr, m.butcher_tableau) << m.name;
    if (tableau != nullptr) {
      const auto expected = solvers::rk_tableau(m.subtype);
      EXPECT_EQ(tableau->name, m.subtype);
      EXPECT_EQ(tableau->A, expected.A) << m.name;
      EXPECT_EQ(tableau->b, expected.b) << m.name;
      EXPECT_EQ(tableau->c, expected.c) << m.name;
    }
    EXPECT_EQ(integrator.is_fixed_step(), !m.adaptive_by_default) << m.name;
    EXPECT_EQ(integrator.method_description().rfind(m.ts_type, 0), 0u) << integrator.method_description();
  }
}

}  // namespace
}  // namespace neurode
