#!/usr/bin/env python3
"""Applies and reverts the mutants of tools/mutation/mutants.txt in a copy of
the source tree (never in the tree it is run from: run.sh passes the copy).

  mutate.py list    MUTANTS                  id<TAB>name<TAB>file<TAB>tests, one a line
  mutate.py check   MUTANTS TREE             every mutant applies (snippet found exactly once)
  mutate.py apply   MUTANTS TREE ID          applies mutant ID (the file keeps a .orig copy)
  mutate.py revert  MUTANTS TREE ID          puts the file back (fresh mtime: rebuilt next time)
  mutate.py sync    FROM TO                  makes TO's files equal FROM's, rewriting only the
                                             files whose bytes differ (so a build dir over TO
                                             stays incremental and correct)

Exit status 2 with "mutant N no longer applies" if a snippet is not found
exactly once: the source moved on and the mutant must be updated.
"""
import filecmp
import os
import shutil
import sys


def parse(path):
    mutants, cur, section = [], None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        if line.startswith("=== "):
            if cur:
                mutants.append(cur)
            parts = line[4:].split(None, 1)
            cur = {"id": parts[0], "name": parts[1].strip() if len(parts) > 1 else parts[0],
                   "original": [], "replacement": [], "file": None, "tests": None, "why": ""}
            section = "header"
        elif cur is None:
            continue  # preamble: comments
        elif line == "--- original":
            section = "original"
        elif line == "--- replacement":
            section = "replacement"
        elif section == "header":
            if line.startswith("#") or not line.strip():
                continue
            key, _, value = line.partition(":")
            cur[key.strip()] = value.strip()
        else:
            cur[section].append(line)
    if cur:
        mutants.append(cur)
    for m in mutants:
        for k in ("original", "replacement"):
            block = m[k]
            while block and block[-1] == "":
                block.pop()
            m[k] = "\n".join(block)
        if not m["file"] or not m["tests"] or not m["original"]:
            sys.exit(f"mutant {m['id']}: needs file:, tests: and an --- original block")
    ids = [m["id"] for m in mutants]
    if len(set(ids)) != len(ids):
        sys.exit("duplicate mutant ids in " + path)
    return mutants


def find(mutants, mid):
    for m in mutants:
        if m["id"] == mid:
            return m
    sys.exit(f"no mutant {mid}")


def write_fresh(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.utime(path)  # now: newer than any object built from the mutant


def check_one(tree, m):
    path = os.path.join(tree, m["file"])
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print(f"mutant {m['id']} no longer applies: {m['file']}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    n = text.count(m["original"])
    if n != 1:
        print(f"mutant {m['id']} no longer applies: its original snippet occurs {n} times in "
              f"{m['file']} (expected exactly once)", file=sys.stderr)
        sys.exit(2)
    return path, text


def sync(src, dst):
    changed = 0
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for name in files:
            a, b = os.path.join(root, name), os.path.join(dst, rel, name)
            if os.path.exists(b) and filecmp.cmp(a, b, shallow=False):
                continue
            shutil.copyfile(a, b)
            shutil.copymode(a, b)
            os.utime(b)
            changed += 1
    # Files gone from the source go from the copy too (e.g. a stale .orig).
    for root, dirs, files in os.walk(dst):
        rel = os.path.relpath(root, dst)
        for name in files:
            if not os.path.exists(os.path.join(src, rel, name)):
                os.remove(os.path.join(root, name))
                changed += 1
    print(f"{changed} files updated")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "sync":
        return sync(argv[2], argv[3])
    mutants = parse(argv[2])
    if cmd == "list":
        for m in mutants:
            print(f"{m['id']}\t{m['name']}\t{m['file']}\t{m['tests']}")
        return
    tree = argv[3]
    if cmd == "check":
        for m in mutants:
            check_one(tree, m)
        print(f"all {len(mutants)} mutants apply")
        return
    m = find(mutants, argv[4])
    path = os.path.join(tree, m["file"])
    if cmd == "apply":
        path, text = check_one(tree, m)
        shutil.copyfile(path, path + ".orig")
        write_fresh(path, text.replace(m["original"], m["replacement"], 1))
    elif cmd == "revert":
        with open(path + ".orig", encoding="utf-8") as f:
            text = f.read()
        write_fresh(path, text)
        os.remove(path + ".orig")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
