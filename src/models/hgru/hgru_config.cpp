#include "models/hgru/hgru_config.hpp"

#include <cmath>
#include <numbers>

#include "models/kernels/random_stream.hpp"

namespace neurode::models {

HgruSettings read_hgru(const io::ConfigNode& model, std::size_t input_channels, std::size_t height,
                       std::size_t width) {
  model.check_keys({"type", "channels", "kernel", "zeta", "symmetric", "timesteps", "trainable_tau",
                    "weight_scale", "front_end"});
  HgruSettings s;
  HgruSpec& spec = s.spec;
  spec.input_channels = input_channels;
  spec.height = height;
  spec.width = width;
  spec.channels = model.get_or<unsigned long>("channels", 8, io::Bounds::closed(1, 1024));
  const io::ConfigNode kernel = model.child("kernel");
  spec.kernel = model.get_or<unsigned long>("kernel", 7, io::Bounds::closed(1, 63));
  if (spec.kernel % 2 == 0)
    kernel.fail("expected an odd kernel (\"same\" padding), got " + kernel.scalar_text());
  if (model.has("zeta")) spec.zeta = parse_zeta(model.child("zeta").choice({"tanh", "relu"}));
  spec.symmetric = model.get_or("symmetric", true);
  s.timesteps = model.get_or<unsigned long>("timesteps", s.timesteps, io::Bounds::closed(2, 1e6));
  s.trainable_tau = model.get_or("trainable_tau", s.trainable_tau);
  s.weight_scale = model.get_or("weight_scale", s.weight_scale, io::Bounds::closed(0, 1e3));
  spec.front_kernel = 7;
  if (model.has("front_end")) {
    const io::ConfigNode front = model.child("front_end");
    front.check_keys({"kernel", "init", "trainable"});
    const io::ConfigNode fk = front.child("kernel");
    spec.front_kernel = front.get_or<unsigned long>("kernel", spec.front_kernel, io::Bounds::closed(1, 63));
    if (spec.front_kernel % 2 == 0)
      fk.fail("expected an odd kernel (\"same\" padding), got " + fk.scalar_text());
    if (front.has("init")) s.gabor_front_end = front.child("init").choice({"gabor", "random"}) == "gabor";
    s.trainable_front_end = front.get_or("trainable", s.trainable_front_end);
  }
  if (!s.gabor_front_end && !s.trainable_front_end)
    model.child("front_end").fail("expected a trainable front end when it starts random (init: random)");
  return s;
}

std::vector<double> gabor_bank(std::size_t channels, std::size_t input_channels, std::size_t k) {
  const double half = 0.5 * static_cast<double>(k - 1), sigma = static_cast<double>(k) / 4.0,
               wavelength = static_cast<double>(k) / 2.0;
  std::vector<double> bank;
  bank.reserve(channels * input_channels * k * k);
  for (std::size_t c = 0; c < channels; ++c) {
    const double theta = std::numbers::pi * static_cast<double>(c) / static_cast<double>(channels);
    std::vector<double> g(k * k);
    double mean = 0;
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) {
        const double y = static_cast<double>(i) - half, x = static_cast<double>(j) - half;
        // Across the orientation: the wave runs perpendicular to the line it detects.
        const double across = -x * std::sin(theta) + y * std::cos(theta);
        const double along = x * std::cos(theta) + y * std::sin(theta);
        g[i * k + j] = std::exp(-(across * across + along * along) / (2 * sigma * sigma)) *
                       std::cos(2 * std::numbers::pi * across / wavelength);
        mean += g[i * k + j];
      }
    mean /= static_cast<double>(k * k);
    double norm = 0;
    for (double& v : g) {
      v -= mean;
      norm += v * v;
    }
    norm = std::sqrt(norm) * static_cast<double>(input_channels);
    for (std::size_t i = 0; i < input_channels; ++i)
      for (double v : g) bank.push_back(norm > 0 ? v / norm : 0.0);
  }
  return bank;
}

std::vector<double> initial_hgru_parameters(const HgruSettings& settings, double duration,
                                            std::uint64_t seed) {
  const HgruSpec& spec = settings.spec;
  const std::size_t C = spec.channels;
  std::vector<double> p(hgru_parameter_count(spec), 0.0);
  std::uint64_t stream_index = 0;
  for (const auto& a : hgru_parameter_arrays(spec)) {
    double* v = p.data() + a.offset;
    const RandomStream stream(seed, RandomDomain::image_model_weights, stream_index++);
    const auto normal = [&](double fan_in) {
      const double scale = settings.weight_scale / std::sqrt(fan_in);
      for (std::size_t k = 0; k < a.count; ++k) v[k] = scale * stream.normal(k);
    };
    if (a.name == "W" || a.name == "V") {
      normal(static_cast<double>(C * spec.kernel * spec.kernel));
    } else if (a.name == "U1" || a.name == "U2") {
      normal(static_cast<double>(C));
    } else if (a.name == "b1") {
      // -log U(1, T - 1): the gates start open to between 1/T and 1/2 of each update.
      const double top = static_cast<double>(settings.timesteps - 1);
      for (std::size_t c = 0; c < C; ++c) v[c] = -std::log(1.0 + (top - 1.0) * stream.uniform(c));
    } else if (a.name == "b2") {
      const double* b1 = v - C;
      for (std::size_t c = 0; c < C; ++c) v[c] = -b1[c];
    } else if (a.name == "alpha") {
      std::fill_n(v, C, 0.1);
    } else if (a.name == "mu" || a.name == "gamma") {
      std::fill_n(v, C, 1.0);
    } else if (a.name == "kappa" || a.name == "omega") {
      std::fill_n(v, C, 0.5);
    } else if (a.name == "tau") {
      v[0] = duration / static_cast<double>(settings.timesteps);
    } else if (a.name == "F") {
      if (settings.gabor_front_end) {
        const auto bank = gabor_bank(C, spec.input_channels, spec.front_kernel);
        std::copy(bank.begin(), bank.end(), v);
      } else {
        normal(static_cast<double>(spec.input_channels * spec.front_kernel * spec.front_kernel));
      }
    }
  }
  return p;
}

}  // namespace neurode::models
