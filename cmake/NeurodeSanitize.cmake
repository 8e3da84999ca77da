# NEURODE_SANITIZE: AddressSanitizer and UndefinedBehaviorSanitizer on neurode's own targets
# (tools/sanitize.sh builds and tests with it; docs/reliability.md, "How it is tested").
#
# The flags go on each of neurode's targets, never into CMAKE_CXX_FLAGS: the dependencies (PETSc,
# Open MPI, HDF5, yaml-cpp, GoogleTest) are Debian's uninstrumented libraries either way, and the
# flags must not leak into try_compile checks or into projects that include neurode.
# -fno-sanitize-recover=undefined makes undefined behaviour abort the process, so the test that met
# it fails instead of printing a report nobody reads; -fno-omit-frame-pointer keeps the reports'
# stacks complete.
option(NEURODE_SANITIZE "Build neurode with -fsanitize=address,undefined" OFF)

set(NEURODE_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
                           -fno-omit-frame-pointer)

# neurode_set_sanitizers(target): compile options PRIVATE to the target; link options PRIVATE to an
# executable and INTERFACE on a library (a static library is not linked itself: the executables
# that use it must link the sanitizer runtimes).
function(neurode_set_sanitizers target)
  if(NOT NEURODE_SANITIZE)
    return()
  endif()
  get_target_property(_type ${target} TYPE)
  if(NOT _type STREQUAL "INTERFACE_LIBRARY")
    target_compile_options(${target} PRIVATE ${NEURODE_SANITIZE_FLAGS})
  endif()
  if(_type STREQUAL "EXECUTABLE")
    target_link_options(${target} PRIVATE ${NEURODE_SANITIZE_FLAGS})
  else()
    target_link_options(${target} INTERFACE ${NEURODE_SANITIZE_FLAGS})
  endif()
endfunction()
