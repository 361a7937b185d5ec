"""FHIRPath for the ViewDefinition runner: `fhirpathpy` (beda.software, MIT, maintained)
with what SQL on FHIR v2 needs and it lacks, added through its own hooks.

- Parsing: fhirpathpy's ANTLR grammar, but with an error listener that raises and a
  check that the whole text was read — its `parse()` recovers silently from syntax errors
  (`name.(` parses) and ignores trailing tokens, which would let a wrong view run.
- Evaluation: fhirpathpy's `do_eval` over a context we build ourselves, so that our
  functions (the user-invocation table) receive fhirpathpy's typed nodes, not bare data:
  `getResourceKey()`, `getReferenceKey([Type])`, `lowBoundary()`, `highBoundary()`, and
  `extension(url)` (fhirpathpy's returns only the first matching extension).
- The R4 model (fhirpathpy.models) types choice elements, so `value.ofType(Quantity)` works.
- Navigation made linear: fhirpathpy builds `name.given` by `acc = acc + mapped` for each
  parent (and `where`/`select` flatten the same way), quadratic in the number of
  elements: `name.given.count()` over 100,000 names took 233 s. `_linear_members` and
  `_linear_flatten` do the same steps, with the same fhirpathpy functions, appending in
  place; they replace fhirpathpy's two (process-wide — results are identical, which
  tests/warehouse/test_viewdef_fhirpath.py checks against the originals).
- The common shapes (`name.family`, `value.ofType(Quantity).value`, `where(system =
  'x')`, `first()`, the keys) are evaluated on the JSON directly (plainpath.py), typed by
  the same R4 tables; anything else, and any input where the answers could differ, by
  fhirpathpy.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from antlr4 import CommonTokenStream, InputStream, Token
from antlr4.error.ErrorListener import ErrorListener
from antlr4.tree.Tree import ParseTreeWalker
from fhirpathpy.engine import do_eval, util
from fhirpathpy.engine.invocations.constants import constants as clock
from fhirpathpy.engine.nodes import ResourceNode, TypeInfo
from fhirpathpy.models import models
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from hoso.warehouse.viewdef.functions import INVOCATIONS
from hoso.warehouse.viewdef.plainpath import Plain, compile_plain

__all__ = [
    "Expression", "FhirPathError", "FhirPathSyntaxError", "node", "parse_expression", "reset_clock",
]  # fmt: skip

R4 = models["r4"]
# fhirpathpy keeps the model on a class attribute (set only by is()/as()); ofType() reads
# it too, so it is set once here for every evaluation.
TypeInfo.model = R4


# The module, not the dict of the same name fhirpathpy.engine re-exports.
fhirpathpy_evaluators = importlib.import_module("fhirpathpy.engine.evaluators")
ORIGINAL_MEMBERS = fhirpathpy_evaluators.member_invocation
ORIGINAL_FLATTEN = util.flatten


def _linear_members(ctx: dict, parent_data: Any, tree: Mapping[str, Any]) -> list[Any]:
    """fhirpathpy's member_invocation, each parent's children appended in place."""
    key = do_eval(ctx, parent_data, tree["children"][0])[0].replace("`", "")
    if not isinstance(parent_data, list):
        return []
    if util.is_capitalized(key):
        try:
            return [ResourceNode.create_node(x, key) for x in parent_data
                    if x["resourceType"] == key]  # fmt: skip
        except TypeError:
            pass
    step = fhirpathpy_evaluators.create_reduce_member_invocation(ctx["model"], key)
    found: list[Any] = []
    for item in parent_data:
        found.extend(step([], item))
    return found


def _linear_flatten(items: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


fhirpathpy_evaluators.evaluators["MemberInvocation"] = _linear_members
util.flatten = _linear_flatten


class FhirPathSyntaxError(ValueError):
    """The text is not a FHIRPath expression."""


class FhirPathError(ValueError):
    """The expression failed while evaluating (wrong argument, unknown function…)."""


class _Raise(ErrorListener):
    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
        raise FhirPathSyntaxError(f"cột/column {column + 1}: {msg}")


@dataclass(frozen=True, slots=True, eq=False)
class Expression:
    """A parsed FHIRPath expression: parsed once, evaluated on every focus."""

    text: str
    tree: Mapping[str, Any]
    constants: frozenset[str]  # the %names it reads
    plain: Plain | None  # `name.family`, `value.ofType(Quantity).value`…: without the engine

    def evaluate(self, focus: list[Any], variables: Mapping[str, Any]) -> list[Any]:
        """The expression on `focus` (a list of nodes); results are fhirpathpy nodes or
        values (keep them to evaluate nested expressions with their FHIR types)."""
        if self.plain is not None:
            walked = self.plain(focus)
            if walked is not None:
                return walked
        return [item for item in self._interpret(focus, variables) if not _bare_extension(item)]

    def _interpret(self, focus: list[Any], variables: Mapping[str, Any]) -> list[Any]:
        ctx = {
            "dataRoot": focus,
            "$this": focus,  # `$this` outside a function's argument: the focus itself
            "vars": variables,
            "model": R4,
            "userInvocationTable": INVOCATIONS,
        }
        try:
            return do_eval(ctx, focus, self.tree)
        except RecursionError:
            raise FhirPathError("lồng quá sâu / nested too deeply") from None
        except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
            raise FhirPathError(str(exc)[:300]) from None
        except Exception as exc:  # fhirpathpy raises bare Exception ("Not implemented: …")
            raise FhirPathError(str(exc)[:300]) from None


def parse_expression(text: str) -> Expression:
    """`text` parsed; raises `FhirPathSyntaxError` unless all of it is one expression."""
    lexer = FHIRPathLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_Raise())
    stream = CommonTokenStream(lexer)
    parser = FHIRPathParser(stream)
    parser.removeErrorListeners()
    parser.addErrorListener(_Raise())
    try:
        tree = parser.expression()
    except FhirPathSyntaxError:
        raise
    except RecursionError:  # valid, perhaps, but deeper than the parser's stack allows
        raise FhirPathSyntaxError("lồng quá sâu / nested too deeply") from None
    except Exception as exc:  # the lexer's recognition errors, deep recursion
        raise FhirPathSyntaxError(type(exc).__name__) from None
    if stream.LT(1).type != Token.EOF:
        raise FhirPathSyntaxError(f"thừa / unexpected {stream.LT(1).text!r}")
    listener = ASTPathListener()
    ParseTreeWalker().walk(listener, tree)
    root = listener.parentStack[0]["children"][0]
    return Expression(text, root, frozenset(_constants(root)), compile_plain(text))


def _bare_extension(item: Any) -> bool:
    """fhirpathpy returns a primitive's extension (`_birthDate: {extension: …}`) as an
    element of its own, beside the value; it is no value (its own `evaluate` drops it
    too, when it converts its results)."""
    if not isinstance(item, ResourceNode) or not isinstance(item.data, Mapping):
        return False
    return bool(item.data) and set(item.data) <= {"extension", "id"} and _primitive(item.path)


def _primitive(path: str | None) -> bool:
    return bool(path) and "." not in path and path[0].islower()


def node(value: Any, fhir_type: str) -> ResourceNode:
    """A value as fhirpathpy's typed node (what navigating the resource would give)."""
    return ResourceNode.create_node(value, fhir_type)


def _constants(tree: Mapping[str, Any]) -> Iterable[str]:
    stack = [tree]
    while stack:
        item = stack.pop()
        if item.get("type") == "ExternalConstant":
            identifier = item["children"][0]
            yield identifier.get("text", "").strip("`\"'")
        stack.extend(item.get("children", ()))


def reset_clock() -> None:
    """now()/today() are fixed per evaluation run in fhirpathpy; start a new one."""
    clock.reset()
