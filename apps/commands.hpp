#pragma once
#include "command_line.hpp"

namespace neurode::app {

/// Thrown when an integration fails (diverged, step underflow, step limit): exit code 3.
class IntegrationFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int run_simulate(const CommandLine& cl);
int run_gradient(const CommandLine& cl);
int run_train(const CommandLine& cl);

}  // namespace neurode::app
