"""`klr info`: what a gathered program holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xdsl.dialects.builtin import ModuleOp

from klr.diagnostics import Diagnostic, KlrError
from klr.dialects import py_ast as p


@dataclass
class ModuleSummary:
    name: str
    file: str | None
    functions: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)


@dataclass
class ProgramSummary:
    entry_module: str
    entry: str
    modules: list[ModuleSummary]
    imports: list[tuple[str, str, str]]
    """(module, local name, library target) for library imports."""
    unresolved: list[tuple[str, str]]
    """(module, name) that gather could not resolve."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": f"{self.entry_module}.{self.entry}",
            "modules": [
                {
                    "name": m.name,
                    "file": m.file,
                    "functions": m.functions,
                    "classes": m.classes,
                    "constants": m.constants,
                }
                for m in self.modules
            ],
            "imports": [
                {"module": m, "name": n, "target": t} for m, n, t in self.imports
            ],
            "unresolved": [{"module": m, "name": n} for m, n in self.unresolved],
        }

    def render(self) -> str:
        lines = [f"entry: {self.entry_module}.{self.entry}"]
        lines.append(f"modules: {len(self.modules)}")
        for m in self.modules:
            lines.append(f"  {m.name}" + (f" ({m.file})" if m.file else ""))
            for label, names in (
                ("functions", m.functions),
                ("classes", m.classes),
                ("constants", m.constants),
            ):
                if names:
                    lines.append(f"    {label}: {', '.join(names)}")
        lines.append(f"imports: {len(self.imports)}")
        for m, n, t in self.imports:
            lines.append(f"  {m}: {n} = {t}")
        lines.append(f"unresolved: {len(self.unresolved)}")
        for m, n in self.unresolved:
            lines.append(f"  {m}: {n}")
        return "\n".join(lines) + "\n"


def _stmt_names(op: p.ModuleOp, summary: ModuleSummary) -> None:
    if not op.body.blocks:
        return
    for stmt in op.body.block.ops:
        if isinstance(stmt, (p.FunctionDefOp, p.AsyncFunctionDefOp)):
            summary.functions.append(stmt.sym_name.data)
        elif isinstance(stmt, p.ClassDefOp):
            summary.classes.append(stmt.sym_name.data)
        elif isinstance(stmt, (p.AssignOp, p.AnnAssignOp, p.AugAssignOp)):
            targets = list(stmt.targets) if isinstance(stmt, p.AssignOp) else [stmt.target]
            for t in targets:
                for name in _target_names(t.owner):
                    if name not in summary.constants:
                        summary.constants.append(name)


def _target_names(op: object) -> list[str]:
    if isinstance(op, p.NameOp):
        return [op.id.data]
    if isinstance(op, (p.TupleOp, p.ListOp)):
        return [n for e in op.elts for n in _target_names(e.owner)]
    if isinstance(op, p.StarredOp):
        return _target_names(op.value.owner)
    return []


def summarize(module: ModuleOp) -> ProgramSummary:
    programs = [op for op in module.walk() if isinstance(op, p.ProgramOp)]
    if len(programs) != 1:
        raise KlrError(
            Diagnostic(
                "err_bad_ir",
                f"expected one py_ast.program, found {len(programs)}",
                hint="create the file with 'klr gather FILE FUNC -o OUT.klr'",
            )
        )
    prog = programs[0]
    modules: list[ModuleSummary] = []
    imports: list[tuple[str, str, str]] = []
    unresolved: list[tuple[str, str]] = []
    for op in prog.body.block.ops:
        if isinstance(op, p.ModuleOp):
            s = ModuleSummary(op.sym_name.data, op.file.data if op.file else None)
            _stmt_names(op, s)
            modules.append(s)
        elif isinstance(op, p.BindingOp):
            kind = op.kind.data
            if kind == p.BindingKind.LIBRARY:
                target = op.target.data + (f".{op.member.data}" if op.member else "")
                imports.append((op.module.data, op.local.data, target))
            elif kind == p.BindingKind.UNRESOLVED:
                unresolved.append((op.module.data, op.local.data))
    return ProgramSummary(prog.entry_module.data, prog.entry.data, modules, imports, unresolved)
