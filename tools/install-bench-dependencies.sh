#!/usr/bin/env bash
# Installs what the benchmark comparison (bench/compare.sh) needs beyond tools/install-dependencies.sh:
# PyTorch, h5py and numpy for bench/baselines/column_torch.py, from Debian 12's packages (python3-torch
# is torch 1.13, CPU only, about 50 MB), GNU time for peak-memory figures, and oneDNN (libdnnl-dev) for
# neurode_convolution_bench's f32 comparison. Only those missing are installed. Runs as root (or through
# sudo when available). Idempotent: does nothing when all are present.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/install-dependencies.sh" python3-torch python3-h5py python3-numpy time bc \
  libdnnl-dev
