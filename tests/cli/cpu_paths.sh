#!/usr/bin/env bash
# What the libraries' CPU-dependent code paths do to a training (docs/training.md, "The same bits
# on other CPUs"). neurode's own code is compiled for the baseline x86-64 instruction set and
# chooses nothing at run time; the libraries that do are glibc's libm (exp, expm1, tanh: FMA and
# AVX2 variants picked by the CPU's features) and OpenBLAS (a DGEMM kernel per CPU family). Each
# training below runs with the CPU's own choice and again with each path forced: glibc's FMA, AVX2
# and AVX-512 variants masked off (GLIBC_TUNABLES), and OpenBLAS's Prescott (SSE3), Haswell (AVX2)
# and SkylakeX (AVX-512) kernels where the CPU has their instructions (OPENBLAS_CORETYPE, checked
# to take effect).
#  - The column model (XOR) uses neither: every run's losses, parameters and held-out trajectories
#    equal the first's bit for bit.
#  - Predictive coding (Fashion-MNIST) and the hGRU (Pathfinder) do: their runs agree to rounding
#    (at most 1e-9 relative after these short trainings; about 1e-15 and 1e-12 are seen), and the
#    test prints the largest difference.
# (FFTW, the hGRU's horizontal convolution, picks its SIMD codelets by the CPU too and cannot be
# forced from outside.)
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# shellcheck source=tests/support/reliability_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
# Only the OpenBLAS kernels this CPU can run (a forced SkylakeX kernel dies of SIGILL without
# AVX-512): Haswell's needs AVX2 and FMA.
flags=" $(grep -m1 '^flags' /proc/cpuinfo) "
variants=("GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA,-AVX2,-AVX512F" "OPENBLAS_CORETYPE=Prescott")
if [[ $flags == *" avx2 "* && $flags == *" fma "* ]]; then
  variants+=("OPENBLAS_CORETYPE=Haswell")
else
  echo "skipped OPENBLAS_CORETYPE=Haswell: no AVX2 and FMA"
fi
if [[ $flags == *" avx512f "* ]]; then
  variants+=("OPENBLAS_CORETYPE=SkylakeX")
else
  echo "skipped OPENBLAS_CORETYPE=SkylakeX: no AVX-512"
fi
# OpenBLAS honours OPENBLAS_CORETYPE only for a kernel it has; say which one each run gets.
for variant in "${variants[@]:1}"; do
  core=$(env "$variant" /usr/bin/python3 -c \
    'import ctypes; b = ctypes.CDLL("libopenblas.so.0"); b.openblas_get_corename.restype = ctypes.c_char_p; print(b.openblas_get_corename().decode())')
  check "$variant takes effect (OpenBLAS reports $core)" [ "${variant#*=}" = "$core" ]
done

# compare A B TOLERANCE: every floating-point dataset of the training files A and B (but wall times
# and provenance) bitwise equal (TOLERANCE 0) or within TOLERANCE of A's largest value; prints the
# largest relative difference.
compare() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, h5py, numpy as np
def datasets(name):
    out = {}
    def visit(path, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" and "time" not in path \
                and "seconds" not in path and not path.startswith("provenance"):
            out[path] = np.atleast_1d(obj[()])
    with h5py.File(name, "r") as f:
        f.visititems(visit)
    return out
a, b = datasets(sys.argv[1]), datasets(sys.argv[2])
tolerance = float(sys.argv[3])
assert a.keys() == b.keys(), sorted(set(a) ^ set(b))
worst, where = 0.0, ""
for k in a:
    assert a[k].shape == b[k].shape, k
    if np.array_equal(a[k].view(np.uint8), b[k].view(np.uint8)):
        continue
    d = np.max(np.abs(a[k] - b[k])) / max(np.max(np.abs(a[k])), 1e-300)
    if d >= worst:
        worst, where = d, k
print(f"{len(a)} datasets, largest relative difference {worst:.1e} {where}".rstrip())
assert worst <= tolerance, where
PY
}

for case in train_xor_tiny train_images_tiny train_hgru_tiny; do
  config=$source_dir/tests/data/$case.yaml
  tolerance=1e-9
  [ "$case" = train_xor_tiny ] && tolerance=0
  if [ "$case" = train_images_tiny ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
    echo "skipped $case: no Fashion-MNIST"
    continue
  fi
  "$neurode" train "$config" -o "$tmp/$case-default.h5" >"$tmp/log" 2>&1
  result $? "$case, the CPU's own paths ($(tail -1 "$tmp/log"))"
  for i in "${!variants[@]}"; do
    out=$tmp/$case-$i.h5
    env "${variants[$i]}" "$neurode" train "$config" -o "$out" >"$tmp/log" 2>&1
    result $? "$case with ${variants[$i]} ($(tail -1 "$tmp/log"))"
    summary=$(compare "$tmp/$case-default.h5" "$out" $tolerance 2>&1)
    result $? "$case with ${variants[$i]}: within $tolerance ($(tail -1 <<<"$summary"))"
    echo "$case with ${variants[$i]}: $(tail -1 <<<"$summary")"
  done
done
finish
