#include "models/noise/noise_config.hpp"

#include "io/config_limits.hpp"

namespace neurode::models {

NoiseSettings read_noise_section(const io::ConfigNode& node, std::vector<std::string> extra_keys) {
  NoiseSettings noise;
  if (!node.present()) return noise;
  extra_keys.insert(extra_keys.end(), {"sigma", "resolution"});
  node.check_keys(extra_keys);
  noise.sigma = node.require("sigma").as<double>(io::Bounds::closed(0.0, io::kMaxSigma));
  noise.resolution_s = node.get_or("resolution", noise.resolution_s, io::Bounds::positive());
  return noise;
}

}  // namespace neurode::models
