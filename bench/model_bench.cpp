// The column model's vector field and derivative products, per call, at a fixed state spread over
// the transfer function's range. Sizes: WTA 48 states, XOR 72, parity 312, a batch of 16 WTA
// trials 768. These are the inner kernels of every solver and gradient method.
#include <benchmark/benchmark.h>

#include <tuple>
#include <vector>

#include "models/column/transfer_function.hpp"
#include "models/kernels/normal_pairs.hpp"

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

// The transfer function's rate and slope at 384 points (the populations of an XOR block of 16
// trials) spread over -20 to 60 mV: the single largest cost of a batched solve and gradient.
void BM_TransferFunction(benchmark::State& state) {
  const neurode::models::TransferFunction transfer;
  std::vector<double> x(384), rate(x.size()), slope(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = -20.0 + 80.0 * static_cast<double>((i * 37) % x.size()) / 384.0;
  for (auto _ : state) {
    transfer.rates_and_slopes(x.data(), x.size(), rate.data(), slope.data());
    benchmark::DoNotOptimize(rate.data());
    benchmark::DoNotOptimize(slope.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(x.size()));
}
BENCHMARK(BM_TransferFunction)->Apply([](benchmark::internal::Benchmark* b) { neurode::bench::with_min(b); });

// The Wiener paths' normals (models/normal_pairs.hpp): 384 pairs (one window of 32 noise intervals
// of a 24-population trial), by the vector code, by its portable twin (the same bits) and by libm's
// Box-Muller (RandomStream::normal_pair, which the paths used before).
enum class NormalCode { vector, portable, libm };
void BM_NormalPairs(benchmark::State& state, NormalCode code) {
  const neurode::models::RandomStream stream(1, neurode::models::RandomDomain::brownian_path, 0);
  std::vector<double> out(768);
  std::uint64_t first = 0;
  for (auto _ : state) {
    if (code == NormalCode::vector)
      neurode::models::normal_pairs(stream, first, 384, out.data());
    else if (code == NormalCode::portable)
      neurode::models::detail::normal_pairs_portable(stream, first, 384, out.data());
    else
      for (std::size_t i = 0; i < 384; ++i)
        std::tie(out[2 * i], out[2 * i + 1]) = stream.normal_pair(first + i);
    first += 384;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 768);
}
NEURODE_BENCHMARK_CAPTURE(BM_NormalPairs, vector, NormalCode::vector);
NEURODE_BENCHMARK_CAPTURE(BM_NormalPairs, portable, NormalCode::portable);
NEURODE_BENCHMARK_CAPTURE(BM_NormalPairs, libm, NormalCode::libm);

}  // namespace
