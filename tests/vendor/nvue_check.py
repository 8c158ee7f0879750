"""NVUE oracle: NVIDIA's NVUE object model per Cumulus Linux release (PyPI ``nvueschema``, pydantic
models generated from the NVUE OpenAPI spec), made strict here:

- unknown keys are refused (the generated models ignore them, which would accept any typo):
  :func:`unknown_keys` walks the document along the models' fields;
- the document is read the way NVUE reads it: ``on`` / ``off`` / ``yes`` / ``no`` stay strings
  (YAML 1.1 loaders would turn them into booleans), and validated in pydantic's strict JSON mode
  (no coercion: a number where NVUE wants a string is refused).

``NvueOracle(release).check(startup_yaml_text) -> (ok, reasons)``.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present (10x faster)


class NvueLoader(_BASE):  # type: ignore[valid-type,misc]
    """YAML 1.2-style booleans: only true/false (NVUE's on/off are strings)."""


NvueLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
NvueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def releases() -> tuple[str, ...]:
    from nvueschema.models._versions import VERSIONS

    return tuple(VERSIONS)


@functools.cache
def root_model(release: str) -> type[BaseModel]:
    mod = importlib.import_module(f"nvueschema.models.v{release.replace('.', '_')}")
    root: type[BaseModel] = mod.NvueConfig
    return root


def _models_of(annotation: Any) -> list[Any]:
    """The model / container types an annotation allows (Optional and Union unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for a in typing.get_args(annotation):
            out.extend(_models_of(a))
        return out
    if origin is typing.Annotated:
        return _models_of(typing.get_args(annotation)[0])
    return [annotation]


def unknown_keys(value: Any, annotation: Any, path: str = "") -> list[str]:
    """Keys the model does not define, anywhere in ``value`` (the generated models ignore them:
    this is the ``extra='forbid'`` the schema means)."""
    for t in _models_of(annotation):
        origin = typing.get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(value, dict):
            fields = {(f.alias or n): f for n, f in t.model_fields.items()}
            out = [f"{path}/{k}: not in the NVUE schema" for k in value if k not in fields]
            for k, v in value.items():
                if k in fields and v is not None:
                    out.extend(unknown_keys(v, fields[k].annotation, f"{path}/{k}"))
            return out
        if origin in (dict, typing.Dict) and isinstance(value, dict):  # noqa: UP006
            item = typing.get_args(t)[1]
            return [e for k, v in value.items() for e in unknown_keys(v, item, f"{path}/{k}")]
        if origin in (list, typing.List) and isinstance(value, list):  # noqa: UP006
            item = typing.get_args(t)[0]
            return [e for i, v in enumerate(value) for e in unknown_keys(v, item, f"{path}/{i}")]
    return []


def load(text: str) -> Any:
    return yaml.load(text, Loader=NvueLoader)


class NvueOracle:
    def __init__(self, release: str) -> None:
        self.release = release
        self.model = root_model(release)

    def check(self, text: str) -> tuple[bool, list[str]]:
        doc = load(text)
        if not (isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], dict) and list(doc[0]) == ["set"]):
            return False, ["not an NVUE '- set:' document"]
        reasons = self.check_set(doc[0]["set"])
        return not reasons, reasons

    def check_set(self, obj: Any) -> list[str]:
        """Why this release's object model refuses the object of one ``- set:`` item ([]: accepted)."""
        extra = unknown_keys(obj, self.model)
        if extra:
            return extra
        try:
            self.model.model_validate_json(json.dumps(obj), strict=True)
        except ValidationError as exc:
            return [
                f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" + (f" (got {e['input']!r})"[:160]
                                                                      if not isinstance(e["input"], dict) else "")
                for e in exc.errors()
            ]
        return []


# --------------------------------------------------------------------------- defaults

_ENABLED = re.compile(r"This feature is (enabled|disabled) by default")
_THIS_IS_THE_DEFAULT = re.compile(r"""If ['"]([^'"]+)['"],?[^.]*\.\s+This is the default""")


def described_default(description: str | None) -> str | None:
    """The default value a field's description in NVIDIA's object model states (None: none
    stated): ``This feature is enabled/disabled by default`` (``on`` / ``off``) or ``If 'X',
    ... This is the default``."""
    if not description:
        return None
    m = _ENABLED.search(description)
    if m:
        return "on" if m.group(1) == "enabled" else "off"
    m = _THIS_IS_THE_DEFAULT.search(description)
    return m.group(1) if m else None


def default_valued(value: Any, annotation: Any, documented: dict[str, str] | None = None,
                   path: str = "") -> list[tuple[str, str]]:
    """(path, value) of every leaf of ``value`` whose value is the field's default: the one its
    description in the model states, or ``documented[generic path]`` (``*`` for map keys) for a
    default NVIDIA documents elsewhere. NVUE keeps no such key: ``nv config show`` leaves it out."""
    documented = documented or {}
    out: list[tuple[str, str]] = []
    for t in _models_of(annotation):
        origin = typing.get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(value, dict):
            fields = {(f.alias or n): f for n, f in t.model_fields.items()}
            for k, v in value.items():
                f = fields.get(k)
                if f is None or v is None:
                    continue
                sub = f"{path}/{k}"
                if not isinstance(v, dict | list):
                    generic = re.sub(r"/\{[^}]*\}", "/*", sub)
                    want = documented.get(generic, described_default(f.description))
                    if want is not None and str(v) == want:
                        out.append((sub, str(v)))
                else:
                    out.extend(default_valued(v, f.annotation, documented, sub))
            return out
        if origin in (dict, typing.Dict) and isinstance(value, dict):  # noqa: UP006
            item = typing.get_args(t)[1]
            for k, v in value.items():
                out.extend(default_valued(v, item, documented, f"{path}/{{{k}}}"))
            return out
    return out
