#!/usr/bin/env python3
"""Check that `nexus migrate` and `nexus export` stay linear in the number of states
(issue #12, item 9), by instruction counts under valgrind's callgrind, not by wall-clock time:

    bench/scaling.py path/to/nexus [SMALL LARGE]

Each command runs on a chain of SMALL states (default 500) and of LARGE states (default
2,000). Instruction counts do not depend on machine load, so the verdict is the same on a busy
CI runner. The check is per function: every function that costs at least 0.5% of the LARGE
run's instructions must grow by at most 1.5 x LARGE/SMALL (4 x more states → at most 6 x more
instructions). A step that scans all states for each state grows 16 x here; looked at as a
whole program it is still hidden under the linear work at these sizes (the whole run of the
quadratic code grew 4.5 x), while its own functions stand out (`Lowerer::states`,
`String::eq`: 16 x). State names share a long prefix, as real workflows' names often do, so
string comparisons cost what they cost there.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SHARE = 0.005


def definition(n):
    def name(i):
        return "a-state-with-a-long-shared-name-prefix-as-real-workflows-have-%06d" % i

    states = {}
    for i in range(n):
        s = {"Type": "Pass"}
        if i + 1 < n:
            s["Next"] = name(i + 1)
        else:
            s["End"] = True
        states[name(i)] = s
    return {"StartAt": name(0), "States": states}


def profile(cmd, out):
    """Total instructions and self instructions per function of one run."""
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    text = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--tree=none", "--auto=no", out],
        check=True, capture_output=True, text=True,
    ).stdout
    total, per_fn = 0, {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        count, what = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in what:
            total = count
        else:
            per_fn[what] = per_fn.get(what, 0) + count
    if total == 0:
        raise SystemExit("no instruction total in callgrind output of: " + " ".join(cmd))
    return total, per_fn


def main():
    if len(sys.argv) not in (2, 4):
        raise SystemExit(__doc__)
    nexus = sys.argv[1]
    small, large = (int(a) for a in sys.argv[2:4]) if len(sys.argv) == 4 else (500, 2000)
    bound = 1.5 * large / small
    failed = False
    with tempfile.TemporaryDirectory() as d:
        runs = {}
        for n in (small, large):
            asl = os.path.join(d, "m%d.asl.json" % n)
            yaml = os.path.join(d, "m%d.nexus.yaml" % n)
            out = os.path.join(d, "e%d.asl.json" % n)
            with open(asl, "w") as f:
                json.dump(definition(n), f)
            runs[("migrate", n)] = profile(
                [nexus, "migrate", "stepfunctions", "--input", asl, "-o", yaml, "--force"],
                os.path.join(d, "cg.migrate.%d" % n))
            runs[("export", n)] = profile(
                [nexus, "export", "asl", yaml, "-o", out, "--force"],
                os.path.join(d, "cg.export.%d" % n))
        for cmd in ("migrate", "export"):
            (ta, fa), (tb, fb) = runs[(cmd, small)], runs[(cmd, large)]
            print("%s: %d states %d Ir, %d states %d Ir, ratio %.2f"
                  % (cmd, small, ta, large, tb, tb / ta))
            worst = sorted(((cb / max(fa.get(f, 0), 1), cb, f) for f, cb in fb.items()
                            if cb >= SHARE * tb), reverse=True)
            for ratio, cb, f in worst[:3]:
                print("  %6.2f x  %12d Ir  %s" % (ratio, cb, f[-140:]))
            bad = [w for w in worst if w[0] > bound]
            for ratio, cb, f in bad:
                print("error: %s: %s grows %.2f x for %.0f x the states (bound %.2f)"
                      % (cmd, f, ratio, large / small, bound), file=sys.stderr)
            failed |= bool(bad)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
