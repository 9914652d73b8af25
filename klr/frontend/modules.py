"""Finding and reading Python modules on disk, without importing them.

Gathering must be safe on untrusted files: modules are located by path and parsed
with `ast`; nothing is ever imported or executed.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field

from klr.diagnostics import Diagnostic, KlrError, Location

# Modules that kernels use but that are never gathered: they are recorded in the
# import table and interpreted by the tracer.
LIBRARY_ROOTS = frozenset(
    {"nki", "neuronxcc", "numpy", "ml_dtypes", "torch", "jax", "jaxlib", "klr", "typing_extensions"}
)


def is_library(module: str) -> bool:
    root = module.partition(".")[0]
    return root in LIBRARY_ROOTS or root in sys.stdlib_module_names


@dataclass
class ImportRef:
    """What an import statement binds a name to."""

    module: str
    """Absolute dotted module name."""
    member: str | None
    """`from module import member`; None for `import module`."""
    stmt: ast.stmt
    node: ast.AST
    """The alias node, for locations."""


@dataclass
class SourceModule:
    """A parsed module and the names its top level binds."""

    name: str
    path: str
    source: str
    tree: ast.Module
    is_package: bool
    definitions: dict[str, list[ast.stmt]] = field(default_factory=dict)
    """Name -> top-level statements that bind it other than imports (def, class,
    assignments), in source order; compound statements (`if`, `try`) count whole."""
    imports: dict[str, ImportRef] = field(default_factory=dict)
    star_imports: list[ImportRef] = field(default_factory=list)

    def location(self, node: ast.AST) -> Location:
        return Location.from_python(
            self.path,
            getattr(node, "lineno", None),
            getattr(node, "col_offset", None),
            getattr(node, "end_lineno", None),
            getattr(node, "end_col_offset", None),
            self.source,
        )

    @property
    def package(self) -> str:
        """The package relative imports resolve against."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def display_path(path: str) -> str:
    """`path` relative to the working directory when it lies below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith(os.pardir) else rel


def read_source(path: str, display: str) -> str:
    """The text of a Python file, or a diagnostic saying why it cannot be read."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise KlrError(
            Diagnostic(
                "err_file_not_found",
                f"no such file: '{display}'",
                Location(display),
                hint="check the path; it is relative to the current directory",
            )
        ) from None
    except IsADirectoryError:
        raise KlrError(
            Diagnostic(
                "err_unreadable_file",
                f"'{display}' is a directory, not a Python file",
                Location(display),
                hint="give the path of the .py file that defines the kernel",
            )
        ) from None
    except OSError as e:
        raise KlrError(
            Diagnostic(
                "err_unreadable_file",
                f"cannot read '{display}': {e.strerror or e}",
                Location(display),
                hint="check the file's permissions",
            )
        ) from None
    if b"\x00" in data:
        raise KlrError(
            Diagnostic(
                "err_not_python",
                f"'{display}' is not a Python source file (it contains NUL bytes)",
                Location(display),
                hint="klr reads kernels from Python source (.py) files",
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise KlrError(
            Diagnostic(
                "err_not_python",
                f"'{display}' is not UTF-8 text, so it is not Python source",
                Location(display, line),
                hint="klr reads kernels from Python source (.py) files encoded in UTF-8",
            )
        ) from None


def parse_source(source: str, display: str) -> ast.Module:
    """Parse Python text; a syntax error becomes an `err_syntax` diagnostic."""
    try:
        return ast.parse(source, filename=display)
    except SyntaxError as e:
        # SyntaxError columns are 1-based character offsets already.
        line = e.lineno
        col = e.offset
        end_line = getattr(e, "end_lineno", None)
        end_col = getattr(e, "end_offset", None)
        if end_line is not None and end_line != line:
            end_col = None
        message = e.msg
        hint = "fix the Python syntax; klr parses kernels with Python 3.11's grammar"
        if isinstance(e, IndentationError):
            hint = "check the indentation of this line and the block above it"
        raise KlrError(
            Diagnostic(
                "err_syntax",
                f"invalid Python syntax: {message}",
                Location(display, line, col, end_line, end_col),
                hint=hint,
            )
        ) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise KlrError(
            Diagnostic(
                "err_not_python",
                f"cannot parse '{display}': {e}",
                Location(display),
                hint="klr reads kernels from Python source (.py) files",
            )
        ) from None


def package_root(path: str) -> tuple[str, str]:
    """(search root, dotted module name) for a file, walking up `__init__.py`s."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, pkg = os.path.split(directory)
        parts.insert(0, pkg)
        if not pkg:
            break
    return directory, ".".join(parts) if parts else stem


class ModuleFinder:
    """Locates modules by dotted name under a list of search roots."""

    def __init__(self, roots: list[str]):
        seen: set[str] = set()
        self.roots: list[str] = []
        for r in roots:
            a = os.path.abspath(r or os.curdir)
            if a not in seen and os.path.isdir(a):
                seen.add(a)
                self.roots.append(a)

    def find(self, module: str) -> tuple[str | None, bool] | None:
        """(file or None for a namespace package, is_package), or None if absent."""
        parts = module.split(".")
        for root in self.roots:
            base = os.path.join(root, *parts)
            init = os.path.join(base, "__init__.py")
            if os.path.isfile(init):
                return init, True
            if os.path.isfile(base + ".py"):
                return base + ".py", False
        for root in self.roots:
            if os.path.isdir(os.path.join(root, *parts)):
                return None, True
        return None


def scan_bindings(mod: SourceModule) -> None:
    """Fill in what the module's top level binds."""
    for stmt in mod.tree.body:
        _scan_stmt(mod, stmt, stmt)


def _scan_stmt(mod: SourceModule, stmt: ast.stmt, top: ast.stmt) -> None:
    def define(name: str) -> None:
        stmts = mod.definitions.setdefault(name, [])
        if not stmts or stmts[-1] is not top:
            stmts.append(top)

    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        define(stmt.name)
    elif isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    define(n.id)
    elif isinstance(stmt, ast.Import):
        for a in stmt.names:
            if a.asname is not None:
                mod.imports[a.asname] = ImportRef(a.name, None, top, a)
            else:
                root = a.name.partition(".")[0]
                # `import a.b` binds `a`; keep the longest path seen for `a`.
                mod.imports.setdefault(root, ImportRef(root, None, top, a))
    elif isinstance(stmt, ast.ImportFrom):
        base = resolve_relative(mod, stmt)
        for a in stmt.names:
            if a.name == "*":
                mod.star_imports.append(ImportRef(base, None, top, a))
            else:
                mod.imports[a.asname or a.name] = ImportRef(base, a.name, top, a)
    elif isinstance(stmt, (ast.If, ast.Try, ast.TryStar, ast.With, ast.For, ast.While)):
        for field_name in ("body", "orelse", "finalbody"):
            for s in getattr(stmt, field_name, []):
                _scan_stmt(mod, s, top)
        for h in getattr(stmt, "handlers", []):
            for s in h.body:
                _scan_stmt(mod, s, top)
        if isinstance(stmt, ast.For):
            for n in ast.walk(stmt.target):
                if isinstance(n, ast.Name):
                    define(n.id)


def resolve_relative(mod: SourceModule, stmt: ast.ImportFrom) -> str:
    """The absolute module a `from ... import` names."""
    if not stmt.level:
        return stmt.module or ""
    package = mod.package.split(".") if mod.package else []
    if stmt.level - 1 > len(package) or (not package and stmt.level):
        raise KlrError(
            Diagnostic(
                "err_relative_import",
                f"relative import goes beyond the top-level package of '{mod.name}'",
                mod.location(stmt),
                hint="the kernel's package root is found by walking up directories that "
                "hold an __init__.py; add one, or use an absolute import",
            )
        )
    base = package[: len(package) - (stmt.level - 1)]
    if stmt.module:
        base.append(stmt.module)
    return ".".join(base)
