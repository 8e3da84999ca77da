#!/usr/bin/env bash
# Installs neurode's build and run dependencies from Debian 12's packages, only those missing.
# Runs as root (or through sudo when available). Idempotent: does nothing when all are present.
# With arguments, installs those packages instead (tools/install-bench-dependencies.sh uses this).
set -euo pipefail

default_packages=(
  build-essential cmake pkg-config git
  petsc-dev libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libyaml-cpp-dev libgtest-dev libbenchmark-dev
  python3-h5py python3-matplotlib python3-numpy
  libopenblas-dev libfftw3-dev libsleef-dev
  zlib1g-dev dataset-fashion-mnist
)
if [ $# -gt 0 ]; then packages=("$@"); else packages=("${default_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "neurode: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "neurode: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
