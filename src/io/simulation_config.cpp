#include "io/simulation_config.hpp"
