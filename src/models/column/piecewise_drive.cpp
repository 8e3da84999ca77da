#include "models/column/piecewise_drive.hpp"

#include <stdexcept>
#include <string>

namespace neurode::models {

void PiecewiseDrive::validate(std::size_t populations, std::size_t channels) const {
  if (times.empty()) throw std::invalid_argument("drive: at least one segment is needed");
  for (std::size_t k = 1; k < times.size(); ++k)
    if (!(times[k] > times[k - 1]))
      throw std::invalid_argument("drive: segment times must increase (segment " + std::to_string(k) + ")");
  if (population_rates.size() != times.size())
    throw std::invalid_argument("drive: " + std::to_string(population_rates.size()) + " rate rows for " +
                                std::to_string(times.size()) + " segments");
  for (const auto& row : population_rates)
    if (row.size() != populations)
      throw std::invalid_argument("drive: a rate row has " + std::to_string(row.size()) +
                                  " values, expected " + std::to_string(populations));
  if (channels > 0) {
    if (channel_values.size() != times.size())
      throw std::invalid_argument("drive: channel values needed for every segment");
    for (const auto& row : channel_values)
      if (row.size() != channels)
        throw std::invalid_argument("drive: a channel row has " + std::to_string(row.size()) +
                                    " values, expected " + std::to_string(channels));
  }
}

}  // namespace neurode::models
