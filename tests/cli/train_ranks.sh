#!/usr/bin/env bash
# Training is bitwise identical for 1, 2, 3 and 4 MPI ranks (loss history, weights, held-out
# metrics and trajectories), deterministic and stochastic, and a run killed with SIGKILL resumes
# from its checkpoint to the same result.
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
# Resume after SIGKILL: a run of 200 short epochs (about 10 s) killed once its first checkpoint is
# there, which leaves it far from its end whatever the machine's speed; its rerun resumes and ends
# equal to an uninterrupted run.
cfg="$source_dir/tests/data/train_xor_requeue.yaml"
"$neurode" train "$cfg" -o "$tmp/uninterrupted.h5" >"$tmp/log" 2>&1
result $? "uninterrupted 200-epoch run"
"$neurode" train "$cfg" -o "$tmp/resume.h5" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ -e "$tmp/resume.h5.checkpoint" ] && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
[ ! -e "$tmp/resume.h5" ] && [ -e "$tmp/resume.h5.checkpoint" ]
result $? "killed run left its checkpoint and no result"
"$neurode" train "$cfg" -o "$tmp/resume.h5" >"$tmp/log2" 2>&1
grep -q "resuming from" "$tmp/log2"
result $? "resumed ($(head -1 "$tmp/log2"))"
same "$tmp/uninterrupted.h5" "$tmp/resume.h5" >"$tmp/log" 2>&1
result $? "resumed run equals uninterrupted ($(tail -1 "$tmp/log"))"
[ ! -e "$tmp/resume.h5.checkpoint" ]
result $? "checkpoint removed after success"
finish
