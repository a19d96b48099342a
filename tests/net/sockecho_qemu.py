#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/sockecho_qemu.py GUEST_ELF [LOGDIR] - run=sockecho (a kernel
app on include/perfkern/net.h) under QEMU TCG q35 with `-netdev
user,hostfwd=tcp:127.0.0.1:P-:7777 -device virtio-net-pci`, limit 4 and
a 2 s idle timeout: a 200 KB round trip; with 4 connections open a fifth
is refused (reset, no echo) and one more works once one of the 4 closed;
an idle connection is closed by the server after 2 s; a client that
sends 2 MB without reading (backpressure) gets every byte back once it
reads. A connection that starts with QUIT ends the app: exit 0, 8 or more
connections counted, idle_closed=1.
PASS/FAIL lines; SKIP (exit 77) without lwIP (--no-lwip WHY).
"""
import os
import socket
import subprocess
import sys
import threading
import time

import qemu_net
from qemu_net import finish, free_port, qemu_cmd, result



def roundtrip(c, data):
    c.sendall(data)
    got = b""
    while len(got) < len(data):
        b = c.recv(65536)
        if not b:
            break
        got += b
    return got


def try_echo(port, data=b"hello", timeout=5):
    """The echo on a fresh connection, or None when the server refused it."""
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        got = roundtrip(c, data)
        c.close()
        return got
    except OSError:
        return None


def main():
    if sys.argv[1] == "--no-lwip":
        why = sys.argv[2] if len(sys.argv) > 2 else "configured without it"
        print(f"SKIP: sockecho-qemu (sockets need lwIP, not in this kernel: {why})")
        return 77
    elf = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "sockecho-qemu.log")
    port = free_port()
    cmd = qemu_cmd(elf, log, "run=sockecho sockecho_port=7777 sockecho_limit=4 "
                   "sockecho_idle_ms=2000 sockecho_conns=0 sockecho_secs=200",
                   ["tcp:127.0.0.1:%d-:7777" % port])
    q = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    up = False
    for _ in range(240):
        if q.poll() is not None:
            break
        # every probe that gets through is a connection the app counts:
        # probe with one that must stay open (it is the round trip below)
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            if roundtrip(c, b"up") == b"up":
                up = True
                break
            c.close()
        except OSError:
            pass
        time.sleep(0.5)
    result(up, "run=sockecho answers through hostfwd")
    if up:
        big = bytes((i * 7 + 3) % 251 for i in range(200 * 1024))
        got = roundtrip(c, big)
        c.close()  # 1 closed
        result(got == big, "200 KB back unchanged", "%d bytes" % len(got))
        held = []
        for i in range(4):
            h = socket.create_connection(("127.0.0.1", port), timeout=10)
            ok = roundtrip(h, b"held%d" % i) == b"held%d" % i
            held.append((h, ok))
        result(all(ok for _, ok in held), "4 connections open at the limit, each echoes")
        fifth = try_echo(port, b"fifth")
        result(not fifth, "a fifth connection past the limit of 4 is refused", repr(fifth))
        held[0][0].close()  # 2 closed
        time.sleep(0.5)
        again = try_echo(port, b"again")  # 3 closed
        result(again == b"again", "a new connection works once one of the 4 closed", repr(again))
        for h, _ in held[1:]:
            h.close()  # 6 closed
        time.sleep(0.5)
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        start = time.time()
        idle.settimeout(10)
        try:
            eof = idle.recv(10) == b""
        except OSError:
            eof = True
        took = time.time() - start
        idle.close()  # 7 closed (by the server: idle)
        result(eof and 1.5 < took < 8, "an idle connection is closed by the server after ~2 s",
               "%.1f s" % took)
        # backpressure: 2 MB sent without reading, then read it all back
        b = socket.create_connection(("127.0.0.1", port), timeout=30)
        b.setblocking(False)
        data = bytes((i * 13 + 1) % 253 for i in range(2 * 1024 * 1024))
        sent, end = 0, time.time() + 3
        while sent < len(data) and time.time() < end:
            try:
                sent += b.send(data[sent:sent + 65536])
            except BlockingIOError:
                time.sleep(0.01)
        stalled = sent < len(data)
        b.setblocking(True)
        b.settimeout(60)
        got = b""
        def rest():
            b.sendall(data[sent:])
            b.shutdown(socket.SHUT_WR)
        t = threading.Thread(target=rest)
        t.start()
        try:
            while len(got) < len(data):
                r = b.recv(65536)
                if not r:
                    break
                got += r
        except OSError:
            pass
        t.join()
        b.close()  # 8 closed
        time.sleep(0.5)
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"QUIT")
            c.close()
        except OSError:
            pass
        result(got == data, "2 MB sent without reading comes back whole once read",
               "%d bytes; %d accepted before the client read (%s)" %
               (len(got), sent, "held back" if stalled else "not held back"))
    text = "\n".join(finish(q, log, 60, "")[1])
    line = [ln for ln in text.splitlines() if ln.startswith("SOCKECHO ")]
    # (a probe made while the app came up may count as one more)
    counts = dict(kv.split("=") for kv in line[0].split()[1:]) if line else {}
    result(bool(line) and int(counts["closed"]) >= 8 and counts["idle_closed"] == "1",
           "the app counted 8 or more closed connections, 1 of them for idling",
           line[0] if line else "no line")
    result(q.returncode == 0, "the guest exited 0", "qemu_run.py exit %s" % q.returncode)
    if qemu_net.failures:
        sys.stdout.write(text[-3000:])
    print("sockecho-qemu: %d failure(s)" % qemu_net.failures)
    return 1 if qemu_net.failures else 0


if __name__ == "__main__":
    sys.exit(main())
