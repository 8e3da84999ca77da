#pragma once
// Modes of neurode_bench besides benchmarking (see main.cpp).
#include <string>

namespace neurode::bench {

/// The floor's gradients against neurode's discrete adjoint; prints a table, returns the number of
/// failed checks (0 = all pass).
int run_checks();

/// Writes the shared problems (WTA and XOR, batch 1 and 16) and neurode's losses and gradients for
/// Euler and RK4 at dt = 1e-4 to an HDF5 file for bench/baselines/column_torch.py.
void export_problems(const std::string& path);

}  // namespace neurode::bench

namespace neurode::bench {

/// Names accepted by run_profile_case().
const char* profile_case_names();

/// Runs one computation (e.g. "neurode_rk4_gradient", "floor_rk4_gradient") once to warm up and
/// once inside neurode_bench_profiled_region(), the function to give callgrind's --toggle-collect,
/// so that instruction counts cover exactly that call. Throws std::invalid_argument for an unknown name.
void run_profile_case(const std::string& name);

}  // namespace neurode::bench
