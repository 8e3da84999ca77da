#pragma once
/// The weighted error of an adaptive TSRK step, in place of PETSc's TSErrorWeightedNorm2.
///
/// PETSc's step controllers (basic, dsp) ask the TS for the step's weighted local error. TSRK has no
/// such operation of its own, so the controller forms the embedded solution and calls
/// TSErrorWeightedNorm2, which evaluates three norms (the combined one and, for monitoring only,
/// an absolute-only and a relative-only one: three divisions per entry) with its sums kept in
/// memory: 11% of the time of a parity training on blocks of 2,496 states. The TS operation set here
/// forms the same embedded solution (TSEvaluateStep) and computes only the combined norm, with the
/// same operations in the same order, so every step size is bit for bit PETSc's
/// (tests/unit/error_norm.cpp).
#include <petscts.h>

#include <cstddef>

namespace neurode::petsc {

/// sqrt(sum / count) of ((u_i - y_i) / tol_i)^2, tol_i = atol + rtol max(|u_i|, |y_i|), summed in
/// order over the entries with tol_i > 0 and |u_i|, |y_i| not below `ignore_below`; 0 when none
/// count. TSErrorWeightedNorm2's combined norm for scalar tolerances on one process.
double weighted_rms_error(const double* u, const double* y, std::size_t n, double atol, double rtol,
                          double ignore_below);

/// Gives `ts` (its type final: after TSSetFromOptions) the error estimate above, when it is a TSRK
/// with scalar tolerances on one process. Every other case keeps PETSc's path: the infinity norm
/// (-ts_adapt_wnormtype infinity), vector tolerances, and all of them under the option
/// -neurode_petsc_error_norm (for comparisons).
void use_fast_error_norm(TS ts);

}  // namespace neurode::petsc
