#!/usr/bin/env bash
# Training is bitwise identical for 1, 2, 3 and 4 MPI ranks (loss history, weights, held-out
# metrics and trajectories), deterministic (also with the shared silent start solved once per
# block: training.shared_prefix) and stochastic (one path per sample, and 3 realisations per
# sample), with Adam and with L-BFGS, and a run killed with SIGKILL after a chosen epoch resumes
# from its checkpoint to the same result.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
same() {  # a.h5 b.h5: every training dataset bitwise equal (wall times excluded)
  /usr/bin/python3 "$source_dir/tests/support/same_training.py" "$1" "$2"
}
for config in train_xor_tiny train_xor_shared_prefix_tiny train_wta_tiny train_xor_noisy_tiny train_wta_noisy_tiny \
  train_xor_lbfgs_tiny; do
  for np in 1 2 3 4; do
    "${mpirun[@]}" -np $np "$neurode" train "$source_dir/tests/data/$config.yaml" -o "$tmp/$config-$np.h5" >"$tmp/log" 2>&1
    result $? "$config on $np ranks ($(tail -2 "$tmp/log"))"
  done
  for np in 2 3 4; do
    same "$tmp/$config-1.h5" "$tmp/$config-$np.h5" >"$tmp/log" 2>&1
    result $? "$config: 1 rank vs $np ranks ($(tail -1 "$tmp/log"))"
  done
done
# Resume after SIGKILL at a chosen epoch: a run of 200 short epochs is killed as soon as it prints
# the progress line of epoch 21, which follows the checkpoint of epoch 20. The line is read from a
# FIFO as it is written (a blocking read, no polling), so the kill lands within one epoch of it
# whatever the machine's speed, far from the end; the rerun resumes from that checkpoint and ends
# equal to an uninterrupted run.
cfg="$source_dir/tests/data/train_xor_requeue.yaml"
kill_after=20
"$neurode" train "$cfg" -o "$tmp/uninterrupted.h5" >"$tmp/log" 2>&1
result $? "uninterrupted 200-epoch run"
mkfifo "$tmp/progress"
"$neurode" train "$cfg" -o "$tmp/resume.h5" >"$tmp/progress" 2>"$tmp/resume.err" &
pid=$!
seen=""
while IFS= read -r -t 120 line; do
  if [[ $line =~ ^epoch\ +$((kill_after + 1))/ ]]; then
    kill -KILL $pid 2>/dev/null
    seen=$line
    break
  fi
done <"$tmp/progress"
wait $pid 2>/dev/null
[ -n "$seen" ]
result $? "killed after the progress line of epoch $((kill_after + 1)) ($(tail -1 "$tmp/resume.err"))"
[ ! -e "$tmp/resume.h5" ] && [ -e "$tmp/resume.h5.checkpoint" ]
result $? "killed run left its checkpoint and no result"
"$neurode" train "$cfg" -o "$tmp/resume.h5" >"$tmp/log2" 2>&1
resumed=$(sed -n 's/^neurode train: resuming from .* after epoch \([0-9]*\)$/\1/p' "$tmp/log2")
# The checkpoint of epoch 20 was in place before the line was printed; that of epoch 21 may be too,
# when the run wrote it before the kill arrived.
[ -n "$resumed" ] && [ "$resumed" -ge $kill_after ] && [ "$resumed" -lt 200 ]
result $? "resumed after epoch ${resumed:-?} (>= $kill_after) ($(head -1 "$tmp/log2"))"
same "$tmp/uninterrupted.h5" "$tmp/resume.h5" >"$tmp/log" 2>&1
result $? "resumed run equals uninterrupted ($(tail -1 "$tmp/log"))"
[ ! -e "$tmp/resume.h5.checkpoint" ]
result $? "checkpoint removed after success"
finish
