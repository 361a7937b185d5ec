"""Canonical JSON: one byte form for storage, hashing and streaming.

orjson writes it, because reads stream the stored bytes unchanged, so the stored form must
already be the response form (minified UTF-8, keys in a stable order).

Numbers are kept exactly as sent. A FHIR decimal carries its precision in its text
(`1.50` is not `1.5`, https://hl7.org/fhir/R4/datatypes.html#decimal), and no binary
float holds `0.10000000000000000001` or `1e-400`. orjson parses every fraction into a
float, so text that holds a fraction, an exponent or a long integer is parsed by the
standard library into `FhirDecimal` (a `Decimal` that remembers its text) and written
back as that text; the rest, most records, stays on orjson's fast path.

Input from outside (`loads_request`) is held to more: duplicate keys are refused (they
make the meaning ambiguous), and so are NUL characters (invalid in FHIR strings, and
refused by PostgreSQL), nesting deeper than `max_depth` (every recursive walk of a
resource comes after this check) and arrays longer than `max_repeats`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import orjson

from hoso.core.errors import InvalidRequest

__all__ = ["FhirDecimal", "dumps", "dumps_str", "is_number", "loads", "loads_request"]

# A digit followed by a fraction or an exponent, or 19 digits in a row (past 64 bits):
# every inexact number matches; a match inside a string only costs the slower path.
_INEXACT = re.compile(rb"[0-9](?:[.eE]|[0-9]{18})")
# `\uD800`–`\uDFFF` escapes: the only way JSON text can carry a lone surrogate, which
# the standard library accepts and no UTF-8 encoder can write back.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONG_INTEGER = 18  # digits: below this an int is exact in every engine on the way


class FhirDecimal(Decimal):
    """A JSON number as written: arithmetic as `Decimal`, serialised as its own text."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> FhirDecimal:
        value = super().__new__(cls, text)
        value.text = text
        return value

    def __reduce__(self) -> tuple[type[FhirDecimal], tuple[str]]:
        return (FhirDecimal, (self.text,))


def is_number(value: Any) -> bool:
    """A JSON number as parsed here: int (not bool), float or `Decimal`."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _exact_number(value: Any) -> orjson.Fragment:
    if isinstance(value, FhirDecimal):
        return orjson.Fragment(value.text)
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Canonical minified UTF-8 JSON with sorted keys; decimals as written."""
    return orjson.dumps(value, default=_exact_number, option=orjson.OPT_SORT_KEYS)


def dumps_str(value: Any) -> str:
    return dumps(value).decode()


def _integer(text: str) -> int | FhirDecimal:
    return int(text) if len(text.lstrip("-")) < _LONG_INTEGER else FhirDecimal(text)


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


_EXACT = json.JSONDecoder(parse_float=FhirDecimal, parse_int=_integer,
                          parse_constant=_not_a_number)  # fmt: skip
_EXACT_UNIQUE = json.JSONDecoder(parse_float=FhirDecimal, parse_int=_integer,
                                 parse_constant=_not_a_number,
                                 object_pairs_hook=_unique_keys)  # fmt: skip


def _malformed(detail: object) -> InvalidRequest:
    return InvalidRequest(
        f"JSON không hợp lệ: {detail} / Malformed JSON: {detail}", code="structure"
    )


def loads(data: bytes | str) -> Any:
    """Parse stored or trusted JSON, numbers exact; a syntax error is an `InvalidRequest`."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if _INEXACT.search(raw) is None:
            return orjson.loads(raw)
        return _EXACT.decode(raw.decode() if isinstance(data, bytes) else data)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as exc:
        raise _malformed(exc) from None


def loads_request(data: bytes, *, max_depth: int = 64, max_repeats: int = 1000) -> Any:
    """Parse JSON from outside (a request body, a file, an NDJSON line): numbers exact,
    duplicate keys, NUL, deep nesting and overlong arrays refused with the element path."""
    try:
        text = data.decode("utf-8")
        if _SURROGATE_ESCAPE.search(data):
            orjson.loads(data)  # refuses a lone surrogate; accepts a proper pair
        value = _EXACT_UNIQUE.decode(text)
    except _DuplicateKey as exc:
        raise InvalidRequest(
            f"Khóa JSON '{exc.key}' lặp lại trong một đối tượng / JSON key '{exc.key}' "
            "appears twice in one object",
            code="structure",
            expression=[exc.key],
        ) from None
    except RecursionError:
        raise _too_deep("", max_depth) from None
    except (UnicodeDecodeError, orjson.JSONDecodeError, ValueError) as exc:
        raise _malformed(exc) from None
    check_shape(value, max_depth=max_depth, max_repeats=max_repeats)
    return value


def check_shape(value: Any, *, max_depth: int, max_repeats: int) -> None:
    """Depth, array lengths and NUL characters, walked without recursion; the element
    path is worked out only for a value that fails (the common case stays cheap)."""
    if not _shape_ok(value, max_depth, max_repeats):
        _report_shape(value, max_depth, max_repeats)


def _shape_ok(value: Any, max_depth: int, max_repeats: int) -> bool:
    if type(value) is str:
        return "\x00" not in value
    if type(value) is not dict and type(value) is not list:
        return True
    stack: list[tuple[Any, int]] = [(value, 0)]  # containers only
    while stack:
        node, depth = stack.pop()
        if depth >= max_depth:
            return False
        children = node.values() if type(node) is dict else node
        if type(node) is dict and any("\x00" in key for key in node):
            return False
        if type(node) is list and len(node) > max_repeats:
            return False
        for child in children:
            kind = type(child)
            if kind is str:
                if "\x00" in child:
                    return False
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
    return True


def _report_shape(value: Any, max_depth: int, max_repeats: int) -> None:
    """Raise for the first failing element, with its FHIRPath-like path (from the
    resource type, when the body is a resource)."""
    root = value.get("resourceType") if isinstance(value, dict) else None
    stack: list[tuple[Any, str, int]] = [(value, root if isinstance(root, str) else "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise InvalidRequest(
                    "Chuỗi chứa ký tự NUL (không hợp lệ trong FHIR) / A string holds a NUL "
                    "character (invalid in FHIR)",
                    expression=[path or "$"],
                )
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= max_depth:
            raise _too_deep(path, max_depth)
        if isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in key:
                    raise InvalidRequest(
                        "Tên phần tử chứa ký tự NUL / An element name holds a NUL character",
                        expression=[path or "$"],
                    )
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
            continue
        if len(node) > max_repeats:
            raise InvalidRequest(
                f"Phần tử lặp {len(node)} lần, vượt giới hạn {max_repeats} / The element "
                f"repeats {len(node)} times, over the limit of {max_repeats}",
                code="too-costly",
                expression=[path or "$"],
            )
        stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(node))


def _too_deep(path: str, max_depth: int) -> InvalidRequest:
    return InvalidRequest(
        f"JSON lồng quá {max_depth} cấp / JSON nested deeper than {max_depth} levels",
        code="too-costly",
        expression=[path or "$"],
    )
