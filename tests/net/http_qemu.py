#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/http_qemu.py GUEST_ELF [LOGDIR] - run=http (a kernel with lwIP)
under QEMU TCG q35, `-netdev user,hostfwd=tcp:127.0.0.1:P-:80 -device
virtio-net-pci`, driven by Python's http.client and raw sockets: the page
(the bytes bench/net/http_body.py writes) over one keep-alive connection
many times, HEAD, 404, 405, HTTP/1.0 and Connection: close, pipelined
requests answered in order; then hostile clients (garbage, a malformed
head, an oversized head, Transfer-Encoding, a half-open client that never
finishes its head, a client that pipelines without reading, more
connections than lwIP has PCBs), after each of which the server must still
answer. The guest exits 0 after http_secs and its HTTP line must count the
errors and the idle close. PASS/FAIL lines; SKIP (exit 77) without lwIP
(--no-lwip).
"""
import http.client
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import qemu_net  # noqa: E402
from qemu_net import free_port, result  # noqa: E402
SECS = 100  # http_secs: the guest's lifetime once it serves


def body(size=1024):
    out = subprocess.run([sys.executable, os.path.join(REPO, "bench", "net", "http_body.py"),
                          str(size)], stdout=subprocess.PIPE, check=True)
    return out.stdout


def get_ok(port, path="/"):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        c.request("GET", path)
        r = c.getresponse()
        ok = r.status == 200 and len(r.read()) > 0
        c.close()
        return ok
    except OSError:
        return False


def raw(port, data, wait=5):
    """Send data on a fresh connection; what came back before the server
    closed it (or wait seconds passed), and whether it closed."""
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    got, closed = b"", False
    try:
        c.sendall(data)
        c.settimeout(wait)
        while True:
            b = c.recv(65536)
            if not b:
                closed = True
                break
            got += b
    except OSError:
        pass
    finally:
        c.close()
    return got, closed


def checks(port):
    page = body()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    bodies, socks = [], set()
    for _ in range(50):
        c.request("GET", "/")
        r = c.getresponse()
        bodies.append((r.status, r.read(), r.getheader("Connection")))
        socks.add(id(c.sock))
    result(all(b == (200, page, "keep-alive") for b in bodies) and len(socks) == 1,
           "50 GETs of / on one keep-alive connection, the bench page each time",
           "%d distinct, sockets %d" % (len(set(bodies)), len(socks)))
    c.request("HEAD", "/index.html")
    r = c.getresponse()
    result(r.status == 200 and r.read() == b"" and r.getheader("Content-Length") == "1024",
           "HEAD /index.html: headers only", "%d %s" % (r.status, r.getheader("Content-Length")))
    c.request("GET", "/nothing")
    r = c.getresponse()
    result(r.status == 404 and r.read() == b"not found\n", "GET of another path is 404")
    c.request("POST", "/", body=b"x" * 3000)
    r = c.getresponse()
    result(r.status == 405 and r.getheader("Allow") == "GET, HEAD" and r.read(),
           "POST with a body is 405, the body skipped")
    c.request("GET", "/")
    r = c.getresponse()
    result(r.status == 200 and r.read() == page, "the connection still serves after that")
    c.close()
    got, closed = raw(port, b"GET / HTTP/1.0\r\n\r\n")
    result(got.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close" in got and
           got.endswith(page) and closed, "HTTP/1.0 without keep-alive: one answer, closed")
    got, closed = raw(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n")
    result(got.count(b"HTTP/1.1 200") == 1 and closed, "Connection: close ends it after one")
    got, closed = raw(port, b"GET / HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\n\r\n"
                      b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n")
    st = re.findall(rb"HTTP/1\.1 (\d{3}) ", got)
    result(st == [b"200", b"200", b"404"] and closed, "three pipelined requests in order",
           repr(st))
    hostile = [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)), b" 400 "),
        (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", b" 400 "),
        (b"GET / HTTP/9.9\r\n\r\n", b" 400 "),
        (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", b" 400 "),
        (b"GET / HTTP/1.1\r\nX: " + b"A" * 20000 + b"\r\n\r\n", b" 431 "),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b" 431 "),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b" 501 "),
        (b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", b" 413 "),
    ]
    for data, want in hostile:
        got, closed = raw(port, data)
        result(want in got.split(b"\r\n")[0] and closed and get_ok(port),
               "hostile %r... answered%s and closed, GET after" % (data[:20], want.decode()),
               repr(got[:40]))
    # half-open: a head that never ends; the server closes it (http_idle=3)
    t0 = time.time()
    got, closed = raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n", wait=15)
    result(closed and got == b"" and time.time() - t0 < 14 and get_ok(port),
           "a head that never ends is closed after http_idle", "%.1f s" % (time.time() - t0))
    sent = qemu_net.flood(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 64)
    result(get_ok(port), "GET after a client pipelined %d bytes without reading" % sent)
    n = qemu_net.conn_burst(port)
    result(get_ok(port), "GET after opening and dropping %d connections" % n)


def main():
    if sys.argv[1] == "--no-lwip":
        why = sys.argv[2] if len(sys.argv) > 2 else "configured without it"
        print(f"SKIP: http-qemu (run=http needs lwIP, not in this kernel: {why})")
        return 77
    elf = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "http-qemu.log")
    port = free_port()
    q = qemu_net.boot(elf, log, "run=http http_idle=3 http_secs=%d" % SECS, "^HTTP port=80",
                      port, 80)
    up = qemu_net.wait_up(q, lambda: get_ok(port))
    result(up, "GET / answered 200")
    if up:
        checks(port)
    out, summary = qemu_net.finish(q, log, SECS + 60, "HTTP ")
    result(bool(summary) and " errors=0" not in summary[0] and " idle=0" not in summary[0],
           "the server counted the bad requests and the idle close",
           summary[0] if summary else "no HTTP line")
    result(q.returncode == 0, "the guest exited 0 after http_secs",
           "qemu_run.py exit %s" % q.returncode)
    return qemu_net.done("http-qemu", out)


if __name__ == "__main__":
    sys.exit(main())
