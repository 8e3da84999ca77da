#!/usr/bin/env bash
# mpirun with the flags this machine needs: --oversubscribe always, --allow-run-as-root as root.
#
# Signals: Open MPI's mpirun, on SIGTERM or SIGINT, waits a second, sends SIGTERM to the ranks,
# kills them a second later and exits 1 whatever they did. This wrapper hands SIGTERM and SIGINT to
# the ranks at once instead, so that neurode stops at its next step, keeps its checkpoint, and the
# launcher returns neurode's own exit code (5, docs/reliability.md). mpirun runs in a session of its
# own (setsid), so that a Ctrl-C to the terminal's process group reaches this wrapper and not
# mpirun, whose own handling would end the run with exit code 1. Should the wrapper itself be
# killed (SIGKILL), mpirun gets SIGTERM (setpriv --pdeathsig) rather than running on unseen.
set -euo pipefail
flags=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
# Neither setpriv nor setsid forks here (a background job is no group leader): $! is mpirun.
setpriv --pdeathsig TERM setsid mpirun "${flags[@]}" "$@" &
launcher=$!
forward() { pkill "-$1" -P "$launcher" || kill "-$1" "$launcher" 2>/dev/null || true; }
trap 'forward TERM' TERM
trap 'forward INT' INT
# A trapped signal interrupts wait; wait again until mpirun (a zombie until reaped) has ended.
while :; do
  status=0
  wait "$launcher" || status=$?
  kill -0 "$launcher" 2>/dev/null || break
done
exit "$status"
