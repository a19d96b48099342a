#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/kv_qemu.py GUEST_ELF [LOGDIR] - run=kv (a kernel with lwIP)
under QEMU TCG q35 with 2 CPUs, `-netdev user,hostfwd=tcp:127.0.0.1:P-:6379
-device virtio-net-pci,mq=on,vectors=6` (MQ offered; QEMU's user network
has one queue pair, so the guest's driver steers flows to the second CPU
in software), driven by Debian's redis-cli (redis-tools): PING, SET/GET
round trips, INCR, MSET/MGET, DEL/EXISTS, EXPIRE/TTL, CONFIG GET, a 100 KB
value, 1000 pipelined SETs through `redis-cli --pipe`, then hostile clients
(garbage bytes, `*99999999`, a negative length, an endless inline line, a
client that floods pipelined requests without reading) after each of which
the server must still answer PING; SHUTDOWN ends it with exit 0. The
connections must have been served on both CPUs (the KV line's
conns_per_cpu), each with one shard of the keys. PASS/FAIL
lines; SKIP (exit 77) without redis-cli or without lwIP (--no-lwip).
"""
import os
import shutil
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import qemu_net  # noqa: E402
from qemu_net import free_port, result  # noqa: E402


def cli(port, *args, stdin=None):
    r = subprocess.run(["redis-cli", "-p", str(port)] + list(args), input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return r.stdout.decode(errors="replace").rstrip("\n")


def ping_ok(port):
    try:
        return cli(port, "PING") == "PONG"
    except subprocess.TimeoutExpired:
        return False


def raw(port, data, read=True):
    """Send data on a fresh connection; what came back before the server
    closed it (or 5 s passed)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    got = b""
    try:
        c.sendall(data)
        c.settimeout(5)
        while read:
            b = c.recv(65536)
            if not b:
                break
            got += b
    except OSError:
        pass
    finally:
        c.close()
    return got


def main():
    if sys.argv[1] == "--no-lwip":
        why = sys.argv[2] if len(sys.argv) > 2 else "configured without it"
        print(f"SKIP: kv-qemu (run=kv needs lwIP, not in this kernel: {why})")
        return 77
    elf = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else "."
    if not shutil.which("redis-cli"):
        print("SKIP: kv-qemu (no redis-cli: apt-get install redis-tools, tools/deps.sh)")
        return 77
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "kv-qemu.log")
    port = free_port()
    q = qemu_net.boot(elf, log, "run=kv kv_secs=280", "^KV port=6379", port, 6379)
    up = qemu_net.wait_up(q, lambda: ping_ok(port))
    result(up, "redis-cli PING answered PONG")
    if up:
        result(cli(port, "SET", "foo", "bar") == "OK" and cli(port, "GET", "foo") == "bar",
               "SET then GET foo")
        result(cli(port, "GET", "nokey") == "", "GET of a missing key is nil")
        result(cli(port, "INCR", "n") == "1" and cli(port, "INCR", "n") == "2", "INCR")
        result(cli(port, "INCR", "foo").startswith("ERR value is not an integer"),
               "INCR of a non-number is an error")
        result(cli(port, "MSET", "a", "1", "b", "2") == "OK" and
               raw(port, b"MGET a b zz\r\nQUIT\r\n") ==
               b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n+OK\r\n", "MSET, MGET (a nil for a missing key)")
        result(cli(port, "DEL", "a", "zz") == "1" and cli(port, "EXISTS", "a", "b") == "1",
               "DEL, EXISTS count keys")
        result(cli(port, "EXPIRE", "b", "100") == "1" and cli(port, "TTL", "b") in ("100", "99")
               and cli(port, "TTL", "foo") == "-1" and cli(port, "TTL", "nokey") == "-2",
               "EXPIRE, TTL")
        cfg = raw(port, b"CONFIG GET appendonly\r\nQUIT\r\n", read=True)
        result(cfg.startswith(b"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"),
               "CONFIG GET appendonly", repr(cfg[:60]))
        big = bytes((i * 131 + 17) % 94 + 33 for i in range(100 * 1024))
        setr = cli(port, "-x", "SET", "big", stdin=big)
        back = subprocess.run(["redis-cli", "-p", str(port), "GET", "big"],
                              stdout=subprocess.PIPE, timeout=60).stdout
        result(setr == "OK" and back.rstrip(b"\n") == big, "a 100 KB value round trip",
               "got %d bytes" % len(back))
        pipe = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$%d\r\nv%d\r\n" %
                        (len(b"k%d" % i), i, len(b"v%d" % i), i) for i in range(1000))
        out = cli(port, "--pipe", stdin=pipe)
        result("errors: 0, replies: 1000" in out and cli(port, "GET", "k777") == "v777",
               "1000 pipelined SETs (redis-cli --pipe)", out.splitlines()[-1] if out else "")
        # a pipelined batch in one write, replies in order
        c = socket.create_connection(("127.0.0.1", port), timeout=20)
        c.sendall(b"PING\r\n*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\nECHO hi\r\n")
        buf = b""
        c.settimeout(10)
        while buf.count(b"\r\n") < 5:
            b = c.recv(4096)
            if not b:
                break
            buf += b
        c.close()
        result(buf == b"+PONG\r\n$3\r\nbar\r\n$2\r\nhi\r\n", "three pipelined requests, one write",
               repr(buf[:80]))
        hostile = [
            (b"*99999999\r\n", b"-ERR Protocol error: invalid multibulk length"),
            (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length"),
            (b"*1\r\n$99999999999999999999999\r\n", b"-ERR Protocol error"),
            (b"*2\r\n$3\r\nGET\r\n$1\r\nxyz\r\n", b"-ERR Protocol error"),
            (bytes(range(256)) * 4, b"-ERR"),
            (b"A" * 70000, b"-ERR Protocol error: too big inline request"),
        ]
        for data, want in hostile:
            got = raw(port, data)
            result(want in got and ping_ok(port), "hostile %r... answered %r, PING after" %
                   (data[:16], want), repr(got[:60]))
        sent = qemu_net.flood(port, b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 64)
        result(ping_ok(port), "PING after a client pipelined %d bytes without reading" % sent)
        n = qemu_net.conn_burst(port)
        result(ping_ok(port), "PING after opening and dropping %d connections" % n)
        cli(port, "SHUTDOWN")
    out, summary = qemu_net.finish(q, log, 120, "KV ")
    result(bool(summary) and " errors=0" not in summary[0], "the server counted the protocol errors",
           summary[0] if summary else "no KV line")
    per = [int(x) for x in summary[0].split("conns_per_cpu=")[1].split()[0].split(",")] \
        if summary and "conns_per_cpu=" in summary[0] else []
    result(len(per) == 2 and min(per) > 0, "connections were served on both CPUs",
           "conns_per_cpu %s" % per)
    neg = qemu_net.lines(log, out, "virtio-net: ")
    result(bool(neg) and " MQ " in neg[0] and "2 instances" in neg[0],
           "the driver negotiated MQ and runs 2 instances", neg[0] if neg else "no virtio-net line")
    result(q.returncode == 0, "the guest exited 0 after SHUTDOWN", "qemu_run.py exit %s" % q.returncode)
    return qemu_net.done("kv-qemu", out)


if __name__ == "__main__":
    sys.exit(main())
