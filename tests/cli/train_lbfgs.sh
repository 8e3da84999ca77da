#!/usr/bin/env bash
# optimizer.type lbfgs: 20 L-BFGS iterations of XOR (multiplicative coordinates, trust bound 0.5)
# classify all 4 patterns with a held-out loss below 0.1 (measured 0.051; the initial network's is
# 0.33); a training stopped by SIGTERM part-way resumes from its checkpoint (L-BFGS's pairs, last
# point and gradient in it) to the uninterrupted result bit for bit; and the settings L-BFGS cannot
# honour are refused, naming the key (exit 2, no output).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# shellcheck source=tests/support/reliability_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/reliability_checks.sh"
sed 's/epochs: 3, eval_every: 3/epochs: 20, eval_every: 20/' "$source_dir/tests/data/train_xor_lbfgs_tiny.yaml" \
  >"$tmp/xor.yaml"
"${mpirun[@]}" -np 2 "$neurode" train "$tmp/xor.yaml" -o "$tmp/xor.h5" >"$tmp/log" 2>&1
result $? "20 L-BFGS iterations of XOR ($(tail -2 "$tmp/log" | head -1))"
/usr/bin/python3 - "$tmp/xor.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1])
loss = f["/training/loss"][()]
e = f["/evaluation"]
assert e["correct"].attrs["mean"] == 1.0, e["correct"][()]
assert e["loss"][()] < 0.1, e["loss"][()]
assert loss[-1] < 0.3 * loss[0], (loss[0], loss[-1])
print("training loss %.3g -> %.3g, held-out %.3g, 4/4" % (loss[0], loss[-1], e["loss"][()]))
PY
result $? "XOR learnt"

# Stopped after its third iteration, resumed, and equal to the run above.
out=$tmp/resumed.h5
start_run stopped train "$tmp/xor.yaml" -o "$out"
check "stopped: under way" wait_for_line "$tmp/stopped.out" "^epoch +3/" "$run_pid" 120
kill -TERM "$run_pid"
finish_run "$run_pid" 60
check "stopped: exit 5 on SIGTERM (got $run_status)" [ "$run_status" = 5 ]
check "stopped: checkpoint kept" [ -e "$out.checkpoint" ]
"${mpirun[@]}" -np 2 "$neurode" train "$tmp/xor.yaml" -o "$out" >"$tmp/resume.log" 2>&1
result $? "resumed L-BFGS training ($(tail -1 "$tmp/resume.log"))"
check "resumed from its checkpoint" grep -Eq "resuming from .* after epoch [0-9]+\$" "$tmp/resume.log"
check "resumed L-BFGS equals the uninterrupted run bit for bit" same "$tmp/xor.h5" "$out"
check_refused() {  # expected-text, config-text
  printf '%s\n' "$2" >"$tmp/bad.yaml"
  "$neurode" train "$tmp/bad.yaml" -o "$tmp/refused.h5" >"$tmp/out" 2>"$tmp/err"
  local code=$?
  [ $code -eq 2 ] && grep -q -- "$1" "$tmp/err" && [ ! -e "$tmp/refused.h5" ]
  result $? "refused: $1 (exit $code: $(grep '^neurode:' "$tmp/err"))"
}
base="task: {type: xor, observations: 11}"
check_refused "optimizer.type" "$base
noise: {sigma: 10.0}
optimizer: {type: lbfgs}"
check_refused "training.batch_size" "$base
training: {batch_size: 2}
optimizer: {type: lbfgs}"
check_refused "memory is a setting of type: lbfgs" "$base
optimizer: {type: adam, memory: 5}"
check_refused "optimizer.memory" "$base
optimizer: {type: lbfgs, memory: 0}"
finish
