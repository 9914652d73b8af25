"""First-generation index expressions: `nl.arange`, `nl.mgrid` and their affine combinations.

`nl.arange(128)[:, None]` is a column of indices, `nl.arange(512)[None, :]` a row; affine
combinations of them (and of loop indices and program ids) index tensors NumPy-style,
the index arrays broadcasting into the result's shape (nki.md §4.4). Every such index is
a strided pattern, so the result is an ordinary view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation

from klr.tracer.values import Affine, TensorView, is_int

if TYPE_CHECKING:
    from klr.tracer.interp import Interpreter


@dataclass(frozen=True)
class IndexExpr:
    """`offset + Σ coeff · arange_axis`, with a NumPy shape; each term spans one axis."""

    shape: tuple[int, ...]
    terms: tuple[tuple[int, int], ...]
    """(axis of `shape`, coefficient); the axis's length is shape[axis]."""
    offset: int | Affine = 0

    KERNEL_ATTRS = ("shape",)

    # -- arithmetic ---------------------------------------------------------

    def _with(self, other: Any, sign: int) -> IndexExpr:
        if isinstance(other, IndexExpr):
            shape, a, b = _broadcast(self, other)
            terms = dict(a.terms)
            for axis, c in b.terms:
                terms[axis] = terms.get(axis, 0) + sign * c
            return IndexExpr(shape, tuple((x, c) for x, c in terms.items() if c), a.offset + sign * b.offset)
        if is_int(other) or isinstance(other, Affine):
            return IndexExpr(self.shape, self.terms, self.offset + sign * other)
        return NotImplemented

    def __add__(self, other: Any) -> IndexExpr:
        return self._with(other, 1)

    __radd__ = __add__

    def __sub__(self, other: Any) -> IndexExpr:
        return self._with(other, -1)

    def __rsub__(self, other: Any) -> IndexExpr:
        return (-self)._with(other, 1)

    def __neg__(self) -> IndexExpr:
        return IndexExpr(self.shape, tuple((a, -c) for a, c in self.terms), -self.offset)

    def __mul__(self, other: Any) -> IndexExpr:
        if not is_int(other):
            return NotImplemented
        return IndexExpr(self.shape, tuple((a, c * other) for a, c in self.terms if c * other), self.offset * other)

    __rmul__ = __mul__

    def __getitem__(self, key: Any) -> IndexExpr:
        """`[:, None]` / `[None, :]`: insert unit axes (the only indexing NKI uses on them)."""
        keys = list(key) if isinstance(key, tuple) else [key]
        axes: dict[int, int] = {}
        shape: list[int] = []
        src = 0
        for kx in keys:
            if kx is None:
                shape.append(1)
            elif isinstance(kx, slice) and kx == slice(None):
                axes[src] = len(shape)
                shape.append(self.shape[src])
                src += 1
            else:
                raise TypeError("an index expression takes only ':' and None")
        while src < len(self.shape):
            axes[src] = len(shape)
            shape.append(self.shape[src])
            src += 1
        return IndexExpr(tuple(shape), tuple((axes[a], c) for a, c in self.terms), self.offset)

    def __bool__(self) -> bool:
        raise TypeError("an index expression has no truth value; use it in a mask= argument")

    # -- comparisons build masks ------------------------------------------------

    def _cmp(self, op: str, other: Any) -> Mask:
        if not (is_int(other) or isinstance(other, (Affine, IndexExpr))):
            return NotImplemented
        return Mask(((self, op, other),))

    def __lt__(self, other: Any) -> Mask:
        return self._cmp("<", other)

    def __le__(self, other: Any) -> Mask:
        return self._cmp("<=", other)

    def __gt__(self, other: Any) -> Mask:
        return self._cmp(">", other)

    def __ge__(self, other: Any) -> Mask:
        return self._cmp(">=", other)


@dataclass(frozen=True)
class Mask:
    """A first-generation `mask=` predicate: a conjunction of index comparisons."""

    clauses: tuple[tuple[IndexExpr, str, Any], ...]

    def __and__(self, other: Any) -> Mask:
        if not isinstance(other, Mask):
            return NotImplemented
        return Mask(self.clauses + other.clauses)

    def __bool__(self) -> bool:
        raise TypeError("a mask has no truth value; pass it as mask=")


def _broadcast(a: IndexExpr, b: IndexExpr) -> tuple[tuple[int, ...], IndexExpr, IndexExpr]:
    n = max(len(a.shape), len(b.shape))

    def pad(e: IndexExpr) -> IndexExpr:
        k = n - len(e.shape)
        return IndexExpr((1,) * k + e.shape, tuple((x + k, c) for x, c in e.terms), e.offset)

    a, b = pad(a), pad(b)
    shape = []
    for x, y in zip(a.shape, b.shape):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"index shapes {a.shape} and {b.shape} do not broadcast")
        shape.append(max(x, y))
    return tuple(shape), a, b


def arange(start: int, stop: int | None = None) -> IndexExpr:
    if stop is None:
        start, stop = 0, start
    return IndexExpr((stop - start,), ((0, 1),), start)


class MGrid:
    """`nl.mgrid[0:128, 0:512]`: one index expression per axis (`.p`, `.x`, `.y`, `.z`)."""

    def __getitem__(self, key: Any) -> Grid:
        keys = key if isinstance(key, tuple) else (key,)
        n = len(keys)
        exprs = []
        for axis, s in enumerate(keys):
            start = 0 if s.start is None else s.start
            length = s.stop - start
            shape = tuple(length if i == axis else 1 for i in range(n))
            exprs.append(IndexExpr(shape, ((axis, 1),), start))
        return Grid(tuple(exprs))


@dataclass(frozen=True)
class Grid:
    exprs: tuple[IndexExpr, ...]

    KERNEL_ATTRS = ("p", "x", "y", "z")

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.exprs)

    def __getitem__(self, i: int) -> IndexExpr:
        return self.exprs[i]

    @property
    def p(self) -> IndexExpr:
        return self.exprs[0]

    @property
    def x(self) -> IndexExpr:
        return self.exprs[1]

    @property
    def y(self) -> IndexExpr:
        return self.exprs[2]

    @property
    def z(self) -> IndexExpr:
        return self.exprs[3]


def is_advanced(key: Any) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(x, IndexExpr) for x in keys)


def index_advanced(interp: Interpreter, view: TensorView, key: Any, op: Operation) -> TensorView:
    """`t[i_p, 2*i_f + 1]`: each input dimension indexed by an index expression or scalar."""
    from klr.tracer.views import bounds

    keys = list(key) if isinstance(key, tuple) else [key]
    if len(keys) != view.ndim:
        raise interp.error(
            "err_bad_index",
            f"index expressions must index every dimension: {len(keys)} for a "
            f"{view.ndim}-dimensional tensor",
            op,
        )
    exprs: list[IndexExpr] = []
    for kx in keys:
        if isinstance(kx, IndexExpr):
            exprs.append(kx)
        elif is_int(kx) or isinstance(kx, Affine):
            exprs.append(IndexExpr((), (), kx))
        else:
            raise interp.error(
                "err_bad_index",
                "nl.arange index expressions cannot be mixed with slices in one index",
                op,
                hint="index every dimension with an index expression or an integer (nki.md §4.4)",
            )
    n = max(len(e.shape) for e in exprs)
    shape = [1] * n
    for e in exprs:
        for i, d in enumerate(e.shape):
            j = i + n - len(e.shape)
            if d != 1:
                if shape[j] not in (1, d):
                    raise interp.error("err_bad_index", "index expressions do not broadcast", op)
                shape[j] = d
    strides = [0] * n
    offset: int | Affine = view.offset
    for dim, (e, (stride, size)) in enumerate(zip(exprs, view.dims)):
        k = n - len(e.shape)
        lo, hi = bounds(interp, e.offset)
        for axis, c in e.terms:
            strides[axis + k] += stride * c
            span = c * (e.shape[axis] - 1)
            lo, hi = lo + min(0, span), hi + max(0, span)
        if lo < 0 or hi >= size:
            raise interp.error(
                "err_index_out_of_bounds",
                f"index values {lo}..{hi} are out of bounds for dimension {dim} of size {size}",
                op,
                hint="every loop iteration is checked; use a mask for a ragged last tile",
            )
        offset = offset + e.offset * stride  # type: ignore[operator]
    # the storage's partition stride (block dims may precede the partition dim in the view)
    part_stride = math.prod(view.storage.shape[1:])
    if view.memory.on_chip and shape and shape[0] == 1 and strides[0] == 0:
        strides[0] = part_stride  # a single partition: any step selects the same one
    dims = tuple(zip(strides, shape))
    if view.memory.on_chip and dims and dims[0][0] != part_stride:
        raise interp.error(
            "err_bad_index",
            "the first index of an on-chip tile must select whole partitions in order "
            "(nl.arange(n)[:, None] plus an offset)",
            op,
        )
    return TensorView(view.storage, offset, dims)


def _floordiv(a: int, b: int) -> int:
    return a // b


def _ceildiv(a: int, b: int) -> int:
    return -((-a) // b)


def mask_ranges(mask: Mask, shape: tuple[int, ...]) -> list[tuple[int, int]]:
    """The box `[lo, hi)` per axis of `shape` where `mask` holds.

    Each clause must compare one axis's index (`offset + c·i`) with a bound; KLR's
    instructions address rectangles, so a mask that is not a box is rejected. A bound
    that depends on a loop index makes the tracer unroll that loop (NeedConcrete).
    """
    ranges = [(0, n) for n in shape]
    for expr, op, bound in mask.clauses:
        if isinstance(bound, IndexExpr):
            expr, bound = expr - bound, 0
        if len(expr.terms) != 1:
            raise ValueError("a mask clause must compare the index of exactly one axis")
        (axis, c), = expr.terms
        if axis >= len(shape):
            raise ValueError(f"the mask uses axis {axis}, the tile has {len(shape)}")
        # offset + c·i  op  bound   <=>   c·i  op  rest
        rest = int(bound - expr.offset)  # int() of a loop-dependent bound unrolls the loop
        if c < 0:
            c, rest = -c, -rest
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
        lo, hi = ranges[axis]
        if op == "<":
            hi = min(hi, _ceildiv(rest, c))
        elif op == "<=":
            hi = min(hi, _floordiv(rest, c) + 1)
        elif op == ">":
            lo = max(lo, _floordiv(rest, c) + 1)
        else:
            lo = max(lo, _ceildiv(rest, c))
        ranges[axis] = (lo, max(lo, hi))
    return ranges


@dataclass(eq=False)
class PendingAccess:
    """`x[i_p, i_f]` reaching outside `x`: legal only as the operand of a masked access
    (the first generation's ragged last tile), where the mask cuts it down to size."""

    view: Any
    key: Any
    op: Any
    error: Exception

    def index_shape(self) -> tuple[int, ...]:
        exprs = [e for e in (self.key if isinstance(self.key, tuple) else (self.key,))
                 if isinstance(e, IndexExpr)]
        n = max(len(e.shape) for e in exprs)
        shape = [1] * n
        for e in exprs:
            for i, d in enumerate(e.shape):
                if d != 1:
                    shape[i + n - len(e.shape)] = d
        return tuple(shape)

    def restricted(self, interp: Interpreter, box: list[tuple[int, int]]) -> Any:
        """The access limited to `box` (over the index shape)."""
        keys = self.key if isinstance(self.key, tuple) else (self.key,)
        n = len(box)
        out = []
        for e in keys:
            if not isinstance(e, IndexExpr):
                out.append(e)
                continue
            k = n - len(e.shape)
            shape = list(e.shape)
            offset = e.offset
            for axis, c in e.terms:
                lo, hi = box[axis + k]
                offset = offset + c * lo
            for axis, d in enumerate(e.shape):
                if d != 1:
                    lo, hi = box[axis + k]
                    shape[axis] = hi - lo
            out.append(IndexExpr(tuple(shape), e.terms, offset))
        return index_advanced(interp, self.view, tuple(out), self.op)
