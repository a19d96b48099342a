#!/bin/sh
# tests/heap/preload.sh LIBKHEAP STRESS_BIN WORKDIR - real programs under
# LD_PRELOAD=libkheap.so, each output compared with the same run on glibc:
# python3 (an allocation-heavy script), sort on a generated file, a gcc
# compile (and the compiled program's output), then the threaded stress.
set -eu
lib=$(cd "$(dirname "${1:?usage: preload.sh LIBKHEAP STRESS WORKDIR}")" && pwd)/$(basename "$1")
stress=${2:?}
work=${3:?}
[ -f "$lib" ] || { echo "preload: no $lib" >&2; exit 1; }
mkdir -p "$work"
fail=0

same() { # NAME CMD... : run with and without the preload, compare stdout
	name=$1
	shift
	"$@" >"$work/$name.ref" 2>"$work/$name.ref.err" || { echo "preload: $name failed without kheap" >&2; fail=1; return; }
	if ! LD_PRELOAD=$lib "$@" >"$work/$name.out" 2>"$work/$name.err"; then
		echo "preload: $name failed under libkheap.so:" >&2
		tail -5 "$work/$name.err" >&2
		fail=1
	elif ! cmp -s "$work/$name.ref" "$work/$name.out"; then
		echo "preload: $name output differs under libkheap.so" >&2
		fail=1
	else
		echo "preload: $name ok ($(wc -c <"$work/$name.out") bytes identical)"
	fi
}

# the preload must really be in effect
if ! LD_PRELOAD=$lib python3 -c 'import ctypes; ctypes.CDLL(None).kheap_get_stats' 2>/dev/null; then
	echo "preload: libkheap.so not active under LD_PRELOAD" >&2
	exit 1
fi

if command -v python3 >/dev/null; then
	cat >"$work/alloc.py" <<'PY'
import json, hashlib, threading
d = {}
for i in range(120000):
    d["k%d" % i] = [i, str(i) * (i % 17), {"x": i * 0.5}]
s = json.dumps(d, sort_keys=True)
back = json.loads(s)
parts = []
def work(n):
    parts.append(sum(len(bytearray(j % 5000)) for j in range(n, n + 20000)))
ts = [threading.Thread(target=work, args=(k * 7,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(len(s), hashlib.sha256(s.encode()).hexdigest(), len(back), sorted(parts))
PY
	same python3 python3 "$work/alloc.py"
else
	echo "preload: SKIP python3 (not installed)"
fi

awk 'BEGIN { srand(7); for (i = 0; i < 400000; i++) printf "%d %s\n", int(rand() * 1e9), substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 26) }' >"$work/sort.in"
same sort sort -k2,2 -k1,1n "$work/sort.in"

if command -v gcc >/dev/null; then
	cat >"$work/hello.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char name[24]; };
int main(void)
{
	struct node *head = 0;
	for (int i = 0; i < 1000; i++) {
		struct node *n = malloc(sizeof(*n));
		snprintf(n->name, sizeof(n->name), "node-%d", i);
		n->next = head;
		head = n;
	}
	unsigned long h = 5381;
	for (struct node *n = head; n; n = n->next)
		for (char *c = n->name; *c; c++)
			h = h * 33 + (unsigned char)*c;
	printf("%lu\n", h);
	return 0;
}
C
	same gcc gcc -O2 -Wall -S -o - "$work/hello.c"
	LD_PRELOAD=$lib gcc -O2 -o "$work/hello" "$work/hello.c" && same hello "$work/hello"
else
	echo "preload: SKIP gcc (not installed)"
fi

if LD_PRELOAD=$lib "$stress"; then
	echo "preload: stress ok"
else
	echo "preload: stress failed" >&2
	fail=1
fi
exit $fail
