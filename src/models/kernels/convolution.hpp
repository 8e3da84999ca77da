#pragma once
/// Batched 2-D convolutions in double precision for the image models (predictive coding, hGRU), in
/// PyTorch's convention (shared/reference/vision/README.md, "Conventions"): cross-correlation,
/// kernel [out, in, kh, kw], zero padding, stride; images [channels, height, width]. The transpose
/// is conv_transpose2d with the same kernel, the exact adjoint of the convolution (backward-data);
/// kernel_gradient is backward-weights.
///
/// How: per image, im2col (its patches as the columns of a [in kh kw, out_h out_w] matrix) and an
/// OpenBLAS DGEMM, in blocks of output rows whose patch matrix (about kBlockBytes) stays in cache
/// between the two (the hGRU's 7x7 on 32x32 has a 3 MB patch matrix); a 1x1, stride-1, unpadded
/// convolution is the DGEMM alone (the image is its own patch matrix). Double because the solver's
/// state is, and oneDNN, the library made for convolutions, has no f64 on CPU (2.6 has no f64 type
/// at all; later versions only on GPU). Measured against oneDNN f32, a batched DGEMM and direct loops
/// in bench/convolution_bench.cpp (bench/RESULTS.md).
///
/// Determinism: no result depends on thread timing (OpenBLAS splits a product over its threads
/// statically). Across OpenBLAS thread counts, equal bits are not guaranteed: how it splits a
/// product can change the arithmetic (one DGEMM over a whole 8x32x32 image of the hGRU's 7x7,
/// 8 x 1024 x 392, differs by ~1e-15 relative between 1 and 2 threads). With the row blocks, every
/// shape of neurode_convolution_bench --check gives the same bits with 1 and 2 threads (OpenBLAS
/// 0.3.21, SkylakeX kernels), but that is OpenBLAS's choice of kernels, not a promise; neurode runs
/// one BLAS thread per rank (apps/neurode.cpp) unless OPENBLAS_NUM_THREADS says otherwise.
/// Each image is its own DGEMMs, of sizes fixed by the shape, so image b's result depends neither on
/// the other images of its batch nor on its place in it (tested). One DGEMM over the whole batch
/// would not keep that (OpenBLAS picks kernels and blocking from the sizes; --check shows a batched
/// forward changing with the batch), and it measured slower anyway, for the copies between NCHW
/// images and one wide matrix (bench/RESULTS.md). kernel_gradient adds the images in ascending b.
///
/// Thread safety: an object owns its workspace, so use one object per thread (the kernel and
/// images are only read). OpenBLAS's own thread count is the caller's (openblas_set_num_threads).
#include <cstddef>
#include <vector>

namespace neurode::models::kernels {

struct ConvolutionShape {
  std::size_t in_channels = 0, in_height = 0, in_width = 0, out_channels = 0, kernel_height = 0,
              kernel_width = 0, stride = 1, padding = 0;
  /// (H + 2p - kh) / s + 1, or 0 for a shape that gives no output.
  std::size_t out_height() const { return out_extent(in_height, kernel_height); }
  std::size_t out_width() const { return out_extent(in_width, kernel_width); }
  std::size_t in_size() const { return in_channels * in_height * in_width; }          ///< per image
  std::size_t out_size() const { return out_channels * out_height() * out_width(); }  ///< per image
  std::size_t kernel_size() const { return out_channels * in_channels * kernel_height * kernel_width; }
  /// Rows of the patch matrix: in kh kw.
  std::size_t patch_size() const { return in_channels * kernel_height * kernel_width; }
  /// 1x1, stride 1, no padding: the convolution is a plain matrix product.
  bool pointwise() const { return kernel_height == 1 && kernel_width == 1 && stride == 1 && padding == 0; }

 private:
  std::size_t out_extent(std::size_t in, std::size_t kernel) const {
    if (stride == 0 || kernel == 0 || in + 2 * padding < kernel) return 0;
    return (in + 2 * padding - kernel) / stride + 1;
  }
};

/// The im2col of one image's output rows [first_row, end_row): columns[r ld + (i - first_row) W_out + j]
/// = x[c][s i + u - p][s j + v - p] (0 in the padding) for the patch row r = (c kh + u) kw + v.
/// ld >= (end_row - first_row) W_out lets several images sit side by side in one matrix.
void im2col(const ConvolutionShape& shape, const double* x, double* columns, std::size_t ld,
            std::size_t first_row, std::size_t end_row);
/// x = beta x + those columns summed back onto the pixels im2col took them from (its adjoint).
/// beta = 0 overwrites x, whatever it held; beta is applied to the whole image.
void col2im(const ConvolutionShape& shape, const double* columns, std::size_t ld, double* x, double beta,
            std::size_t first_row, std::size_t end_row);

/// Throws std::invalid_argument with a clear message for a shape that gives no output.
class Convolution {
 public:
  /// Allocates its workspace once. block_rows: output rows per im2col block (0: the default, a
  /// block's patch matrix of about kBlockBytes).
  explicit Convolution(ConvolutionShape shape, std::size_t block_rows = 0);
  const ConvolutionShape& shape() const { return shape_; }

  /// y_b = beta y_b + conv2d(x_b, K) for b < batch; image b of x at x + b x_stride, of y at
  /// y + b y_stride (strides in doubles, >= in_size / out_size; the gaps are left untouched).
  void forward(const double* kernel, const double* x, std::size_t x_stride, double* y, std::size_t y_stride,
               std::size_t batch, double beta);
  /// x_b = beta x_b + conv_transpose2d(y_b, K): the exact adjoint of forward (backward-data).
  void transpose(const double* kernel, const double* y, std::size_t y_stride, double* x, std::size_t x_stride,
                 std::size_t batch, double beta);
  /// kernel_gradient += sum over b of d<w_b, conv2d(x_b, K)>/dK (backward-weights), the images
  /// added in ascending b.
  void kernel_gradient(const double* x, std::size_t x_stride, const double* w, std::size_t w_stride,
                       std::size_t batch, double* kernel_gradient);

 private:
  static constexpr std::size_t kBlockBytes = 512 * 1024;
  ConvolutionShape shape_;
  std::size_t block_rows_ = 0;   ///< output rows per im2col block
  std::vector<double> columns_;  ///< one block's patch matrix; empty when pointwise
};

}  // namespace neurode::models::kernels
