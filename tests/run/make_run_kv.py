#!/usr/bin/env python3
"""tests/run/make_run_kv.py BUILD_DIR - what the README shows for the network:
`make run CMDLINE="run=kv" VMM_ARGS="--net user,hostfwd=tcp:127.0.0.1:PORT-:6379"`
serves a Redis client on this host. Here that is tools/run.sh (what make run
calls), with a free port: through the nested-KVM harness when this machine's
/dev/kvm cannot run the kernel, so the request crosses the host's loopback,
QEMU's user network into L1, the vmm's libslirp and virtio-net into the
guest's lwIP. PING, SET and GET must round-trip; then the run is interrupted
and must be gone. SKIP (77) without lwIP in the kernel."""
import os
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def resp(sock, *words):
    cmd = b"*%d\r\n" % len(words) + b"".join(
        b"$%d\r\n%s\r\n" % (len(w), w) for w in words)
    sock.sendall(cmd)
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed before the reply")
        data += chunk
    if data.startswith(b"$") and not data.startswith(b"$-1"):
        while data.count(b"\r\n") < 2:
            data += sock.recv(4096)
    return data


def main():
    build = os.path.abspath(sys.argv[1])
    elf = os.path.join(build, "bin", "guest.elf")
    with open(elf, "rb") as f:
        if b"kv: serving RESP2" not in f.read():
            print("SKIP: make-run-kv (this kernel was built without lwIP)")
            return 77
    with socket.socket() as s:  # a free port on this host's loopback
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = os.path.join(build, "tests", "logs", "make-run-kv.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    env = dict(os.environ, VMM_ARGS="--net user,hostfwd=tcp:127.0.0.1:%d-:6379" % port)
    with open(log_path, "w") as log:
        run = subprocess.Popen([os.path.join(REPO, "tools", "run.sh"), build, "run=kv"],
                               stdout=log, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    ok, why = False, "no answer within 240 s"
    try:
        deadline = time.time() + 240
        while time.time() < deadline and run.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                    c.settimeout(20)
                    pong = resp(c, b"PING")
                    if pong != b"+PONG\r\n":
                        why = "PING answered %r" % pong
                        break
                    set_ = resp(c, b"SET", b"make-run", b"works")
                    get = resp(c, b"GET", b"make-run")
                    ok = set_ == b"+OK\r\n" and get == b"$5\r\nworks\r\n"
                    why = "SET %r, GET %r" % (set_, get)
                    break
            except (OSError, ConnectionError):
                time.sleep(2)  # L1 still booting: QEMU accepts, nothing answers yet
        if run.poll() is not None and not ok:
            why = "tools/run.sh exited with %d before answering" % run.returncode
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGTERM)
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    gone = False  # QEMU (a member of the group) closes its forward as it exits
    for _ in range(30):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            time.sleep(0.5)
        except OSError:
            gone = True
            break
    if ok and gone:
        print("PASS: make-run-kv (PING, SET, GET through 127.0.0.1:%d; %s; stopped on SIGTERM)"
              % (port, why))
        return 0
    print("FAIL: make-run-kv: %s%s (log: %s)" % (why, "" if gone else "; still listening after SIGTERM",
                                                log_path))
    with open(log_path, errors="replace") as f:
        sys.stdout.write("".join(f.readlines()[-30:]))
    return 1


if __name__ == "__main__":
    sys.exit(main())
