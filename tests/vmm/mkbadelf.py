#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/vmm/mkbadelf.py GOOD.elf OUTDIR - write the malformed-ELF corpus.

Each file is the real guest.elf with one field broken; OUTDIR/expect.txt
lists `file<TAB>message` pairs the vmm must print (exit 2) for each.
"""
import os
import struct
import sys

EH_TYPE, EH_MACHINE, EH_ENTRY, EH_PHOFF = 0x10, 0x12, 0x18, 0x20
EH_VERSION, EH_EHSIZE, EH_PHENTSIZE, EH_PHNUM = 0x14, 0x34, 0x36, 0x38
P_TYPE, P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN = 0, 4, 8, 16, 24, 32, 40, 48
PT_LOAD = 1
KERNEL_VMA = 0xffffffff80000000  # proto/boot.h PK_KERNEL_VMA


def phdrs(b):
    off = struct.unpack_from("<Q", b, EH_PHOFF)[0]
    size = struct.unpack_from("<H", b, EH_PHENTSIZE)[0]
    n = struct.unpack_from("<H", b, EH_PHNUM)[0]
    return [off + i * size for i in range(n)
            if struct.unpack_from("<I", b, off + i * size + P_TYPE)[0] == PT_LOAD]


def last_load(b):
    return phdrs(b)[-1]


def variants(good):
    def mod(fn):
        b = bytearray(good)
        fn(b)
        return bytes(b)

    def put(fmt, off, val):
        return lambda b: struct.pack_into(fmt, b, off, val)

    size = len(good)
    yield "truncated_header", good[:20], "not an ELF file"
    yield "elf32", mod(lambda b: b.__setitem__(4, 1)), "not a 64-bit ELF"
    yield "wrong_machine", mod(put("<H", EH_MACHINE, 3)), "not an x86-64 ELF (e_machine=3)"
    yield "et_dyn", mod(put("<H", EH_TYPE, 3)), "not an executable ELF (e_type=3"
    yield "beyond_ram", mod(lambda b: struct.pack_into("<Q", b, last_load(b) + P_PADDR,
                                                       0x8000000)), "outside guest RAM"
    # boot.c maps GiB 0 only (identity and behind PK_KERNEL_VMA)
    yield "above_1g", mod(lambda b: struct.pack_into("<Q", b, last_load(b) + P_PADDR,
                                                     0x40000000)), "above the first GiB"
    yield "straddles_1g", mod(lambda b: struct.pack_into("<Q", b, last_load(b) + P_PADDR,
                                                         0x3ffff000)), "above the first GiB"
    yield "phentsize", mod(put("<H", EH_PHENTSIZE, 64)), "e_phentsize 64, want 56"
    yield "ehsize", mod(put("<H", EH_EHSIZE, 80)), "e_ehsize 80, want 64"
    yield "big_endian", mod(lambda b: b.__setitem__(5, 2)), "not a little-endian ELF"
    yield "bad_version", mod(put("<I", EH_VERSION, 2)), "unknown ELF version"
    yield "boot_area", mod(lambda b: struct.pack_into("<Q", b, phdrs(b)[0] + P_PADDR, 0x1000)), \
        "overlaps the vmm's boot structures"
    yield "align", mod(lambda b: struct.pack_into("<Q", b, last_load(b) + P_ALIGN, 0x1001)), \
        "not a power of two"
    yield "vaddr_unmapped", mod(lambda b: struct.pack_into("<Q", b, last_load(b) + P_VADDR,
                                                           0x12345000)), "neither p_paddr"

    def unsorted(b):  # identity-mapped, valid alone, but below the segment before it
        off = last_load(b)
        struct.pack_into("<Q", b, off + P_VADDR, struct.unpack_from("<Q", b, off + P_PADDR)[0])
    yield "unsorted", mod(unsorted), "must be sorted"

    def overlap(b):  # the last segment moved into the one before it (.data/.bss)
        prev, off = phdrs(b)[-2], last_load(b)
        pa = struct.unpack_from("<Q", b, prev + P_PADDR)[0] + 0x1000
        struct.pack_into("<Q", b, off + P_PADDR, pa)
        struct.pack_into("<Q", b, off + P_VADDR, KERNEL_VMA + pa)
    yield "overlap", mod(overlap), "overlaps another segment"
    yield "offset_wraps", mod(lambda b: struct.pack_into("<Q", b, phdrs(b)[0] + P_OFFSET,
                                                         0xffffffffffffff00)), \
        "past the end of the file"
    yield "paddr_wraps", mod(lambda b: struct.pack_into("<Q", b, last_load(b) + P_PADDR,
                                                        0xffffffffffffff00)), "wraps"
    yield "filesz_gt_memsz", mod(lambda b: struct.pack_into(
        "<Q", b, phdrs(b)[0] + P_FILESZ,
        struct.unpack_from("<Q", b, phdrs(b)[0] + P_MEMSZ)[0] + 1)), "> p_memsz"
    yield "offset_past_eof", mod(lambda b: struct.pack_into("<Q", b, phdrs(b)[0] + P_OFFSET,
                                                            size + 0x1000)), "past the end of the file"
    yield "entry_outside", mod(put("<Q", EH_ENTRY, 0x50000000)), "not inside an executable segment"

    def no_load(b):
        for off in phdrs(b):
            struct.pack_into("<I", b, off + P_TYPE, 0)
    yield "no_pt_load", mod(no_load), "no PT_LOAD segment"


def main():
    good, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    data = open(good, "rb").read()
    with open(os.path.join(out, "expect.txt"), "w") as exp:
        for name, blob, msg in variants(data):
            path = os.path.join(out, "bad_%s.elf" % name)
            open(path, "wb").write(blob)
            exp.write("bad_%s.elf\t%s\n" % (name, msg))


if __name__ == "__main__":
    main()
