#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/net/http_body.py [SIZE] - the body run=http sends (guest/app/http.c
http_body_fill), written to stdout, so nginx serves the very same bytes:
SIZE (default 1024) bytes of 64-byte lines, 63 letters a..z cycling, then
a newline."""
import sys

size = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
sys.stdout.write("".join("\n" if i % 64 == 63 else chr(ord("a") + (i % 64) % 26)
                         for i in range(size)))
