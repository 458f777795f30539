"""TestState parity: LocalStack's AWS-recorded test_state responses for template+input+level tests."""
import ast, json, os, tempfile, re, subprocess, sys, os, glob
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ROOT=os.environ.get('LS_DIR', '/tmp/ls-snap'); BIN=sys.argv[1] if len(sys.argv)>1 else os.environ.get('NEXUS_BIN', 'target/debug/nexus')
exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'extract.py')).read().split('cases=[]')[0])  # helpers: strip5, imports, template_consts
from run_helpers import loose_eq
ok=bad=0
for py in glob.glob(ROOT+'/tests/aws/services/stepfunctions/v2/test_state/*.py'):
    snapf=py[:-3]+'.snapshot.json'
    if not os.path.exists(snapf): continue
    snap=json.load(open(snapf)); src=open(py).read(); tree=ast.parse(src); alias=imports(tree,py)
    # module-level constants
    env={}
    for node in tree.body:
        tgt = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets)==1 else getattr(node, 'target', None)
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(tgt, ast.Name) and node.value is not None:
            try: env[tgt.id]=eval(compile(ast.Expression(node.value),'x','eval'),{'json':json,**{a:type('T',(),c) for a,c in alias.items()}},dict(env))
            except Exception: pass
    funcs={n.name:n for n in ast.walk(tree) if isinstance(n,ast.FunctionDef)}
    for key,v in snap.items():
        m=re.match(r'.*::(test_\w+)(?:\[(.*)\])?$',key)
        if not m or m.group(1) not in funcs: continue
        fn=funcs[m.group(1)]; body=ast.unparse(fn)
        resp=v.get('recorded-content',{}).get('test_case_response')
        if not isinstance(resp,dict) or 'status' not in resp: continue
        calls=[n for n in ast.walk(fn) if isinstance(n,ast.Call) and getattr(n.func,'attr','')=='test_state']
        if len(calls)!=1: continue
        kw={k.arg:k.value for k in calls[0].keywords}
        if set(kw)-{'definition','roleArn','input','inspectionLevel','stateName'}: continue
        if re.search(r'template\[|\.replace\(|lambda|create_lambda',body): continue
        lvl=ast.unparse(kw.get('inspectionLevel',ast.Constant('INFO'))).split('.')[-1].strip("'\"")
        # parametrize
        params={}
        for d in fn.decorator_list:
            if isinstance(d,ast.Call) and getattr(d.func,'attr','')=='parametrize':
                names=[s.strip() for s in d.args[0].value.split(',')]
                vals=d.args[1]; ids=None
                for k in d.keywords:
                    if k.arg=='ids': ids=k.value
                try:
                    vals_v=eval(compile(ast.Expression(vals),'x','eval'),{'json':json,**{a:type('T',(),c) for a,c in alias.items()}},dict(env))
                    ids_v=eval(compile(ast.Expression(ids),'x','eval'),{},dict(env)) if ids is not None else None
                except Exception: vals_v=None
                if vals_v is None: params=None; break
                pid=m.group(2)
                for i,val in enumerate(vals_v):
                    this=ids_v[i] if ids_v else None
                    if this==pid or (pid and this and this in pid.split('-')):
                        if len(names)==1: params[names[0]]=val
                        else: params.update(dict(zip(names,val)))
        if params is None: continue
        # template
        tpl=None
        for n in ast.walk(fn):
            if isinstance(n,ast.Call) and getattr(n.func,'attr','')=='load_sfn_template' and n.args:
                a=n.args[0]
                if isinstance(a,ast.Name) and a.id in params: tpl=params[a.id]
                elif isinstance(a,ast.Attribute) and isinstance(a.value,ast.Name) and a.value.id in alias: tpl=alias[a.value.id].get(a.attr)
        if not tpl or not os.path.exists(str(tpl)): continue
        inp_node=kw.get('input'); inp='{}'
        if inp_node is not None:
            if isinstance(inp_node,ast.Name) and inp_node.id in params: inp=params[inp_node.id]
            else:
                try: inp=eval(compile(ast.Expression(inp_node),'x','eval'),{'json':json},{**env,**params})
                except Exception: continue
        sname=None
        if 'stateName' in kw:
            try: sname=eval(compile(ast.Expression(kw['stateName']),'x','eval'),{},{**env,**params})
            except Exception: continue
        definition=json.loads(strip5(open(tpl).read()))
        open(os.path.join(tempfile.gettempdir(),'ts.json'),'w').write(json.dumps(definition))
        args=[BIN,'test-state',os.path.join(tempfile.gettempdir(),'ts.json'),'--input',inp,'--inspection-level',lvl]
        if sname: args+=['--state',sname]
        p=subprocess.run(args,capture_output=True,text=True)
        try: got=json.loads(p.stdout)
        except Exception: got={'raw':p.stdout[:300],'err':p.stderr[:300]}
        exp={k:v for k,v in resp.items() if k!='ResponseMetadata'}
        def norm(x):
            if isinstance(x,dict): return {k:norm(v) for k,v in x.items()}
            if isinstance(x,str):
                try: return json.loads(x)
                except Exception: return x
            return x
        exp=norm(exp); got=norm(got)
        if loose_eq(exp,got): ok+=1
        else:
            bad+=1; print('MISS',key.split('::',1)[1]); print('  exp',json.dumps(exp)[:700]); print('  got',json.dumps(got)[:700])
print(ok,'match',bad,'differ')
