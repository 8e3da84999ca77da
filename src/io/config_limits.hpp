#pragma once
/// Ranges and memory checks of config values that every schema shares (docs/config.md, "Limits").
#include <string>

#include "io/config_reader.hpp"

namespace neurode::io {

/// Ranges of config values (docs/config.md, "Limits"), shared with training configs and network
/// files. Far beyond any physiological value, they keep the model's products finite: a rate, a
/// weight or a noise sigma near 1e308 would otherwise overflow in the first step.
inline constexpr double kMaxRate_Hz = 1e6;  ///< drive, background and target rates
inline constexpr double kMaxWeight = 1e6;   ///< weights, initial values, initial states
inline constexpr double kMaxSigma = 1e6;    ///< noise sigma, per sqrt(s)
inline constexpr double kMaxTime_s = 1e6;   ///< times and durations (about 11 days)
inline constexpr double kMinTolerance = 1e-15;
inline constexpr long kMaxColumns = 1'000'000;  ///< columns of all areas together

/// Bytes of `runs` trajectories of `times` x `states` doubles as a run holds them: kept by the
/// solves, gathered on rank 0 and built into the in-memory output file (three copies).
double trajectory_bytes(double runs, double times, double states);
/// Throws ConfigError at `key` when `bytes` exceed the memory this process may use
/// (io/memory_limit.hpp), with the estimate and what it is for.
void require_memory(const ConfigNode& key, double bytes, const std::string& what);
}  // namespace neurode::io
