# tests/vmm/net.sh - virtio-net checks for the nested suite (sourced by
# tests/vmm/suite.sh, or run alone with lib.sh beside it): the guest's
# by-hand UDP echo behind `--net user,hostfwd=udp:...` (libslirp, rootless)
# and, when the L1 kernel has a tun device, behind `--net tap:pknet0`
# (a single-queue tap: one I/O thread; needs ./udp_echo); run=kv behind
# slirp and behind a multi-queue tap (an I/O thread per queue pair); then
# the raw attack guest's hostile rings against the virtio-net device over
# both (needs ./raw_attack.elf). SKIPs without them.
. ./lib.sh # counters survive a second sourcing

net_echo_run() { # NAME VMM_NET_ARG HOST PORT [IOTHREADS]
	./vmm --timeout 120 --stats -c 2 -m 64M --net "$2" guest.elf -- \
		run=netecho netecho_count=3 netecho_secs=100 >/tmp/net-vmm.out 2>&1 &
	vpid=$!
	./udp_echo "$3" "$4" 3 90 >/tmp/net-client.out 2>&1
	crc=$?
	wait "$vpid"
	vrc=$?
	if t_l0_retry /tmp/net-vmm.out "$vrc" "$1"; then
		net_echo_run "$@"
		return
	fi
	if [ "$crc" -eq 0 ] && [ "$vrc" -eq 0 ] &&
		grep -q 'virtio-net: 00:02.0 negotiated MAC STATUS EVENT_IDX VERSION_1; .*interrupts MSI-X' \
			/tmp/net-vmm.out &&
		grep -qE '^NETECHO .* udp=3 ' /tmp/net-vmm.out &&
		grep -q "  net (.*I/O threads ${5:-1}," /tmp/net-vmm.out; then
		t_pass "$1" "$(grep -E '^NETECHO|  net \(' /tmp/net-vmm.out | tr '\n' ' ')"
	else
		t_fail "$1: client exit $crc, vmm exit $vrc; output:"
		sed 's/^/  | /' /tmp/net-client.out /tmp/net-vmm.out | tail -40
	fi
}

# tap_keeper IFNAME &: while it runs, give IFNAME 10.0.2.2/24 (the guest
# is 10.0.2.15, as under slirp) and bring it up whenever a vmm creates it.
# L1's busybox has no `ip tuntap ... multi_queue`, so the vmm (root in L1)
# makes the tap itself, as a multi-queue one for more than one queue pair,
# and it goes away with the vmm (a retried run makes it again).
tap_keeper() {
	while :; do
		if [ -e "/sys/class/net/$1" ] && ! ip addr show dev "$1" 2>/dev/null | grep -q 10.0.2.2/; then
			ip addr add 10.0.2.2/24 dev "$1" 2>/dev/null
			ip link set "$1" up 2>/dev/null
		fi
		sleep 0.2
	done
}
tap_ok() { [ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200 2>/dev/null; }; }

if [ ! -x ./udp_echo ]; then
	t_skip net-user "no udp_echo client in the initramfs"
else
	ip link set lo up 2>/dev/null
	net_echo_run net-user-udp-echo "user,hostfwd=udp:127.0.0.1:5555-:7" 127.0.0.1 5555
	if tap_ok &&
		{ ip tuntap add dev pknet0 mode tap 2>/dev/null || tunctl -t pknet0 >/dev/null 2>&1; }; then
		ip addr add 10.0.2.2/24 dev pknet0 && ip link set pknet0 up
		net_echo_run net-tap-udp-echo tap:pknet0 10.0.2.15 7
		ip link del pknet0 2>/dev/null || tunctl -d pknet0 >/dev/null 2>&1
	else
		t_skip net-tap "no tun device or no way to make a tap (ip tuntap, tunctl)"
	fi
fi

# a -DPK_LWIP=ON kernel: lwIP's DHCP, UDP echo and a 100 KB TCP round
# trip through hostfwd=tcp (slirp accepts the host client on the I/O
# thread, inside the net role's filter)
if ! grep -q 'lwip-echo' guest.elf 2>/dev/null; then
	t_skip net-user-lwip "this kernel was built without lwIP (PK_LWIP=OFF, or its fetch failed at configure time)"
elif [ ! -x ./tcp_echo ] || [ ! -x ./udp_echo ]; then
	t_skip net-user-lwip "no tcp_echo/udp_echo client in the initramfs"
else
	./vmm --timeout 150 --stats -c 2 -m 64M \
		--net user,hostfwd=udp:127.0.0.1:5556-:7,hostfwd=tcp:127.0.0.1:5557-:7 guest.elf -- \
		run=lwip-echo netecho_count=3 netecho_secs=120 lwip_tcp_conns=1 >/tmp/net-lw.out 2>&1 &
	vpid=$!
	./udp_echo 127.0.0.1 5556 3 90 >/tmp/net-client.out 2>&1
	urc=$?
	./tcp_echo 127.0.0.1 5557 102400 90 >>/tmp/net-client.out 2>&1
	trc=$?
	wait "$vpid"
	vrc=$?
	if [ "$urc" -eq 0 ] && [ "$trc" -eq 0 ] && [ "$vrc" -eq 0 ] &&
		grep -qE '^LWIP_ECHO ip=10.0.2.15 udp=3 .*tcp_closed=1 tcp_bytes=102400' /tmp/net-lw.out; then
		t_pass net-user-lwip "$(grep -E '^LWIP_ECHO|  net \(' /tmp/net-lw.out | tr '\n' ' ')"
	else
		t_fail "net-user-lwip: udp $urc, tcp $trc, vmm $vrc; output:"
		sed 's/^/  | /' /tmp/net-client.out /tmp/net-lw.out | tail -30
	fi
fi

# run=kv (a -DPK_LWIP=ON kernel) behind --net user on 2 and on 4 vCPUs:
# the device offers a queue pair per vCPU (MQ), the guest runs a stack
# instance per CPU; RESP2 inline requests from busybox nc (no redis-cli in
# L1; qemu.kv has it), then NCONN more connections, which the flow hash
# must spread over at least MINCPU CPUs (the KV line's conns_per_cpu: 2 of
# 2 with 12 connections fails by chance once in 8000 runs, 3 of 4 with 20
# less than once in 10^5), and the vmm must have delivered frames on the last pair,
# then SHUTDOWN must end the VM with exit 0
kv_run() { # NAME CPUS HOSTPORT NCONN MINCPU [NET HOST IOTHREADS KERNEL_ARGS]
	host=${7:-127.0.0.1}
	# shellcheck disable=SC2086 # $9: kernel arguments, word-split
	./vmm --timeout 150 --stats -c "$2" -m 128M --net "${6:-user,hostfwd=tcp:127.0.0.1:$3-:6379}" \
		guest.elf -- run=kv kv_secs=130 ${9:-} >/tmp/net-kv.out 2>&1 &
	vpid=$!
	kvout=""
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
		sleep 3
		kvout=$( (printf 'PING\r\nSET a hello\r\nGET a\r\nINCR n\r\n'; sleep 2) |
			timeout 15 nc "$host" "$3" 2>&1 | tr -d '\r' | tr '\n' ' ')
		case "$kvout" in *PONG*) break ;; esac
	done
	got=0
	i=0
	while [ "$i" -lt "$4" ]; do
		i=$((i + 1))
		r=$( (printf 'SET k%s v\r\nGET a\r\n' "$i"; sleep 1) | timeout 15 nc "$host" "$3" 2>&1 |
			tr -d '\r' | tr '\n' ' ')
		[ "$r" = "+OK \$5 hello " ] && got=$((got + 1))
	done
	(printf 'SHUTDOWN\r\n'; sleep 1) | timeout 15 nc "$host" "$3" >/dev/null 2>&1
	wait "$vpid"
	vrc=$?
	if t_l0_retry /tmp/net-kv.out "$vrc" "$1"; then
		kv_run "$@"
		return
	fi
	per=$(sed -n 's/^KV .* conns_per_cpu=\([0-9,]*\).*/\1/p' /tmp/net-kv.out)
	served=$(echo "$per" | tr ',' '\n' | grep -c '^[1-9]')
	last=$(sed -n 's/.* rx per pair \([0-9,]*\),.*/\1/p' /tmp/net-kv.out | tr ',' '\n' | tail -1)
	why=""
	case "$kvout" in "+PONG +OK \$5 hello :1 "*) ;; *) why="got '$kvout'" ;; esac
	[ "$vrc" -eq 0 ] || why="${why:+$why; }vmm exit $vrc"
	[ "$got" -eq "$4" ] || why="${why:+$why; }$got of $4 further connections answered"
	grep -q "virtio-net: 00:02.0 negotiated .*MQ.*; queue pairs $2 (device max $2, $2 instances)" \
		/tmp/net-kv.out || why="${why:+$why; }the driver did not take $2 queue pairs"
	[ "$served" -ge "$5" ] || why="${why:+$why; }connections per CPU '$per', wanted $5 CPUs or more"
	[ "${last:-0}" -gt 0 ] || why="${why:+$why; }the vmm delivered nothing on pair $(($2 - 1))"
	grep -q "  net (.*I/O threads ${8:-1}," /tmp/net-kv.out ||
		why="${why:+$why; }not ${8:-1} I/O thread(s) in --stats"
	if [ -z "$why" ]; then
		t_pass "$1" "$kvout$(grep -E '^KV|  net \(' /tmp/net-kv.out | tr '\n' ' ')"
	else
		t_fail "$1: $why"
		{
			tail -20 /tmp/net-kv.out
			[ "$host" = 127.0.0.1 ] || { ip addr; ip route; cat /proc/net/arp; }
		} | sed 's/^/  | /'
	fi
}

if ! grep -q 'run=kv\|RESP2 key-value' guest.elf 2>/dev/null; then
	t_skip net-user-kv "this kernel was built without lwIP (PK_LWIP=OFF, or its fetch failed at configure time)"
else
	kv_run net-user-kv 2 6380 12 2
	kv_run net-user-kv-4cpu 4 6381 20 3
	# a multi_queue tap: an I/O thread per queue pair, each with its own
	# tap queue; tun's automq keeps a flow on its CPU's pair
	if tap_ok; then
		tap_keeper pkmq0 &
		kpid=$!
		kv_run net-tap-kv-mq 2 6379 12 2 tap:pkmq0 10.0.2.15 2 "ip=10.0.2.15"
		kill "$kpid"
	else
		t_skip net-tap-kv-mq "no tun device in L1"
	fi
fi

# the raw attack guest's hostile rings (tests/vmm/raw/virtq.c) on 2 vCPUs,
# so the device has two queue pairs and a control queue, all three
# attacked by turns: the vmm survives every round, stops the device on each
# broken ring, control commands are acked right, and a reset afterwards
# gives a working device again (an ARP request on pair 1, slirp's reply
# on pair 0)
atk_run() { # NAME NET IOTHREADS
	t_vmm_io /tmp/net-atk.out /tmp/net-atk.err ./vmm -c 2 -m 32M --timeout 100 --stats \
		--net "$2" ./raw_attack.elf -- attack=virtq ms="${ATTACK_MS:-3000}"
	arc=$rc
	line=$(grep -a '^attack virtq done' /tmp/net-atk.out | head -1)
	resets=$(echo "$line" | sed -n 's/.* resets=\([0-9]*\).*/\1/p')
	answered=$(echo "$line" | sed -n 's/.* answered=\([0-9]*\).*/\1/p')
	why=""
	[ "$arc" -eq 0 ] || why="exit $arc, wanted 0"
	echo "$line" | grep -q ' final=0$' || why="${why:+$why; }the device did not work after the attack"
	[ "${resets:-0}" -gt 0 ] || why="${why:+$why; }no broken ring was ever reported"
	[ "${answered:-0}" -gt 0 ] || why="${why:+$why; }the device never answered"
	grep -q 'the device stops until the driver resets it' /tmp/net-atk.err ||
		why="${why:+$why; }no 'device stops' line on stderr"
	grep -q "  net (.*I/O threads $3," /tmp/net-atk.err /tmp/net-atk.out ||
		why="${why:+$why; }not $3 I/O thread(s) in --stats"
	if [ -z "$why" ]; then
		t_pass "$1" "$line"
	else
		t_fail "$1: $why; output:"
		sed 's/^/  | /' /tmp/net-atk.out /tmp/net-atk.err | tail -30
	fi
}

if [ ! -f ./raw_attack.elf ]; then
	t_skip attack-virtq "no raw_attack.elf next to the vmm"
else
	atk_run attack-virtq user 1
	# the same against an I/O thread per pair: L1's tap answers the ARP
	# (10.0.2.2), read from either tap queue and steered to pair 0
	if tap_ok; then
		tap_keeper pkatk0 &
		kpid=$!
		atk_run attack-virtq-tap-mq tap:pkatk0 2
		kill "$kpid"
	else
		t_skip attack-virtq-tap-mq "no tun device in L1"
	fi
fi
