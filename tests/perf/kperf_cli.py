#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/perf/kperf_cli.py KPERF ELF WORKDIR [PROGRAM] - kperf's command line on
hand-made record files (proto/perf.h): stat with counts (IPC, miss rates),
report/annotate/plot with no samples, a recording of another kernel (the
.text hash warning), usage errors (exit 2) and unreadable input (exit 1);
with PROGRAM (a static Linux example), -p: samples in both halves named
from the program's and the kernel's symbols."""
import os
import struct
import subprocess
import sys

MAGIC = 0x31465245504B5000
kperf, elf, work = sys.argv[1:4]
prog = sys.argv[4] if len(sys.argv) > 4 else ""
os.makedirs(work, exist_ok=True)
failures = []


def header(elf_id=0, id_kind=0, prog_id=0):
    # magic version header_size id_kind ncpus elf_id tsc_khz sources hz start flags res0
    # prog_id res[3]
    return struct.pack("<QIIIIQQIIQIIQ3Q", MAGIC, 1, 96, id_kind, 2, elf_id, 1000000, 0, 0, 0, 0,
                       0, prog_id, 0, 0, 0)


def text_fnv(path):
    """FNV-1a 64 of an ELF64's .text section (proto/perf.h elf_id/prog_id)."""
    b = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
    sec = [struct.unpack_from("<IIQQQQ", b, shoff + i * shentsize) for i in range(shnum)]
    names = sec[shstrndx][4]
    for name, typ, _, _, off, size in sec:
        if typ == 1 and b[names + name:names + name + 6] == b".text\0":
            h = 0xcbf29ce484222325
            for c in b[off:off + size]:
                h = ((h ^ c) * 0x100000001b3) & (2**64 - 1)
            return h
    return 0


def count(cpu, name, event, value, cycles):
    return struct.pack("<HHI32sIIQQQ", 2, 72, cpu, name.encode(), event, 0, 0, value, cycles)


def write(name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def run(*args):
    p = subprocess.run([kperf] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def expect(what, cond, out):
    print("%s %s" % ("PASS" if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        print("  | " + out.replace("\n", "\n  | "))


assert len(header()) == 96 and len(count(0, "x", 0, 0, 0)) == 72
counts = header() + b"".join([
    count(0, "cpu", 0, 2000, 2100), count(0, "cpu", 1, 3000, 2100),
    count(0, "cpu", 5, 500, 2100), count(0, "cpu", 6, 25, 2100),
    count(1, "cpu", 0, 1000, 2100), count(1, "cpu", 1, 500, 2100),
    count(0, "perfcheck", 3, 100, 50), count(0, "perfcheck", 4, 10, 50)])
f = write("counts.pkperf", counts)
rc, out = run("stat", "-i", f)
expect("stat shows counts and totals", rc == 0 and "instructions" in out and
       " 3500" in out, out)
expect("stat IPC per cpu", "IPC          cpu 0   cpu                       1.500" in out and
       "cpu 1   cpu                       0.500" in out, out)
expect("stat miss rates", "branch miss  cpu 0" in out and "0.050" in out and
       "LLC miss     cpu 0   perfcheck" in out and "0.100" in out, out)
rc, out = run("report", "-i", f, "-k", elf)
expect("report without samples", rc == 0 and "# no samples" in out, out)
rc, out = run("plot", "-i", f, "-k", elf, "-o", os.path.join(work, "p"))
expect("plot without samples is an error", rc == 1 and "no samples" in out, out)
f2 = write("other.pkperf", header(elf_id=0x1234, id_kind=1))
rc, out = run("report", "-i", f2, "-k", elf)
expect("another kernel's recording: warning", rc == 0 and "not the kernel that was recorded"
       in out, out)
rc, out = run("annotate", "-i", f, "-k", elf, "no_such_symbol")
expect("annotate unknown symbol", rc == 1 and "no symbol 'no_such_symbol'" in out, out)
rc, out = run("annotate", "-i", f, "-k", elf, "perfcheck_hot_a")
expect("annotate disassembles", rc == 0 and "perfcheck_hot_a: 0 samples" in out and
       "ret" in out, out)
# samples in perfcheck_hot_a (address from the ELF) plus counts: all three charts
addr = int(next(l.split()[0] for l in subprocess.run(["nm", elf], capture_output=True, text=True)
                .stdout.splitlines() if l.endswith(" perfcheck_hot_a")), 16)


def sample(cpu, tsc, rip):  # type size cpu | tsc task rip | source flags depth reserved
    return struct.pack("<HHIQQQBBHI", 1, 40, cpu, tsc, 0, rip, 2, 0, 0, 0)


f3 = write("mixed.pkperf", counts[:96] + b"".join(sample(i % 2, 1000 * i, addr + 4)
                                                  for i in range(50)) + counts[96:])
rc, out = run("report", "-i", f3, "-k", elf, "--sort", "cpu")
expect("report --sort cpu", rc == 0 and "0\tperfcheck_hot_a" in out and
       "1\tperfcheck_hot_a" in out and " 50.00% " in out, out)
rc, out = run("plot", "-i", f3, "-k", elf, "-o", os.path.join(work, "mixed"))
charts = [os.path.join(work, "mixed-%s.%s" % (c, e)) for c in ("timeline", "top", "counters")
          for e in ("svg", "png")]
expect("plot: timeline, top symbols and counter ratios", rc == 0 and
       all(os.path.getsize(c) > 0 for c in charts if os.path.exists(c)) and
       all(os.path.exists(c) for c in charts), out)
# markers (PK_PERF_REC_MARK): listed after the profile in recording order,
# named by the task record before them, timed from the first guest record
# (tsc_khz 1000000 in header(): 1 ms = 1e6 ticks)


def task(cpu, tid, name):  # type size cpu | task name[32]
    return struct.pack("<HHIQ32s", 4, 48, cpu, tid, name.encode())


def mark(cpu, tsc, tid, name):  # type size cpu | tsc task name[32]
    return struct.pack("<HHIQQ32s", 5, 56, cpu, tsc, tid, name.encode())


assert len(mark(0, 0, 0, "x")) == 56
f5 = write("marks.pkperf", header() + sample(0, 1000000, addr + 4) + task(1, 0x77, "prog") +
           mark(1, 3500000, 0x77, "phase-one") + mark(0, 9000000, 0, "phase-two"))
rc, out = run("report", "-i", f5, "-k", elf)
expect("report lists markers (time, cpu, task, name)", rc == 0 and
       "# 2 markers" in out and "# marker      2.500  cpu 1  prog  phase-one" in out and
       "# marker      8.000  cpu 0  [executor]  phase-two" in out and
       out.index("phase-one") < out.index("phase-two"), out)
rc, out = run("report", "-i", f5, "-k", elf, "--folded")
expect("report --folded: no marker lines", rc == 0 and "marker" not in out, out)
# A hostile symbol name (same length as perfcheck_hot_a, patched into a copy
# of the ELF) and a hostile -o path: neither may reach a shell or end a
# gnuplot string (the old script ran "!touch PWND"; system() ran $(...)).
evil_name = b"q'\n!touch PWND\n"
assert len(evil_name) == len(b"perfcheck_hot_a")
evil_elf = write("evil.elf", open(elf, "rb").read().replace(b"perfcheck_hot_a\0",
                                                             evil_name + b"\0"))
evil_dir = os.path.join(work, "it's \"a\" \\dir '$(touch PWND2)'")
os.makedirs(evil_dir, exist_ok=True)
for stale in ("PWND", "PWND2", "PWND3"):
    if os.path.exists(os.path.join(work, stale)):
        os.unlink(os.path.join(work, stale))
p = subprocess.run([kperf, "plot", "-i", f3, "-k", evil_elf, "-o", os.path.join(evil_dir, "p")],
                   capture_output=True, text=True, cwd=work)
out = p.stdout + p.stderr
expect("plot: a quote/newline symbol and a quote/$() path inject nothing",
       p.returncode == 0 and not os.path.exists(os.path.join(work, "PWND")) and
       not os.path.exists(os.path.join(work, "PWND2")) and
       os.path.getsize(os.path.join(evil_dir, "p-top.svg")) > 0 and
       "q'?!touch PWND?" in open(os.path.join(evil_dir, "p-top.svg")).read().replace(
           "&#39;", "'").replace("&apos;", "'"), out)
odd_elf = os.path.join(evil_dir, "g'$(touch PWND3)'.elf")
with open(odd_elf, "wb") as fh:
    fh.write(open(elf, "rb").read())
p = subprocess.run([kperf, "annotate", "-i", f3, "-k", odd_elf, "perfcheck_hot_a"],
                   capture_output=True, text=True, cwd=work)
out = p.stdout + p.stderr
expect("annotate: a quote/$() ELF path reaches objdump as one argument, no shell",
       p.returncode == 0 and "ret" in out and " 50 samples" in out and
       not os.path.exists(os.path.join(work, "PWND3")), out)
rc, out = run("plot", "-i", f3, "-k", elf, "-o", os.path.join(work, "new\nline"))
expect("plot: an -o prefix with a newline is refused", rc == 1 and "control character" in out,
       out)
rc, out = run("report", "-i", os.path.join(work, "missing"), "-k", elf)
expect("missing input: exit 1, named", rc == 1 and "missing: No such file" in out, out)
rc, out = run("report", "-i", f, "-k", "/nonexistent.elf")
expect("missing ELF: exit 1", rc == 1 and "/nonexistent.elf" in out, out)
rc, out = run("report", "-i", write("empty", b""), "-k", elf)
expect("empty file: exit 1", rc == 1 and "empty file" in out, out)
rc, out = run("report", "--sort", "size")
expect("bad --sort: exit 2", rc == 2 and "--sort size" in out, out)
rc, out = run("frobnicate")
expect("unknown command: exit 2", rc == 2 and "unknown command 'frobnicate'" in out, out)
# each subcommand has its own options: another one's is an error, not ignored
for args, what in [(["stat", "-i", f, "--folded"], "--folded does not apply to stat"),
                   (["report", "-i", f, "-k", elf, "-F", "100"], "-F/--freq does not apply to report"),
                   (["plot", "-i", f, "--sort", "cpu"], "--sort does not apply to plot"),
                   (["annotate", "-i", f, "--top", "3", "x"], "--top does not apply to annotate"),
                   (["record", "-i", f, "--", "/bin/true"], "-i/--input does not apply to record")]:
    rc, out = run(*args)
    expect("%s: exit 2" % what, rc == 2 and what in out, out)
# numbers: digits only, no overflow, in range
for args, what in [(["report", "--top", "5x"], "--top 5x: expected"),
                   (["report", "--top", "0"], "--top 0: expected"),
                   (["report", "--top", "-3"], "--top -3: expected"),
                   (["report", "--top", "99999999999999999999"], "expected a row count"),
                   (["record", "-F", "0", "--", "/bin/true"], "-F/--freq 0: expected 1..100000"),
                   (["record", "-F", "10x", "--", "/bin/true"], "-F/--freq 10x: expected"),
                   (["record", "-F", " 100", "--", "/bin/true"], "expected 1..100000"),
                   (["record", "-F", "18446744073709551617", "--", "/bin/true"], "expected 1..100000")]:
    rc, out = run(*args)
    expect("%s: exit 2" % " ".join(args[:3]), rc == 2 and what in out, out)
for args, what in [(["annotate", "-i", f], "missing SYMBOL"),
                   (["annotate", "-i", f, "a", "b"], "unexpected argument 'b'"),
                   (["report", "-i", f, "stray"], "unexpected argument 'stray'"),
                   (["report", "-i"], "missing argument for '-i'"),
                   (["report", "--bogus"], "unknown option '--bogus'"),
                   (["record"], "missing -- VMM"),
                   (["stat", "-i", f, "--", "/bin/true"], "-i reads a recording")]:
    rc, out = run(*args)
    expect("%s: exit 2" % what, rc == 2 and what in out, out)
rc, out = run("report", "--help")
expect("report --help: its own options only", rc == 0 and "--folded" in out and
       "--top N" in out and "--freq" not in out, out)
rc, out = run("stat", "--help")
expect("stat --help: no report options", rc == 0 and "--event" in out and
       "--folded" not in out, out)
rc, out = run("--help")
expect("--help lists the commands", rc == 0 and all(c in out for c in
       ("record", "stat", "report", "annotate", "plot")), out)
rc, out = run("report", "-i", f3, "-k", elf, "--top", "1", "--sort", "cpu")
expect("report --top 1: one row", rc == 0 and len([l for l in out.splitlines()
       if "%" in l and not l.startswith("#")]) == 1, out)
rc, out = run("annotate", "perfcheck_hot_a", "-i", f3, "-k", elf, "--source", "timer")
expect("annotate: options after the symbol", rc == 0 and " 50 samples" in out, out)
rc, out = run("record", "-o", os.path.join(work, "r.pkperf"), "--", "/nonexistent/vmm")
expect("record of a command that cannot run", rc != 0 and "cannot run" in out, out)
# -p PROGRAM: a lower-half sample is the program's, a higher-half one the
# kernel's (the program's main and the kernel's perfcheck_hot_a)
if prog and os.path.exists(prog):
    main = int(next(l.split()[0] for l in subprocess.run(["nm", prog], capture_output=True,
                    text=True).stdout.splitlines() if l.endswith(" T main")), 16)
    f4 = write("prog.pkperf", header() + b"".join(sample(0, i, main + 1) for i in range(3)) +
               sample(1, 9, addr + 4))
    rc, out = run("report", "-i", f4, "-k", elf, "-p", prog)
    expect("report -p: the program's main and the kernel's symbol", rc == 0 and
           " 75.00%        3  main" in out and " 25.00%        1  perfcheck_hot_a" in out, out)
    rc, out = run("report", "-i", f4, "-k", elf)
    # (the kernel's own low boot symbols then name them wrongly)
    expect("report without -p: no program symbols", rc == 0 and "  main" not in out, out)
    rc, out = run("annotate", "-i", f4, "-k", elf, "-p", prog, "main")
    expect("annotate -p: disassembled from the program", rc == 0 and
           "main: 3 samples" in out, out)
    rc, out = run("report", "-i", f4, "-k", elf, "-p", "/nonexistent/prog")
    expect("report -p of a missing file", rc == 1 and "/nonexistent/prog" in out, out)
    # the recording names its program (prog_id, the .text hash): the
    # right one is used, another one refused, none is not checked
    samples = b"".join(sample(0, i, main + 1) for i in range(3))
    fr = write("prog-id.pkperf", header(prog_id=text_fnv(prog)) + samples)
    rc, out = run("report", "-i", fr, "-k", elf, "-p", prog)
    expect("report -p of the recorded program", rc == 0 and "  main" in out and
           "not the program" not in out and "not checked" not in out, out)
    fw = write("prog-other.pkperf", header(prog_id=text_fnv(prog) ^ 1) + samples)
    rc, out = run("report", "-i", fw, "-k", elf, "-p", prog)
    expect("report -p of another program: refused, exit 1", rc == 1 and
           "is not the program that was recorded" in out and "  main" not in out, out)
    rc, out = run("annotate", "-i", fw, "-k", elf, "-p", prog, "main")
    expect("annotate -p of another program: refused", rc == 1 and
           "is not the program that was recorded" in out, out)
    rc, out = run("report", "-i", f4, "-k", elf, "-p", prog)
    expect("report -p, recording without prog_id: a note", rc == 0 and "not checked" in out,
           out)
else:
    print("SKIP report -p: no program ELF given (build the examples target)")
sys.exit(1 if failures else 0)
