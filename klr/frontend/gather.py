"""`klr gather`: collect everything a kernel function reaches, as one `py_ast` program.

Starting from the entry function, follow every free name: definitions of the same
module, names imported from modules found on disk (absolute imports against the
kernel's directory, its package root and `sys.path`; relative imports within the
package), and attribute chains through imported modules. Library modules (`nki`,
`numpy`, the standard library, ...) are recorded in the import table, not gathered.
Names that cannot be resolved are recorded and reported as warnings.

No module is ever imported or executed.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.dialects import builtin
from xdsl.ir import Block, Region

from klr.diagnostics import Diagnostic, DiagnosticSink, KlrError, Location
from klr.dialects import py_ast as p
from klr.frontend.modules import (
    ImportRef,
    ModuleFinder,
    SourceModule,
    display_path,
    is_library,
    package_root,
    parse_source,
    read_source,
    scan_bindings,
)
from klr.frontend.to_py_ast import PyAstBuilder, UnsupportedNode, loc_of

_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__package__"}


Target = tuple[str, str, str] | None
"""("symbol", module, name) or ("module", dotted, ""); None when nothing to follow."""


@dataclass
class Binding:
    """A row of the import/alias table."""

    module: str
    local: str
    kind: p.BindingKind
    target: str
    member: str | None
    node: ast.AST | None


@dataclass
class GatherResult:
    """What `gather` produced: the IR and the warnings met on the way."""

    module: builtin.ModuleOp
    program: p.ProgramOp
    warnings: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """Display path -> source text of every gathered module (for diagnostics)."""


def free_names(node: ast.AST) -> list[tuple[str, tuple[str, ...], ast.AST]]:
    """Names a top-level statement reads from module scope, with attribute chains.

    Returns (name, attrs, node) for each load of a global name, where `attrs` is the
    chain `name.a.b` read through it. Conservative on scoping: a name stored anywhere
    inside a function counts as local to it (unless declared `global`).
    """
    out: list[tuple[str, tuple[str, ...], ast.AST]] = []

    def locals_of(fn: ast.AST) -> set[str]:
        names: set[str] = set()
        declared_global: set[str] = set()
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                names.add(n.id)
            elif isinstance(n, ast.arg):
                names.add(n.arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not fn:
                names.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                for a in n.names:
                    names.add((a.asname or a.name).partition(".")[0])
            elif isinstance(n, ast.ExceptHandler) and n.name:
                names.add(n.name)
            elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
                names.add(n.name)
            elif isinstance(n, ast.MatchMapping) and n.rest:
                names.add(n.rest)
            elif isinstance(n, ast.Global):
                declared_global.update(n.names)
        return names - declared_global

    def visit(n: ast.AST, local: frozenset[str]) -> None:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # decorators, defaults and annotations are evaluated in the outer scope
            if not isinstance(n, ast.Lambda):
                for d in n.decorator_list:
                    visit(d, local)
                if n.returns is not None:
                    visit(n.returns, local)
            args = n.args
            for d in [*args.defaults, *(k for k in args.kw_defaults if k is not None)]:
                visit(d, local)
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None and a.annotation is not None:
                    visit(a.annotation, local)
            inner = local | locals_of(n)
            body = n.body if isinstance(n.body, list) else [n.body]
            for s in body:
                visit(s, inner)
            return
        if isinstance(n, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = local | locals_of(n)
            for c in ast.iter_child_nodes(n):
                visit(c, inner)
            return
        if isinstance(n, ast.Attribute):
            chain: list[str] = []
            base: ast.AST = n
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name) and isinstance(base.ctx, ast.Load):
                if base.id not in local:
                    out.append((base.id, tuple(chain), base))
                return
            visit(base, local)
            return
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load) and n.id not in local:
                out.append((n.id, (), n))
            return
        for c in ast.iter_child_nodes(n):
            visit(c, local)

    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        # a module-level assignment reads the global names of its value
        value = node.value
        if value is not None:
            visit(value, frozenset())
        if isinstance(node, ast.AnnAssign):
            visit(node.annotation, frozenset())
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, (ast.Subscript, ast.Attribute)):
                    visit(sub.value, frozenset())
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out.append((node.target.id, (), node.target))
        return out
    if isinstance(node, ast.ClassDef):
        for d in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            visit(d, frozenset())
        class_locals = frozenset()
        for s in node.body:
            visit(s, class_locals)
        return out
    visit(node, frozenset())
    return out


class Gatherer:
    """The reachability walk behind `gather`."""

    def __init__(self, entry_path: str, sink: DiagnosticSink, search_path: list[str] | None):
        self.sink = sink
        root, self.entry_module = package_root(entry_path)
        kernel_dir = os.path.dirname(os.path.abspath(entry_path))
        extra = search_path if search_path is not None else sys.path
        self.finder = ModuleFinder([kernel_dir, root, *extra])
        self.entry_path = entry_path
        self.modules: dict[str, SourceModule | None] = {}
        self.included: dict[str, set[int]] = {}
        """Module -> ids of included top-level statements."""
        self.bindings: dict[tuple[str, str], Binding] = {}
        self._resolving: list[tuple[str, str, ast.AST | None]] = []
        self._worklist: list[tuple[SourceModule, ast.stmt]] = []
        self._warned: set[tuple[str, str]] = set()

    # -- modules -----------------------------------------------------------

    def load_entry(self) -> SourceModule:
        display = display_path(self.entry_path)
        source = read_source(self.entry_path, display)
        tree = parse_source(source, display)
        mod = SourceModule(
            self.entry_module,
            display,
            source,
            tree,
            os.path.basename(self.entry_path) == "__init__.py",
        )
        scan_bindings(mod)
        self.modules[mod.name] = mod
        return mod

    def load(self, name: str) -> SourceModule | None:
        """A non-library module by dotted name, parsed; None if not on disk."""
        if name in self.modules:
            return self.modules[name]
        found = self.finder.find(name)
        mod: SourceModule | None = None
        if found is not None:
            path, is_package = found
            if path is None:  # namespace package: no source of its own
                mod = SourceModule(name, "", "", ast.Module([], []), True)
            else:
                display = display_path(path)
                source = read_source(path, display)
                mod = SourceModule(name, display, source, parse_source(source, display), is_package)
                scan_bindings(mod)
        self.modules[name] = mod
        return mod

    # -- reachability --------------------------------------------------------

    def include(self, mod: SourceModule, stmt: ast.stmt) -> None:
        ids = self.included.setdefault(mod.name, set())
        if id(stmt) not in ids:
            ids.add(id(stmt))
            self._worklist.append((mod, stmt))

    def run(self, entry: str) -> None:
        mod = self.load_entry()
        stmts = mod.definitions.get(entry)
        if not stmts or not any(
            isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == entry
            for s in stmts
        ):
            self._missing_entry(mod, entry)
        self.need(mod, entry, (), None)
        while self._worklist:
            m, stmt = self._worklist.pop()
            for name, chain, node in free_names(stmt):
                self.need(m, name, chain, node)

    def _missing_entry(self, mod: SourceModule, entry: str) -> None:
        functions = [
            s.name for s in mod.tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        close = difflib.get_close_matches(entry, functions, n=1)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif functions:
            hint = "functions defined at the top level: " + ", ".join(functions)
        else:
            hint = "the file defines no top-level function"
        raise KlrError(
            Diagnostic(
                "err_missing_function",
                f"no function '{entry}' at the top level of '{mod.path}'",
                Location(mod.path),
                hint=hint,
            )
        )

    def need(self, mod: SourceModule, name: str, chain: tuple[str, ...], node: ast.AST | None) -> None:
        """Resolve `name` (then `.chain`) as read at module scope of `mod`."""
        target = self.resolve(mod, name, node)
        for attr in chain:
            if target is None or target[0] != "module" or is_library(target[1]):
                return
            sub = self.load(target[1])
            if sub is None:
                return
            target = self.member(sub, attr, node, mod)

    def resolve(self, mod: SourceModule, name: str, node: ast.AST | None) -> Target:
        """Make `name` of `mod` available and say what it is."""
        if name in mod.definitions:
            for stmt in mod.definitions[name]:
                self.include(mod, stmt)
            return ("symbol", mod.name, name)
        if name in mod.imports:
            ref = mod.imports[name]
            self.include(mod, ref.stmt)
            return self._resolve_import(mod, name, ref)
        for ref in mod.star_imports:
            if is_library(ref.module):
                continue
            src = self.load(ref.module)
            if src is not None and (name in src.definitions or name in src.imports):
                self.include(mod, ref.stmt)
                result = self._follow(mod, name, ref, src, name)
                return result
        if name in _BUILTINS:
            return None
        for ref in mod.star_imports:
            if is_library(ref.module):
                # `from numpy import *`: assume the library provides it
                self.include(mod, ref.stmt)
                self._bind(mod.name, name, p.BindingKind.LIBRARY, ref.module, name, ref.node)
                return None
        self._unresolved(mod, name, node)
        return None

    def member(
        self, mod: SourceModule, name: str, node: ast.AST | None, user: SourceModule
    ) -> Target:
        """`mod.name` where `mod` is a gathered module: a definition or a submodule."""
        if name in mod.definitions or name in mod.imports:
            return self._guarded(mod, name, node)
        sub = f"{mod.name}.{name}" if mod.name else name
        if not is_library(sub) and self.load(sub) is not None:
            return ("module", sub, "")
        if mod.star_imports:
            return self._guarded(mod, name, node)
        self._unresolved(mod, name, node, user)
        return None

    def _guarded(self, mod: SourceModule, name: str, node: ast.AST | None) -> Target:
        """`resolve`, failing on names whose imports lead back to themselves."""
        frame = (mod.name, name)
        starts = [i for i, f in enumerate(self._resolving) if f[:2] == frame]
        if starts:
            cycle = self._resolving[starts[0] :]
            names = [f"'{m}.{n}'" for m, n, _ in cycle] + [f"'{mod.name}.{name}'"]
            m0, _, node0 = cycle[0]
            src = self.modules.get(m0)
            raise KlrError(
                Diagnostic(
                    "err_import_cycle",
                    f"import cycle: {' -> '.join(names)} never reaches a definition",
                    src.location(node0) if src is not None and node0 is not None else None,
                    hint="one of these modules must define the name instead of importing it",
                )
            )
        return self.resolve(mod, name, node)

    def _resolve_import(self, mod: SourceModule, name: str, ref: ImportRef) -> Target:
        if ref.member is None:
            if is_library(ref.module):
                self._bind(mod.name, name, p.BindingKind.LIBRARY, ref.module, None, ref.node)
                return ("module", ref.module, "")
            if self.load(ref.module) is None:
                self._unresolved_import(mod, name, ref)
                return None
            self._bind(mod.name, name, p.BindingKind.MODULE, ref.module, None, ref.node)
            return ("module", ref.module, "")
        if is_library(ref.module):
            self._bind(mod.name, name, p.BindingKind.LIBRARY, ref.module, ref.member, ref.node)
            return None
        src = self.load(ref.module)
        if src is None:
            self._unresolved_import(mod, name, ref)
            return None
        return self._follow(mod, name, ref, src, ref.member)

    def _follow(
        self, mod: SourceModule, name: str, ref: ImportRef, src: SourceModule, member: str
    ) -> Target:
        """Resolve `src.member` on behalf of `mod.name` and record the binding."""
        self._resolving.append((mod.name, name, ref.node))
        try:
            result = self.member(src, member, ref.node, mod)
        finally:
            self._resolving.pop()
        if result is not None:
            kind, where, what = result
            if kind == "module":
                bkind = p.BindingKind.LIBRARY if is_library(where) else p.BindingKind.MODULE
                self._bind(mod.name, name, bkind, where, None, ref.node)
            else:
                self._bind(mod.name, name, p.BindingKind.SYMBOL, where, what, ref.node)
        return result

    def _bind(
        self,
        module: str,
        local: str,
        kind: p.BindingKind,
        target: str,
        member: str | None,
        node: ast.AST | None,
    ) -> None:
        self.bindings.setdefault((module, local), Binding(module, local, kind, target, member, node))

    def _unresolved_import(self, mod: SourceModule, name: str, ref: ImportRef) -> None:
        what = ref.module + (f".{ref.member}" if ref.member else "")
        self._bind(mod.name, name, p.BindingKind.UNRESOLVED, ref.module, ref.member, ref.node)
        if (mod.name, name) in self._warned:
            return
        self._warned.add((mod.name, name))
        self.sink.warn(
            "warn_unresolved_import",
            f"cannot find module '{ref.module}' (imported for '{what}'); recorded as unresolved",
            mod.location(ref.node),
            hint="klr looks next to the kernel, in its package root and on sys.path; "
            "the tracer will report an error if the name is actually used",
        )

    def _unresolved(
        self,
        mod: SourceModule,
        name: str,
        node: ast.AST | None,
        user: SourceModule | None = None,
    ) -> None:
        self._bind(mod.name, name, p.BindingKind.UNRESOLVED, mod.name, name, node)
        if (mod.name, name) in self._warned:
            return
        self._warned.add((mod.name, name))
        where = user if user is not None else mod
        candidates = list(mod.definitions) + list(mod.imports)
        close = difflib.get_close_matches(name, candidates, n=1)
        self.sink.warn(
            "warn_unresolved_name",
            f"name '{name}' is not defined in module '{mod.name}'",
            where.location(node) if node is not None else Location(where.path),
            hint=f"did you mean '{close[0]}'?" if close else "the tracer decides whether it is needed",
        )

    # -- output ------------------------------------------------------------

    def build(self, entry: str) -> GatherResult:
        blocks = Block()
        sources: dict[str, str] = {}
        order = [self.entry_module] + sorted(n for n in self.included if n != self.entry_module)
        for name in order:
            mod = self.modules.get(name)
            ids = self.included.get(name, set())
            if mod is None or not ids:
                continue
            sources[mod.path] = mod.source
            builder = PyAstBuilder()
            stmts = [s for s in mod.tree.body if id(s) in ids]
            try:
                body = builder.body(stmts)
            except UnsupportedNode as e:
                raise KlrError(
                    Diagnostic(
                        "err_unsupported_syntax",
                        f"Python construct '{type(e.node).__name__}' is not supported",
                        mod.location(e.node),
                    )
                ) from None
            blocks.add_op(p.ModuleOp(name, body, mod.path))
        for (module, _), b in sorted(self.bindings.items()):
            src = self.modules.get(module)
            props: dict[str, object] = {
                "module": p.PyStrAttr(b.module),
                "local": p.PyStrAttr(b.local),
                "kind": p.BindingKindAttr(b.kind),
                "target": p.PyStrAttr(b.target),
            }
            if b.member is not None:
                props["member"] = p.PyStrAttr(b.member)
            if b.node is not None and src is not None:
                loc = loc_of(b.node)
                if loc is not None:
                    props["loc"] = loc
            blocks.add_op(p.BindingOp.create(properties=props))  # type: ignore[arg-type]
        program = p.ProgramOp.create(
            properties={
                "entry_module": p.PyStrAttr(self.entry_module),
                "entry": p.PyStrAttr(entry),
            },
            regions=[Region(blocks)],
        )
        module = builtin.ModuleOp([program])
        return GatherResult(module, program, list(self.sink), sources)


def gather(
    path_or_function: str | os.PathLike[str] | Callable[..., object],
    name: str | None = None,
    *,
    search_path: list[str] | None = None,
) -> GatherResult:
    """Gather the kernel `name` defined in a Python file (or a function object).

    Raises `KlrError` with diagnostics on bad input; warnings are in the result.
    A function object is located through its source file; its module is *not*
    re-imported (it is already imported by the caller).
    """
    if callable(path_or_function) and not isinstance(path_or_function, (str, os.PathLike)):
        fn = inspect.unwrap(path_or_function)
        try:
            path = inspect.getsourcefile(fn)  # type: ignore[arg-type]
        except TypeError:
            path = None
        if path is None:
            raise KlrError(
                Diagnostic(
                    "err_no_source",
                    f"cannot find the source file of {path_or_function!r}",
                    hint="define the kernel in a .py file, or pass the file path",
                )
            )
        name = name or fn.__name__
    else:
        path = os.fspath(path_or_function)
        if name is None:
            raise KlrError(
                Diagnostic(
                    "err_missing_function",
                    "no kernel function named",
                    Location(display_path(path)),
                    hint="pass the name of the kernel function",
                )
            )
    sink = DiagnosticSink()
    g = Gatherer(str(Path(path)), sink, search_path)
    g.run(name)
    return g.build(name)
