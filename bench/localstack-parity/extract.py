"""Extract pure execution cases from LocalStack's AWS-recorded snapshot tests (local check only)."""
import ast, json, os, tempfile, glob, os, re, sys
ROOT = os.environ.get('LS_DIR', '/tmp/ls-snap')
SFN = ROOT + '/tests/aws/services/stepfunctions'
shared = set()
for m in glob.glob(os.environ.get('NEXUS_CONFORMANCE', os.path.join(os.path.dirname(__file__), '../../../shared/conformance')) + '/sfn/*/*/meta.json'):
    shared.add(json.load(open(m))['source_test'])

def strip5(t):
    out=[];i=0;n=len(t);ins=False
    while i<n:
        c=t[i]
        if ins:
            out.append(c)
            if c=='\\': out.append(t[i+1]); i+=2; continue
            if c=='"': ins=False
            i+=1; continue
        if c=='"': ins=True; out.append(c); i+=1; continue
        if t.startswith('//',i):
            j=t.find('\n',i); i=n if j<0 else j; continue
        if t.startswith('/*',i):
            j=t.find('*/',i); i=n if j<0 else j+2; continue
        out.append(c); i+=1
    return re.sub(r',(\s*[}\]])',r'\1',''.join(out))

# template classes: module path -> {CONST: file}
def template_consts(pyfile):
    res={}
    src=open(pyfile).read()
    for m in re.finditer(r'(\w+): Final\[str\] = os\.path\.join\(\s*_THIS_FOLDER,\s*"([^"]+)"\s*\)', src):
        res[m.group(1)] = os.path.join(os.path.dirname(pyfile), m.group(2))
    return res

def imports(tree, pyfile):
    alias={}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and 'templates' in node.module:
            p = ROOT + '/' + node.module.replace('.','/') + '.py'
            if os.path.exists(p):
                consts = template_consts(p)
                for a in node.names:
                    alias[a.asname or a.name] = consts
    return alias

cases=[]
for py in glob.glob(SFN + '/v2/**/test_*.py', recursive=True):
    snapf = py[:-3] + '.snapshot.json'
    if not os.path.exists(snapf): continue
    snap = json.load(open(snapf))
    tree = ast.parse(open(py).read())
    alias = imports(tree, py)
    funcs = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith('test_'):
            funcs[node.name] = node
    for key, v in snap.items():
        rc = v.get('recorded-content', {})
        hist = rc.get('get_execution_history')
        if not hist or not isinstance(hist, dict) or not hist.get('events'): continue
        m = re.match(r'.*::(test_\w+)(?:\[(.*)\])?$', key)
        if not m: continue
        fn = funcs.get(m.group(1))
        if fn is None: continue
        body_src = ast.unparse(fn)
        refs = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in alias and node.attr in alias[node.value.id]:
                refs.add(alias[node.value.id][node.attr])
        # parametrize over templates: decorators
        dec_refs=set()
        for d in fn.decorator_list:
            for node in ast.walk(d):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in alias and node.attr in alias[node.value.id]:
                    dec_refs.add(alias[node.value.id][node.attr])
        param = m.group(2)
        if dec_refs:
            tpl = None
            for d in fn.decorator_list:
                if not (isinstance(d, ast.Call) and getattr(d.func, 'attr', '') == 'parametrize' and len(d.args) >= 2): continue
                vals = d.args[1]
                if not isinstance(vals, (ast.List, ast.Tuple)): continue
                ids = None
                for kw in d.keywords:
                    if kw.arg == 'ids' and isinstance(kw.value, (ast.List, ast.Tuple)):
                        ids = [getattr(e, 'value', None) for e in kw.value.elts]
                argname = d.args[0].value if isinstance(d.args[0], ast.Constant) else ''
                for i, e in enumerate(vals.elts):
                    pid = ids[i] if ids and i < len(ids) else f"{argname}{i}"
                    if pid == param or (param and param.split('-')[0] == pid):
                        rs = {alias[n.value.id][n.attr] for n in ast.walk(e) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in alias and n.attr in alias[n.value.id]}
                        if len(rs) == 1: tpl = rs.pop()
            if tpl is None: continue
            refs = {tpl}
        if len(refs) != 1: continue
        if re.search(r'template\[|definition\.replace|\.replace\(|definition = .*%|update_state_machine|mock', body_src): continue
        tpl = refs.pop()
        try: definition = json.loads(strip5(open(tpl).read()))
        except Exception: continue
        txt = json.dumps(definition)
        if re.search(r'_tbd_|__tbd__|__tbc__|%[A-Z_]+%', txt, re.I): continue
        impure = bool(re.search(r'"Type": "Task"|ItemReader|ResultWriter', txt))
        ev = hist['events']
        started = ev[0].get('executionStartedEventDetails', {})
        inp = started.get('input')
        last = ev[-1]
        t = last['type']
        if t == 'ExecutionSucceeded': exp = {'status':'SUCCEEDED','output': last['executionSucceededEventDetails'].get('output')}
        elif t == 'ExecutionFailed':
            d = last.get('executionFailedEventDetails', {}); exp = {'status':'FAILED','error': d.get('error'),'cause': d.get('cause')}
        elif t == 'ExecutionTimedOut':
            d = last.get('executionTimedOutEventDetails', {}); exp = {'status':'TIMED_OUT','error': d.get('error'),'cause': d.get('cause')}
        else: continue
        src_test = os.path.relpath(py, ROOT) + '::' + key.split('::',1)[1]
        cases.append({'key': key, 'new': src_test not in shared, 'template': os.path.relpath(tpl, ROOT), 'definition': definition, 'input': inp, 'expected': exp, 'impure': impure})
json.dump(cases, open(os.environ.get('LS_CASES', '/tmp/ls-cases.json'),'w'), indent=1)
print(len(cases), 'cases;', sum(c['new'] for c in cases), 'not in the shared corpus')
