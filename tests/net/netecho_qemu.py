#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/netecho_qemu.py GUEST_ELF [LOGDIR] [APP] - run=netecho (or
APP=lwip-echo, the same echo through lwIP in a kernel with lwIP) under QEMU
TCG q35 with `-device virtio-net-pci` on QEMU's user network: the host
sends UDP datagrams to a forwarded port (hostfwd=udp:127.0.0.1:P-:7) and
expects each back unchanged from the guest's by-hand UDP echo (lwip-echo: lwIP's, then a 100 KB round trip
through its TCP echo on a hostfwd=tcp port). Slirp
delivers them only after it has resolved the guest's MAC with ARP, so the
guest's ARP reply is on the path too (ICMP from the host cannot reach a
slirp guest, docs/network.md). PASS/FAIL lines; exit 0 when all pass.
"""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
COUNT = 3

failures = 0


def result(ok, name, why=""):
    global failures
    print("%s: %s%s" % ("PASS" if ok else "FAIL", name, (" (" + why + ")") if why else ""))
    failures += 0 if ok else 1


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_round_trip(port, size=100 * 1024):
    """Send size bytes to the forwarded TCP port while reading the echo,
    half-close, read to EOF: True when every byte came back in order."""
    data = bytes((i * 31 + 7) & 0xff for i in range(size))
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError:
        return False
    c.settimeout(30)
    got = bytearray()
    sent = 0
    try:
        while sent < size:
            sent += c.send(data[sent:sent + 8192])
            c.setblocking(False)
            try:
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    got += b
            except BlockingIOError:
                pass
            c.setblocking(True)
            c.settimeout(30)
        c.shutdown(socket.SHUT_WR)
        while True:
            b = c.recv(65536)
            if not b:
                break
            got += b
    except OSError:
        return False
    finally:
        c.close()
    return bytes(got) == data


def main():
    elf = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else "."
    app = sys.argv[3] if len(sys.argv) > 3 else "netecho"
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "%s-qemu.log" % app)
    summary_tag = "NETECHO " if app == "netecho" else "LWIP_ECHO "
    port = free_port()
    tport = free_port(socket.SOCK_STREAM)
    lwip = app != "netecho"
    extra = " lwip_tcp_conns=1" if lwip else ""
    fwd = "hostfwd=udp:127.0.0.1:%d-:7" % port
    if lwip:
        fwd += ",hostfwd=tcp:127.0.0.1:%d-:7" % tport
    cmd = [sys.executable, os.path.join(REPO, "tools", "qemu_run.py"), "--image", elf,
           "--smp", "2", "--timeout", "240", "--expect", "none", "--log", log,
           "--cmdline", "run=%s netecho_count=%d netecho_secs=200%s" % (app, COUNT, extra),
           "--expect-line", "virtio-net: 00:",
           "--expect-line", summary_tag + "ip=10.0.2.15",
           "--qemu-arg=-netdev",
           "--qemu-arg=user,id=n0," + fwd,
           "--qemu-arg=-device", "--qemu-arg=virtio-net-pci,netdev=n0"]
    q = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    got = []
    t_end = time.time() + 220
    seq = 0
    while len(got) < COUNT and time.time() < t_end and q.poll() is None:
        payload = b"perfkern-netecho-%d-" % seq + bytes(range(256)) * 2
        seq += 1
        s.sendto(payload, ("127.0.0.1", port))
        try:
            data, _ = s.recvfrom(4096)
        except socket.timeout:
            continue
        if data.startswith(b"perfkern-netecho-"):
            got.append(data)
            result(data[data.index(b"-", 17):] == payload[payload.index(b"-", 17):],
                   "udp echo %d came back unchanged (%d bytes)" % (len(got), len(data)))
    if lwip:
        result(tcp_round_trip(tport), "100 KB back unchanged through lwIP's TCP echo")
    try:
        out, _ = q.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        q.kill()
        out, _ = q.communicate()
    result(len(got) >= COUNT, "%d UDP echoes through the guest" % COUNT, "got %d" % len(got))
    text = open(log, errors="replace").read() if os.path.exists(log) else out
    neg = [ln for ln in text.splitlines() if "virtio-net: 00:" in ln]
    result(bool(neg) and "VERSION_1" in neg[0], "the driver logs what it negotiated",
           neg[0].strip() if neg else "no line")
    summary = [ln for ln in text.splitlines() if ln.startswith(summary_tag)]
    if app == "netecho":
        result(bool(summary) and " arp=0 " not in summary[0], "the guest answered ARP",
               summary[0].strip() if summary else "no NETECHO line")
    else:  # lwIP took its address from slirp's DHCP server
        result(bool(summary) and "ip=10.0.2.15 " in summary[0] and
               "DHCP" in text, "lwIP got 10.0.2.15 by DHCP",
               summary[0].strip() if summary else "no LWIP_ECHO line")
        result(bool(summary) and " tcp_closed=1 " in summary[0] and
               " tcp_bytes=102400" in summary[0], "lwIP counted one closed 100 KB connection",
               summary[0].strip() if summary else "no LWIP_ECHO line")
    result(q.returncode == 0, "the guest exited 0", "qemu_run.py exit %s" % q.returncode)
    if failures:
        sys.stdout.write(out[-3000:])
    print("netecho-qemu: %d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
