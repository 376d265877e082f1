"""Strict checks for data read from JSON: exact keys, exact types, finite numbers.

Every check raises ``ValueError`` naming the offending entry by its path in the
document (``preprocessing.columns[2].scale``), so a damaged model file is refused with
a message that says where the damage is. ``bool`` is never accepted as a number
(``True`` is an ``int`` in Python, but a coefficient of ``true`` is a corrupted file).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["expect_keys", "expect_str", "expect_bool", "expect_int", "expect_float",
           "expect_list", "expect_dict", "expect_optional"]


def expect_dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a JSON object, got {_kind(value)}.")
    return value


def expect_keys(obj: Any, where: str, required: set[str], optional: frozenset | set = frozenset()
                ) -> dict:
    """``obj`` is a dict with every key in ``required``, and no key outside both sets."""
    expect_dict(obj, where)
    missing = sorted(required - obj.keys())
    if missing:
        raise ValueError(f"{where} lacks the key {missing[0]!r}.")
    extra = sorted(obj.keys() - required - set(optional))
    if extra:
        raise ValueError(f"{where} has an unknown key {extra[0]!r}.")
    return obj


def expect_str(value: Any, where: str, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string, got {_kind(value)}.")
    if choices is not None and value not in choices:
        raise ValueError(f"{where} must be one of {', '.join(map(repr, choices))}, got {value!r}.")
    return value


def expect_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false, got {_kind(value)}.")
    return value


def expect_int(value: Any, where: str, minimum: int | None = None,
               maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} must be an integer, got {_kind(value)}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{where} must be at most {maximum}, got {value}.")
    return value


def expect_float(value: Any, where: str, positive: bool = False) -> float:
    """A finite JSON number (an integer literal is accepted and converted)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, got {_kind(value)}.")
    if isinstance(value, int) and abs(value) > 2**53:
        raise ValueError(f"{where} = {value} is an integer beyond 2**53, which a float64 "
                         "cannot hold exactly; write it as a float.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where} must be finite, got {value}.")
    if positive and not value > 0:
        raise ValueError(f"{where} must be positive, got {value!r}.")
    return value


def expect_list(value: Any, where: str, length: int | None = None) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a JSON array, got {_kind(value)}.")
    if length is not None and len(value) != length:
        raise ValueError(f"{where} must have {length} entries, got {len(value)}.")
    return value


def expect_optional(check, value: Any, where: str, *args, **kwargs):
    """``None`` or whatever ``check`` accepts."""
    return None if value is None else check(value, where, *args, **kwargs)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "an integer", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
