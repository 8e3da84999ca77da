// neurode_convolution_bench: the image models' convolutions (models/kernels/convolution.hpp), forward,
// backward-data (the transpose) and backward-weights (the kernel gradient), four ways on the same
// NCHW batches:
//   per_image  the library: im2col + OpenBLAS DGEMM per image, in blocks of output rows whose patch
//              matrix stays in cache (double); per_image_whole: one block per image, to measure that;
//   batched    im2col of up to 32 images side by side and one DGEMM for them (double): what the
//              per-image choice gives up, measured;
//   direct     the convention's loops, the loop bounds hoisted so the innermost loop vectorises
//              (double): the floor;
//   onednn     oneDNN 2.6 f32 primitives on plain nchw / oihw memory (oneDNN has no f64 on CPU), and
//              onednn_blocked on the layouts it prefers (format any; reorders not timed): the best it
//              can do if the whole model lived in its layout;
//   fft        FFTW in the frequency domain (double), the hGRU's W: "same" shapes only.
// Shapes: (a) 1x28x28 -> 16x14x14 and (b) 16x14x14 -> 32x7x7, kernel 4, stride 2, padding 1, the
// convolutional predictive-coding levels; (c) the hGRU's 8x32x32 "same" 7x7 convolution and (d) its
// 1x1. Batches 32 and 128; 1 and 2 threads (OpenBLAS and oneDNN's OpenMP alike). Not run by ctest.
//
//   neurode_convolution_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//     (times: CPU time of the calling thread with 1 thread, wall time with 2; report the "min")
//   neurode_convolution_bench --check     agreement with the direct loops, and which results keep
//                                         their bits across thread counts and batch groupings
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/kernels/convolution.hpp"
#include "models/kernels/fft_convolution.hpp"

namespace {

using neurode::models::kernels::col2im;
using neurode::models::kernels::Convolution;
using neurode::models::kernels::ConvolutionShape;
using neurode::models::kernels::im2col;
using Vector = std::vector<double>;

struct Case {
  const char* name;
  ConvolutionShape shape;
};
const Case kCases[] = {{"a_1x28x28_to_16x14x14_k4s2p1", {1, 28, 28, 16, 4, 4, 2, 1}},
                       {"b_16x14x14_to_32x7x7_k4s2p1", {16, 14, 14, 32, 4, 4, 2, 1}},
                       {"c_8x32x32_to_8x32x32_k7s1p3", {8, 32, 32, 8, 7, 7, 1, 3}},
                       {"d_8x32x32_to_8x32x32_k1", {8, 32, 32, 8, 1, 1, 1, 0}}};

enum class Op { forward, backward_data, backward_weights };
const char* op_name(Op op) {
  return op == Op::forward ? "forward" : op == Op::backward_data ? "backward_data" : "backward_weights";
}

void set_threads(int threads) {
  openblas_set_num_threads(threads);
  omp_set_num_threads(threads);
}

Vector random_vector(std::size_t n, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Vector v(n);
  for (double& e : v) e = uniform(engine);
  return v;
}

// A batch's data, contiguous: K, x and w (= dL/dy) in; y, dx and dK out.
struct Data {
  Data(const ConvolutionShape& s, std::size_t batch_size)
      : shape(s),
        batch(batch_size),
        K(random_vector(s.kernel_size(), 1)),
        x(random_vector(batch * s.in_size(), 2)),
        w(random_vector(batch * s.out_size(), 3)),
        y(batch * s.out_size()),
        dx(batch * s.in_size()),
        dK(s.kernel_size()) {}
  ConvolutionShape shape;
  std::size_t batch;
  Vector K, x, w, y, dx, dK;
  const Vector& result(Op op) const { return op == Op::forward ? y : op == Op::backward_data ? dx : dK; }
};

class Implementation {
 public:
  virtual ~Implementation() = default;
  virtual void run(Op op, Data& d) = 0;  ///< y = conv(x); dx = conv_T(w); dK = grad (overwritten)
  virtual std::string label() const { return {}; }
};

// A library convolution object (models/kernels' Convolution or FftConvolution, which share their
// calls) run on the batch.
template <class Library>
class LibraryConvolution : public Implementation {
 public:
  template <class... Args>
  explicit LibraryConvolution(Args&&... args) : conv_(std::forward<Args>(args)...) {}
  void run(Op op, Data& d) override {
    const std::size_t in = d.shape.in_size(), out = d.shape.out_size();
    if (op == Op::forward) conv_.forward(d.K.data(), d.x.data(), in, d.y.data(), out, d.batch, 0.0);
    if (op == Op::backward_data) conv_.transpose(d.K.data(), d.w.data(), out, d.dx.data(), in, d.batch, 0.0);
    if (op == Op::backward_weights) {
      std::fill(d.dK.begin(), d.dK.end(), 0.0);
      conv_.kernel_gradient(d.x.data(), in, d.w.data(), out, d.batch, d.dK.data());
    }
  }

 private:
  Library conv_;
};

using PerImage = LibraryConvolution<Convolution>;

// The frequency-domain "same" convolution (models/kernels/fft_convolution), the hGRU's W: only for
// stride-1 odd square kernels with padding (k - 1) / 2.
struct Fft final : LibraryConvolution<neurode::models::kernels::FftConvolution> {
  using LibraryConvolution::LibraryConvolution;
  static bool applies(const ConvolutionShape& s) {
    return s.stride == 1 && s.kernel_height == s.kernel_width && s.kernel_height % 2 == 1 &&
           s.padding == (s.kernel_height - 1) / 2;
  }
};

// Groups of up to 32 images as one [patch, group * positions] matrix and one DGEMM; the outputs
// (or, backward, the gradients w) are copied between the NCHW images and the group's
// [out, group * positions] matrix.
class Batched final : public Implementation {
 public:
  static constexpr std::size_t kGroup = 32;
  explicit Batched(const ConvolutionShape& s)
      : s_(s),
        positions_(s.out_height() * s.out_width()),
        columns_(s.patch_size() * kGroup * positions_),
        outputs_(s.out_channels * kGroup * positions_) {}
  void run(Op op, Data& d) override {
    if (op == Op::backward_weights) std::fill(d.dK.begin(), d.dK.end(), 0.0);
    for (std::size_t first = 0; first < d.batch; first += kGroup)
      run_group(op, d, first, std::min(kGroup, d.batch - first));
  }

 private:
  void run_group(Op op, Data& d, std::size_t first, std::size_t count) {
    const std::size_t ld = count * positions_, in = s_.in_size(), out = s_.out_size();
    const int M = int(s_.out_channels), N = int(ld), P = int(s_.patch_size());
    if (op != Op::backward_data)
      for (std::size_t b = 0; b < count; ++b)
        im2col(s_, d.x.data() + (first + b) * in, columns_.data() + b * positions_, ld, 0, s_.out_height());
    if (op != Op::forward)  // w into the group's matrix
      for (std::size_t b = 0; b < count; ++b)
        for (std::size_t o = 0; o < s_.out_channels; ++o)
          std::copy_n(d.w.data() + (first + b) * out + o * positions_, positions_,
                      outputs_.data() + o * ld + b * positions_);
    if (op == Op::forward) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, P, 1.0, d.K.data(), P, columns_.data(), N,
                  0.0, outputs_.data(), N);
      for (std::size_t b = 0; b < count; ++b)
        for (std::size_t o = 0; o < s_.out_channels; ++o)
          std::copy_n(outputs_.data() + o * ld + b * positions_, positions_,
                      d.y.data() + (first + b) * out + o * positions_);
    } else if (op == Op::backward_data) {
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, P, N, M, 1.0, d.K.data(), P, outputs_.data(), N,
                  0.0, columns_.data(), N);
      for (std::size_t b = 0; b < count; ++b)
        col2im(s_, columns_.data() + b * positions_, ld, d.dx.data() + (first + b) * in, 0.0, 0,
               s_.out_height());
    } else {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, P, N, 1.0, outputs_.data(), N, columns_.data(),
                  N, 1.0, d.dK.data(), P);
    }
  }
  ConvolutionShape s_;
  std::size_t positions_;
  Vector columns_, outputs_;
};

// The outputs t < extent whose tap k lands inside [0, n) (as in convolution.cpp).
struct Range {
  std::size_t begin, end;
};
Range inside(std::size_t k, std::size_t s, std::size_t p, std::size_t n, std::size_t extent) {
  const std::size_t begin = k >= p ? 0 : (p - k + s - 1) / s;
  if (n + p <= k) return {begin, begin};
  const std::size_t end = std::min(extent, (n + p - k - 1) / s + 1);
  return {std::min(begin, end), end};
}

class Direct final : public Implementation {
 public:
  explicit Direct(const ConvolutionShape& s) : s_(s) {}
  void run(Op op, Data& d) override {
    if (op == Op::forward) std::fill(d.y.begin(), d.y.end(), 0.0);
    if (op == Op::backward_data) std::fill(d.dx.begin(), d.dx.end(), 0.0);
    if (op == Op::backward_weights) std::fill(d.dK.begin(), d.dK.end(), 0.0);
    const auto& s = s_;
    const std::size_t H = s.in_height, W = s.in_width, Ho = s.out_height(), Wo = s.out_width(), st = s.stride,
                      p = s.padding;
    for (std::size_t b = 0; b < d.batch; ++b) {
      const double* x = d.x.data() + b * s.in_size();
      const double* w = d.w.data() + b * s.out_size();
      double* y = d.y.data() + b * s.out_size();
      double* dx = d.dx.data() + b * s.in_size();
      for (std::size_t o = 0; o < s.out_channels; ++o)
        for (std::size_t c = 0; c < s.in_channels; ++c)
          for (std::size_t u = 0; u < s.kernel_height; ++u) {
            const Range rows = inside(u, st, p, H, Ho);
            for (std::size_t v = 0; v < s.kernel_width; ++v) {
              const Range cols = inside(v, st, p, W, Wo);
              const std::size_t k = ((o * s.in_channels + c) * s.kernel_height + u) * s.kernel_width + v;
              double gradient = 0;
              for (std::size_t i = rows.begin; i < rows.end; ++i) {
                const std::size_t in_row = (c * H + st * i + u - p) * W, out_row = (o * Ho + i) * Wo;
                if (op == Op::forward)
                  for (std::size_t j = cols.begin; j < cols.end; ++j)
                    y[out_row + j] += d.K[k] * x[in_row + st * j + v - p];
                else if (op == Op::backward_data)
                  for (std::size_t j = cols.begin; j < cols.end; ++j)
                    dx[in_row + st * j + v - p] += d.K[k] * w[out_row + j];
                else
                  for (std::size_t j = cols.begin; j < cols.end; ++j)
                    gradient += w[out_row + j] * x[in_row + st * j + v - p];
              }
              if (op == Op::backward_weights) d.dK[k] += gradient;
            }
          }
    }
  }

 private:
  ConvolutionShape s_;
};

// oneDNN f32: the three primitives of one shape and batch. Plain: nchw / oihw memory on the f32
// copies of the batch. Blocked: the formats oneDNN picks (format any), its own buffers, values
// copied in once; times exclude reorders.
class OneDnn final : public Implementation {
 public:
  OneDnn(const Data& d, bool blocked) : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    using dnnl::memory;
    using tag = memory::format_tag;
    const auto& s = d.shape;
    const auto dim = [](std::size_t v) { return memory::dim(v); };
    const memory::dims src{dim(d.batch), dim(s.in_channels), dim(s.in_height), dim(s.in_width)},
        wei{dim(s.out_channels), dim(s.in_channels), dim(s.kernel_height), dim(s.kernel_width)},
        dst{dim(d.batch), dim(s.out_channels), dim(s.out_height()), dim(s.out_width())},
        strides{dim(s.stride), dim(s.stride)}, padding{dim(s.padding), dim(s.padding)};
    const auto f32 = memory::data_type::f32;
    const memory::desc src_md(src, f32, blocked ? tag::any : tag::nchw),
        wei_md(wei, f32, blocked ? tag::any : tag::oihw), dst_md(dst, f32, blocked ? tag::any : tag::nchw);
    const auto algorithm = dnnl::algorithm::convolution_direct;
    forward_pd_ = dnnl::convolution_forward::primitive_desc(
        {dnnl::prop_kind::forward_training, algorithm, src_md, wei_md, dst_md, strides, padding, padding},
        engine_);
    data_pd_ = dnnl::convolution_backward_data::primitive_desc(
        {algorithm, src_md, wei_md, dst_md, strides, padding, padding}, engine_, forward_pd_);
    weights_pd_ = dnnl::convolution_backward_weights::primitive_desc(
        {algorithm, src_md, wei_md, dst_md, strides, padding, padding}, engine_, forward_pd_);
    label_ = std::string(forward_pd_.impl_info_str()) + " / " + data_pd_.impl_info_str() + " / " +
             weights_pd_.impl_info_str();
    // Every primitive gets its own memory in its own formats; plain formats are the same bytes.
    const auto make = [&](const memory::desc& md, const Vector& values) {
      memory m(md, engine_);
      fill(m, values);
      return m;
    };
    fwd_args_ = {{DNNL_ARG_SRC, make(forward_pd_.src_desc(), d.x)},
                 {DNNL_ARG_WEIGHTS, make(forward_pd_.weights_desc(), d.K)},
                 {DNNL_ARG_DST, make(forward_pd_.dst_desc(), Vector(d.y.size(), 0.0))}};
    data_args_ = {{DNNL_ARG_DIFF_DST, make(data_pd_.diff_dst_desc(), d.w)},
                  {DNNL_ARG_WEIGHTS, make(data_pd_.weights_desc(), d.K)},
                  {DNNL_ARG_DIFF_SRC, make(data_pd_.diff_src_desc(), Vector(d.dx.size(), 0.0))}};
    weights_args_ = {
        {DNNL_ARG_SRC, make(weights_pd_.src_desc(), d.x)},
        {DNNL_ARG_DIFF_DST, make(weights_pd_.diff_dst_desc(), d.w)},
        {DNNL_ARG_DIFF_WEIGHTS, make(weights_pd_.diff_weights_desc(), Vector(d.dK.size(), 0.0))}};
    forward_ = dnnl::convolution_forward(forward_pd_);
    data_ = dnnl::convolution_backward_data(data_pd_);
    weights_ = dnnl::convolution_backward_weights(weights_pd_);
  }
  void run(Op op, Data& d) override {
    if (op == Op::forward) forward_.execute(stream_, fwd_args_);
    if (op == Op::backward_data) data_.execute(stream_, data_args_);
    if (op == Op::backward_weights) weights_.execute(stream_, weights_args_);
    stream_.wait();
  }
  std::string label() const override { return label_; }
  /// The result of `op` in plain layout, as doubles (for --check).
  Vector result(Op op) {
    const auto& args = op == Op::forward ? fwd_args_ : op == Op::backward_data ? data_args_ : weights_args_;
    const int which = op == Op::forward         ? DNNL_ARG_DST
                      : op == Op::backward_data ? DNNL_ARG_DIFF_SRC
                                                : DNNL_ARG_DIFF_WEIGHTS;
    dnnl::memory m = args.at(which);
    dnnl::memory plain({m.get_desc().dims(), dnnl::memory::data_type::f32, dnnl::memory::format_tag::abcd},
                       engine_);
    dnnl::reorder(m, plain).execute(stream_, m, plain);
    stream_.wait();
    const auto* f = static_cast<const float*>(plain.get_data_handle());
    return Vector(f, f + plain.get_desc().get_size() / sizeof(float));
  }

 private:
  // values (plain layout) into m, through a reorder when m is blocked.
  void fill(dnnl::memory& m, const Vector& values) {
    std::vector<float> f(values.begin(), values.end());
    // nchw and oihw are both abcd: the tensors' plain row-major order.
    dnnl::memory plain({m.get_desc().dims(), dnnl::memory::data_type::f32, dnnl::memory::format_tag::abcd},
                       engine_, f.data());
    dnnl::reorder(plain, m).execute(stream_, plain, m);
    stream_.wait();
  }
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::convolution_forward::primitive_desc forward_pd_;
  dnnl::convolution_backward_data::primitive_desc data_pd_;
  dnnl::convolution_backward_weights::primitive_desc weights_pd_;
  dnnl::convolution_forward forward_;
  dnnl::convolution_backward_data data_;
  dnnl::convolution_backward_weights weights_;
  std::unordered_map<int, dnnl::memory> fwd_args_, data_args_, weights_args_;
  std::string label_;
};

const char* const kImplementations[] = {"per_image", "per_image_whole", "batched", "direct",
                                        "onednn",    "onednn_blocked",  "fft"};

std::unique_ptr<Implementation> make(const std::string& name, const Data& d) {
  if (name == "per_image") return std::make_unique<PerImage>(d.shape, 0);
  if (name == "per_image_whole") return std::make_unique<PerImage>(d.shape, d.shape.out_height());
  if (name == "batched") return std::make_unique<Batched>(d.shape);
  if (name == "direct") return std::make_unique<Direct>(d.shape);
  if (name == "fft") return std::make_unique<Fft>(d.shape);
  return std::make_unique<OneDnn>(d, name == "onednn_blocked");
}

void run_benchmark(benchmark::State& state, std::string name, ConvolutionShape shape, Op op,
                   std::size_t batch, int threads) {
  set_threads(threads);
  Data d(shape, batch);
  auto implementation = make(name, d);
  implementation->run(op, d);  // warm-up: first-touch of buffers, oneDNN's JIT
  for (auto _ : state) {
    implementation->run(op, d);
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * double(batch) * double(shape.out_size()) * double(shape.patch_size());
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * double(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
  state.SetLabel(implementation->label());
  set_threads(1);
}

// --check ------------------------------------------------------------------------------------------

double max_relative_error(const Vector& a, const Vector& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

bool same_bits(const Vector& a, const Vector& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Runs `name` on d with `threads` threads and returns the result of op.
Vector result_of(const std::string& name, Data& d, Op op, int threads) {
  set_threads(threads);
  auto implementation = make(name, d);
  implementation->run(op, d);
  set_threads(1);
  if (name.rfind("onednn", 0) == 0) return static_cast<OneDnn&>(*implementation).result(op);
  return d.result(op);
}

int run_checks() {
  int failures = 0;
  std::printf("%-32s %-17s %-15s %-11s %-9s %s\n", "shape", "op", "implementation", "vs direct", "1 vs 2 thr",
              "image 4 of 7 alone vs in batch");
  for (const auto& c : kCases)
    for (Op op : {Op::forward, Op::backward_data, Op::backward_weights}) {
      Data d(c.shape, 7);
      const Vector direct = result_of("direct", d, op, 1);
      for (const std::string name : kImplementations) {
        if (name == "direct" || (name == "fft" && !Fft::applies(c.shape))) continue;
        const Vector one = result_of(name, d, op, 1), two = result_of(name, d, op, 2);
        const double error = max_relative_error(one, direct);
        const bool ok = error < (name.rfind("onednn", 0) == 0 ? 1e-5 : name == "fft" ? 1e-12 : 1e-13);
        failures += !ok;
        std::string alone = "n/a (a sum over the batch)";
        if (op != Op::backward_weights) {
          Data single(c.shape, 1);
          const std::size_t in = c.shape.in_size(), out = c.shape.out_size();
          std::copy_n(d.x.begin() + 4 * long(in), in, single.x.begin());
          std::copy_n(d.w.begin() + 4 * long(out), out, single.w.begin());
          const Vector mine = result_of(name, single, op, 1);
          const std::size_t size = op == Op::forward ? out : in;
          alone = same_bits(mine, Vector(one.begin() + 4 * long(size), one.begin() + 5 * long(size)))
                      ? "same bits"
                      : "differ";
        }
        std::printf("%-32s %-17s %-15s %-11.2g %-10s %s%s\n", c.name, op_name(op), name.c_str(), error,
                    same_bits(one, two) ? "same" : "differ", alone.c_str(), ok ? "" : "  FAILED");
      }
    }
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc > 1 && std::string(argv[1]) == "--check") return run_checks() == 0 ? 0 : 1;
  const auto min = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  for (const auto& c : kCases)
    for (Op op : {Op::forward, Op::backward_data, Op::backward_weights})
      for (std::size_t batch : {32, 128})
        for (int threads : {1, 2})
          for (const std::string name : kImplementations) {
            if ((name == "direct" || name == "fft") && threads == 2) continue;  // single-threaded
            if (name == "fft" && !Fft::applies(c.shape)) continue;
            const std::string title = std::string(c.name) + "/" + op_name(op) + "/B" + std::to_string(batch) +
                                      "/" + name + "/threads:" + std::to_string(threads);
            auto* b =
                benchmark::RegisterBenchmark(title.c_str(), run_benchmark, name, c.shape, op, batch, threads)
                    ->Unit(benchmark::kMicrosecond)
                    ->ComputeStatistics("min", min);
            // One thread: CPU time, which other processes on a shared machine do not inflate by
            // preempting it. Two: the wall time the caller waits for.
            if (threads > 1) b->UseRealTime();
          }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
