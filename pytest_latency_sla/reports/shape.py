"""The shape of a JSON report read back from a file (``latency-sla merge``): every result row
has the keys the renderers read, and every key it has the type ``records`` declares, so that a
hand-edited or truncated file is refused with one line naming the row and the key instead of
failing half-way through a table.

What is required of a result row is what the renderers read without a default: its ``nodeid``
and ``n``; its ``thresholds``, except in a crashed or interrupted row (nothing was judged); the
``confidence`` of a capacity search. Every other key of ``ResultDict`` may be missing (a
``pytest_latency_sla_report`` hook may drop data), but where present has its declared type.
A nested record (a threshold, a load run, a capacity search and its probes, a comparison's
sides, a histogram) is written whole by the plugin, so it must hold every key its ``TypedDict``
requires; a threshold without ``kind`` is a budget, as ``messages.verdict.ratio_of`` reads it.
Keys the records do not name are left alone.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from ..messages.files import merge_bad_environment, merge_bad_result, shape_expected, shape_got
from ..records import EnvironmentDict, ResultDict

__all__ = ["ShapeError", "check_environment", "check_result", "required_keys"]

_NoneType = type(None)


class ShapeError(ValueError):
    """A record that does not have the shape the renderers read; the message names the record
    (and its file, where known) and the key."""


def required_keys(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys of ``ResultDict`` that the renderers read from ``row`` without a default."""
    keys = ["nodeid", "n"]
    if row.get("outcome") not in ("crashed", "interrupted"):
        keys.append("thresholds")
    if "capacity" in row:
        keys.append("confidence")
    return tuple(keys)


def check_result(row: object, index: int, source: str) -> None:
    """Raise ``ShapeError`` naming ``source``, the row (``results[index]`` and its node id)
    and the first key that is missing or of the wrong type; return quietly for a good row."""
    nodeid = row.get("nodeid") if isinstance(row, dict) else None
    try:
        if not isinstance(row, dict):
            raise _Bad("", ResultDict, row)
        _check_record(row, ResultDict, "", required_keys(row))
    except _Bad as bad:
        shown = nodeid if isinstance(nodeid, str) else None
        raise ShapeError(merge_bad_result(source, index, shown, bad.path, *_said(bad))) from None


def check_environment(environment: object, source: str) -> None:
    """Raise ``ShapeError`` for an environment that is not an object or holds a known key of
    the wrong type (every key of ``EnvironmentDict`` may be missing)."""
    try:
        if not isinstance(environment, dict):
            raise _Bad("", EnvironmentDict, environment)
        _check_record(environment, EnvironmentDict, "", ())
    except _Bad as bad:
        raise ShapeError(merge_bad_environment(source, bad.path, *_said(bad))) from None


class _Bad(Exception):
    """``path`` (``thresholds[0].verdict``; empty for the record itself) should be ``kind`` (a
    type, or the tuple of a union's types); ``value`` is what it is, ``_MISSING`` where the key
    is absent."""

    def __init__(self, path: str, kind: Any, value: object) -> None:
        super().__init__(path)
        self.path, self.kind, self.value = path, kind, value


_MISSING = object()


def _said(bad: _Bad) -> tuple[str, str | None]:
    """What was expected, and what was found (``None``: the key is missing)."""
    got = None if bad.value is _MISSING else shape_got(_json_kind(bad.value), _shown(bad.value))
    return shape_expected(_describe(bad.kind)), got


def _check_record(
    value: dict[str, Any], record: Any, path: str, required: tuple[str, ...] | None = None
) -> None:
    """``value`` against the ``TypedDict`` ``record``: the ``required`` keys (default: those
    the ``TypedDict`` requires) present, every key it declares of its declared type."""
    hints = _hints(record)
    need = _required(record) if required is None else required
    for key, kind in hints.items():
        where = f"{path}.{key}" if path else key
        if key in value:
            _check(value[key], kind, where)
        elif key in need:
            raise _Bad(where, kind, _MISSING)


def _check(value: object, kind: Any, path: str) -> None:
    origin = get_origin(kind)
    if kind is Any:
        return
    if origin in (Union, types.UnionType):
        _check_union(value, get_args(kind), path)
    elif origin is Literal:
        if not any(type(value) is type(a) and value == a for a in get_args(kind)):
            raise _Bad(path, kind, value)
    elif typing.is_typeddict(kind):
        if not isinstance(value, dict):
            raise _Bad(path, kind, value)
        _check_record(value, kind, path)
    elif origin is list:
        if not isinstance(value, list):
            raise _Bad(path, kind, value)
        (item,) = get_args(kind)
        for i, element in enumerate(value):
            _check(element, item, f"{path}[{i}]")
    elif origin is dict:
        if not isinstance(value, dict):
            raise _Bad(path, kind, value)
        _, item = get_args(kind)
        for key, element in value.items():
            _check(element, item, f"{path}[{json.dumps(key)}]")
    elif not _is_instance(value, kind):
        raise _Bad(path, kind, value)


def _check_union(value: object, members: tuple[Any, ...], path: str) -> None:
    records = [m for m in members if typing.is_typeddict(m)]
    if records:  # records told apart by their "kind"; a threshold without one is a budget
        if not isinstance(value, dict):
            raise _Bad(path, members, value)
        kind = value.get("kind", _MISSING)
        for record in records:
            allowed = get_args(_hints(record).get("kind", Literal[None]))
            if kind in allowed or (kind is _MISSING and record is records[0]):
                required = tuple(k for k in _required(record) if k != "kind")
                _check_record(value, record, path, required)
                return
        raise _Bad(f"{path}.kind", tuple(_hints(r)["kind"] for r in records), kind)
    for member in members:
        try:
            _check(value, member, path)
        except _Bad:
            continue
        return
    raise _Bad(path, members, value)


def _is_instance(value: object, kind: Any) -> bool:
    if kind is float:  # JSON writes 2.0 as 2.0, but a hand-written file may say 2
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is _NoneType:
        return value is None
    return isinstance(value, kind)


@cache
def _hints(record: Any) -> dict[str, Any]:
    return typing.get_type_hints(record)


@cache
def _required(record: Any) -> frozenset[str]:
    """The keys ``record`` requires. Read from the annotations, not ``__required_keys__``: under
    ``from __future__ import annotations`` Python 3.11 counts a ``NotRequired`` key as required
    there."""
    hints = typing.get_type_hints(record, include_extras=True)
    optional = {k for k, kind in hints.items() if get_origin(kind) is typing.NotRequired}
    forced = {k for k, kind in hints.items() if get_origin(kind) is typing.Required}
    return frozenset(forced if not record.__total__ else set(hints) - optional)


def _describe(kind: Any) -> list[str]:
    """The JSON kinds ``kind`` (a type, or a tuple of the types of a union) allows:
    ``["an integer"]``, ``['"pass"', '"fail"', "null"]``."""
    if isinstance(kind, tuple):
        return [word for member in kind for word in _describe(member)]
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        return [word for member in get_args(kind) for word in _describe(member)]
    if origin is Literal:
        return [json.dumps(a) for a in get_args(kind)]
    if typing.is_typeddict(kind) or origin is dict or kind is dict:
        return ["an object"]
    if origin is list:
        return ["a list"]
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    return [names.get(kind, "null" if kind is _NoneType else str(kind))]


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _shown(value: object, keep: int = 40) -> str:
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= keep else text[: keep - 3] + "..."
