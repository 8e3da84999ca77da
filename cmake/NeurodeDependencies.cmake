# Every dependency comes from Debian's packages (see tools/install-dependencies.sh).
find_package(MPI REQUIRED COMPONENTS C CXX)
find_package(PkgConfig REQUIRED)
# PETSc's pkg-config file lacks MPI's include path: link MPI::MPI_CXX beside it.
pkg_check_modules(PETSC REQUIRED IMPORTED_TARGET PETSc>=3.18)
# The image models' matrix products (DGEMM, and convolutions as im2col + DGEMM): OpenBLAS, not
# the reference BLAS that the cblas.h alternative may point to.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
# The hGRU's large "same" kernels are convolved in the frequency domain (models/kernels/fft_convolution).
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)
# The hGRU's tanh and sigmoid over whole arrays, vectorised and CPU-independent (models/kernels/elementwise).
pkg_check_modules(SLEEF REQUIRED IMPORTED_TARGET sleef)
# Prefer the MPI-parallel HDF5 even when the serial one is also installed.
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "neurode needs the MPI-parallel HDF5 (Debian: libhdf5-openmpi-dev)")
endif()
find_package(yaml-cpp REQUIRED)
find_package(Threads REQUIRED)
