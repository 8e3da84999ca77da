#pragma once
// The WTA gradient problem (gradient_wta.h5) in the floor's arrays.
#include "floor/floor_rk.hpp"

namespace neurode::bench {

/// Loaded once; the same network, drive, outputs and loss as wta_problem(1).
const FloorProblem& floor_wta_problem();

}  // namespace neurode::bench
