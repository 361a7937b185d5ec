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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from antlr4 import CommonTokenStream, InputStream, Token
from antlr4.error.ErrorListener import ErrorListener
from antlr4.tree.Tree import ParseTreeWalker
from fhirpathpy.engine import do_eval
from fhirpathpy.engine.invocations.constants import constants as clock
from fhirpathpy.engine.nodes import ResourceNode, TypeInfo
from fhirpathpy.models import models
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from hoso.warehouse.viewdef.functions import INVOCATIONS

__all__ = [
    "Expression", "FhirPathError", "FhirPathSyntaxError", "node", "parse_expression", "reset_clock",
]  # fmt: skip

R4 = models["r4"]
# fhirpathpy keeps the model on a class attribute (set only by is()/as()); ofType() reads
# it too, so it is set once here for every evaluation.
TypeInfo.model = R4


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

    def evaluate(self, focus: Iterable[Any], variables: Mapping[str, Any]) -> list[Any]:
        """The expression on `focus` (a list of nodes); results are fhirpathpy nodes or
        values (keep them to evaluate nested expressions with their FHIR types)."""
        ctx = {
            "dataRoot": focus,
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
    except Exception as exc:  # the lexer's recognition errors, deep recursion
        raise FhirPathSyntaxError(type(exc).__name__) from None
    if stream.LT(1).type != Token.EOF:
        raise FhirPathSyntaxError(f"thừa / unexpected {stream.LT(1).text!r}")
    listener = ASTPathListener()
    ParseTreeWalker().walk(listener, tree)
    root = listener.parentStack[0]
    return Expression(text, root["children"][0], frozenset(_constants(root)))


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
