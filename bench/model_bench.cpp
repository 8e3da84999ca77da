// The column model's vector field and derivative products, per call, at a fixed state spread over
// the transfer function's range. Sizes: WTA 48 states, XOR 72, parity 312, a batch of 16 WTA
// trials 768. These are the inner kernels of every solver and gradient method.
#include <benchmark/benchmark.h>

#include "problems.hpp"
#include "statistics.hpp"

namespace {

using neurode::bench::ModelCase;

enum class Network { wta, xor_net, parity, wta_batch16 };
enum class Product { rhs, jacobian_vector, jacobian_transpose_vector };

ModelCase make(Network network) {
  switch (network) {
    case Network::wta:
      return neurode::bench::wta_model(1);
    case Network::xor_net:
      return neurode::bench::xor_model();
    case Network::parity:
      return neurode::bench::parity_model();
    case Network::wta_batch16:
      return neurode::bench::wta_model(16);
  }
  return {};
}

void BM_Model(benchmark::State& state, Network network, Product product) {
  ModelCase c = make(network);
  auto& model = *c.model;
  const std::size_t n = model.state_size();
  std::vector<double> v(n), out(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 1.0 + 0.01 * static_cast<double>(i % 17);
  for (auto _ : state) {
    switch (product) {
      case Product::rhs:
        model.rhs(0.0, 1, c.y.data(), out.data());
        break;
      case Product::jacobian_vector:
        model.jacobian_vector(0.0, 1, c.y.data(), v.data(), out.data());
        break;
      case Product::jacobian_transpose_vector:
        model.jacobian_transpose_vector(0.0, 1, c.y.data(), v.data(), out.data());
        break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["states"] = static_cast<double>(n);
  state.counters["trials"] = static_cast<double>(model.trial_count());
  state.counters["connections"] = static_cast<double>(model.weights().recurrent.value.size());
}

#define NEURODE_MODEL_BENCH(name, product)                                               \
  NEURODE_BENCHMARK_CAPTURE(BM_Model, name##_wta, Network::wta, Product::product);       \
  NEURODE_BENCHMARK_CAPTURE(BM_Model, name##_xor, Network::xor_net, Product::product);   \
  NEURODE_BENCHMARK_CAPTURE(BM_Model, name##_parity, Network::parity, Product::product); \
  NEURODE_BENCHMARK_CAPTURE(BM_Model, name##_wta_batch16, Network::wta_batch16, Product::product)

NEURODE_MODEL_BENCH(rhs, rhs);
NEURODE_MODEL_BENCH(jv, jacobian_vector);
NEURODE_MODEL_BENCH(jtv, jacobian_transpose_vector);

}  // namespace
