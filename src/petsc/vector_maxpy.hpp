#pragma once
/// y += sum_j alpha_j x_j for sequential PETSc vectors, in place of PETSc's VecMAXPY kernel.
///
/// TSRK forms each stage and the step from the stage derivatives with VecMAXPY: 10 vector passes
/// per RK4 step, the largest single cost of a batched fixed-step solve after the model itself
/// (Debian's PETSc is built for the baseline instruction set, one or two lanes). This kernel skips
/// zero coefficients (RK4's stages 3 and 4 use one of their 2 and 3 previous stages) and runs with
/// AVX2 where the CPU has it. Both versions round alike (no FMA), so results do not depend on the
/// machine: y_i + ((a_0 x_0i + a_1 x_1i) + ...), over the nonzero a_j in order, in groups of 4.
#include <petscvec.h>

namespace neurode::petsc {

/// Makes VecMAXPY(v, ...) use the kernel above. Duplicates of v do not inherit it.
void use_fast_maxpy(Vec v);

/// The kernel on plain arrays (exposed for tests): y[i] += sum over j < count of alpha[j] x[j][i].
void add_scaled_sum(double* y, std::size_t n, std::size_t count, const double* alpha, const double* const* x);

}  // namespace neurode::petsc
