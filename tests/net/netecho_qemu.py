#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/netecho_qemu.py GUEST_ELF [LOGDIR] [APP] - run=netecho (or
APP=lwip-echo, the same echo through lwIP in a -DPK_LWIP=ON build) under QEMU
TCG q35 with `-device virtio-net-pci` on QEMU's user network: the host
sends UDP datagrams to a forwarded port (hostfwd=udp:127.0.0.1:P-:7) and
expects each back unchanged from the guest's by-hand UDP echo. Slirp
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


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    elf = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else "."
    app = sys.argv[3] if len(sys.argv) > 3 else "netecho"
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "%s-qemu.log" % app)
    summary_tag = "NETECHO " if app == "netecho" else "LWIP_ECHO "
    port = free_udp_port()
    cmd = [sys.executable, os.path.join(REPO, "tools", "qemu_run.py"), "--image", elf,
           "--smp", "2", "--timeout", "240", "--expect", "none", "--log", log,
           "--cmdline", "run=%s netecho_count=%d netecho_secs=200" % (app, COUNT),
           "--expect-line", "virtio-net: 00:",
           "--expect-line", summary_tag + "ip=10.0.2.15",
           "--qemu-arg=-netdev",
           "--qemu-arg=user,id=n0,hostfwd=udp:127.0.0.1:%d-:7" % port,
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
    result(q.returncode == 0, "the guest exited 0", "qemu_run.py exit %s" % q.returncode)
    if failures:
        sys.stdout.write(out[-3000:])
    print("netecho-qemu: %d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
