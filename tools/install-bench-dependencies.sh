#!/usr/bin/env bash
# Installs what the benchmark comparison (bench/compare.sh) needs beyond tools/install-dependencies.sh:
# PyTorch, h5py and numpy for bench/baselines/column_torch.py, from Debian 12's packages (python3-torch
# is torch 1.13, CPU only, about 50 MB), and GNU time for peak-memory figures. Only those missing are
# installed. Runs as root (or through sudo when available). Idempotent: does nothing when all are present.
set -euo pipefail

packages=(python3-torch python3-h5py python3-numpy time)

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
