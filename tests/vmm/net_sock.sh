# tests/vmm/net_sock.sh - the socket system calls in the nested suite
# (sourced by tests/vmm/suite.sh after net.sh, or run alone with lib.sh,
# vmm, guest.elf, tcp_echo and examples/echo_server.* beside it).
. ./lib.sh # counters survive a second sourcing
# a static Linux server on perfkern's socket system calls (examples/
# echo_server, glibc and musl): `vmm --net user,hostfwd=tcp:... PROGRAM
# PORT`. Its own hostile checks (bad pointers, bad fds, a used port, an
# accept timeout) must all pass; then a 100 KB round trip, 8 clients at
# once, a client killed halfway (its socket reset with data unread), and
# another round trip after it; SHUTDOWN must end the vmm with exit 0.
sock_echo_run() { # LIBC HOSTPORT
	prog=./echo_server.$1
	./vmm --timeout 150 --stats -c 2 -m 128M --net "user,hostfwd=tcp:127.0.0.1:$2-:7777" \
		"$prog" 7777 >/tmp/net-sock.out 2>&1 &
	vpid=$!
	why=""
	# slirp accepts for the guest at once: retry small echoes until the
	# program listens
	up=0
	for _ in $(seq 1 60); do
		./tcp_echo 127.0.0.1 "$2" 10 5 >/dev/null 2>&1 && { up=1; break; }
		sleep 1
	done
	[ "$up" -eq 1 ] || why="no echo within 60 s"
	./tcp_echo 127.0.0.1 "$2" 102400 90 >/tmp/net-sock-client.out 2>&1 || why="the 100 KB round trip failed"
	pids=""
	for i in 1 2 3 4 5 6 7 8; do
		./tcp_echo 127.0.0.1 "$2" 20000 60 >"/tmp/net-sock-c$i.out" 2>&1 &
		pids="$pids $!"
	done
	bad=0 i=0
	for p in $pids; do
		i=$((i + 1))
		wait "$p" || {
			bad=$((bad + 1))
			sed "s/^/client $i: /" "/tmp/net-sock-c$i.out" >>/tmp/net-sock-client.out
		}
	done
	[ "$bad" -eq 0 ] || why="${why:+$why; }$bad of 8 parallel clients failed"
	./tcp_echo 127.0.0.1 "$2" 4000000 60 >/dev/null 2>&1 &
	kpid=$!
	sleep 1
	kill -9 "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	./tcp_echo 127.0.0.1 "$2" 10000 30 >>/tmp/net-sock-client.out 2>&1 ||
		why="${why:+$why; }no echo after a client vanished"
	(printf 'SHUTDOWN'; sleep 1) | nc 127.0.0.1 "$2" >/dev/null 2>&1
	wait "$vpid"
	vrc=$?
	if t_l0_retry /tmp/net-sock.out "$vrc" "net-user-sock-$1"; then
		sock_echo_run "$@"
		return
	fi
	[ "$vrc" -eq 0 ] || why="${why:+$why; }vmm exit $vrc"
	grep -q 'echo_server: hostile 13/13 ok' /tmp/net-sock.out || why="${why:+$why; }hostile checks: $(grep WRONG /tmp/net-sock.out | head -3 | tr '\n' ' ')"
	grep -q 'echo_server: conns=.* shutdown' /tmp/net-sock.out || why="${why:+$why; }no shutdown line"
	if [ -z "$why" ]; then
		t_pass "net-user-sock-$1" "$(grep -E 'tcp_echo:' /tmp/net-sock-client.out | head -1) $(grep -E 'echo_server: conns|  net \(' /tmp/net-sock.out | tr '\n' ' ')"
	else
		t_fail "net-user-sock-$1: $why; output:"
		sed 's/^/  | /' /tmp/net-sock-client.out /tmp/net-sock.out | tail -30
	fi
}
if ! grep -q 'run=kv\|RESP2 key-value' guest.elf 2>/dev/null; then
	t_skip net-user-sock "this kernel was built without lwIP (PK_LWIP=OFF, or its fetch failed at configure time)"
elif [ ! -x ./tcp_echo ]; then
	t_skip net-user-sock "no tcp_echo client in the initramfs"
else
	port=6390
	for libc in glibc musl; do
		if [ -x "./echo_server.$libc" ]; then
			sock_echo_run "$libc" "$port"
		else
			t_skip "net-user-sock-$libc" "examples/echo_server.$libc was not built"
		fi
		port=$((port + 1))
	done
fi
