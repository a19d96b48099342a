#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/sock_qemu.py GUEST_ELF EXAMPLES_DIR [LOGDIR] - a static Linux
server on perfkern's socket system calls under QEMU TCG q35: the initrd
holds examples/echo_server (glibc and musl builds, one boot each), booted
with `quiet app=/bin/echo_server.LIBC 7777` and `-netdev
user,hostfwd=tcp:127.0.0.1:P-:7777 -device virtio-net-pci`. Checks: its
hostile calls (bad pointers, bad fds, a used port, timeouts) fail as on
Linux, bytes round-trip (1 byte, 300 KB), UDP datagrams, 40 connections at once, a
client that vanishes (a reset with data unread) and one that half-closes,
80 connections opened and dropped; the server still echoes after each;
SHUTDOWN ends it with exit 0; once more with the glibc build's
connections in edge-triggered epoll (`et`). Then examples/native_echo (the native
table's sockets, a kernel task per connection): 3 connections at once,
100 KB each, every byte counted, exit 0. PASS/FAIL lines; SKIP (exit 77) without
lwIP (--no-lwip WHY) or without cpio.
"""
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import qemu_net
from qemu_net import conn_burst, finish, free_port, qemu_cmd, result

GPORT = 7777


def echo(port, data, timeout=30):
    """Send data, half-close, read the echo until EOF or data's length."""
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = b""
    try:
        c.sendall(data)
        while len(got) < len(data):
            b = c.recv(65536)
            if not b:
                break
            got += b
    except OSError as e:
        return got, str(e)
    finally:
        c.close()
    return got, ""


def echo_ok(port):
    try:
        return echo(port, b"ping\n", timeout=10)[0] == b"ping\n"
    except OSError:
        return False


def many(port, n):
    """n connections open at once, each echoing its own 2 KB."""
    cs, ok = [], 0
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        cs.append((c, bytes([65 + i % 26]) * 2048))
    for c, d in cs:
        c.sendall(d)
    for c, d in cs:
        got = b""
        while len(got) < len(d):
            b = c.recv(65536)
            if not b:
                break
            got += b
        ok += got == d
        c.close()
    return ok


def boot(elf, tree_cpio, prog, logdir, args=""):
    port = free_port()
    log = os.path.join(logdir, "sock-qemu-%s%s.log" % (prog, "-" + args if args else ""))
    cmd = qemu_cmd(elf, log, ("quiet app=/bin/%s %d " % (prog, GPORT)) + args,
                   ["tcp:127.0.0.1:%d-:%d" % (port, GPORT), "udp:127.0.0.1:%d-:%d" % (port, GPORT)],
                   ["--qemu-arg=-initrd", "--qemu-arg=" + tree_cpio])
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), \
        port, log


def run_one(elf, cpio, binary, logdir, args=""):
    q, port, log = boot(elf, cpio, binary, logdir, args)
    prog = binary + (" " + args if args else "")
    up = False
    for _ in range(240):
        if q.poll() is not None:
            break
        if echo_ok(port):
            up = True
            break
        time.sleep(0.5)
    result(up, "%s: answers through hostfwd" % prog)
    if up:
        got, err = echo(port, b"x")
        result(got == b"x", "%s: a 1-byte echo" % prog, err)
        rnd = random.Random(7)
        big = bytes(rnd.getrandbits(8) for _ in range(300 * 1024))
        got, err = echo(port, big, timeout=120)
        result(got == big, "%s: 300 KB of random bytes back unchanged" % prog,
               "%d of %d bytes %s" % (len(got), len(big), err))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(5)
        back = 0
        for i in range(5):
            d = b"datagram %d " % i + bytes(range(256)) * 4
            u.sendto(d, ("127.0.0.1", port))
            try:
                back += u.recvfrom(4096)[0] == d
            except OSError:
                pass
        u.close()
        result(back == 5, "%s: 5 UDP datagrams (1 KB) back unchanged" % prog, "%d back" % back)
        n = many(port, 40)
        result(n == 40, "%s: 40 connections at once, each its own bytes" % prog, "%d ok" % n)
        # a client that vanishes: sends, never reads, resets (SO_LINGER 0)
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"v" * 50000)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.5)
        result(echo_ok(port), "%s: echoes after a client reset with its echo unread" % prog)
        # half-close: the echo still comes back after our FIN
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"half")
        c.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            b = c.recv(100)
            if not b:
                break
            got += b
        c.close()
        result(got == b"half", "%s: a half-closed client gets its echo, then EOF" % prog,
               repr(got))
        opened = conn_burst(port, 80)
        result(echo_ok(port), "%s: echoes after %d connections opened and dropped" %
               (prog, opened))
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"SHUTDOWN")
            c.close()
        except OSError:
            pass
    text = "\n".join(finish(q, log, 60, "")[1])
    hostile = [ln for ln in text.splitlines() if "echo_server: hostile" in ln]
    result(bool(hostile) and "13/13 ok" in hostile[0], "%s: hostile calls fail as on Linux" % prog,
           hostile[0].strip() if hostile else "no hostile line")
    for ln in text.splitlines():
        if "WRONG" in ln:
            print("  " + ln.strip())
    done = [ln for ln in text.splitlines() if "shutdown" in ln and "conns=" in ln]
    result(bool(done), "%s: SHUTDOWN reached the server" % prog, done[0].strip() if done else "")
    result(q.returncode == 0, "%s: the guest exited 0" % prog, "qemu_run.py exit %s" % q.returncode)
    if qemu_net.failures:
        sys.stdout.write(text[-3000:])


def run_native(elf, cpio, prog, logdir):
    """examples/native_echo: the native table's sockets, a task each."""
    q, port, log = boot(elf, cpio, prog, logdir, args="3")
    up = False
    for _ in range(240):
        if q.poll() is not None:
            break
        try:  # the first of the 3 connections: it must echo
            c0 = socket.create_connection(("127.0.0.1", port), timeout=10)
            c0.sendall(b"up")
            if c0.recv(10) == b"up":
                up = True
                break
            c0.close()
        except OSError:
            pass
        time.sleep(0.5)
    result(up, "%s: answers through hostfwd" % prog)
    if up:
        cs = [c0] + [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(2)]
        datas = [bytes([i + 1]) * (100 * 1024) for i in range(3)]
        for c, d in zip(cs, datas):
            c.sendall(d[:50000])
        ok = 0
        for c, d in zip(cs, datas):
            c.sendall(d[50000:])
            got = b""
            while len(got) < len(d):
                b = c.recv(65536)
                if not b:
                    break
                got += b
            ok += got == d
            c.close()
        result(ok == 3, "%s: 3 connections at once, 100 KB each back unchanged" % prog,
               "%d of 3" % ok)
    text = "\n".join(finish(q, log, 60, "")[1])
    done = [ln for ln in text.splitlines() if ln.startswith("native_echo: conns=")]
    result(done == ["native_echo: conns=3 bytes=%d" % (2 + 3 * 100 * 1024)],
           "%s: the program counted 3 connections and every byte" % prog,
           done[0] if done else "no line")
    result(q.returncode == 0, "%s: the guest exited 0" % prog, "qemu_run.py exit %s" % q.returncode)
    if qemu_net.failures:
        sys.stdout.write(text[-3000:])


def main():
    if sys.argv[1] == "--no-lwip":
        why = sys.argv[2] if len(sys.argv) > 2 else "configured without it"
        print(f"SKIP: sock-qemu (sockets need lwIP, not in this kernel: {why})")
        return 77
    elf, exdir = sys.argv[1], sys.argv[2]
    logdir = sys.argv[3] if len(sys.argv) > 3 else "."
    if not shutil.which("cpio"):
        print("SKIP: sock-qemu (no cpio to pack the initrd)")
        return 77
    os.makedirs(logdir, exist_ok=True)
    progs = [p for p in ("echo_server.glibc", "echo_server.musl", "native_echo.glibc")
             if os.path.exists(os.path.join(exdir, p))]
    if not progs:
        print("SKIP: sock-qemu (no examples/echo_server built in %s)" % exdir)
        return 77
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "tree", "bin"))
        for p in progs:
            shutil.copy(os.path.join(exdir, p), os.path.join(work, "tree", "bin", p))
        cpio = os.path.join(work, "files.cpio")
        names = subprocess.run(["find", "."], cwd=os.path.join(work, "tree"),
                               stdout=subprocess.PIPE, check=True).stdout
        with open(cpio, "wb") as f:
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=os.path.join(work, "tree"),
                           input=names, stdout=f, check=True)
        for p in progs:
            if p.startswith("native_echo"):
                run_native(elf, cpio, p, logdir)
            else:
                run_one(elf, cpio, p, logdir)
        if "echo_server.glibc" in progs:  # the same checks in edge-triggered epoll
            run_one(elf, cpio, "echo_server.glibc", logdir, "et")
    print("sock-qemu: %d failure(s)" % qemu_net.failures)
    return 1 if qemu_net.failures else 0


if __name__ == "__main__":
    sys.exit(main())
