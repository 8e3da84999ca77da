#!/usr/bin/env bash
# The generated bad-input suite (issue 16, docs/reliability.md): tests/support/bad_inputs.py makes
# its own mutated configs and corrupted network files from a fixed seed and runs each through
# `neurode simulate`, `gradient` or `train` on 2 workers. Every case must end with exit code 0, 2
# or 3 within its timeout, a failure with one line on stderr beginning `neurode: `, and nothing at
# the output path but a complete, finite HDF5 file; no temporary file may be left behind.
#
#   bash tests/cli/bad_inputs.sh build/apps/neurode .      (CTest: cli_bad_inputs)
# A single case or class: /usr/bin/python3 tests/support/bad_inputs.py --neurode build/apps/neurode \
#   --source . --reference ../shared/reference --only attribute-tau_s --verbose [--keep DIR]
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# Debian's python3 has h5py, numpy and PyYAML; the first python3 on PATH may not.
python=/usr/bin/python3
if ! "$python" -c 'import h5py, numpy, yaml' 2>/dev/null; then
  echo "skipped: $python lacks h5py, numpy or yaml (apt-get install python3-h5py python3-yaml)"
  exit 77
fi
reference=${NEURODE_REFERENCE_DIR:-$source_dir/../shared/reference}
# The case directories go into the scratch directory, which is removed on exit.
"$python" "$source_dir/tests/support/bad_inputs.py" --neurode "$neurode" --source "$source_dir" \
  --reference "$reference" --workers 2 --keep "$tmp/cases"
