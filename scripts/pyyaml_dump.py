#!/usr/bin/env python3
"""Load YAML files with PyYAML (libyaml's parser when available) and print one JSON line
per file: {"path": ..., "ok": true, "docs": [...]} or {"path": ..., "ok": false, "error": ...}.

The oracle of nexus's differential YAML test (schema/tests/pyyaml_differential.rs). PyYAML
resolves plain scalars by YAML 1.1 rules (`yes` is true, `2012-10-17` a date); nexus reads
YAML 1.2's core schema, as CloudFormation reads `AWSTemplateFormatVersion: 2010-09-09` as a
string. So the loader here keeps PyYAML's parser and replaces only the resolver with the
YAML 1.2 core schema, and turns CloudFormation's short tags (`!Ref x`) into their long form
(`{"Ref": "x"}`), as nexus and cfn-lint do. What is compared is then the parse itself.

Usage: pyyaml_dump.py FILE...
"""
import json
import re
import sys

import yaml

try:
    Base = yaml.CSafeLoader  # libyaml's parser, what SAM CLI and cfn-lint use
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    Base = yaml.SafeLoader


class Core12Loader(Base):
    """SafeLoader with the YAML 1.2 core schema's implicit resolvers."""


Core12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
]:
    Core12Loader.add_implicit_resolver(tag, re.compile(pattern), first)


def construct_int(loader, node):
    text = loader.construct_scalar(node)
    body = text.lstrip("+")
    if body.startswith("0o"):
        return int(body[2:], 8)
    if body.startswith("0x"):
        return int(body[2:], 16)
    return int(body, 10)


def construct_float(loader, node):
    return float(loader.construct_scalar(node))


def construct_str(loader, node):
    return loader.construct_scalar(node)


Core12Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
Core12Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
# Timestamps and the other YAML 1.1 types are not in the 1.2 core schema.
Core12Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_str)

LONG_FORM = {"Ref": "Ref", "Condition": "Condition"}


def construct_cfn(loader, suffix, node):
    key = LONG_FORM.get(suffix, "Fn::" + suffix)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and "." in value:
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


Core12Loader.add_multi_constructor("!", construct_cfn)


def main(paths):
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                docs = list(yaml.load_all(f, Loader=Core12Loader))
            line = {"path": path, "ok": True, "docs": docs}
            print(json.dumps(line, allow_nan=False, default=str))
        except Exception as e:  # noqa: BLE001 - every failure is the oracle's verdict
            print(json.dumps({"path": path, "ok": False, "error": str(e).splitlines()[0]}))


if __name__ == "__main__":
    main(sys.argv[1:])
