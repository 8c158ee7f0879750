"""Validate Kubernetes objects against the CustomResourceDefinitions in ``crds/`` (see
crds/SOURCE.md): the version's OpenAPI v3 schema through jsonschema, its CEL
``x-kubernetes-validations`` through cel-python (transition rules that use ``oldSelf`` only apply
to updates and are skipped), and the object metadata through Kubernetes' name and label rules."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml

CRDS = Path(__file__).parent / "crds"

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@cache
def crd_schemas() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> openAPIV3Schema of every served version."""
    out = {}
    for f in sorted(CRDS.glob("*.yaml")):
        for doc in yaml.safe_load_all(f.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for v in spec["versions"]:
                if v.get("served", True):
                    out[(spec["group"], v["name"], spec["names"]["kind"])] = v["schema"]["openAPIV3Schema"]
    return out


def label_key_errors(key: str) -> list[str]:
    prefix, _, name = key.rpartition("/")
    errs = []
    if prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        errs.append(f"label key prefix {prefix!r} is not a DNS subdomain")
    if not name or len(name) > 63 or not LABEL_NAME.match(name):
        errs.append(f"label key name {name!r} is invalid")
    return errs


def label_value_errors(value: str) -> list[str]:
    if len(value) > 63 or not LABEL_VALUE.match(value):
        return [f"label value {value!r} is invalid"]
    return []


def metadata_errors(meta: dict[str, Any]) -> list[str]:
    errs = []
    name = meta.get("name", "")
    if not name or len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        errs.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    ns = meta.get("namespace")
    if ns is not None and (len(ns) > 63 or not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", ns)):
        errs.append(f"metadata.namespace {ns!r} is not a DNS-1123 label")
    for k, v in (meta.get("labels") or {}).items():
        errs += label_key_errors(k) + label_value_errors(str(v))
    for k in meta.get("annotations") or {}:
        errs += label_key_errors(k)
    return errs


_CEL = celpy.Environment()


@cache
def _program(rule: str) -> Any:
    return _CEL.program(_CEL.compile(rule))


def cel_errors(schema: dict[str, Any], value: Any, path: str = "") -> list[str]:
    errs: list[str] = []
    for v in schema.get("x-kubernetes-validations", []):
        rule = v["rule"]
        if "oldSelf" in rule:
            continue
        ok = _program(rule).evaluate({"self": celpy.json_to_cel(value)})
        if ok is not True and str(ok) != "True":
            errs.append(f"{path or '/'}: {v.get('message', rule)} ({rule})")
    if isinstance(value, dict):
        for k, sub in (schema.get("properties") or {}).items():
            if k in value:
                errs += cel_errors(sub, value[k], f"{path}/{k}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errs += cel_errors(schema["items"], item, f"{path}/{i}")
    return errs


def validate(obj: dict[str, Any]) -> list[str]:
    """Every problem the API server would report for ``obj`` at create time (schema, CEL, names)."""
    api = obj.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    key = (group, version, obj.get("kind", ""))
    schema = crd_schemas().get(key)
    if schema is None:
        return [f"no CRD for {key} in {CRDS}"]
    v = jsonschema.Draft7Validator(schema)
    errs = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(obj)]
    errs += cel_errors(schema, obj)
    errs += metadata_errors(obj.get("metadata") or {})
    return errs
