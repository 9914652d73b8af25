"""Loop-carried dependencies of `affine_range` loops, checked over all iterations.

The iterations of an `affine` `klr.for` must be independent (nki.md §5.1): no iteration
may write an element another iteration reads or writes, except the associative
accumulation of matmuls into PSUM. Because loops stay rolled and every view is affine in
the loop indices, the element sets of each access are known exactly; this analysis
compares them across iterations and returns a counterexample (tensor, element, the two
iterations, the two instructions) for each conflict.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from xdsl.ir import Block, Operation, SSAValue

from klr.dialects import klr as k

MAX_ELEMENTS = 1 << 22
"""Accesses larger than this (over all iterations) are not checked (reported as skipped)."""


@dataclass(frozen=True)
class Access:
    """One instruction operand's elements: storage, affine start, pattern."""

    op: Operation
    operand: str
    root: SSAValue
    offset: int
    coeffs: tuple[tuple[SSAValue, int], ...]
    pattern: tuple[tuple[int, int], ...]
    write: bool

    @property
    def accumulates(self) -> bool:
        """A matmul accumulating into PSUM: associative, legal across iterations."""
        return (
            isinstance(self.op, k.NcMatmulOp)
            and self.operand == "dst"
            and (self.op.accumulate is None or self.op.accumulate.data == 1)
        )


@dataclass(frozen=True)
class Conflict:
    loop: k.ForOp
    first: Access
    second: Access
    tensor: str
    element: tuple[int, ...]
    iterations: tuple[int, int]

    @property
    def kind(self) -> str:
        return "write-write" if self.first.write and self.second.write else "write-read"


def _access(op: Operation, name: str, value: SSAValue, write: bool) -> Access:
    owner = value.owner
    if isinstance(owner, k.ViewOp):
        return Access(
            op,
            name,
            owner.base,
            owner.offset.data,
            tuple(zip(owner.indices, owner.coeffs.data)),
            owner.pattern.data,
            write,
        )
    t = value.type
    assert isinstance(t, k.TensorType)
    shape = t.get_shape()
    strides: list[int] = []
    acc = 1
    for d in reversed(shape):
        strides.insert(0, acc)
        acc *= d
    return Access(op, name, value, 0, (), tuple(zip(strides, shape)), write)


def accesses(block: Block) -> Iterator[Access]:
    """Every tensor access of the instructions in `block` (nested loops included)."""
    for op in block.walk():
        if not isinstance(op, k.InstructionOp):
            continue
        for name, value in op.named_operands():
            if isinstance(value.type, k.TensorType):
                yield _access(op, name, value, name == "dst")


def _index_values(v: SSAValue) -> range | None:
    block = getattr(v, "block", None)
    loop = block.parent_op() if block is not None else None
    if isinstance(loop, k.ForOp):
        return range(loop.lower.data, loop.upper.data, loop.step.data)
    return None


def _addresses(a: Access, loop_index: SSAValue, inner: set[SSAValue]) -> tuple[np.ndarray, np.ndarray] | None:
    """(addresses, iteration numbers) of `a` over every iteration of the loop.

    Indices of loops nested inside vary freely; indices of enclosing loops are the same
    for both accesses being compared, so they are fixed at their first value.
    """
    base = np.array([a.offset], dtype=np.int64)
    for step, num in a.pattern:
        base = (base[:, None] + step * np.arange(num, dtype=np.int64)[None, :]).reshape(-1)
    iters = np.zeros(1, dtype=np.int64)
    coeff_main = 0
    for v, c in a.coeffs:
        values = _index_values(v)
        if values is None:
            return None
        if v is loop_index:
            coeff_main = c
        elif v in inner:
            base = (base[:, None] + c * np.asarray(values, dtype=np.int64)[None, :]).reshape(-1)
        else:
            base = base + c * values[0]
        if base.size > MAX_ELEMENTS:
            return None
    main = _index_values(loop_index)
    assert main is not None
    n = len(main)
    if base.size * n > MAX_ELEMENTS:
        return None
    addr = (base[None, :] + coeff_main * np.asarray(main, dtype=np.int64)[:, None]).reshape(-1)
    iters = np.repeat(np.arange(n, dtype=np.int64), base.size)
    return addr, iters


def _allocated_inside(root: SSAValue, loop: k.ForOp) -> bool:
    owner = root.owner
    return isinstance(owner, Operation) and loop.is_ancestor(owner)


def _first_overlap(
    wa: np.ndarray, wi: np.ndarray, aa: np.ndarray, ai: np.ndarray
) -> tuple[int, int, int] | None:
    """An address written at one iteration and touched at another: (address, iter_w, iter_a)."""
    order = np.argsort(aa, kind="stable")
    sa, si = aa[order], ai[order]
    uniq, first = np.unique(sa, return_index=True)
    gmin = np.minimum.reduceat(si, first)
    gmax = np.maximum.reduceat(si, first)
    g = np.minimum(np.searchsorted(uniq, wa), len(uniq) - 1)
    hit = uniq[g] == wa
    g, it, addr = g[hit], wi[hit], wa[hit]
    bad = (gmin[g] != it) | (gmax[g] != it)
    if not bad.any():
        return None
    j = int(np.argmax(bad))
    other = gmin[g[j]] if gmin[g[j]] != it[j] else gmax[g[j]]
    return int(addr[j]), int(it[j]), int(other)


def check_loop(loop: k.ForOp) -> tuple[list[Conflict], list[Access]]:
    """Conflicts between iterations of one affine loop; and accesses too large to check."""
    index = loop.body.block.args[0]
    inner = {
        op.body.block.args[0] for op in loop.body.walk() if isinstance(op, k.ForOp) and op is not loop
    }
    acc = [a for a in accesses(loop.body.block) if not _allocated_inside(a.root, loop)]
    conflicts: list[Conflict] = []
    skipped: list[Access] = []
    cache: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}

    def addresses(a: Access) -> tuple[np.ndarray, np.ndarray] | None:
        key = id(a)
        if key not in cache:
            cache[key] = _addresses(a, index, inner)
            if cache[key] is None:
                skipped.append(a)
        return cache[key]

    reported: set[tuple[int, int]] = set()
    writes = [a for a in acc if a.write]
    values = list(range(loop.lower.data, loop.upper.data, loop.step.data))
    for w in writes:
        for other in acc:
            if other.root is not w.root or (other is w and not w.write):
                continue
            if w.accumulates and other.accumulates:
                continue
            pair = (id(w.op), id(other.op))
            if pair in reported or (id(other.op), id(w.op)) in reported:
                continue
            aw, ao = addresses(w), addresses(other)
            if aw is None or ao is None:
                continue
            hit = _first_overlap(aw[0], aw[1], ao[0], ao[1])
            if hit is None:
                continue
            reported.add(pair)
            address, it_w, it_o = hit
            t = w.root.type
            assert isinstance(t, k.TensorType)
            element = tuple(int(x) for x in np.unravel_index(address, t.get_shape()))
            owner = w.root.owner
            name = owner.tensor_name.data if isinstance(owner, k.AllocOp) else _arg_name(w.root)
            conflicts.append(
                Conflict(loop, w, other, name, element, (values[it_w], values[it_o]))
            )
    return conflicts, skipped


def _arg_name(value: SSAValue) -> str:
    block = getattr(value, "block", None)
    kernel = block.parent_op() if block is not None else None
    if isinstance(kernel, k.KernelOp):
        return kernel.arg_names.data[value.index].data  # type: ignore[attr-defined]
    return value.name_hint or "tensor"


def check_module(module: Operation) -> tuple[list[Conflict], list[Access]]:
    conflicts: list[Conflict] = []
    skipped: list[Access] = []
    for op in module.walk():
        if isinstance(op, k.ForOp) and op.kind.data == k.LoopKind.AFFINE and op.trip_count > 1:
            c, s = check_loop(op)
            conflicts += c
            skipped += s
    return conflicts, skipped


def diagnostics(conflicts: list[Conflict], severity: str = "error") -> list:  # type: ignore[type-arg]
    """The conflicts as diagnostics with a counterexample each."""
    from klr.diagnostics import Diagnostic, Location, Severity
    from klr.interp.machine import location

    def where(op: Operation) -> Location | None:
        loc = location(op)
        return Location(loc[0], loc[1], loc[2]) if loc is not None else None

    out = []
    for c in conflicts:
        i, j = c.iterations
        verb = "writes" if c.second.write else "reads"
        element = ", ".join(str(e) for e in c.element)
        note_loc = where(c.second.op)
        notes = []
        if c.second.op is not c.first.op and note_loc is not None:
            notes.append(
                Diagnostic(
                    "note", f"the other access ({c.second.op.name} '{c.second.operand}')",
                    note_loc, Severity.NOTE,
                )
            )
        loop_loc = where(c.loop)
        if loop_loc is not None:
            notes.append(Diagnostic("note", "in this affine_range loop", loop_loc, Severity.NOTE))
        out.append(
            Diagnostic(
                "err_unexpected_output_dependencies",
                f"affine_range iterations {i} and {j} are not independent: iteration {i} writes "
                f"{c.tensor}[{element}] ({c.first.op.name} '{c.first.operand}') and iteration "
                f"{j} {verb} it",
                where(c.first.op),
                Severity.ERROR if severity == "error" else Severity.WARNING,
                hint="iterations of nl.affine_range may not depend on each other (only matmul "
                "accumulation into PSUM may be shared); write disjoint locations, allocate "
                "the tile inside the loop, or use nl.sequential_range",
                notes=notes,
            )
        )
    return out
