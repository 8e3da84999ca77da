#!/usr/bin/env bash
# A private single-node Slurm for trying the job scripts in jobs/ on one machine (and for their
# test): its own munge daemon, slurm.conf, state and spool, all under one directory, so that no
# system service is touched and two of them do not meet.
#
#   bash tools/local-slurm.sh start DIR [PORT]   # prints the line to eval: export SLURM_CONF=...
#   bash tools/local-slurm.sh stop DIR
#
# Needs slurmctld, slurmd, slurm-client and munge (tools/install-slurm.sh), and root: Slurm runs
# its daemons as the user that starts them here. DIR and the directories above it must be
# searchable by all (munge's rule for its socket; mktemp -d makes a directory that is not).
# PORT (default 6817) and PORT + 1 are Slurm's controller and node ports; when another program
# holds one of them, the next pair is tried (up to 5 pairs).
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
port=${3:-6817}

# Stops the named daemons (default: all three) by their PID files and waits for them to leave,
# so that their ports are free again.
stop() {
  local names=("$@") name pid_file
  [ ${#names[@]} -gt 0 ] || names=(slurmd slurmctld munge/munged)
  for name in "${names[@]}"; do
    pid_file=$dir/$name.pid
    if [ -s "$pid_file" ]; then kill "$(cat "$pid_file")" 2>/dev/null || true; fi
  done
  for _ in $(seq 50); do
    local alive=0
    for name in "${names[@]}"; do
      pid_file=$dir/$name.pid
      if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then alive=1; fi
    done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for name in "${names[@]}"; do rm -f "$dir/$name.pid"; done
}

# Whether process $1 runs (a daemon of ours that has exited stays a zombie until reaped, and
# kill -0 still finds it).
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${state:0:1}" != Z ]
}

# slurm.conf for node $1 on the current ports, memory_mb of memory.
write_config() {
  cat >"$dir/slurm.conf" <<EOF
ClusterName=neurode-local
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/state/slurmctld.pid
SlurmdPidFile=$dir/spool/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
MailProg=/bin/true
NodeName=$1 NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$1 Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  for program in munged slurmctld slurmd sinfo; do
    command -v "$program" >/dev/null ||
      { echo "local-slurm: $program not found: run tools/install-slurm.sh" >&2; exit 1; }
  done
  stop  # a previous run's daemons in the same directory
  # munge serves its socket only where every directory above it is searchable by all.
  local path=$dir
  while [ "$path" != / ]; do
    if [ -z "$(find "$path" -maxdepth 0 -perm -o+x)" ]; then
      echo "local-slurm: $path is not searchable by all (munge needs that for its socket): chmod o+x it" \
        "or choose another DIR" >&2
      exit 1
    fi
    path=$(dirname "$path")
  done
  local node
  node=$(hostname -s)
  # munge: a fresh key readable by its owner only; the socket directory must be world-readable.
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 0755 "$dir/munge"
  rm -f "$dir/munge/munge.key"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 0400 "$dir/munge/munge.key"
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"

  # Slurm must not claim more memory than slurmd finds, or the node is drained.
  memory_mb=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  export SLURM_CONF="$dir/slurm.conf"
  local attempt
  for attempt in 1 2 3 4 5; do
    write_config "$node"
    rm -f "$dir/slurmctld.log" "$dir/slurmd.log"
    setsid slurmctld -D -c -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 </dev/null &
    echo $! >"$dir/slurmctld.pid"
    setsid slurmd -D -N "$node" -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 </dev/null &
    echo $! >"$dir/slurmd.pid"
    # Ready when the node is idle. A daemon that has exited is a failure at once (sinfo would
    # wait for a controller that is not there), and so is anything else after 30 s.
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
      running "$(cat "$dir/slurmctld.pid")" && running "$(cat "$dir/slurmd.pid")" || break
      if [ "$(timeout 5 sinfo -h -N -o %t 2>/dev/null)" = idle ]; then
        echo "export SLURM_CONF=$SLURM_CONF"
        return 0
      fi
      sleep 0.1
    done
    stop slurmd slurmctld
    grep -q "Address already in use" "$dir/slurmctld.log" "$dir/slurmd.log" 2>/dev/null || break
    echo "local-slurm: port $port or $((port + 1)) is taken; trying $((port + 2))" >&2
    port=$((port + 2))
  done
  echo "local-slurm: the node did not become ready (attempt $attempt, port $port); logs in $dir" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null || true
  stop
  exit 1
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
