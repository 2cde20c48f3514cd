#!/usr/bin/env bash
# Start, stop or query a one-node Slurm cluster (munged, slurmctld, slurmd) for the HPC tests.
#
#   bash scripts/slurm.sh start    # (re)start it; prints `export SLURM_CONF=...` for the clients
#   bash scripts/slurm.sh stop     # stop the daemons this script started, by their recorded pids
#   bash scripts/slurm.sh status   # sinfo, or "not running"
#   bash scripts/slurm.sh env      # the `export SLURM_CONF=...` line alone
#
# Everything lives in one directory owned by the project, $DFLOW_SLURM_DIR (default: a
# dflow-jupyter-slurm directory in $TMPDIR or /tmp): slurm.conf, the munge key and socket, the
# controller's state, the node's spool, pid files and logs. Nothing is written to /etc: the
# daemons get the config with -f, the munge socket through AuthInfo, and the client commands
# (sbatch, squeue, scancel, scontrol, sinfo) through the SLURM_CONF environment variable.
# Run as root (slurmd starts jobs as their owner). Needs `apt-get install slurm-wlm munge`.
set -euo pipefail

DIR="${DFLOW_SLURM_DIR:-${TMPDIR:-/tmp}/dflow-jupyter-slurm}"
CTLD_PORT="${DFLOW_SLURMCTLD_PORT:-6817}"
SLURMD_PORT="${DFLOW_SLURMD_PORT:-6818}"
CPUS="${DFLOW_SLURM_CPUS:-$(nproc)}"
CONF="$DIR/slurm.conf"
PIDS="$DIR/pids"

log() { echo "slurm.sh: $*" >&2; }

write_config() {
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run" "$DIR/munge"
  chmod 0755 "$DIR" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
  # munged refuses a key, socket or log that others could tamper with, and clients need to
  # reach its socket: its own directory, writable by munge only.
  chown munge:munge "$DIR/munge"
  chmod 0755 "$DIR/munge"
  if [ ! -s "$DIR/munge/munge.key" ]; then
    dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
    chown munge:munge "$DIR/munge/munge.key"
    chmod 0400 "$DIR/munge/munge.key"
  fi
  local memory=1024
  cat >"$CONF" <<EOF
# One-node cluster for dflow_jupyter's HPC tests (written by scripts/slurm.sh).
ClusterName=dflowjupyter
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
# Bind to 127.0.0.1 (the addresses named above), not to every interface.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
ReturnToService=2
# Reject at submission what the node can never run (as production clusters do), instead of
# leaving it pending forever.
EnforcePartLimits=ALL
# Tests submit short jobs: schedule at once and often, kill fast, keep finished jobs visible
# to squeue -t all and scontrol for 5 minutes.
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1,sched_min_interval=100000
MinJobAge=300
KillWait=1
InactiveLimit=0
MessageTimeout=10
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

read_pid() { [ -s "$1" ] && cat "$1" || true; }

pid_file() {  # where each daemon writes its pid
  if [ "$1" = munged ]; then echo "$DIR/munge/munged.pid"; else echo "$DIR/run/$1.pid"; fi
}

stop() {
  local name pid jobs
  # Jobs still queued or running on this cluster end with it (their processes would outlive slurmd).
  if [ -f "$CONF" ] && jobs="$(SLURM_CONF="$CONF" squeue -h -o %i 2>/dev/null)" && [ -n "$jobs" ]; then
    # shellcheck disable=SC2086
    SLURM_CONF="$CONF" scancel $jobs 2>/dev/null || true
    for _ in $(seq 30); do
      [ -z "$(SLURM_CONF="$CONF" squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
    log "cancelled the jobs left: $(echo $jobs)"
  fi
  # slurmd first (it runs the jobs), then the controller, then munge, which both use to the end.
  for name in slurmd slurmctld munged; do
    pid="$(read_pid "$(pid_file "$name")")"
    if pid_alive "$pid"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
      if pid_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
      log "stopped $name (pid $pid)"
    fi
    rm -f "$(pid_file "$name")"
  done
  rm -f "$PIDS"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2"
  shift 2
  for _ in $(seq $((limit * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "timed out waiting for $what"
  return 1
}

node_idle() { SLURM_CONF="$CONF" sinfo -h -N -o %T 2>/dev/null | grep -qx idle; }

start() {
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || { log "$tool not found: apt-get install -y slurm-wlm munge"; exit 1; }
  done
  stop  # not idempotent otherwise: a second slurmctld would fight the first for its port and state
  write_config
  runuser -u munge -- munged --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
    --seed-file="$DIR/munge/munged.seed"
  wait_for 5 "munged" test -S "$DIR/munge/munge.socket"
  slurmctld -c -f "$CONF"
  wait_for 10 "slurmctld" env SLURM_CONF="$CONF" scontrol ping
  slurmd -N localhost -f "$CONF"
  wait_for 20 "the node to be idle" node_idle
  {
    for name in munged slurmctld slurmd; do echo "$name $(read_pid "$(pid_file "$name")")"; done
  } >"$PIDS"
  log "one-node cluster up ($CPUS CPUs, partition debug); pids in $PIDS"
  echo "export SLURM_CONF=$CONF"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if [ -f "$CONF" ] && SLURM_CONF="$CONF" sinfo >/dev/null 2>&1; then SLURM_CONF="$CONF" sinfo; else echo "not running"; fi
    ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
