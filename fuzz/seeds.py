#!/usr/bin/env python3
"""Seed inputs of the fuzz targets, taken from the test suites.

    seeds.py external_id OUTDIR        string literals of sql/2*_external_id*.sql
    seeds.py ingest_timestamp OUTDIR   timestamp values of the fixture events and tests

One file per distinct value, named by its SHA-1 (as libFuzzer names corpus
files).  For external_id, neighbouring values are also joined by newlines into
pairs and triples, which the target compares with each other.
"""
import glob
import hashlib
import json
import os
import re
import sys

TIMESTAMP_KEYS = ("timestamp", "start_time", "startTime", "end_time", "endTime",
                  "completion_start_time", "completionStartTime")


def sql_literals(path):
    """The string literals of a SQL file, '' and E'' escapes resolved."""
    text = open(path, encoding="utf-8", errors="surrogateescape").read()
    for m in re.finditer(r"(E?)'((?:[^']|'')*)'", text):
        body = m.group(2).replace("''", "'")
        if m.group(1):
            body = re.sub(r"\\x([0-9A-Fa-f]{1,2})", lambda h: chr(int(h.group(1), 16)), body)
            body = (body.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")
                    .replace("\\\\", "\\"))
        yield body.encode("utf-8", errors="surrogateescape")


def external_id_seeds():
    values = []
    for path in sorted(glob.glob("sql/2*_external_id*.sql")):
        for v in sql_literals(path):
            if len(v) <= 300 and v not in values:
                values.append(v)
    seeds = list(values)
    valid = [v for v in values if v and b"\n" not in v and len(v) <= 64]
    for i in range(len(valid) - 2):
        seeds.append(valid[i] + b"\n" + valid[i + 1])
        seeds.append(valid[i] + b"\n" + valid[i + 1] + b"\n" + valid[i + 2])
    return seeds


def json_timestamps(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in TIMESTAMP_KEYS and isinstance(v, (str, int, float)) and not isinstance(v, bool):
                out.append(str(v).encode())
            json_timestamps(v, out)
    elif isinstance(node, list):
        for v in node:
            json_timestamps(v, out)


def ingest_timestamp_seeds():
    values = []
    for path in sorted(glob.glob("test/fixtures/events/*.json")):
        json_timestamps(json.load(open(path, encoding="utf-8")), values)
    keys = "|".join(TIMESTAMP_KEYS)
    pattern = re.compile(r'"(?:%s)"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)' % keys)
    for path in sorted(glob.glob("sql/3*.sql") + glob.glob("test/pgtap/3*.sql")
                       + glob.glob("test/client/3*.py")):
        for m in pattern.finditer(open(path, encoding="utf-8").read()):
            v = m.group(1)
            values.append((v[1:-1] if v.startswith('"') else v).encode())
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def main():
    target, outdir = sys.argv[1], sys.argv[2]
    seeds = {"external_id": external_id_seeds,
             "ingest_timestamp": ingest_timestamp_seeds}[target]()
    os.makedirs(outdir, exist_ok=True)
    for s in seeds:
        with open(os.path.join(outdir, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print("%s: %d seed inputs from the tests" % (target, len(seeds)))


if __name__ == "__main__":
    main()
