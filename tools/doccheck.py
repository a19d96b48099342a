#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/doccheck.py [FILE.md ...] - check the documentation (README.md and
docs/*.md by default; the lint CTest runs it):

- every relative link and image resolves to a file or folder of the
  repository, and a `#anchor` (alone or after a .md path) names a heading
  of that page (GitHub's slugs);
- no link leaves the repository through `..`, and no page names a
  machine-specific absolute path (/work/, /home/, /root/, /tmp/ of one
  machine) outside a code example that says so;
- README.md stays at most 250 lines (the rest belongs in docs/);
- no source comment (C, headers, assembly, CMake, shell, Python) cites a
  document that is not in the repository (DESIGN.md) or a machine-specific
  path.

Exit status 1 with one line per problem (file:line: reason). Python 3
standard library only.
"""
import glob
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README_MAX = 250

LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
# paths that only exist on one machine; /tmp/ and /dev/ are fine in examples
MACHINE_PATH = re.compile(r"(?<![\w.$])/(?:work|home|root|Users)/[\w.-]+")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped,
    spaces to hyphens."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        seen, out, fenced = {}, set(), False
        with open(path) as f:
            for line in f:
                if FENCE.match(line):
                    fenced = not fenced
                m = not fenced and re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    s = slug(m.group(1))
                    n = seen.get(s, 0)
                    seen[s] = n + 1
                    out.add(s if n == 0 else "%s-%d" % (s, n))
        cache[path] = out
    return cache[path]


def check(path):
    errs, rel = [], os.path.relpath(path, REPO)
    with open(path) as f:
        lines = f.read().split("\n")
    if rel == "README.md" and len(lines) - (lines[-1] == "") > README_MAX:
        errs.append("%s: %d lines, more than %d (move detail into docs/)"
                    % (rel, len(lines) - 1, README_MAX))
    fenced = False
    for no, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
        m = MACHINE_PATH.search(line)
        if m:
            errs.append("%s:%d: machine-specific path '%s'" % (rel, no, m.group(0)))
        if fenced:
            continue
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto: ...
                continue
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
                if file_part else path
            if not (dest + os.sep).startswith(REPO + os.sep):
                errs.append("%s:%d: link '%s' leaves the repository" % (rel, no, target))
                continue
            if not os.path.exists(dest):
                errs.append("%s:%d: link '%s': no such file %s"
                            % (rel, no, target, os.path.relpath(dest, REPO)))
                continue
            if anchor and dest.endswith(".md") and anchor not in anchors(dest):
                errs.append("%s:%d: link '%s': no heading '#%s' in %s"
                            % (rel, no, target, anchor, os.path.relpath(dest, REPO)))
    return errs


SOURCE_EXT = (".c", ".h", ".S", ".ld", ".txt", ".sh", ".py", ".cmake")
OUTSIDE_DOC = re.compile(r"\bDESIGN\.md\b|\.\./shared\b")


def check_sources():
    """Source files of the repository (git's list when there is one)."""
    errs = []
    try:
        import subprocess
        names = subprocess.run(["git", "-C", REPO, "ls-files"], capture_output=True,
                               text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return errs
    for name in names:
        if not name.endswith(SOURCE_EXT) and os.path.basename(name) != "Makefile":
            continue
        if name == "tools/doccheck.py" or "/corpus/" in name:
            continue
        try:
            with open(os.path.join(REPO, name), errors="replace") as f:
                for no, line in enumerate(f, 1):
                    m = OUTSIDE_DOC.search(line) or MACHINE_PATH.search(line)
                    if m:
                        errs.append("%s:%d: names '%s', which is not in the repository"
                                    % (name, no, m.group(0)))
        except OSError:
            pass
    return errs


def main():
    files = sys.argv[1:] or [os.path.join(REPO, "README.md")] + sorted(
        glob.glob(os.path.join(REPO, "docs", "*.md")))
    errs = [] if sys.argv[1:] else check_sources()
    for p in files:
        try:
            errs += check(os.path.abspath(p))
        except OSError as e:
            errs.append("%s: %s" % (p, e.strerror))
    for e in errs:
        print("doccheck: " + e)
    if errs:
        sys.exit(1)
    print("doccheck: %d pages, links and paths clean" % len(files))


if __name__ == "__main__":
    main()
