#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fuzz/mkseeds.py GUEST.ELF SERIAL.LOG - (re)write the committed seed corpora
in fuzz/corpus/ from real inputs:
  elf_load/   guest.elf cut down (its headers, 64 bytes of each segment, a
              tiny symbol table) and the tests/vmm/mkbadelf.py variants of it
  kperf_data/ a serial log of run=perfcheck perf=timer:1000 under QEMU with
              its framed perf blobs, and the record file those blobs hold
              (the header blob + cpu0's records: what vmm --perf writes)
  gdb_proto/  the packets of a gdb session (qSupported, g, m, X, Z0, vCont,
              acks, Ctrl-C, a run-length reply)
The log comes from:
  tools/qemu_run.py --image build/bin/guest.elf --smp 2 --expect none \\
    --cmdline "run=perfcheck perfcheck_rounds=8 perf=timer:1000" --log SERIAL.LOG
"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "vmm"))
sys.path.insert(0, os.path.join(here, "..", "tools"))
import mkbadelf  # noqa: E402
import pkblob  # noqa: E402

KEEP = 64  # bytes of each segment kept


def cut_elf(elf):
    """The real ELF header and program headers, each segment's first KEEP
    bytes, and .text/.symtab/.strtab/.shstrtab sections with two symbols."""
    eh = bytearray(elf[:64])
    phoff, = struct.unpack_from("<Q", eh, 0x20)
    phnum, = struct.unpack_from("<H", eh, 0x38)
    ph = bytearray(elf[phoff:phoff + 56 * phnum])
    body = bytearray()
    base = 64 + len(ph)
    text_off = text_addr = 0
    for i in range(phnum):
        off, vaddr, filesz = struct.unpack_from("<Q8xQ8xQ", ph, i * 56 + 8)
        keep = min(filesz, KEEP)
        struct.pack_into("<Q", ph, i * 56 + 8, base + len(body))
        struct.pack_into("<Q", ph, i * 56 + 32, keep)
        if struct.unpack_from("<I", ph, i * 56 + 4)[0] & 1 and not text_off:  # PF_X
            text_off, text_addr = base + len(body), vaddr
        body += elf[off:off + keep]
    strtab = b"\0kernel_start64\0kernel_main\0"
    shstr = b"\0.text\0.symtab\0.strtab\0.shstrtab\0"
    sym = lambda name, value, size: struct.pack("<IBBHQQ", name, 0x12, 0, 1, value, size)
    symtab = b"\0" * 24 + sym(1, text_addr, 16) + sym(16, text_addr + 16, 32)
    out = bytearray(eh) + ph + body
    off_sym = len(out)
    out += symtab
    off_str = len(out)
    out += strtab
    off_shs = len(out)
    out += shstr
    while len(out) % 8:
        out += b"\0"
    shoff = len(out)
    sh = lambda name, typ, flags, addr, off, size, link, info, align, ent: struct.pack(
        "<IIQQQQIIQQ", name, typ, flags, addr, off, size, link, info, align, ent)
    out += sh(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    out += sh(1, 1, 6, text_addr, text_off, 16, 0, 0, 16, 0)  # .text
    out += sh(7, 2, 0, 0, off_sym, len(symtab), 3, 1, 8, 24)  # .symtab -> .strtab
    out += sh(15, 3, 0, 0, off_str, len(strtab), 0, 0, 1, 0)
    out += sh(23, 3, 0, 0, off_shs, len(shstr), 0, 0, 1, 0)
    struct.pack_into("<Q", out, 0x28, shoff)  # e_shoff
    struct.pack_into("<HHH", out, 0x3a, 64, 5, 4)  # e_shentsize e_shnum e_shstrndx
    return bytes(out)


def gdb_packet(payload):
    return b"$%s#%02x" % (payload, sum(payload) & 0xff)


def write(sub, name, data):
    d = os.path.join(here, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    elf = open(sys.argv[1], "rb").read()
    log = open(sys.argv[2], "rb").read()
    mini = cut_elf(elf)
    write("elf_load", "guest-cut.elf", mini)
    for name, blob, _ in mkbadelf.variants(mini):
        write("elf_load", "bad_%s.elf" % name, blob)

    write("kperf_data", "perfcheck-serial.log", log)
    blobs = dict(pkblob.extract(log.decode().splitlines()))
    write("kperf_data", "perfcheck.pkperf", blobs["perf.hdr"] + blobs["perf.cpu0"])

    session = b"+" + gdb_packet(b"qSupported:multiprocess+;swbreak+;hwbreak+;"
                                b"xmlRegisters=i386") + b"+" + gdb_packet(b"?") + b"+"
    session += gdb_packet(b"Hg0") + gdb_packet(b"g") + b"-" + gdb_packet(b"g")
    session += gdb_packet(b"mffffffff80200000,40") + gdb_packet(b"Z0,ffffffff80200010,1")
    session += gdb_packet(b"X200000,4:}\x03}\x04}]}\n") + gdb_packet(b"vCont;c") + b"\x03"
    write("gdb_proto", "session.bin", session)
    write("gdb_proto", "rle-reply.bin", gdb_packet(b"0* ") + gdb_packet(b"E01"))
    write("gdb_proto", "bad-checksum.bin", b"$g#00$" + b"q" * 40 + b"#zz")


if __name__ == "__main__":
    main()
