"""`klr.gather`: reachability, import resolution, the import table, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import klr
from klr.diagnostics import KlrError
from klr.dialects import py_ast as p
from klr.frontend.gather import GatherResult, free_names
from klr.frontend.to_python import to_python
from support import EXAMPLE_KERNELS, EXAMPLES


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def modules(result: GatherResult) -> dict[str, p.ModuleOp]:
    return {op.sym_name.data: op for op in result.program.body.block.ops if isinstance(op, p.ModuleOp)}


def bindings(result: GatherResult) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    return {
        (b.module.data, b.local.data): (b.kind.data.value, b.target.data, b.member.data if b.member else None)
        for b in result.program.body.block.ops
        if isinstance(b, p.BindingOp)
    }


def defined(mod: p.ModuleOp) -> list[str]:
    """Names the gathered statements of a module define, in order."""
    out: list[str] = []
    for stmt in to_python(mod).body:
        import ast

        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            out.append(stmt.name)
        elif isinstance(stmt, ast.Assign):
            out += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return out


@pytest.mark.parametrize("path,kernel", EXAMPLE_KERNELS)
def test_every_example_gathers(path: str, kernel: str) -> None:
    result = klr.gather(EXAMPLES / path, kernel)
    result.module.verify()
    assert result.program.entry.data == kernel
    assert not result.warnings, [d.message for d in result.warnings]
    mods = modules(result)
    entry = mods[result.program.entry_module.data]
    assert kernel in defined(entry)
    # the NumPy reference and the test helpers are never reached from the kernel
    assert "reference" not in defined(entry) and "example_inputs" not in defined(entry)


def test_only_reached_definitions_are_gathered(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "k.py": """
                import nki.language as nl
                TILE = 128
                OTHER = 7
                SCALE = TILE * 2

                def helper(x):
                    return x * SCALE

                def unused():
                    return OTHER

                class Cfg(nl.NKIObject):
                    def size(self):
                        return helper(TILE)

                def kernel(a):
                    return Cfg().size() + a
            """
        },
    )
    result = klr.gather(tmp_path / "k.py", "kernel")
    assert defined(modules(result)["k"]) == ["TILE", "SCALE", "helper", "Cfg", "kernel"]
    assert bindings(result) == {("k", "nl"): ("library", "nki.language", None)}


def test_locals_and_comprehension_variables_are_not_globals(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "k.py": """
                def kernel(a, *rest, key=None, **kw):
                    total = 0
                    for i, (x, y) in enumerate(rest):
                        total += x
                    squares = [j * j for j in range(4) if j]
                    with open(a) as fh:
                        pass
                    try:
                        pass
                    except ValueError as err:
                        print(err)
                    f = lambda q: q + total
                    def inner(z):
                        return z + len(squares)
                    return inner(f(key)), kw, fh
            """
        },
    )
    result = klr.gather(tmp_path / "k.py", "kernel")
    assert result.warnings == []
    assert bindings(result) == {}


def test_unresolved_names_are_warnings_with_locations(tmp_path: Path) -> None:
    write(tmp_path, {"k.py": "def kernel(a):\n    return a + mystery_fn(a)\n"})
    result = klr.gather(tmp_path / "k.py", "kernel")
    [warning] = result.warnings
    assert warning.code == "warn_unresolved_name"
    assert warning.location is not None and (warning.location.line, warning.location.col) == (2, 16)
    assert bindings(result)[("k", "mystery_fn")] == ("unresolved", "k", "mystery_fn")


def test_relative_and_absolute_imports_in_a_package(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/pkg/__init__.py": "",
            "proj/pkg/ops/__init__.py": "from .impl import fused as fused_op\n",
            "proj/pkg/ops/impl.py": "def fused(x):\n    return x\n\ndef other():\n    pass\n",
            "proj/pkg/kern/__init__.py": "",
            "proj/pkg/kern/main.py": """
                from ..ops import fused_op
                from pkg.ops import impl
                import pkg.ops.impl as impl2

                def kernel(x):
                    return fused_op(x) + impl.fused(x) + impl2.fused(x)
            """,
        },
    )
    result = klr.gather(tmp_path / "proj/pkg/kern/main.py", "kernel")
    assert result.program.entry_module.data == "pkg.kern.main"
    mods = modules(result)
    assert defined(mods["pkg.ops.impl"]) == ["fused"]
    b = bindings(result)
    assert b[("pkg.kern.main", "fused_op")] == ("symbol", "pkg.ops.impl", "fused")
    assert b[("pkg.ops", "fused_op")] == ("symbol", "pkg.ops.impl", "fused")
    assert b[("pkg.kern.main", "impl")] == ("module", "pkg.ops.impl", None)
    assert b[("pkg.kern.main", "impl2")] == ("module", "pkg.ops.impl", None)
    assert result.warnings == []


def test_search_path_and_library_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "kernels/k.py": """
                import math, os.path
                import numpy as np
                from neuronxcc.nki import language as old_nl
                from extra import helper

                def kernel(x):
                    return helper(x) + math.pi + np.float32(1) + old_nl.exp(x) + os.path.sep
            """,
            "libs/extra.py": "def helper(x):\n    return x\n",
        },
    )
    without = klr.gather(tmp_path / "kernels/k.py", "kernel", search_path=[])
    assert [w.code for w in without.warnings] == ["warn_unresolved_import"]
    result = klr.gather(tmp_path / "kernels/k.py", "kernel", search_path=[str(tmp_path / "libs")])
    b = bindings(result)
    assert b[("k", "helper")] == ("symbol", "extra", "helper")
    assert b[("k", "math")] == ("library", "math", None)
    assert b[("k", "os")] == ("library", "os", None)
    assert b[("k", "np")] == ("library", "numpy", None)
    assert b[("k", "old_nl")] == ("library", "neuronxcc.nki", "language")
    assert "extra" in modules(result)


def test_star_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "helpers.py": "def a(x):\n    return x\n",
            "k.py": "from helpers import *\nfrom math import *\n\ndef kernel(x):\n    return a(x) + sqrt(x)\n",
        },
    )
    result = klr.gather(tmp_path / "k.py", "kernel", search_path=[])
    b = bindings(result)
    assert b[("k", "a")] == ("symbol", "helpers", "a")
    assert b[("k", "sqrt")] == ("library", "math", "sqrt")
    assert result.warnings == []


def test_function_object_is_gathered_without_reimport() -> None:
    from klr.frontend import modules as modules_module

    result = klr.gather(modules_module.display_path)
    assert result.program.entry.data == "display_path"
    assert "klr.frontend.modules" in modules(result)


def test_never_executes_the_kernel_module(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(
        tmp_path,
        {
            "evil.py": f"""
                open({str(marker)!r}, "w").write("x")
                raise SystemExit("executed")

                def kernel(x):
                    return x
            """
        },
    )
    klr.gather(tmp_path / "evil.py", "kernel")
    assert not marker.exists()


@pytest.mark.parametrize(
    "files,code",
    [
        ({"k.py": "def kernel(:\n"}, "err_syntax"),
        ({"k.py": "def other(x):\n    return x\n"}, "err_missing_function"),
        ({"k.py": "kernel = 3\n"}, "err_missing_function"),
        ({"k.py": "from . import x\ndef kernel():\n    return x\n"}, "err_relative_import"),
        (
            {"a.py": "from b import f\ndef kernel():\n    return f()\n", "b.py": "from a import f\n"},
            "err_import_cycle",
        ),
        ({"k.py": "def kernel():\n    return helper()\n", "helper_src.py": ""}, None),
    ],
)
def test_errors_have_stable_codes(tmp_path: Path, files: dict[str, str], code: str | None) -> None:
    write(tmp_path, files)
    entry = tmp_path / ("a.py" if "a.py" in files else "k.py")
    if code is None:
        klr.gather(entry, "kernel")
        return
    with pytest.raises(KlrError) as info:
        klr.gather(entry, "kernel")
    assert info.value.code == code
    diag = info.value.diagnostics[0]
    assert diag.location is not None and diag.location.file is not None
    assert diag.hint


def test_broken_imported_module_is_reported_in_that_file(tmp_path: Path) -> None:
    write(tmp_path, {"k.py": "from util import f\ndef kernel():\n    return f()\n", "util.py": "def f(:\n"})
    with pytest.raises(KlrError) as info:
        klr.gather(tmp_path / "k.py", "kernel")
    diag = info.value.diagnostics[0]
    assert diag.code == "err_syntax"
    assert diag.location is not None and diag.location.file.endswith("util.py")


def test_mutual_imports_that_resolve_are_fine(tmp_path: Path) -> None:
    # a imports b and b imports a, but every name reaches a definition
    write(
        tmp_path,
        {
            "a.py": "import b\ndef kernel(x):\n    return b.g(x)\ndef h(x):\n    return x\n",
            "b.py": "import a\ndef g(x):\n    return a.h(x)\n",
        },
    )
    result = klr.gather(tmp_path / "a.py", "kernel")
    assert defined(modules(result)["a"]) == ["kernel", "h"]
    assert defined(modules(result)["b"]) == ["g"]


def test_free_names_follow_attribute_chains() -> None:
    import ast

    tree = ast.parse("def f(x):\n    return pkg.sub.fn(x) + y.z\n")
    names = [(n, chain) for n, chain, _ in free_names(tree.body[0])]
    assert names == [("pkg", ("sub", "fn")), ("y", ("z",))]


def test_function_without_source_file() -> None:
    with pytest.raises(KlrError) as e:
        klr.gather(len)
    assert e.value.code == "err_no_source"
