#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/net/netecho_wire_qemu.py GUEST_ELF [LOGDIR] - run=netecho under QEMU
TCG q35 with `-device virtio-net-pci` on a `-netdev socket,udp=...` wire:
each UDP datagram between QEMU and this script is one Ethernet frame, so
the script is the guest's only neighbour and speaks raw Ethernet. It asks
for the guest's MAC with ARP, pings it with ICMP echo requests (what QEMU's
user network cannot deliver), checks every field and checksum of the
replies, sends a request with a broken IP checksum that must get no
answer, and ends the run with one UDP echo. Rootless: no tap, no root.
PASS/FAIL lines; exit 0 when all pass.
"""
import os
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netecho_qemu as nq  # noqa: E402  (result, free_port, REPO)

MY_MAC = bytes.fromhex("020000000002")
MY_IP = bytes([10, 0, 2, 2])
GUEST_IP = bytes([10, 0, 2, 15])
GUEST_MAC = bytes.fromhex("525400123456")  # QEMU's default


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, payload, good_csum=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0, 64, proto, 0,
                    MY_IP, GUEST_IP)
    c = csum(h) ^ (0 if good_csum else 0x5555)
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return GUEST_MAC + MY_MAC + b"\x08\x00" + h + payload


def arp_request():
    a = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MY_MAC, MY_IP, b"\0" * 6, GUEST_IP)
    return b"\xff" * 6 + MY_MAC + b"\x08\x06" + a


def icmp_echo(ident, seq, data):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return m


def recv_until(s, want, secs):
    """The first frame within secs for which want(frame) is true, or None."""
    end = time.time() + secs
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try:
            f, _ = s.recvfrom(4096)
        except socket.timeout:
            return None
        if want(f):
            return f
    return None


def main():
    elf = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "netecho-wire-qemu.log")
    mine, qemus = nq.free_port(), nq.free_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", mine))
    cmd = [sys.executable, os.path.join(nq.REPO, "tools", "qemu_run.py"), "--image", elf,
           "--smp", "2", "--timeout", "240", "--expect", "none", "--log", log,
           "--cmdline", "run=netecho netecho_count=1 netecho_secs=200",
           "--qemu-arg=-netdev",
           "--qemu-arg=socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (mine, qemus),
           "--qemu-arg=-device", "--qemu-arg=virtio-net-pci,netdev=n0"]
    q = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    to = ("127.0.0.1", qemus)

    # ARP until the driver is up and answers
    reply = None
    t_end = time.time() + 200
    while reply is None and time.time() < t_end and q.poll() is None:
        s.sendto(arp_request(), to)
        reply = recv_until(s, lambda f: f[12:14] == b"\x08\x06", 0.5)
    ok = reply is not None and len(reply) >= 42
    if ok:
        op, sha, spa, tha, tpa = struct.unpack("!6xH6s4s6s4s", reply[14:42])
        ok = (reply[0:6] == MY_MAC and reply[6:12] == GUEST_MAC and op == 2 and
              sha == GUEST_MAC and spa == GUEST_IP and tha == MY_MAC and tpa == MY_IP)
    nq.result(ok, "ARP reply: is-at 52:54:00:12:34:56, addressed back to us",
              reply[:42].hex() if reply else "no reply")

    def is_icmp_reply(f):
        return f[12:14] == b"\x08\x00" and len(f) >= 42 and f[23] == 1 and f[34] == 0

    for seq, size in ((1, 56), (2, 1400), (3, 0)):
        data = bytes((i * 7 + seq) & 0xff for i in range(size))
        s.sendto(ipv4(1, icmp_echo(0x4242, seq, data)), to)
        r = recv_until(s, is_icmp_reply, 5)
        why = "no reply"
        if r:
            ip = r[14:34]
            tot = struct.unpack("!H", ip[2:4])[0]
            icmp = r[34:14 + tot]
            checks = [(r[0:6] == MY_MAC and r[6:12] == GUEST_MAC, "Ethernet addresses"),
                      (ip[12:16] == GUEST_IP and ip[16:20] == MY_IP, "IP addresses"),
                      (csum(ip) == 0, "IP checksum"), (csum(icmp) == 0, "ICMP checksum"),
                      (icmp[4:8] == struct.pack("!HH", 0x4242, seq), "id/seq"),
                      (icmp[8:] == data, "payload")]
            bad = [n for good, n in checks if not good]
            why = "wrong " + ", ".join(bad) if bad else ""
        nq.result(r is not None and not why,
                  "ICMP echo reply to a %d-byte ping (seq %d)" % (size, seq), why)

    s.sendto(ipv4(1, icmp_echo(0x4242, 9, b"x" * 32), good_csum=False), to)
    r = recv_until(s, is_icmp_reply, 1.0)
    nq.result(r is None, "no reply to a ping with a broken IP checksum")

    # a UDP echo ends the run (netecho_count=1)
    u = struct.pack("!HHHH", 40000, 7, 8 + 20, 0) + b"perfkern-wire-udp-echo-20b"[:20]
    got = None
    for _ in range(5):
        s.sendto(ipv4(17, u), to)
        got = recv_until(s, lambda f: f[12:14] == b"\x08\x00" and f[23] == 17, 2)
        if got:
            break
    nq.result(got is not None and got[34:36] == b"\x00\x07" and got[36:38] == struct.pack("!H", 40000)
              and got[42:62] == u[8:], "UDP echo with the ports swapped")
    try:
        out, _ = q.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        q.kill()
        out, _ = q.communicate()
    text = open(log, errors="replace").read() if os.path.exists(log) else out
    summary = [ln for ln in text.splitlines() if ln.startswith("NETECHO ")]
    nq.result(bool(summary) and " icmp=3 " in summary[0] and " udp=1 " in summary[0],
              "the guest counted 3 ICMP and 1 UDP echo",
              summary[0].strip() if summary else "no NETECHO line")
    nq.result(q.returncode == 0, "the guest exited 0", "qemu_run.py exit %s" % q.returncode)
    if nq.failures:
        sys.stdout.write(out[-3000:])
    print("netecho-wire-qemu: %d failure(s)" % nq.failures)
    return 1 if nq.failures else 0


if __name__ == "__main__":
    sys.exit(main())
