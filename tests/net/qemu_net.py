# SPDX-License-Identifier: MIT
"""tests/net/qemu_net.py - what the QEMU network tests share: PASS/FAIL
lines with a failure count, a free host port, and the tools/qemu_run.py
command line for a guest behind `-netdev user,hostfwd=...`."""
import os
import socket
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Results:
    """result(ok, name, why): one PASS/FAIL line; .failures counts."""

    def __init__(self):
        self.failures = 0

    def __call__(self, ok, name, why=""):
        print("%s: %s%s" % ("PASS" if ok else "FAIL", name, (" (" + why + ")") if why else ""))
        self.failures += 0 if ok else 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def qemu_cmd(elf, log, cmdline, hostfwds, extra=()):
    """qemu_run.py on elf (2 CPUs, any exit code, output also in log) with
    virtio-net on a user netdev forwarding hostfwds ("tcp:127.0.0.1:P-:G")."""
    net = "user,id=n0" + "".join(",hostfwd=" + h for h in hostfwds)
    return [sys.executable, os.path.join(REPO, "tools", "qemu_run.py"), "--image", elf,
            "--smp", "2", "--timeout", "240", "--expect", "none", "--expect-exit", "any",
            "--log", log, "--cmdline", cmdline, "--qemu-arg=-netdev", "--qemu-arg=" + net,
            "--qemu-arg=-device", "--qemu-arg=virtio-net-pci,netdev=n0"] + list(extra)


def finish(q, log, timeout=60):
    """Wait for the qemu_run.py process q (killed after timeout s); the
    guest's log (log, else q's output)."""
    try:
        out, _ = q.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        q.kill()
        out, _ = q.communicate()
    return open(log, errors="replace").read() if os.path.exists(log) else out
