#pragma once
/// The AVX path of elementwise.hpp: compiled with -mavx (src/CMakeLists.txt), so call it only
/// where the CPU has AVX (best_vector_path()).
#include <cstddef>

namespace neurode::models::kernels {

void tanh_in_place_avx(double* x, std::size_t n);
void sigmoid_in_place_avx(double* x, std::size_t n);

}  // namespace neurode::models::kernels
