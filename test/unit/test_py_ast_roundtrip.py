"""Lossless round trips of py_ast: Python -> IR -> Python, and IR -> text -> IR."""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from xdsl.context import Context
from xdsl.printer import Printer

from klr.dialects import py_ast as p
from klr.frontend.to_py_ast import source_to_py_ast
from klr.frontend.to_python import to_python, unparse
from klr.printing import parse_ir, print_ir

from pyast_strategies import python_sources
from support import EXAMPLES, ROOT

STDLIB = Path(ast.__file__).parent
CORPUS = sorted(
    [str(f.relative_to(ROOT)) for f in EXAMPLES.rglob("*.py")]
    + [str(f.relative_to(ROOT)) for f in (ROOT / "klr").rglob("*.py")]
)
# Real-world Python with constructs kernels never use (match, async, try*, decorators,
# nested f-strings, walrus, star-expressions).
STDLIB_CORPUS = [
    "dataclasses.py",
    "enum.py",
    "textwrap.py",
    "fractions.py",
    "asyncio/taskgroups.py",
    "asyncio/timeouts.py",
    "ast.py",
]


def check_roundtrip(source: str, ctx: Context, name: str = "<src>") -> None:
    tree = ast.parse(source)
    module = source_to_py_ast(source, "m", name)
    module.verify()
    # Python -> py_ast -> Python is the identity on the AST
    assert ast.dump(to_python(module)) == ast.dump(tree)
    # the unparsed source parses to the same AST
    assert ast.dump(ast.parse(unparse(module))) == ast.dump(tree)
    # text -> IR -> text is the identity, and the parsed IR still means the same Python
    text = print_ir(module)
    # klr's fast printer writes exactly what xDSL's own printer writes
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    assert text == stream.getvalue() + "\n\n"
    reparsed = parse_ir(ctx, text).body.block.first_op
    assert isinstance(reparsed, p.ModuleOp)
    reparsed.verify()
    assert print_ir(reparsed) == text
    assert ast.dump(to_python(reparsed)) == ast.dump(tree)


def check_generic_roundtrip(source: str, ctx: Context) -> None:
    module = source_to_py_ast(source, "m", "g.py")
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=True).print_op(module)
    reparsed = parse_ir(ctx, stream.getvalue()).body.block.first_op
    assert print_ir(reparsed) == print_ir(module)


@pytest.mark.parametrize("path", CORPUS)
def test_project_sources_roundtrip(path: str, ctx: Context) -> None:
    check_roundtrip((ROOT / path).read_text(encoding="utf-8"), ctx, path)


@pytest.mark.parametrize("name", STDLIB_CORPUS)
def test_stdlib_roundtrip(name: str, ctx: Context) -> None:
    path = STDLIB / name
    check_roundtrip(path.read_text(encoding="utf-8"), ctx, str(path))


@pytest.mark.parametrize("path", [p for p in CORPUS if p.startswith("examples")])
def test_examples_generic_roundtrip(path: str, ctx: Context) -> None:
    check_generic_roundtrip((ROOT / path).read_text(encoding="utf-8"), ctx)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(python_sources())
def test_generated_programs_roundtrip(source: str) -> None:
    from klr.context import make_context

    check_roundtrip(source, make_context())


def test_locations_are_python_numbering() -> None:
    module = source_to_py_ast("x = 'é' + y\n", "m")
    names = [op for op in module.walk() if isinstance(op, p.NameOp)]
    assert [n.id.data for n in names] == ["x", "y"]
    # columns are UTF-8 byte offsets, as in Python's ast: 'é' is two bytes
    assert names[1].loc is not None and names[1].loc.as_tuple() == (1, 11, 1, 12)
    tree = to_python(module)
    assert tree.body[0].value.right.col_offset == 11  # type: ignore[attr-defined]


def test_unparse_keeps_elif_and_docstrings() -> None:
    src = 'def f(a):\n    """Doc."""\n    if a:\n        return 1\n    elif a > 2:\n        return 2\n'
    out = unparse(source_to_py_ast(src, "m"))
    assert "elif a > 2:" in out and '"""Doc."""' in out


def test_recursion_limit_not_hit_by_long_chains() -> None:
    # a long chain of binary operators nests deeply in the AST
    src = "x = " + " + ".join(f"a{i}" for i in range(300)) + "\n"
    limit = sys.getrecursionlimit()
    module = source_to_py_ast(src, "m")
    assert ast.dump(to_python(module)) == ast.dump(ast.parse(src))
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize(
    "source",
    ['s = "\\ud80a"\n', 'd = {"\\udfff\\ud800": "é\\ud83d\\ude00"}\n', 'f"{x}\\ud800"\n'],
)
def test_lone_surrogates_roundtrip(source: str, ctx: Context) -> None:
    """A string constant may hold a lone surrogate (written as an escape in the source):
    it has no UTF-8 form, so the IR escapes its surrogatepass bytes (found by the
    generated-programs test)."""
    check_roundtrip(source, ctx)
    assert print_ir(source_to_py_ast(source, "m")).isascii() or "é" in source
