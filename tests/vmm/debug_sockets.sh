# tests/vmm/debug_sockets.sh - sourced by debug_suite.sh in the nested L1
# (same helpers: ok/bad/want/reap/wait_for, $GDB, umask 000). The debug
# sockets' rules (docs/debug-sockets.md): a bare --gdb port is refused,
# another uid is refused, a non-socket at the path is never deleted, idle
# monitor clients are dropped, a client's `stop` ends with the client,
# garbage on either socket drops that connection and the next one works.

# held SOCKET FEED OUT: run FEED (shell code) into a socat client whose
# stdin then stays open 15 s more; $secs = seconds until the server closed
# the connection (socat exits), 99 when it had not after 10 s
held() {
	{
		eval "$2"
		sleep 15
	} | ./socat -t 1 - UNIX-CONNECT:"$1" >"$3" 2>&1 &
	p=$!
	n=0
	while kill -0 $p 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	secs=$((n / 5))
	if kill -0 $p 2>/dev/null; then
		secs=99
		kill $p
	fi
}

# ---- 3a. --gdb PORT (the old TCP form) is a usage error -----------------
./vmm --gdb 1234 -m 64M guest.elf -- run=spin >/tmp/vmm3a.out 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'use --gdb PATH for a Unix socket .* or --gdb tcp:1234' /tmp/vmm3a.out; then
	t_pass "gdb-bare-port-refused"
else
	t_fail "gdb-bare-port-refused: exit $rc, wanted 2 and a pointer to tcp:1234"
	sed 's/^/  | /' /tmp/vmm3a.out
fi

# ---- 3b. a non-socket at the --monitor / --gdb path is left alone -------
echo keep-me >/tmp/notasock
./vmm --monitor /tmp/notasock -m 64M guest.elf -- run=spin >/tmp/vmm3b.out 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ "$(cat /tmp/notasock)" = keep-me ] && [ -f /tmp/notasock ] &&
	grep -q 'exists and is a regular file; refusing to replace it' /tmp/vmm3b.out; then
	t_pass "monitor-regular-file-kept (exit 2)"
else
	t_fail "monitor-regular-file-kept: exit $rc, file: $(ls -l /tmp/notasock 2>&1)"
	sed 's/^/  | /' /tmp/vmm3b.out
fi
ln -sf /tmp/notasock /tmp/alink
./vmm --gdb /tmp/alink -m 64M guest.elf -- run=spin >/tmp/vmm3b2.out 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ -L /tmp/alink ] && [ "$(cat /tmp/notasock)" = keep-me ] &&
	grep -q 'exists and is a symlink' /tmp/vmm3b2.out; then
	t_pass "gdb-symlink-kept (exit 2)"
else
	t_fail "gdb-symlink-kept: exit $rc"
	sed 's/^/  | /' /tmp/vmm3b2.out
fi

# ---- 3c..3g on one VM: monitor with a 2 s idle limit, gdb on its socket --
./vmm --gdb $GDB --monitor /tmp/mon3.sock --monitor-idle 2 -c 2 -m 64M guest.elf -- run=spin \
	>/tmp/vmm3.out 2>&1 &
vmm=$!
wait_for /tmp/vmm3.out 'CPUs online'
mon3() { ./socat -t 3 - UNIX-CONNECT:/tmp/mon3.sock 2>&1; }
state() { printf 'info cpus\n' | mon3 | grep -o 'CPU 1: [a-z]*' | head -1; }

# 3c. another uid: an unprivileged user, root of the VM's own vmm being
# uid 0. Mode 0600 keeps it out; with the mode opened up SO_PEERCRED does.
if [ "$(./as_uid 1000 id -u 2>/dev/null)" = 1000 ]; then
	./as_uid 1000 sh -c 'echo help | ./socat -t 2 - UNIX-CONNECT:/tmp/mon3.sock' >/tmp/uid1.out 2>&1
	if grep -q 'Permission denied' /tmp/uid1.out && ! grep -q 'perfkern vmm monitor' /tmp/uid1.out; then
		t_pass "monitor-other-uid-denied-by-mode"
	else
		t_fail "monitor-other-uid-denied-by-mode:"
		sed 's/^/  | /' /tmp/uid1.out
	fi
	chmod 666 /tmp/mon3.sock $GDB
	./as_uid 1000 sh -c 'echo help | ./socat -t 2 - UNIX-CONNECT:/tmp/mon3.sock' >/tmp/uid2.out 2>&1
	./as_uid 1000 sh -c "printf '+\$qSupported#37' | ./socat -t 2 - UNIX-CONNECT:$GDB" >/tmp/uid3.out 2>&1
	chmod 600 /tmp/mon3.sock $GDB
	if ! grep -q 'perfkern vmm monitor' /tmp/uid2.out &&
		grep -q 'vmm: --monitor /tmp/mon3.sock: refused a client with uid 1000 (pid [0-9]*): only uid 0 may connect' /tmp/vmm3.out; then
		t_pass "monitor-other-uid-refused-by-peercred"
	else
		t_fail "monitor-other-uid-refused-by-peercred:"
		sed 's/^/  | /' /tmp/uid2.out
	fi
	if ! grep -q 'PacketSize' /tmp/uid3.out &&
		grep -q "vmm: --gdb $GDB: refused a client with uid 1000" /tmp/vmm3.out; then
		t_pass "gdb-other-uid-refused-by-peercred"
	else
		t_fail "gdb-other-uid-refused-by-peercred:"
		sed 's/^/  | /' /tmp/uid3.out
	fi
else
	for c in monitor-other-uid-denied-by-mode monitor-other-uid-refused-by-peercred \
		gdb-other-uid-refused-by-peercred; do
		t_skip "$c" "as_uid cannot become uid 1000 here"
	done
fi
# our own uid still gets in after the refusals
printf 'help\n' | mon3 | grep -q '^stats' && t_pass "monitor-own-uid-after-refusals" ||
	t_fail "monitor-own-uid-after-refusals"

# 3d. the idle timeout: a client that says nothing is dropped after 2 s
held /tmp/mon3.sock : /tmp/idle.out
if [ "$secs" -lt 10 ] && grep -q 'idle for 2 s (--monitor-idle): disconnecting' /tmp/idle.out &&
	grep -q 'dropped the client: idle timeout' /tmp/vmm3.out; then
	t_pass "monitor-idle-timeout (${secs} s)"
else
	t_fail "monitor-idle-timeout: client held ${secs} s"
	sed 's/^/  | /' /tmp/idle.out
fi

# 3e. `stop`, then the client goes: the VM runs again. Once by closing,
# once by falling silent until the idle drop.
printf 'stop\ninfo cpus\n' | mon3 >/tmp/stop1.out
s1=$(grep -o 'CPU 1: [a-z]*' /tmp/stop1.out | head -1)
s2=$(state)
if [ "$s1" = "CPU 1: paused" ] && [ "$s2" = "CPU 1: running" ]; then
	t_pass "monitor-disconnect-resumes ($s1 -> $s2)"
else
	t_fail "monitor-disconnect-resumes: '$s1' then '$s2'"
fi
{
	printf 'stop\n'
	sleep 6
} | ./socat -t 1 - UNIX-CONNECT:/tmp/mon3.sock >/dev/null 2>&1
s3=$(state)
[ "$s3" = "CPU 1: running" ] && t_pass "monitor-idle-drop-resumes" || t_fail "monitor-idle-drop-resumes: '$s3'"

# 3f. garbage on the monitor: binary bytes, an over-long line
held /tmp/mon3.sock "printf 'help\\n\\001\\002\\377'" /tmp/gm1.out
if [ "$secs" -lt 10 ] && grep -q 'byte 0x01 is not text: disconnecting' /tmp/gm1.out; then
	t_pass "monitor-binary-drops (${secs} s)"
else
	t_fail "monitor-binary-drops: held ${secs} s"
	sed 's/^/  | /' /tmp/gm1.out | tail -5
fi
held /tmp/mon3.sock "head -c 4000 /dev/zero | tr '\\0' a" /tmp/gm2.out
if [ "$secs" -lt 10 ] && grep -q 'line longer than 255 bytes: disconnecting' /tmp/gm2.out; then
	t_pass "monitor-long-line-drops (${secs} s)"
else
	t_fail "monitor-long-line-drops: held ${secs} s"
	sed 's/^/  | /' /tmp/gm2.out | tail -5
fi

# 3g. garbage on the gdb socket: a byte outside a packet, an oversized
# packet, repeated bad checksums. Each connection is dropped at once (the
# client's stdin stays open 15 s) and the VM keeps running.
gdb_garbage() { # NAME PRINTF-ARG LOG-REGEX
	held $GDB "$2" /tmp/gg-$1.out
	if [ "$secs" -lt 10 ] && grep -q "gdb: dropped the connection: $3" /tmp/vmm3.out; then
		t_pass "gdb-garbage-drops-$1 (${secs} s)"
	else
		t_fail "gdb-garbage-drops-$1: held ${secs} s, no /$3/ in the vmm's log"
		tail -5 /tmp/vmm3.out | sed 's/^/  | /'
	fi
}
gdb_garbage outside "printf '+\$qSupported#37hello'" 'a byte outside a packet'
gdb_garbage oversized "printf '\$'; head -c 20000 /dev/zero | tr '\\0' a" 'a packet longer than'
gdb_garbage badsum "for i in 1 2 3 4 5 6 7 8 9 10; do printf '\$g#00'; done" 'too many bad checksums'
n=$(tr -cd - </tmp/gg-badsum.out | wc -c)
[ "$n" -eq 8 ] && t_pass "gdb-badsum-naks-then-drop (8 x '-')" || t_fail "gdb-badsum-naks-then-drop: $n NAKs, wanted 8"
# a real gdb gets in after all that, and its disconnect resumes the VM
timeout 60 ./gdb -nx -batch -ex 'set confirm off' -ex "target remote $GDB" \
	-ex 'info threads' -ex 'detach' >/tmp/gdb3g.out 2>&1
want gdb-after-garbage /tmp/gdb3g.out '^\* 1 +Thread 1 \(CPU 0\)'
s4=$(state)
[ "$s4" = "CPU 1: running" ] && t_pass "gdb-detach-resumes" || t_fail "gdb-detach-resumes: '$s4'"
# a client that attaches (the VM stops) and vanishes without detaching
{
	printf '+$qSupported#37+$?#3f'
	sleep 2
} | ./socat -t 1 - UNIX-CONNECT:$GDB >/tmp/gvanish.out 2>&1
s5=$(state)
if grep -q 'T05thread' /tmp/gvanish.out && [ "$s5" = "CPU 1: running" ]; then
	t_pass "gdb-disconnect-resumes"
else
	t_fail "gdb-disconnect-resumes: '$s5'"
	sed 's/^/  | /' /tmp/gvanish.out
fi
kill -0 $vmm 2>/dev/null && t_pass "sockets-vmm-still-running" || t_fail "sockets-vmm-still-running"
printf 'quit\n' | mon3 >/dev/null 2>&1
reap $vmm 30
[ "$rc" -eq 125 ] && t_pass "sockets-quit" || t_fail "sockets-quit: vmm exit $rc, wanted 125"
