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

t_done() { # the summary line and the exit status
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}
