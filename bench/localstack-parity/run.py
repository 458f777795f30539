"""Runs the cases extract.py wrote through `nexus run` and compares with AWS's recorded result."""
import json, subprocess, sys, tempfile, os, re
BIN = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('NEXUS_BIN', 'target/debug/nexus')
cases = json.load(open(os.environ.get('LS_CASES', '/tmp/ls-cases.json')))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_helpers import parse, loose_eq  # noqa: E402

ok = bad = 0
only_new = '--new' in sys.argv
with tempfile.TemporaryDirectory() as d:
    for c in cases:
        if only_new and not c['new']: continue
        df = os.path.join(d, 'def.asl.json'); open(df, 'w').write(json.dumps(c['definition']))
        inp = c['input'] if isinstance(c['input'], str) else json.dumps(c['input'])
        inf = os.path.join(d, 'in.json'); open(inf, 'w').write(inp if inp is not None else '{}')
        p = subprocess.run([BIN, 'run', df, '--input-file', inf, '--format', 'json'], capture_output=True, text=True, timeout=60)
        try: got = json.loads(p.stdout)
        except Exception: got = {'status': 'NO-JSON', 'stderr': p.stderr[:500]}
        e = c['expected']
        good = got.get('status') == e['status']
        if good and e['status'] == 'SUCCEEDED':
            good = loose_eq(parse(e['output']), parse(got.get('output')) if isinstance(got.get('output'), str) else got.get('output'))
        elif good:
            good = loose_eq(e.get('error'), got.get('error')) and loose_eq(e.get('cause'), got.get('cause'))
        if good: ok += 1
        else:
            bad += 1
            print('MISS', 'NEW' if c['new'] else 'OLD', c['key'])
            print('   template', c['template'])
            print('   expected', json.dumps(e)[:600])
            print('   got     ', json.dumps(got)[:600])
print(ok, 'match', bad, 'differ')
