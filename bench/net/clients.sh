# bench/net/clients.sh - sourced by bench/net/inside.sh (in L1) and
# bench/net/tcg.sh (on the host): the clients and the alternating rounds of
# the `net` suite, the same in both legs. The caller may set N, CPUS, MEM,
# REQS, PREQS, CONNS, WCONNS, WSECS (defaults below), and sets BIN (where redis-benchmark, redis-cli and wrk are:
# "./" in L1, "" for PATH), LPID (the Linux guest's QEMU) and defines
#   srv_start APP      the perfkern server of run=APP up, its pid in VPID,
#                      its output in VLOG
#   srv_stop APP       it stopped (and its statistics printed)
#   exits PID          KVM exits so far of the VM of process PID ("" if none)
#   qsrv_start APP PORT, qsrv_stop APP [fail]  (only where phase gets a
#                      QPORT) the same perfkern server under QEMU, its pid
#                      in QPID
# Prints
#   BENCH redis SERVER ROUND PIPE TEST RPS P50_MS P99_MS
#   BENCH wrk SERVER ROUND RPS P50 P99            (wrk's units: 1.2ms, 800us)
#   BENCH exits TOOL SERVER ROUND PIPE EXITS REQUESTS
#   BENCH warm wrk SERVER REQUESTS                (the untimed warm-up)
# shellcheck shell=sh

# the defaults (bench/net/run.sh passes its PK_NET_* settings)
N=${N:-3}
CPUS=${CPUS:-1}
MEM=${MEM:-256M}
REQS=${REQS:-2000}
PREQS=${PREQS:-20000}
CONNS=${CONNS:-10}
WCONNS=${WCONNS:-10}
WSECS=${WSECS:-5}

# pk_qemu QEMU ACCEL CPU KERNEL APP HOSTPORT LOG [ARG...]: perfkern's
# run=APP under QEMU q35, in the background ($! its pid), with CPUS vCPUs,
# MEM, its console in LOG, and virtio-net-pci (no vhost) on slirp with
# 127.0.0.1:HOSTPORT forwarded to the app's port; ARGs go to QEMU
pk_qemu() {
	q=$1 accel=$2 cpu=$3 k=$4 app=$5 hp=$6 log=$7
	shift 7
	case $app in kv) gp=6379 ;; *) gp=80 ;; esac
	"$q" -M q35 -accel "$accel" -cpu "$cpu" -smp "$CPUS" -m "$MEM" -nodefaults -vga none "$@" \
		-kernel "$k" -append "run=$app ip=10.0.2.15" -display none -monitor none \
		-serial "file:$log" -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$hp-:$gp" \
		-device virtio-net-pci,netdev=n0,romfile= &
}

# up PORT PROTO SECONDS PID: wait until the server behind PORT answers
# (while process PID lives)
up() {
	i=0
	while [ "$i" -lt "$3" ] && kill -0 "$4" 2>/dev/null; do
		if [ "$2" = redis ]; then
			[ "$("${BIN}redis-cli" -p "$1" PING 2>/dev/null)" = PONG ] && return 0
		else
			wget -q -O /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# Every client run is bounded (redis-benchmark waits forever for a server
# that stopped answering): CLIENT_SECS (120) more than its own length.
CLIENT_SECS=${CLIENT_SECS:-120}

# redis SERVER PORT PID ROUND PIPE REQS
redis() {
	e0=$(exits "$3")
	out=$(timeout "$CLIENT_SECS" "${BIN}redis-benchmark" -p "$2" -t set,get -n "$6" -c "$CONNS" \
		-P "$5" --csv 2>&1) || echo "  | $1 round $4: redis-benchmark -P $5 exit $? (124 or 143: stopped after ${CLIENT_SECS} s)"
	e1=$(exits "$3")
	echo "$out" | tr -d '"\r' | awk -F, -v s="$1" -v r="$4" -v p="$5" \
		'$1 == "SET" || $1 == "GET" { print "BENCH redis", s, r, p, $1, $2, $5, $7 }'
	echo "$out" | grep -q '^"GET"' || echo "$out" | tail -5 | sed 's/^/  | /'
	[ -n "$e0" ] && [ -n "$e1" ] && echo "BENCH exits redis $1 $4 $5 $((e1 - e0)) $((2 * $6))"
}

# wrkrun SERVER PORT PID ROUND
wrkrun() {
	e0=$(exits "$3")
	out=$(timeout $((WSECS + CLIENT_SECS)) "${BIN}wrk" -t1 -c "$WCONNS" -d "${WSECS}s" --latency \
		"http://127.0.0.1:$2/" 2>&1) || echo "  | $1 round $4: wrk exit $?"
	e1=$(exits "$3")
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	n=$(echo "$out" | awk '/requests in/ { print $1 }')
	p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
	p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	if [ -n "$rps" ] && [ -n "$p99" ]; then
		echo "BENCH wrk $1 $4 $rps $p50 $p99"
		[ -n "$e0" ] && [ -n "$e1" ] && echo "BENCH exits wrk $1 $4 1 $((e1 - e0)) ${n:-0}"
	else
		echo "$out" | tail -8 | sed 's/^/  | /'
	fi
	return 0
}

# rot K WORD...: the words rotated left K times (the order of a round)
rot() {
	k=$1
	shift
	k=$((k % $#))
	while [ "$k" -gt 0 ]; do
		f=$1
		shift
		set -- "$@" "$f"
		k=$((k - 1))
	done
	echo "$@"
}

# phase APP TOOL PORT LPORT NAME [QPORT]: one perfkern run of APP (srv_start,
# port PORT) and N rounds of TOOL against it (server NAME) and the Linux
# guest (LPORT), the order rotating every round. With QPORT, the same
# perfkern guest also runs under QEMU (qsrv_start: server pkqemu, QEMU's
# own virtio-net) and takes its turn in every round.
phase() {
	srv_start "$1"
	servers="$5 linux"
	QPID=
	if [ -n "${6:-}" ]; then
		qsrv_start "$1" "$6"
		servers="$5 linux pkqemu"
	fi
	proto=redis
	[ "$2" = wrk ] && proto=http
	t0=$(date +%s)
	if ! up "$3" "$proto" 300 "$VPID"; then
		echo "BENCH fail run=$1 never answered on $3"
		srv_stop "$1"
		[ -n "$QPID" ] && qsrv_stop "$1"
		return 1
	fi
	echo "BENCH up $5 run=$1 after $(($(date +%s) - t0)) s"
	if [ -n "$QPID" ] && ! up "$6" "$proto" 300 "$QPID"; then
		echo "BENCH fail pkqemu run=$1 never answered on $6"
		qsrv_stop "$1" fail
		servers="$5 linux"
	fi
	for s in $servers; do
		case $s in linux) port=$4 ;; pkqemu) port=$6 ;; *) port=$3 ;; esac
		# one untimed warm-up each: connections, ARP, the first allocations
		if [ "$2" = redis ]; then
			"${BIN}redis-benchmark" -p "$port" -t set,get -n 200 -c "$CONNS" -q >/dev/null 2>&1
		else
			# (the vmm's --stats count these too: say how many)
			n=$("${BIN}wrk" -t1 -c "$WCONNS" -d 1s "http://127.0.0.1:$port/" 2>&1 |
				awk '/requests in/ { print $1 }')
			echo "BENCH warm wrk $s ${n:-0}"
		fi
	done
	r=1
	while [ "$r" -le "$N" ]; do
		for s in $(rot "$r" $servers); do
			case $s in
			linux) port=$4 pid=$LPID ;;
			pkqemu) port=$6 pid=$QPID ;;
			*)
				port=$3 pid=$VPID
				# a vmm that ended under the test (the nested harness's L0
				# fault triple-faults vCPU 0 now and then, docs/testing.md)
				# is said and started again, as the tests retry it
				if ! kill -0 "$VPID" 2>/dev/null; then
					wait "$VPID"
					echo "BENCH restart $s run=$1 round $r: it exited ($?): $(grep -E 'triple fault|^vmm: ' "$VLOG" | grep -v -e '--stats' | head -1)"
					cp "$VLOG" "$VLOG.$r"
					srv_start "$1"
					up "$3" "$proto" 300 "$VPID" || echo "BENCH fail run=$1 never answered again on $3"
					pid=$VPID
				fi
				;;
			esac
			if [ "$2" = redis ]; then
				redis "$s" "$port" "$pid" "$r" 1 "$REQS"
				redis "$s" "$port" "$pid" "$r" 16 "$PREQS"
			else
				wrkrun "$s" "$port" "$pid" "$r"
			fi
		done
		r=$((r + 1))
	done
	srv_stop "$1"
	[ -n "$QPID" ] && qsrv_stop "$1"
	return 0
}

# linux_up PORT: wait for the Linux guest's redis-server (its boot)
linux_up() {
	t0=$(date +%s)
	if ! up "$1" redis 600 "$LPID"; then
		echo "BENCH fail the Linux guest never answered on $1: $("${BIN}redis-cli" -p "$1" PING 2>&1)"
		return 1
	fi
	echo "BENCH up linux after $(($(date +%s) - t0)) s"
}
