# tests/lib.sh - what every shell test script shares (sourced, POSIX sh,
# busybox-safe: the nested-KVM L1 runs these with busybox sh). kvm-unit-
# tests style: one "PASS name" / "FAIL name: why" / "SKIP name: why" line
# per check and one summary line "N passed, N failed, N skipped" at the
# end; t_done exits 0 only when nothing failed.
pass=${pass:-0}
fail=${fail:-0}
skipped=${skipped:-0}

t_pass() { # NAME [DETAIL]
	echo "PASS $1${2:+ ($2)}"
	pass=$((pass + 1))
}

t_fail() { # NAME [WHY]: the caller may print context lines after it
	echo "FAIL $1${2:+: $2}"
	fail=$((fail + 1))
}

t_skip() { # NAME [WHY]
	echo "SKIP $1${2:+: $2}"
	skipped=$((skipped + 1))
}

# t_bounded SECS OUT CMD...: run CMD (stdout+stderr to OUT) for at most
# SECS seconds; status in $rc. A command still alive then is a hang: every
# thread's state, wait channel and kernel stack go into OUT, it is killed
# (rc 137), and the suite goes on instead of the whole L1 timing out.
t_bounded() {
	_secs=$1 _out=$2
	shift 2
	"$@" >"$_out" 2>&1 &
	_pid=$!
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ "$_i" -lt $((_secs * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$_pid" 2>/dev/null; then
		{
			echo "t_bounded: still running after ${_secs} s: $*"
			for _t in /proc/"$_pid"/task/*; do
				echo "  thread $(cat "$_t/comm" 2>/dev/null) state $(cut -d' ' -f3 "$_t/stat" 2>/dev/null) wchan $(cat "$_t/wchan" 2>/dev/null)"
				sed 's/^/    /' "$_t/stack" 2>/dev/null | head -12
			done
		} >>"$_out"
		kill -9 "$_pid" 2>/dev/null
	fi
	wait "$_pid"
	rc=$?
}

t_done() { # the summary line and the exit status
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}
