#!/usr/bin/env bash
# A throwaway single-node SLURM cluster on this Debian machine (no systemd needed), for trying
# the `slurm` profile and for `make test` (tests/workflow.rs). Runs as root.
#
#   workflow/local-slurm.sh start DIR        start it; DIR (new or empty) holds everything
#   workflow/local-slurm.sh stop DIR         stop exactly the daemons `start DIR` started
#   workflow/local-slurm.sh run DIR CMD...   start, run CMD, stop (also when CMD fails)
#
# The cluster has its own MUNGE key and socket, state, logs and free TCP ports in DIR, and its
# slurm.conf in DIR and at /etc/slurm/slurm.conf: the Snakemake executor's job step drops
# SLURM_CONF from the environment of the srun it runs inside each job, so only the default
# path reaches it. A slurm.conf found there is kept in DIR and put back by `stop`; one written
# for another running local cluster stops `start`. The daemons are those of a lab cluster
# without an accounting database: slurmctld, slurmd and munged (as the `munge` user); `sacct`
# answers "accounting storage is disabled", as there. Installs the Debian packages slurmctld,
# slurmd, slurm-client and munge when missing (without starting their services).
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
NODE=localhost
SYSTEM_CONF=/etc/slurm/slurm.conf
MARK="# Written by workflow/local-slurm.sh for"

die() {
	echo "local-slurm: $*" >&2
	exit 1
}

usage() {
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

install_packages() {
	command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
		command -v sbatch >/dev/null && command -v munged >/dev/null && return 0
	command -v apt-get >/dev/null ||
		die "slurmctld, slurmd, sbatch or munged is missing and apt-get is not available: install ${PACKAGES[*]}"
	echo "local-slurm: installing ${PACKAGES[*]} with apt-get" >&2
	# Debian starts a package's service after installing it unless policy-rc.d says no; this
	# cluster starts only its own daemons.
	local policy=/usr/sbin/policy-rc.d made_policy=""
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	local status=0
	{ DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" </dev/null; } ||
		status=$?
	[ -z "$made_policy" ] || rm -f "$policy"
	[ "$status" -eq 0 ] || die "apt-get could not install ${PACKAGES[*]} (exit $status)"
}

# A TCP port nothing listens on, from a range unlikely to be taken.
free_port() {
	local port
	for _ in $(seq 200); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "no free TCP port found between 20000 and 40000"
}

# The PID recorded in FILE ($1), if that process still runs and is the daemon $2 (a PID file
# left by a crashed daemon may name an unrelated process by now).
live_pid() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

# Waits up to $2 seconds for `$1` (a command) to succeed.
wait_until() {
	local limit=$2 start=$SECONDS
	until eval "$1" >/dev/null 2>&1; do
		[ $((SECONDS - start)) -lt "$limit" ] || return 1
		sleep 1
	done
}

start() {
	local dir=$1
	[ "$(id -u)" -eq 0 ] || die "needs root: it installs packages and runs slurmd and munged"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -z "$(ls -A "$dir")" ] || die "$dir is not empty (stop the cluster there first, then remove it)"
	install_packages
	local owner
	if owner=$(sed -n "1s|^$MARK ||p" "$SYSTEM_CONF" 2>/dev/null) && [ -n "$owner" ] &&
		live_pid "$owner/slurmctld.pid" slurmctld >/dev/null; then
		die "a local cluster started from $owner is running; stop it first (workflow/local-slurm.sh stop $owner)"
	fi
	mkdir -p "$dir/state" "$dir/spool" "$dir/log"

	# MUNGE wants its key readable by the munge user alone and its socket in a folder everyone
	# can enter but only munge can write; under /tmp, since DIR's parents may be closed to munge.
	local munge
	munge=$(mktemp -d /tmp/mechpert-munge.XXXXXX)
	echo "$munge" >"$dir/munge.dir"
	dd if=/dev/urandom of="$munge/munge.key" bs=1024 count=1 status=none
	chmod 400 "$munge/munge.key"
	chown -R munge:munge "$munge"
	chmod 755 "$munge"
	setpriv --reuid=munge --regid=munge --clear-groups -- munged \
		--socket="$munge/munge.socket" --key-file="$munge/munge.key" \
		--pid-file="$munge/munged.pid" --log-file="$munge/munged.log" \
		--seed-file="$munge/munged.seed" ||
		{ tail -n 5 "$munge/munged.log" >&2; fail_start "$dir" "munged did not start"; }
	wait_until "[ -s '$munge/munged.pid' ]" 10 || fail_start "$dir" "munged wrote no PID file"
	cp "$munge/munged.pid" "$dir/munged.pid"

	local node_line ctld_port slurmd_port
	node_line=$(slurmd -C | sed -n 's/^NodeName=[^ ]* /NodeName='"$NODE"' NodeAddr=127.0.0.1 /p')
	[ -n "$node_line" ] || fail_start "$dir" "\`slurmd -C\` printed no NodeName line"
	ctld_port=$(free_port)
	slurmd_port=$(free_port)
	while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
	cat >"$dir/slurm.conf" <<EOF
$MARK $dir
# One node, no accounting database; \`workflow/local-slurm.sh stop $dir\` undoes this file.
ClusterName=mechpert-local
SlurmctldHost=$NODE
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to squeue this long; the Snakemake SLURM executor reads job states
# from squeue only when this is at least 3 × its first status-check delay (40 s).
MinJobAge=300
$node_line
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
	mkdir -p "$(dirname "$SYSTEM_CONF")"
	if [ -n "$owner" ]; then
		# Left by a local cluster that was never stopped: keep what that one replaced.
		[ ! -f "$owner/replaced-slurm.conf" ] || cp -p "$owner/replaced-slurm.conf" "$dir/"
	elif [ -e "$SYSTEM_CONF" ]; then
		cp -p "$SYSTEM_CONF" "$dir/replaced-slurm.conf"
	fi
	cp "$dir/slurm.conf" "$SYSTEM_CONF"
	export SLURM_CONF=$dir/slurm.conf
	slurmctld -f "$SLURM_CONF" || fail_start "$dir" "slurmctld did not start"
	wait_until "[ -s '$dir/slurmctld.pid' ]" 20 || fail_start "$dir" "slurmctld wrote no PID file"
	local node_flag=()
	[ "$(hostname -s)" = "$NODE" ] || node_flag=(-N "$NODE")
	slurmd -f "$SLURM_CONF" "${node_flag[@]}" || fail_start "$dir" "slurmd did not start"
	wait_until "[ -s '$dir/slurmd.pid' ]" 20 || fail_start "$dir" "slurmd wrote no PID file"
	wait_until "sinfo -h -n $NODE -o %t | grep -qx idle" 60 ||
		fail_start "$dir" "the node did not become idle within 60 s: $(sinfo -h -N -o '%N %t %E' 2>&1)"
	echo "local-slurm: node $NODE idle; export SLURM_CONF=$SLURM_CONF" >&2
}

# Prints the daemons' logs, stops what was started, fails.
fail_start() {
	local log
	for log in "$1"/log/*.log; do
		[ -f "$log" ] && { echo "== $log"; tail -n 20 "$log"; } >&2
	done
	stop "$1"
	die "$2"
}

stop() {
	local dir=$1 munge name pid
	[ -d "$dir" ] || die "$dir does not exist"
	dir=$(cd "$dir" && pwd)
	if pid=$(live_pid "$dir/slurmctld.pid" slurmctld); then
		# Jobs still running would outlive slurmd in their slurmstepd.
		SLURM_CONF=$dir/slurm.conf scancel --full --quiet --partition=local 2>/dev/null || true
		SLURM_CONF=$dir/slurm.conf wait_until \
			"[ -z \"\$(squeue -h -t running,completing -o %i)\" ]" 30 || true
	fi
	for name in slurmd slurmctld munged; do
		pid=$(live_pid "$dir/$name.pid" "$name") || continue
		kill "$pid"
		if ! wait_until "! kill -0 $pid" 20; then
			echo "local-slurm: $name ($pid) ignored SIGTERM for 20 s; SIGKILL" >&2
			kill -9 "$pid" 2>/dev/null || true
		fi
		rm -f "$dir/$name.pid"
	done
	if [ "$(sed -n "1s|^$MARK ||p" "$SYSTEM_CONF" 2>/dev/null)" = "$dir" ]; then
		if [ -f "$dir/replaced-slurm.conf" ]; then
			cp -p "$dir/replaced-slurm.conf" "$SYSTEM_CONF"
			rm -f "$dir/replaced-slurm.conf"
		else
			rm -f "$SYSTEM_CONF"
		fi
	fi
	if [ -s "$dir/munge.dir" ]; then
		munge=$(cat "$dir/munge.dir")
		case "$munge" in /tmp/mechpert-munge.*) rm -rf "$munge" ;; esac
		rm -f "$dir/munge.dir"
	fi
}

[ $# -ge 2 ] || usage
command=$1 dir=$2
shift 2
case "$command" in
start) start "$dir" ;;
stop) stop "$dir" ;;
run)
	[ $# -ge 1 ] || usage
	start "$dir"
	trap 'stop "$dir"' EXIT
	SLURM_CONF=$(cd "$dir" && pwd)/slurm.conf "$@"
	;;
*) usage ;;
esac
