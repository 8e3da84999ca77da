#pragma once
#include "command_line.hpp"
#include "solvers/solution.hpp"

namespace neurode::app {

/// Thrown when an integration fails (diverged, step underflow, step limit): exit code 3.
class IntegrationFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws for a solve that did not succeed: mpi::Interrupted after a signal, IntegrationFailure else.
void throw_unless_solved(const solvers::Solution& solution);

int run_simulate(const CommandLine& cl);
int run_gradient(const CommandLine& cl);
int run_train(const CommandLine& cl);
int run_scan(const CommandLine& cl);
int run_pathfinder(const CommandLine& cl);

}  // namespace neurode::app
