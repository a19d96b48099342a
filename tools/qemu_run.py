#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/qemu_run.py - boot a perfkern image in QEMU and judge its serial log.

One front for `make run`, `make qemu`, `make qemu-gdb` and the CTest QEMU
matrix: it builds the QEMU command line, streams the guest's serial output
live (and to --log), enforces a timeout, and maps QEMU's exit status back to
the guest's exit code.

Exit convention: the guest writes its exit code C to port 0xf4; QEMU's
`-device isa-debug-exit,iobase=0xf4,iosize=4` then exits with status
(C << 1) | 1. So an odd status s means guest code s >> 1; status 0 means the
guest powered off or reset without reporting a code; other even statuses are
QEMU's own errors. QEMU's status is 8 bits wide, so codes of 128 and more
arrive modulo 128: the guest first writes its whole code as an "exit" blob
(proto/blob.h framing, proto/exit.h PK_EXIT_BLOB: int32 LE) on the serial
line, and the last such blob whose code agrees modulo 128 with the status
is the code reported. Its lines are left out of the output and the log.

Verdicts (--expect tests): exactly one `N passed, N failed, N skipped` line,
no FAIL line, no EXCEPTION/PANIC line, at least one pass, and the guest exit
code equal to --expect-exit. --expect-line/--reject-line add regexes. The
last line printed is `qemu_run: PASS ...` or `qemu_run: FAIL <reason>`;
the process exits 0 on PASS, 1 on FAIL, 2 on bad usage.

A timeout is reported as TIMEOUT with the last log lines, and retried
(--retries, default 1) saying so: QEMU TCG on a loaded host can stall, and a
stall is not a test verdict.
"""
import argparse
import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib

SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


PXE_BOOTFILE = "boot/grub/i386-pc/core.0"

def clean_line(raw):
    """Serial lines may carry CR and, from GRUB, terminal escapes."""
    return ANSI_RE.sub("", raw).replace("\r", "").rstrip("\n")


EXIT_HEAD_RE = re.compile(r"^PKBLOB exit 4 ([0-9a-f]{8})$")


class ExitBlob:
    """Takes the guest's "exit" blob (3 lines) out of the serial stream."""

    def __init__(self):
        self.held = []  # lines of a blob being read
        self.code = None  # the last complete, intact one

    def feed(self, line):
        """The lines to pass on (none while a blob is being read)."""
        if not self.held:
            if EXIT_HEAD_RE.match(line):
                self.held = [line]
                return []
            return [line]
        self.held.append(line)
        if len(self.held) < 3:
            return []
        held, self.held = self.held, []
        crc = int(EXIT_HEAD_RE.match(held[0]).group(1), 16)
        try:
            data = base64.b64decode(held[1], validate=True)
        except ValueError:
            data = b""
        if held[2] == "PKBLOB-END exit" and len(data) == 4 and zlib.crc32(data) == crc:
            self.code = int.from_bytes(data, "little", signed=True)
            return []
        return held  # not ours after all: output as it came

    def flush(self):
        held, self.held = self.held, []
        return held


def guest_exit(status, full=None):
    """QEMU exit status (and the exit blob's code) -> (guest code or None,
    description)."""
    if status is None:
        return None, "no status"
    if status < 0:
        return None, "QEMU killed by signal %d" % -status
    if status & 1:
        code = status >> 1
        if full is not None and full >= 0 and full % 128 == code:
            code = full  # isa-debug-exit kept only the low 7 bits
        return code, "guest exit code %d" % code
    if status == 0:
        return None, "QEMU exited without a guest exit code (shutdown/reset)"
    return None, "QEMU failed with status %d" % status


def judge(lines, code, args):
    """Return None when the log meets the expectations, else the reason."""
    if args.expect == "tests":
        summaries = [m for m in (SUMMARY_RE.match(l) for l in lines) if m]
        if not summaries:
            return "no summary line ('N passed, N failed, N skipped')"
        if len(summaries) > 1:
            return "%d summary lines, expected exactly one" % len(summaries)
        passed, failed, _ = (int(x) for x in summaries[0].groups())
        fails = [l for l in lines if l.startswith("FAIL ")]
        if fails:
            return "%d test(s) failed: %s" % (len(fails), fails[0])
        if failed:
            return "summary reports %d failure(s)" % failed
        if passed == 0:
            return "no test passed"
        for l in lines:
            if "EXCEPTION" in l or "PANIC" in l:
                return "crash in the log: %s" % l
    for rx in args.expect_line:
        if not any(re.search(rx, l) for l in lines):
            return "expected a line matching /%s/" % rx
    for rx in args.reject_line:
        bad = [l for l in lines if re.search(rx, l)]
        if bad:
            return "line matching /%s/: %s" % (rx, bad[0])
    if args.expect_exit != "any":
        want = int(args.expect_exit)
        if code != want:
            return "guest exit code %s, expected %d" % (code, want)
    return None


def qemu_command(args, vars_copy):
    cmd = [args.qemu, "-machine", "q35", "-accel", args.accel, "-cpu", args.cpu,
           "-smp", str(args.smp), "-m", args.mem, "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if args.interactive:
        cmd += ["-nographic"]  # serial + monitor on the terminal (Ctrl-A X)
    else:
        cmd += ["-display", "none", "-monitor", "none", "-serial", "stdio"]
    if args.kind == "elf":
        cmd += ["-kernel", args.image, "-append", args.cmdline]
    elif args.kind == "pxe":
        # QEMU's user-mode network: built-in DHCP + TFTP serving the tree
        # tools/mkpxe.sh made; the NIC's iPXE ROM PXE-boots GRUB from it
        cmd += ["-netdev", "user,id=n0,tftp=%s,bootfile=%s" % (args.image, PXE_BOOTFILE),
                "-device", "virtio-net-pci,netdev=n0", "-boot", "n"]
    else:
        cmd += ["-cdrom", args.image, "-boot", "d"]
    if args.firmware == "uefi":
        cmd += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                "-drive", "if=pflash,format=raw,file=" + vars_copy]
    return cmd + args.qemu_arg


def run_once(args, log):
    """Boot once. Returns (status or None on timeout, lines, the exit blob's
    code or None)."""
    vars_copy = None
    tmpdir = None
    if args.firmware == "uefi":
        tmpdir = tempfile.mkdtemp(prefix="qemu_run.")
        vars_copy = os.path.join(tmpdir, "OVMF_VARS.fd")
        shutil.copyfile(OVMF_VARS, vars_copy)
    cmd = qemu_command(args, vars_copy)
    log.write("# " + " ".join(cmd) + "\n")
    log.flush()
    lines = []
    exit_blob = ExitBlob()
    try:
        if args.interactive:
            proc = subprocess.Popen(cmd, start_new_session=False)
            return proc.wait(), lines, None
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)

        def emit(line):
            lines.append(line)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            log.write(line + "\n")

        def pump():
            for raw in iter(proc.stdout.readline, b""):
                for line in exit_blob.feed(clean_line(raw.decode("utf-8", "replace"))):
                    emit(line)
            for line in exit_blob.flush():
                emit(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            status = proc.wait(timeout=args.timeout if args.timeout > 0 else None)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            status = None
        reader.join(5)
        return status, lines, exit_blob.code
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image", required=True, help="guest.elf or an ISO")
    p.add_argument("--kind", choices=["elf", "iso", "pxe"], default="elf",
                   help="pxe: --image is a tools/mkpxe.sh directory")
    p.add_argument("--firmware", choices=["bios", "uefi"], default="bios")
    p.add_argument("--cpu", default="max")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--mem", default="256M")
    p.add_argument("--accel", default="tcg")
    p.add_argument("--cmdline", default="run=tests")
    p.add_argument("--timeout", type=float, default=120, help="seconds, 0 = none")
    p.add_argument("--expect", choices=["tests", "none"], default="tests")
    p.add_argument("--expect-line", action="append", default=[])
    p.add_argument("--reject-line", action="append", default=[])
    p.add_argument("--expect-exit", default="0", help="guest exit code, or 'any'")
    p.add_argument("--log", help="also write the log here")
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--qemu-arg", action="append", default=[])
    p.add_argument("--retries", type=int, default=1, help="extra boots after a timeout")
    p.add_argument("--interactive", action="store_true",
                   help="terminal attached (make run/qemu): no judging, exit code passed on")
    args = p.parse_args(argv)
    if args.smp < 1:
        p.error("--smp must be at least 1")
    if args.expect_exit != "any":
        try:
            int(args.expect_exit)
        except ValueError:
            p.error("--expect-exit takes a number or 'any'")
    for rx in args.expect_line + args.reject_line:
        try:
            re.compile(rx)
        except re.error as e:
            p.error("bad regex %r: %s" % (rx, e))
    return args


def main(argv):
    args = parse_args(argv)
    if args.kind == "pxe" and not os.path.isfile(os.path.join(args.image, PXE_BOOTFILE)):
        print("qemu_run: FAIL %s has no %s (make pxe)" % (args.image, PXE_BOOTFILE))
        return 1
    if args.kind != "pxe" and not os.path.isfile(args.image):
        print("qemu_run: FAIL image %s does not exist (build first: make)" % args.image)
        return 1
    if shutil.which(args.qemu) is None:
        print("qemu_run: FAIL %s not found (Debian package qemu-system-x86)" % args.qemu)
        return 1
    if args.firmware == "uefi":
        for f in (OVMF_CODE, OVMF_VARS):
            if not os.path.isfile(f):
                print("qemu_run: FAIL UEFI firmware %s missing (Debian package ovmf)" % f)
                return 1
    if args.log:
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    log = open(args.log, "w") if args.log else open(os.devnull, "w")
    with log:
        for attempt in range(args.retries + 1):
            t0 = time.monotonic()
            status, lines, full = run_once(args, log)
            secs = time.monotonic() - t0
            if args.interactive:
                code, what = guest_exit(status, full)
                print("qemu_run: %s" % what)
                return code if code is not None else 1
            if status is not None:
                break
            print("qemu_run: TIMEOUT after %.0f s; last lines:" % args.timeout)
            for l in lines[-30:]:
                print("  | " + l)
            if attempt < args.retries:
                print("qemu_run: retrying once after timeout (attempt %d of %d)"
                      % (attempt + 2, args.retries + 1))
        if status is None:
            print("qemu_run: FAIL TIMEOUT after %.0f s (%d attempts)"
                  % (args.timeout, args.retries + 1))
            return 1
        code, what = guest_exit(status, full)
        reason = judge(lines, code, args)
        if reason:
            print("qemu_run: FAIL %s (%s, %.1f s)" % (reason, what, secs))
            return 1
        summary = next((l for l in lines if SUMMARY_RE.match(l)), what)
        print("qemu_run: PASS %s (%.1f s)" % (summary, secs))
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
