#!/usr/bin/env bash
# Training is bitwise identical for 1, 2, 3 and 4 MPI ranks (loss history, weights, held-out
# metrics and trajectories), deterministic and stochastic, and a killed run resumes from its
# checkpoint to the same result.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
same() {  # a.h5 b.h5: every training dataset bitwise equal (wall times excluded)
  /usr/bin/python3 "$source_dir/tests/support/same_training.py" "$1" "$2"
}
for config in train_xor_tiny train_wta_tiny train_xor_noisy_tiny; do
  for np in 1 2 3 4; do
    "${mpirun[@]}" -np $np "$neurode" train "$source_dir/tests/data/$config.yaml" -o "$tmp/$config-$np.h5" >"$tmp/log" 2>&1
    result $? "$config on $np ranks ($(tail -2 "$tmp/log"))"
  done
  for np in 2 3 4; do
    same "$tmp/$config-1.h5" "$tmp/$config-$np.h5" >"$tmp/log" 2>&1
    result $? "$config: 1 rank vs $np ranks ($(tail -1 "$tmp/log"))"
  done
done
# Resume: stop after 2 epochs by hand (a config with epochs: 2 has a different text, so copy the
# checkpoint of a run killed after its second epoch instead).
cfg="$source_dir/tests/data/train_xor_tiny.yaml"
"$neurode" train "$cfg" -o "$tmp/resume.h5" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  grep -q "epoch    2/" "$tmp/log" 2>/dev/null && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
if [ -e "$tmp/resume.h5" ]; then
  echo "run finished before it could be killed; resume not exercised"; result 1 "kill during training"
else
  [ -e "$tmp/resume.h5.checkpoint" ]; result $? "checkpoint left by the killed run"
  "$neurode" train "$cfg" -o "$tmp/resume.h5" >"$tmp/log2" 2>&1
  grep -q "resuming from" "$tmp/log2"; result $? "resumed ($(head -1 "$tmp/log2"))"
  same "$tmp/train_xor_tiny-1.h5" "$tmp/resume.h5" >"$tmp/log" 2>&1; result $? "resumed run equals uninterrupted ($(tail -1 "$tmp/log"))"
  [ ! -e "$tmp/resume.h5.checkpoint" ]; result $? "checkpoint removed after success"
fi
finish
