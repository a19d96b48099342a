# SPDX-License-Identifier: MIT
"""tests/net/qemu_net.py - what the QEMU TCG network app tests
(kv_qemu.py, http_qemu.py) share: PASS/FAIL lines, a free host port, the
guest under tools/qemu_run.py with one `-netdev user,hostfwd` forward, and
a client that pipelines without reading."""
import os
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = 0


def result(ok, name, why=""):
    global failures
    print("%s: %s%s" % ("PASS" if ok else "FAIL", name, (" (" + why + ")") if why else ""))
    failures += 0 if ok else 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def boot(elf, log, cmdline, expect_line, port, gport):
    """The guest under QEMU TCG q35 (2 CPUs), host port -> guest port gport;
    the NIC offers multiqueue (QEMU's user network still serves one pair)."""
    cmd = [sys.executable, os.path.join(REPO, "tools", "qemu_run.py"), "--image", elf,
           "--smp", "2", "--timeout", "300", "--expect", "none", "--log", log,
           "--cmdline", cmdline, "--expect-line", expect_line,
           "--qemu-arg=-netdev",
           "--qemu-arg=user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d" % (port, gport),
           "--qemu-arg=-device", "--qemu-arg=virtio-net-pci,netdev=n0,mq=on,vectors=6"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def flood(port, req, seconds=3):
    """Send req over and over without reading for a while: the server must
    hold back through the TCP window, not queue without bound or stall.
    The bytes the host's socket accepted."""
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    c.setblocking(False)
    sent, end = 0, time.time() + seconds
    while time.time() < end:
        try:
            sent += c.send(req)
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break
    c.close()
    return sent


def conn_burst(port, n=100):
    """Open n connections (more than lwIP's 64 PCBs), then drop them all;
    how many opened."""
    conns = []
    for _ in range(n):
        try:
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    for c in conns:
        c.close()
    time.sleep(1)
    return len(conns)


def wait_up(q, probe, tries=120):
    """Until probe() is true (every 0.5 s, at most tries times) or the
    guest's qemu_run.py ended; whether it came up."""
    for _ in range(tries):
        if q.poll() is not None:
            return False
        if probe():
            return True
        time.sleep(0.5)
    return False


def finish(q, log, timeout, prefix):
    """Wait for the guest to end (kill it after timeout s); its output and
    the console lines starting with prefix (the app's summary)."""
    try:
        out, _ = q.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        q.kill()
        out, _ = q.communicate()
    return out, lines(log, out, prefix)


def lines(log, out, prefix):
    """The guest's console lines (the log, else its output) starting with prefix."""
    text = open(log, errors="replace").read() if os.path.exists(log) else out
    return [ln for ln in text.splitlines() if ln.startswith(prefix)]


def done(name, out):
    """The last lines of the guest's output on failure, the count, the
    exit status."""
    if failures:
        sys.stdout.write(out[-3000:])
    print("%s: %d failure(s)" % (name, failures))
    return 1 if failures else 0


def qemu_cmd(elf, log, cmdline, hostfwds, extra=()):
    """qemu_run.py on elf (2 CPUs, any exit code, output also in log) with
    virtio-net on a user netdev forwarding hostfwds ("tcp:127.0.0.1:P-:G");
    the NIC offers multiqueue as in boot()."""
    net = "user,id=n0" + "".join(",hostfwd=" + h for h in hostfwds)
    return [sys.executable, os.path.join(REPO, "tools", "qemu_run.py"), "--image", elf,
            "--smp", "2", "--timeout", "240", "--expect", "none", "--expect-exit", "any",
            "--log", log, "--cmdline", cmdline, "--qemu-arg=-netdev", "--qemu-arg=" + net,
            "--qemu-arg=-device", "--qemu-arg=virtio-net-pci,netdev=n0,mq=on,vectors=6"] + list(extra)
