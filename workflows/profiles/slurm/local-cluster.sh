#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, for testing the slurm profile.
#
#   workflows/profiles/slurm/local-cluster.sh up     # install (Debian packages) and start
#   workflows/profiles/slurm/local-cluster.sh down   # stop the daemons
#   workflows/profiles/slurm/local-cluster.sh status
#
# Needs root (apt-get, munged, slurmctld, slurmd). Debian's slurm-wlm and munge packages;
# no accounting database: finished jobs stay visible to squeue for MinJobAge = 1 h, which is
# what the executor plugin's squeue status queries need. One node (this host) with all its
# CPUs and 90 % of its memory, one partition "debug". Not for production use.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
HOST=$(hostname -s)

MARK="# written by memory-dynamics workflows/profiles/slurm/local-cluster.sh"

ours() {  # refuse to touch a SLURM installation this script did not configure
    if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
        echo "$CONF exists and was not written by this script: refusing to touch this" \
             "machine's SLURM (use a machine without one)" >&2
        exit 1
    fi
}

stop() {  # stop a daemon and wait until it has exited (it saves its state on the way out)
    pkill -x "$1" 2>/dev/null || return 0
    for _ in $(seq 100); do
        pgrep -x "$1" >/dev/null || return 0
        sleep 0.1
    done
    pkill -9 -x "$1" 2>/dev/null || true
}

up() {
    ours
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null \
            || ! command -v pgrep >/dev/null; then
        echo "installing slurm-wlm, munge and procps (apt-get)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge procps >/dev/null
    fi
    local cpus mem
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
    cat > "$CONF" <<EOF
$MARK
ClusterName=memdyn
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$HOST CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; }
    chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
    pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
    pgrep -x slurmctld >/dev/null || slurmctld
    pgrep -x slurmd >/dev/null || slurmd
    for _ in $(seq 60); do
        if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
            sinfo
            return 0
        fi
        scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
        sleep 1
    done
    echo "SLURM did not come up; see /var/log/slurm/*.log" >&2
    tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    return 1
}

down() {
    ours
    [ -e "$CONF" ] || return 0
    for d in slurmd slurmctld munged; do
        stop "$d"
    done
    rm -rf /var/spool/slurmctld/* /var/spool/slurmd/*
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) sinfo && squeue ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
