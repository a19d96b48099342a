#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/pkblob.py LOG OUTDIR - extract the framed result blobs a guest
printed on its console into OUTDIR/<name>, checking length and CRC-32.
The framing is read from proto/blob.h, the definition the guest and kperf
compile. Exit 1 (with the reason) on a truncated or corrupted
blob, 0 otherwise; prints one line per blob.
"""
import base64
import os
import re
import sys
import zlib


def proto_defines():
    """The #defines of proto/blob.h: strings and plain or shifted numbers."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proto", "blob.h")
    out = {}
    for line in open(path):
        m = re.match(r'#define (PK_BLOB_\w+)\s+(?:"([^"]*)"|\((\d+)u? << (\d+)\)|(\d+))', line)
        if m:
            name, s, base, shift, num = m.groups()
            out[name] = s if s is not None else (int(base) << int(shift) if base else int(num))
    return out


BLOB = proto_defines()
HEAD = re.compile("^%s([A-Za-z0-9._-]{1,%d}) (\\d+) ([0-9a-f]{8})$"
                  % (re.escape(BLOB["PK_BLOB_HEAD"]), BLOB["PK_BLOB_NAME_MAX"]))


def extract(lines):
    """Yield (name, bytes) per blob; raise ValueError on a bad one."""
    i = 0
    while i < len(lines):
        m = HEAD.match(lines[i])
        i += 1
        if not m:
            continue
        name, length, crc = m.group(1), int(m.group(2)), int(m.group(3), 16)
        body = []
        while i < len(lines) and lines[i] != BLOB["PK_BLOB_END"] + name:
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError("%s: no PKBLOB-END line (truncated log?)" % name)
        i += 1
        try:
            data = base64.b64decode("".join(body), validate=True)
        except ValueError as e:
            raise ValueError("%s: bad base64: %s" % (name, e))
        if len(data) != length:
            raise ValueError("%s: %d bytes, header says %d" % (name, len(data), length))
        if zlib.crc32(data) != crc:
            raise ValueError("%s: CRC-32 mismatch" % name)
        yield name, data


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pkblob.py LOG OUTDIR")
    lines = [l.rstrip("\r\n") for l in open(sys.argv[1], errors="replace")]
    os.makedirs(sys.argv[2], exist_ok=True)
    try:
        for name, data in extract(lines):
            with open(os.path.join(sys.argv[2], name), "wb") as f:
                f.write(data)
            print("pkblob: %s (%d bytes, CRC ok)" % (name, len(data)))
    except ValueError as e:
        print("pkblob: %s: %s" % (sys.argv[1], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
