#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets from the repository's fixtures:

    fuzz/seed.py            (writes fuzz/corpus/<target>/, which git ignores)

Whole files for the loaders, the policy input, NEXUS round trips and runs; the JSONPath
paths, intrinsic function calls and JSONata expressions found inside them for the expression
targets. Deterministic: file names are the SHA-1 of the content, as libFuzzer names its own.
"""
import hashlib
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"


def put(target, text):
    data = text.encode("utf-8")
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


def main():
    for p in sorted((ROOT / "fixtures").rglob("*")):
        if not p.is_file() or p.stat().st_size > 64 * 1024:
            continue
        try:
            text = p.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        if p.suffix in (".yaml", ".yml"):
            put("yaml_loader", text)
            put("policy_input", text)
        elif p.suffix == ".json":
            put("json_loader", text)
            put("policy_input", text)
            try:
                value = json.loads(text)
            except ValueError:
                continue
            put("nexus_roundtrip", text)
            put("run", text)
            for s in strings(value):
                if s.startswith("$"):
                    put("jsonpath", s)
                elif s.startswith("States."):
                    put("intrinsics", s)
                elif s.startswith("{%") and s.endswith("%}"):
                    put("jsonata", s[2:-2])
    for t in sorted(os.listdir(OUT)):
        print("%-16s %5d seeds" % (t, len(os.listdir(OUT / t))))


if __name__ == "__main__":
    main()
