#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for Uga's cluster tests and for trying `uga cluster slurm`:
#   scripts/slurm-local.sh start | stop | status
# Installs slurm-wlm and munge (Debian), writes /etc/slurm/slurm.conf for this host (cpus and memory as detected;
# no accounting daemon), starts munged, slurmctld and slurmd, and waits until the node accepts jobs. Idempotent:
# start on a running cluster only checks it. Needs root (daemons, /etc). Partition: "uga".
set -euo pipefail
say() { printf 'uga slurm: %s\n' "$*" >&2; }
die() { printf 'uga slurm: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (it starts munged, slurmctld and slurmd)"
state=/var/lib/uga-slurm
conf=/etc/slurm/slurm.conf
host=$(hostname -s)

install() {
  local missing=()
  for p in slurm-wlm munge; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  }
}

configure() {
  mkdir -p "$state/ctld" "$state/spool" /run/uga-slurm /etc/slurm
  local cpus mem
  cpus=$(getconf _NPROCESSORS_ONLN)   # not nproc: it obeys OMP_NUM_THREADS, which the test command sets to 1
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  cat > "$conf.tmp" <<CONF
# Written by Uga's scripts/slurm-local.sh: a one-node cluster on $host for tests.
ClusterName=uga-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=/run/uga-slurm/slurmctld.pid
SlurmdPidFile=/run/uga-slurm/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=uga Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  if cmp -s "$conf.tmp" "$conf"; then rm -f "$conf.tmp"; else mv "$conf.tmp" "$conf"; CHANGED=1; fi
}
CHANGED=0

running() { pgrep -x "$1" >/dev/null; }

start() {
  install
  configure
  if ! { running munged && [ -S /run/munge/munge.socket.2 ]; }; then
    say "starting munged"
    pkill -x munged || true
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged --force
    stop   # daemons that ran without munge keep failing authentication: start them again
  elif [ "$CHANGED" -eq 1 ]; then
    stop   # a new slurm.conf (e.g. more CPUs) takes effect on a restart
  fi
  running slurmctld || { say "starting slurmctld"; /usr/sbin/slurmctld; }
  running slurmd || { say "starting slurmd"; /usr/sbin/slurmd; }
  local deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    if timeout 10 sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then say "cluster up: $(sinfo -h -o '%P %D %T %c cpus')"; return 0; fi
    timeout 10 scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  die "the node did not become idle in 60 s: $(sinfo -h -o '%T %E' 2>&1 | head -1); logs in $state"
}

stop() {
  for d in slurmd slurmctld; do
    running "$d" || continue
    say "stopping $d"
    pkill -x "$d" || true
    for _ in $(seq 1 30); do running "$d" || break; sleep 0.5; done
    running "$d" && pkill -9 -x "$d" || true
  done
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo 2>&1; squeue 2>&1 ;;
  *) die "usage: scripts/slurm-local.sh start|stop|status" ;;
esac
