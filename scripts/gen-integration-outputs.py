"""Writes engine/data/integration_outputs.json: the output shapes of the request-response
optimized service integrations, from the AWS API models that botocore ships, for TestState's
`mock.fieldValidationMode` (a mocked result is checked against the shape of what the
integration returns).

    python3 scripts/gen-integration-outputs.py      (needs botocore: pip install botocore)

The integrations are those of lint/data/integrations.json (the project's table of optimized
integrations); one whose service or action has no API operation of the same name (HTTP Task,
API Gateway `invoke`, EKS `runJob`, ...) is left out, and so is not checked. Step Functions
changes one member: Lambda `invoke` returns the function's `Payload` as JSON, not as a blob
("Invoke an AWS Lambda function with Step Functions"); and field names start with an upper-case
letter (`executionArn` of the API is `ExecutionArn` in the result). Output format:

    {"botocore": VERSION, "integrations": {"<service>:<action>": "<root shape>"},
     "shapes": {"<service>": {"<shape>": {"t": type, "m": members or item shape, "r": required,
                                          "v": map value shape, "enum": [...]}}}}
"""
import json
import os

import botocore
import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The API model of an integration whose service name differs from botocore's.
MODEL = {
    'bedrock': {'invokeModel': 'bedrock-runtime'},
    'elasticmapreduce': 'emr',
    'states': 'stepfunctions',
}
# Members Step Functions returns otherwise than the API model says.
OVERRIDES = {('lambda', 'invoke'): {'Payload': 'document'}}


def main():
    table = json.load(open(os.path.join(ROOT, 'lint/data/integrations.json')))['services']
    loader = botocore.session.get_session().get_component('data_loader')
    integrations, shapes = {}, {}
    for service, actions in sorted(table.items()):
        for action, patterns in sorted(actions.items()):
            if 'request' not in patterns:
                continue
            model = MODEL.get(service, service)
            if isinstance(model, dict):
                model = model.get(action, service)
            try:
                api = loader.load_service_model(model, 'service-2')
            except Exception:
                continue
            op = api['operations'].get(action[0].upper() + action[1:])
            if not op or 'output' not in op:
                continue
            out = shapes.setdefault(service, {})
            root = op['output']['shape']
            override = OVERRIDES.get((service, action))
            if override:
                # A copy of the root structure with Step Functions' members.
                name = f'{root}#StepFunctions'
                walk(api['shapes'], root, out)
                members = dict(out[root]['m'])
                for member, ty in override.items():
                    out.setdefault(f'#{ty}', {'t': ty})
                    members[member] = f'#{ty}'
                out[name] = dict(out[root], m=members)
                root = name
            else:
                walk(api['shapes'], root, out)
            integrations[f'{service}:{action}'] = root
    path = os.path.join(ROOT, 'engine/data/integration_outputs.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'botocore': botocore.__version__, 'integrations': integrations, 'shapes': shapes},
                  f, separators=(',', ':'), sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)
    print(f'{path}: {len(integrations)} integrations')


def sfn_cased(member):
    """Step Functions returns fields with an upper-case first letter (`executionArn` of the
    API is `ExecutionArn`)."""
    return member[:1].upper() + member[1:]


def walk(api_shapes, name, out):
    if name in out:
        return
    sh = api_shapes[name]
    ty = 'document' if sh.get('document') else sh['type']
    e = {'t': ty}
    out[name] = e
    if ty == 'structure':
        e['m'] = {sfn_cased(k): v['shape'] for k, v in sh.get('members', {}).items()}
        if sh.get('required'):
            e['r'] = [sfn_cased(r) for r in sh['required']]
        for v in e['m'].values():
            walk(api_shapes, v, out)
    elif ty == 'list':
        e['m'] = sh['member']['shape']
        walk(api_shapes, e['m'], out)
    elif ty == 'map':
        e['v'] = sh['value']['shape']
        walk(api_shapes, e['v'], out)
    elif 'enum' in sh:
        e['enum'] = sh['enum']


main()
