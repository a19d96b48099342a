#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/fs/fnv.py FILE... - "SIZE HEX" per file: the size and the FNV-1a
64 hash (proto/perf.h pk_perf_fnv1a) the guest's run=fsum/fscopy print,
so a test compares what the guest read with what the host has."""
import sys

for path in sys.argv[1:]:
    h = 0xcbf29ce484222325
    with open(path, "rb") as f:
        data = f.read()
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    print("%d %016x" % (len(data), h))
