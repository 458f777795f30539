"""TestState parity, whole files: LocalStack's AWS-recorded test_state snapshot tests run as they
are written, against nexus, through the CLI (`nexus test-state`) or through `nexus serve` with a
real boto3 client.

    python3 teststate_replay.py NEXUS_BIN [cli|serve] [-v]

Each test function of tests/aws/services/stepfunctions/v2/test_state/*.py is called once per
parametrization that has a recorded snapshot, with stand-ins for its pytest fixtures: the
`stepfunctions` client is nexus, `sfn_snapshot.match(key, value)` compares the value with what
AWS recorded under that key (recorder placeholders such as <resource:1> and "date" match
anything; JSON text is compared parsed). localstack, pytest and json5 are replaced by small
stubs (nothing is installed). A test that needs a real AWS resource (a Lambda function, a
state machine) is counted as skipped, with the reason.
"""
import contextlib, glob, importlib, itertools, json, os, re, subprocess, sys, tempfile, threading, traceback, types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_helpers import loose_eq  # noqa: E402

ROOT = os.environ.get('LS_DIR', '/tmp/ls-snap')
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else 'target/debug/nexus')
MODE = sys.argv[2] if len(sys.argv) > 2 else 'cli'
VERBOSE = '-v' in sys.argv
ROLE = 'arn:aws:iam::111111111111:role/TestStateRole'


class Skip(Exception):
    pass


# ---- stubs: json5, pytest, localstack ---------------------------------------------------------

def strip5(t):
    out = []; i = 0; n = len(t); ins = False
    while i < n:
        c = t[i]
        if ins:
            out.append(c)
            if c == '\\':
                out.append(t[i + 1]); i += 2; continue
            if c == '"':
                ins = False
            i += 1; continue
        if c == '"':
            ins = True; out.append(c); i += 1; continue
        if t.startswith('//', i):
            j = t.find('\n', i); i = n if j < 0 else j; continue
        if t.startswith('/*', i):
            j = t.find('*/', i); i = n if j < 0 else j + 2; continue
        out.append(c); i += 1
    return re.sub(r',(\s*[}\]])', r'\1', ''.join(out))


json5 = types.ModuleType('json5')
json5.loads = lambda s, **k: json.loads(strip5(s))
json5.load = lambda f, **k: json.loads(strip5(f.read()))
sys.modules['json5'] = json5


class Param:
    def __init__(self, values, id=None):
        self.values = values; self.id = id


class Raises:
    def __init__(self, exc):
        self.exc = exc; self.value = None

    def __enter__(self):
        return self

    def __exit__(self, ty, val, tb):
        if val is None:
            raise AssertionError('DID NOT RAISE')
        if isinstance(val, Skip):
            return False
        exc = self.exc if isinstance(self.exc, (type, tuple)) else Exception
        if not isinstance(val, exc):
            return False
        self.value = val
        self.typename = type(val).__name__
        return True


def parametrize(names, values, ids=None, **_):
    def deco(f):
        f.__dict__.setdefault('_params', []).append((names, values, ids))
        return f
    return deco


class Anything:
    """Any attribute, any call: a decorator that returns what it decorates, else itself."""
    def __getattr__(self, k):
        return Anything()

    def __call__(self, *a, **k):
        if len(a) == 1 and callable(a[0]) and not k:
            return a[0]
        return Anything()


pytest = types.ModuleType('pytest')
pytest.param = lambda *values, id=None, **_: Param(values, id)
pytest.raises = lambda exc, **_: Raises(exc)
pytest.mark = Anything(); pytest.mark.parametrize = parametrize
pytest.fixture = Anything(); pytest.skip = lambda *a, **k: (_ for _ in ()).throw(Skip('pytest.skip'))
sys.modules['pytest'] = pytest


class StrConsts(type):
    def __getattr__(cls, k):
        return k


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    m.__getattr__ = lambda k: StrConsts(k, (), {})
    sys.modules[name] = m
    return m


for name in ['localstack', 'localstack.aws', 'localstack.aws.api', 'localstack.testing', 'localstack.testing.aws',
             'localstack.utils', 'localstack.testing.snapshots', 'localstack_snapshot', 'localstack_snapshot.snapshots']:
    module(name)
module('localstack.aws.api.stepfunctions')
module('localstack.aws.api.lambda_')
module('localstack.testing.pytest', markers=Anything())
module('localstack.testing.aws.util', is_aws_cloud=lambda: False)
import hashlib, uuid  # noqa: E402
module('localstack.utils.strings', short_uid=lambda: uuid.uuid4().hex[:8], long_uid=lambda: str(uuid.uuid4()),
       md5=lambda s: hashlib.md5(s.encode() if isinstance(s, str) else s).hexdigest())
arns = types.SimpleNamespace(
    stepfunctions_state_machine_arn=lambda name, account_id, region_name:
        f'arn:aws:states:{region_name}:{account_id}:stateMachine:{name}',
    stepfunctions_standard_execution_arn=lambda sm, name:
        sm.replace(':stateMachine:', ':execution:') + ':' + name,
    stepfunctions_express_execution_arn=lambda sm, name:
        sm.replace(':stateMachine:', ':express:') + ':' + name,
)
module('localstack.utils.aws', arns=arns)
class RegexTransformer:
    """The snapshot library's transformer: `regex` in a recorded value became `replacement`."""
    def __init__(self, regex, replacement, *a, **k):
        self.regex = regex if hasattr(regex, 'sub') else re.compile(re.escape(str(regex)))
        self.replacement = replacement

    def apply(self, x):
        if isinstance(x, dict):
            return {k: self.apply(v) for k, v in x.items()}
        if isinstance(x, list):
            return [self.apply(v) for v in x]
        if isinstance(x, str):
            return self.regex.sub(self.replacement, x)
        return x


class JsonpathTransformer:
    """The snapshot library's transformer for `$..a..b` paths: the values there became
    `replacement`."""
    def __init__(self, jsonpath, replacement, *a, **k):
        self.keys = [p for p in jsonpath.lstrip('$').split('..') if p]
        self.replacement = replacement

    def apply(self, x, keys=None):
        keys = self.keys if keys is None else keys
        if isinstance(x, list):
            return [self.apply(v, keys) for v in x]
        if not isinstance(x, dict):
            return x
        out = {}
        for k, v in x.items():
            if k == keys[0] and len(keys) == 1:
                out[k] = self.replacement
            elif k == keys[0]:
                out[k] = self.apply(v, keys[1:])
            else:
                out[k] = self.apply(v, keys)
        return out


module('localstack.testing.snapshots.transformer', RegexTransformer=RegexTransformer, JsonpathTransformer=JsonpathTransformer)
module('localstack_snapshot.snapshots.transformer', RegexTransformer=RegexTransformer, JsonpathTransformer=JsonpathTransformer,
       GenericTransformer=Anything())
sys.path.insert(0, ROOT)


# ---- the client: nexus through the CLI or serve -------------------------------------------------

from botocore.exceptions import ClientError, ParamValidationError  # noqa: E402

_errors = {}


def error_class(code):
    """The exception class boto3 raises for an API error code (named after the code)."""
    return _errors.setdefault(code, type(code, (ClientError,), {}))


def api_error(code, message):
    return error_class(code)({'Error': {'Code': code, 'Message': message}, 'message': message,
                              'ResponseMetadata': {'HTTPHeaders': {}, 'HTTPStatusCode': 400}}, 'TestState')


class Exceptions:
    def __getattr__(self, k):
        return error_class(k)


class CliSfn:
    exceptions = Exceptions()

    def test_state(self, **kw):
        d = tempfile.mkdtemp()
        path = os.path.join(d, 'definition.json')
        with open(path, 'w') as f:
            f.write(kw.pop('definition'))
        args = [BIN, 'test-state', path]
        flags = {'stateName': '--state', 'input': '--input', 'roleArn': '--role-arn',
                 'inspectionLevel': '--inspection-level', 'variables': '--variables', 'context': '--context'}
        for k, v in kw.items():
            if k in flags:
                args += [flags[k] + '=' + str(v)]
            elif k == 'mock':
                args += ['--mock', json.dumps(v)]
            elif k == 'stateConfiguration':
                args += ['--state-configuration', json.dumps(v)]
            elif k == 'revealSecrets':
                if v:
                    args += ['--reveal-secrets']
            else:
                raise Skip('no CLI flag for ' + k)
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode == 2:
            m = re.match(r'An error occurred \((\w+)\) when calling the TestState operation: (.*)', p.stderr.strip(), re.S)
            if not m:
                report = p.stderr.strip()
                if report.startswith('Parameter validation failed:'):
                    raise ParamValidationError(report=report.split('\n', 1)[-1])
                raise RuntimeError(report)
            raise api_error(m.group(1), m.group(2))
        out = json.loads(p.stdout)
        out['ResponseMetadata'] = {'HTTPHeaders': {}, 'HTTPStatusCode': 200}
        return out


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp()
        self.proc = subprocess.Popen([BIN, 'serve', '--port', '0', '--data-dir', self.dir],
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        if 'listening on ' not in line:
            raise RuntimeError('nexus serve did not start: ' + line)
        self.url = line.split('listening on ')[1].split()[0]
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()

    def client(self):
        import boto3, botocore.config
        return boto3.client('stepfunctions', endpoint_url=self.url, region_name='us-east-1',
                            aws_access_key_id='test', aws_secret_access_key='test',
                            config=botocore.config.Config(retries={'max_attempts': 1}, inject_host_prefix=False))

    def stop(self):
        self.proc.terminate(); self.proc.wait()


class Client:
    def __init__(self, sfn):
        self.stepfunctions = sfn

    def __getattr__(self, k):
        raise Skip('needs the ' + k + ' client')


class OnlyTestState:
    """The stepfunctions client, TestState only (the tests make nothing else on AWS's side)."""
    def __init__(self, sfn):
        self.sfn = sfn
        self.exceptions = sfn.exceptions

    def test_state(self, **kw):
        return self.sfn.test_state(**kw)

    def __getattr__(self, k):
        raise Skip('needs stepfunctions.' + k)


# ---- snapshots ------------------------------------------------------------------------------------

def scrub(x):
    """What the recorder did to AWS's answers: account ids became 111111111111, ISO
    timestamps the word "date"."""
    if isinstance(x, dict):
        return {k: scrub(v) for k, v in x.items()}
    if isinstance(x, list):
        return [scrub(v) for v in x]
    if isinstance(x, str):
        if re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?', x):
            return 'date'
        return re.sub(r':\d{12}:', ':111111111111:', x)
    return x


def norm(x):
    if isinstance(x, BaseException):
        return str(x)
    if isinstance(x, dict):
        return {k: norm(v) for k, v in x.items() if k not in ('ResponseMetadata',)}
    if isinstance(x, list):
        return [norm(v) for v in x]
    if isinstance(x, str):
        try:
            v = json.loads(x)
            if isinstance(v, (dict, list)):
                return norm(v)
            return v
        except Exception:
            return x
    return x


class Snapshot:
    def __init__(self, recorded):
        self.recorded = recorded; self.misses = []; self.matched = 0; self.transformers = []
        self.transform = Anything()

    def add_transformer(self, t, *a, **k):
        for x in (t if isinstance(t, list) else [t]):
            if isinstance(x, (RegexTransformer, JsonpathTransformer)):
                self.transformers.append(x)

    def add_transformers_list(self, ts, *a, **k):
        self.add_transformer(list(ts))

    def match(self, key, value):
        if key not in self.recorded:
            self.misses.append((key, 'not recorded', None)); return
        got = norm(value)
        for t in self.transformers:
            got = t.apply(got)
        exp = norm(self.recorded[key]); got = scrub(got)
        if isinstance(exp, dict) and 'Error' in exp:
            # An API error: its code and message.
            exp = {'Error': exp['Error']}
            got = {'Error': got.get('Error')} if isinstance(got, dict) else got
        if loose_eq(exp, got):
            self.matched += 1
        else:
            self.misses.append((key, exp, got))


# ---- pytest's parametrization ids -----------------------------------------------------------------

def idval(v, name, i):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return str(v)
    if isinstance(v, type) and v.__class__ is StrConsts:
        return v.__name__
    return f'{name}{i}'


def combos(fn):
    """(id, kwargs) for each parametrization of fn, as pytest names them."""
    layers = []
    for names, values, ids in fn.__dict__.get('_params', []):
        names = [n.strip() for n in names.split(',')] if isinstance(names, str) else list(names)
        layer = []
        for i, v in enumerate(values):
            pid = None
            if isinstance(v, Param):
                pid = v.id; v = v.values if len(names) > 1 else v.values[0]
            vals = list(v) if len(names) > 1 else [v]
            if pid is None and ids is not None:
                pid = ids[i] if not callable(ids) else ids(v)
            if pid is None:
                pid = '-'.join(idval(x, n, i) for x, n in zip(vals, names))
            layer.append((pid, dict(zip(names, vals))))
        layers.append(layer)
    if not layers:
        yield None, {}
        return
    for combo in itertools.product(*layers):
        kw = {}
        for _, d in combo:
            kw.update(d)
        yield '-'.join(p for p, _ in combo), kw


# ---- the run ----------------------------------------------------------------------------------------

def fixtures(names, client, snap, params):
    kw = {}
    for n in names:
        if n in params:
            kw[n] = params[n]
        elif n in ('aws_client', 'aws_client_no_sync_prefix'):
            kw[n] = client
        elif n == 'sfn_snapshot':
            kw[n] = snap
        elif n == 'create_state_machine_iam_role':
            kw[n] = lambda *a, **k: ROLE
        elif n == 'account_id':
            kw[n] = '111111111111'
        elif n == 'region_name':
            kw[n] = 'us-east-1'
        else:
            # A fixture that makes an AWS resource: fine while the test does not use it.
            def needs(*a, _n=n, **k):
                raise Skip('needs the fixture ' + _n)
            kw[n] = needs
    return kw


def main():
    server = Server() if MODE == 'serve' else None
    sfn = server.client() if server else CliSfn()
    client = Client(OnlyTestState(sfn))
    total = matched = skipped = 0
    skips = {}
    try:
        for py in sorted(glob.glob(ROOT + '/tests/aws/services/stepfunctions/v2/test_state/*.py')):
            snapf = py[:-3] + '.snapshot.json'
            if not os.path.exists(snapf):
                continue
            snaps = json.load(open(snapf))
            modname = os.path.relpath(py[:-3], ROOT).replace('/', '.')
            mod = importlib.import_module(modname)
            tests = {}
            for cname, cls in vars(mod).items():
                if isinstance(cls, type) and cname.startswith('Test'):
                    for fname, fn in vars(cls).items():
                        if fname.startswith('test_') and callable(fn):
                            tests[fname] = (cls, fn)
            for key, v in snaps.items():
                total += 1
                m = re.match(r'.*::(test_\w+)(?:\[(.*)\])?$', key)
                name = key.split('::', 1)[1]
                if not m or m.group(1) not in tests:
                    skipped += 1; skips.setdefault('no such test', []).append(name); continue
                cls, fn = tests[m.group(1)]
                params = next((kw for pid, kw in combos(fn) if pid == m.group(2)), None)
                if params is None:
                    skipped += 1; skips.setdefault('parametrization not found', []).append(name); continue
                snap = Snapshot(v.get('recorded-content', {}))
                argnames = fn.__code__.co_varnames[1:fn.__code__.co_argcount]
                try:
                    fn(cls(), **fixtures(argnames, client, snap, params))
                except Skip as e:
                    skipped += 1; skips.setdefault(str(e), []).append(name); continue
                except Exception as e:
                    snap.misses.append(('(raised)', None, f'{type(e).__name__}: {e}'))
                    if VERBOSE:
                        traceback.print_exc()
                if not snap.misses and snap.matched == len(snap.recorded):
                    matched += 1
                else:
                    print('MISS', name)
                    for k, exp, got in snap.misses[:3]:
                        print('  ', k, '\n     exp', json.dumps(exp)[:600], '\n     got', json.dumps(got)[:600])
                    if not snap.misses:
                        print('   not every recorded key was matched')
    finally:
        if server:
            server.stop()
    for reason, names in sorted(skips.items()):
        print(f'skipped ({reason}): {len(names)}', ', '.join(names[:3]) + (' ...' if len(names) > 3 else ''))
    print(f'{MODE}: {matched} match, {total - matched - skipped} differ, {skipped} skipped, of {total} snapshots')


main()
