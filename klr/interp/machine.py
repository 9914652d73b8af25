"""The reference interpreter of `klr`: one function per rule of docs/semantics.md.

A kernel is compiled once into Python closures over NumPy (no per-element Python
loops); running it executes the closures on a machine state of tensors (HBM, SBUF,
PSUM as NumPy arrays in their real dtypes, or all float32 in `fp32` mode), registers,
and the Scalar/Vector engines' accumulators.

Speed (bench/run_bench.py) comes from doing at compile time everything that does not
depend on run-time values, without changing what is computed:

* operand dtypes, shapes and whether a conversion is needed are static (a view keeps
  its base's dtype), so each rule picks its code path once; the common float cases
  call one NumPy function per operand (`np.add(x, y, out=dst)` for a float32
  `tensor_tensor`), the others go through the general `read`/`write` helpers;
* a view's window is an ndarray built once per base tensor: views without loop
  indices are reused while their base is the same, views affine in `klr.for` indices
  index one strided array spanning every iteration (no `as_strided` per execution)
  and are memoized per iteration; identical views of one block are computed once;
* the written/unwritten bookkeeping (§1) is exact, but each storage remembers when it
  is fully written (elements never become unwritten again), so reads of such storage
  skip the check and writes to it skip the marking; likewise for "written by a matmul";
* NumPy's floating-point error state is set once per run, not per instruction;
* a `klr.for` whose body is the matmul accumulation idiom (allocate tiles, DMA them
  from views affine in the index, `nc_matmul` into a PSUM tile from outside the loop)
  runs without materializing the tiles: operands gathered and converted once per batch
  (and cached across executions for arguments nothing writes), one BLAS product per
  iteration on worker threads, then the same float32 updates of the PSUM tile in
  iteration order (`_matmul_loop`), same bookkeeping and warnings; by default
  (`GROUPED_MATMUL_ACCUMULATION`) one BLAS sum per group instead of one product per
  iteration (float32 order across the group unspecified, §4.7), else bit-identical;
* BLAS runs single-threaded during a run (`_BlasThreads`): OpenBLAS's float32 results
  depend on its thread count, so matmuls give the same bits on any machine; the
  independent products of `_matmul_loop` run on worker threads instead.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from xdsl.dialects.builtin import FileLineColLoc
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.irdl import OperandDef

from klr.dialects import klr as k
from klr.interp import dtypes as dt
from klr.interp import mx, prng

Env = list[Any]
Step = Callable[[Env], None]

F32 = np.dtype(np.float32)


class SimulationError(Exception):
    """A kernel did something undefined at run time (reported as a diagnostic)."""

    def __init__(self, code: str, message: str, op: Operation | None, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.op = op
        self.hint = hint


class Storage:
    """A tensor's memory: the data, which elements were written, and for PSUM which
    elements a matmul has written (accumulation groups, nki.md §3.4).

    `init` and `matmul_written` are exact. `full` / `mm_full` are caches: once true,
    every element is written (resp. written by a matmul) — bits only ever go from
    unwritten to written, so they stay true. `mm_any` is false until a matmul writes.
    """

    __slots__ = ("name", "data", "init", "memory", "matmul_written", "flat", "init_flat",
                 "mm_flat", "size", "full", "pending", "mm_any", "mm_full", "mm_pending")

    def __init__(self, name: str, data: np.ndarray, init: np.ndarray, memory: k.Memory,
                 matmul_written: np.ndarray | None = None):
        self.name = name
        self.data = data
        self.init = init
        self.memory = memory
        self.matmul_written = matmul_written
        self.flat = data.reshape(-1)
        self.init_flat = init.reshape(-1)
        self.mm_flat = matmul_written.reshape(-1) if matmul_written is not None else None
        self.size = data.size
        self.full = False
        self.pending = 0
        self.mm_any = False
        self.mm_full = False
        self.mm_pending = 0

    def __repr__(self) -> str:
        return f"Storage({self.name!r}, {self.data.dtype}{list(self.data.shape)}, {self.memory})"

    def refresh(self) -> None:
        """Recompute the caches from the exact bits (after writes from outside the rules)."""
        if not self.full:
            self.full = bool(self.init.all())
        if self.matmul_written is not None:
            self.mm_any = self.mm_any or bool(self.matmul_written.any())
            if not self.mm_full:
                self.mm_full = bool(self.matmul_written.all())


def _window(
    flat: np.ndarray, start: int, shape: tuple[int, ...], steps: tuple[int, ...]
) -> np.ndarray:
    """The strided window `flat[start + Σ steps·w]`, writeable, sharing `flat`'s memory."""
    item = flat.itemsize
    strides = tuple(s * item for s in steps)
    try:
        return np.ndarray(shape, flat.dtype, buffer=flat, offset=start * item, strides=strides)
    except (ValueError, TypeError):  # outside the buffer: only for unverified IR
        return as_strided(flat[start:], shape=shape, strides=strides, writeable=True)


def _contiguous_steps(shape: tuple[int, ...]) -> tuple[int, ...]:
    steps: list[int] = []
    acc = 1
    for d in reversed(shape):
        steps.insert(0, acc)
        acc *= d
    return tuple(steps)


def _non_overlapping(shape: tuple[int, ...], steps: tuple[int, ...]) -> bool:
    """Whether distinct indices of the pattern reach distinct elements (sufficient test:
    the steps, sorted by size, form a mixed radix)."""
    dims = sorted(((abs(s), n) for s, n in zip(steps, shape) if n > 1), reverse=True)
    if not dims:
        return True
    for (s_outer, _), (s_inner, n_inner) in zip(dims, dims[1:]):
        if s_outer < s_inner * n_inner:
            return False
    return dims[-1][0] >= 1


@functools.lru_cache(maxsize=4096)
def _pattern_facts(shape: tuple[int, ...], steps: tuple[int, ...], size: int) -> tuple[bool, bool]:
    """(no two indices on one element, the whole `size`-element storage when started at 0)."""
    return _non_overlapping(shape, steps), _covers_all(shape, steps, size)


def _covers_all(shape: tuple[int, ...], steps: tuple[int, ...], size: int) -> bool:
    """Whether the pattern (started at element 0) reaches every element of a `size`-element
    storage: then it is the whole storage in row-major order."""
    n = math.prod(shape)
    if n != size:
        return False
    live = [(s, d) for s, d in zip(steps, shape) if d > 1]
    return all(s == math.prod(d for _, d in live[j + 1:]) for j, (s, _) in enumerate(live))


class Ref:
    """A tensor or a view of one: storage plus the strided window the view selects.

    `arr` is the window on the data; `whole` says it is the entire storage in row-major
    order; `simple` that it has no two indices on one element (safe as a ufunc `out`).
    """

    __slots__ = (
        "storage", "start", "shape", "steps", "arr", "whole", "simple", "size", "_init", "_mm"
    )

    def __init__(
        self, storage: Storage, start: int, shape: tuple[int, ...], steps: tuple[int, ...],
        arr: np.ndarray | None = None, whole: bool | None = None, simple: bool | None = None,
    ):
        self.storage = storage
        self.start = start
        self.shape = shape
        self.steps = steps
        self.arr = _window(storage.flat, start, shape, steps) if arr is None else arr
        self.size = math.prod(shape)
        if whole is None:
            whole = start == 0 and _covers_all(shape, steps, storage.size)
        self.whole = whole
        self.simple = _non_overlapping(shape, steps) if simple is None else simple
        self._init: np.ndarray | None = None
        self._mm: np.ndarray | None = None

    def data(self) -> np.ndarray:
        return self.arr

    def init(self) -> np.ndarray:
        w = self._init
        if w is None:
            w = self._init = _window(self.storage.init_flat, self.start, self.shape, self.steps)
        return w

    def mm(self) -> np.ndarray:
        assert self.storage.mm_flat is not None
        w = self._mm
        if w is None:
            w = self._mm = _window(self.storage.mm_flat, self.start, self.shape, self.steps)
        return w


def _whole(storage: Storage) -> Ref:
    shape = tuple(storage.data.shape)
    return Ref(storage, 0, shape, _contiguous_steps(shape), storage.data, True, True)


_POISON_BITS: dict[np.dtype, tuple[np.dtype, Any]] = {}


def _poisoned(shape: tuple[int, ...], store: np.dtype) -> np.ndarray:
    """A fresh array holding the poison value (filled through an unsigned view: setting
    an ml_dtypes array from a Python float is an order of magnitude slower)."""
    bits = _POISON_BITS.get(store)
    if bits is None:
        one = np.full((1,), dt.poison(store), dtype=store)
        if store.itemsize in (1, 2, 4, 8):
            u = np.dtype(f"u{store.itemsize}")
            bits = _POISON_BITS[store] = (u, one.view(u)[0])
        else:
            bits = _POISON_BITS[store] = (store, one[0])
    data = np.empty(shape, dtype=store)
    data.view(bits[0]).fill(bits[1])
    return data


@dataclass
class Machine:
    """Everything a running kernel can observe or change."""

    mode: str = "precise"
    act_acc: np.ndarray = field(default_factory=lambda: np.zeros(128, np.float32))
    """The Scalar engine's per-partition accumulators (activation reduce_cmd)."""
    vec_acc: np.ndarray = field(default_factory=lambda: np.zeros(128, np.float32))
    """The Vector engine's per-partition accumulators (select_reduce, range_select)."""
    rng_vector: np.ndarray = field(
        default_factory=lambda: prng.seeded_states(prng.DEFAULT_SEED, prng.VECTOR_GENERATORS)
    )
    """The Vector engine's PRNG: [128, 4, 6] XORWOW states (klr/interp/prng.py)."""
    rng_gpsimd: np.ndarray = field(
        default_factory=lambda: prng.seeded_states(prng.DEFAULT_SEED + 1, 1)
    )
    """The GpSimd engine's PRNG: [128, 1, 6] XORWOW states."""
    printed: list[str] = field(default_factory=list)
    warnings: list[tuple[str, str, Operation | None]] = field(default_factory=list)
    instructions: int = 0
    shared: dict[str, Storage] = field(default_factory=dict)
    """`shared_hbm` tensors by name: every SPMD program instance writes the same one."""
    _warned: set[tuple[str, int]] = field(default_factory=set)

    def warn(self, code: str, message: str, op: Operation | None) -> None:
        key = (code, id(op))
        if key not in self._warned:
            self._warned.add(key)
            self.warnings.append((code, message, op))

    def storage_dtype(self, t: k.TensorType) -> np.dtype:
        """The NumPy dtype a tensor of type `t` is stored in (float32 for floats in fp32 mode)."""
        real = dt.numpy_dtype(t.element)
        return F32 if self.mode == "fp32" and not dt.is_integer(real) else real

    def new_storage(self, name: str, t: k.TensorType) -> Storage:
        shape = t.get_shape()
        data = _poisoned(shape, self.storage_dtype(t))
        init = np.zeros(shape, dtype=bool)
        mm = np.zeros(shape, dtype=bool) if t.mem == k.Memory.PSUM else None
        return Storage(name, data, init, t.mem, mm)


def location(op: Operation | None) -> tuple[str, int, int] | None:
    loc = getattr(op, "location", None)
    if isinstance(loc, FileLineColLoc):
        return (loc.filename.data, loc.line.data, loc.column.data)
    return None


# ---------------------------------------------------------------------------
# Reading and writing through views
# ---------------------------------------------------------------------------


def check_init(m: Machine, ref: Ref, op: Operation, what: str) -> None:
    """Report a read of unwritten elements through `ref` (§1)."""
    st = ref.storage
    if st.full:
        return
    if ref.init().all():
        if ref.whole:
            st.full = True
        return
    m.warn(
        "warn_uninitialized_read",
        f"'{what}' reads elements of '{st.name}' that were never written",
        op,
    )


def mark_written(ref: Ref) -> None:
    """Every element of `ref` is now written."""
    st = ref.storage
    if st.full:
        return
    if ref.whole:
        st.init.fill(True)
        st.full = True
        return
    ref.init()[...] = True
    st.pending += ref.size
    if st.pending >= st.size:  # amortized: a full check per `size` elements written
        st.pending = 0
        st.full = bool(st.init.all())


def mark_matmul_written(ref: Ref) -> None:
    """Every element of `ref` (PSUM) is now written by a matmul."""
    st = ref.storage
    st.mm_any = True
    if st.mm_full:
        return
    assert st.matmul_written is not None
    if ref.whole:
        st.matmul_written.fill(True)
        st.mm_full = True
        return
    ref.mm()[...] = True
    st.mm_pending += ref.size
    if st.mm_pending >= st.size:
        st.mm_pending = 0
        st.mm_full = bool(st.matmul_written.all())


def read(m: Machine, ref: Ref, op: Operation, what: str) -> np.ndarray:
    """The values of a view, as float32; reading unwritten memory is reported."""
    check_init(m, ref, op, what)
    a = ref.arr
    return a if a.dtype == F32 else dt.to_f32(a)


def read_raw(m: Machine, ref: Ref, op: Operation, what: str) -> np.ndarray:
    """The stored values (no conversion): for bit-exact copies and bitwise operators."""
    check_init(m, ref, op, what)
    return ref.arr


def _converted(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return values if values.dtype == dtype else dt.convert(values, dtype)


_DIRECT_STORE: dict[np.dtype, bool] = {}


def _direct_store(dtype: np.dtype) -> bool:
    """Whether NumPy's own cast in an assignment `out[...] = values` (float32 values) is
    `dt.convert` for this destination dtype. Checked once per dtype, bit for bit, on
    the float32 specials, every value of the dtype (if 1-2 bytes), its neighbours and
    the midpoints between consecutive values (the ties), and a sample of all float32
    bit patterns — so a change of `dt.convert` is never bypassed. Saves a temporary and
    an error-state context per store."""
    ok = _DIRECT_STORE.get(dtype)
    if ok is None:
        ok = _DIRECT_STORE[dtype] = not dt.is_integer(dtype) and _store_matches_convert(dtype)
    return ok


def _store_matches_convert(dtype: np.dtype) -> bool:
    with np.errstate(all="ignore"):
        rng = np.random.default_rng(0)
        sample = rng.integers(0, 1 << 32, 1 << 14, dtype=np.uint64).astype(np.uint32)
        probe = [sample.view(np.float32),
                 np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan], np.float32)]
        if dtype.itemsize <= 2:
            every = np.arange(1 << (8 * dtype.itemsize), dtype=np.uint32)
            grid = every.astype(f"u{dtype.itemsize}").view(dtype).astype(np.float32)
            up, down = np.float32(np.inf), np.float32(-np.inf)
            probe += [grid, np.nextafter(grid, up), np.nextafter(grid, down),
                      ((grid[:-1].astype(np.float64) + grid[1:]) / 2).astype(np.float32)]
        x = np.concatenate(probe)
        want = dt.convert(x, dtype)
        got = np.empty(x.shape, dtype)
        got[...] = x
    if want.dtype != dtype or want.shape != got.shape:
        return False
    return bool((_bits(want) == _bits(got)).all())


def store(out: np.ndarray, values: np.ndarray) -> None:
    """`out[...] = values` rounded to `out`'s dtype as engines write (`dt.convert`);
    `values` has `out`'s shape."""
    d = out.dtype
    if values.dtype == d or (values.dtype == F32 and _direct_store(d)):
        out[...] = values
    else:
        out[...] = dt.convert(values, d)


def write(ref: Ref, values: np.ndarray) -> None:
    """Round `values` to the destination dtype and store them through the view."""
    out = ref.arr
    store(out, np.asarray(values).reshape(out.shape))
    mark_written(ref)


def write_raw(ref: Ref, values: np.ndarray) -> None:
    out = ref.arr
    out[...] = values.reshape(out.shape)
    mark_written(ref)


def write_bits(ref: Ref, values: np.ndarray) -> None:
    """Store integer bits (a bitvec result, already wrapped to its lane width) in an
    integer destination: two's complement conversion, no saturation."""
    out = ref.arr
    v = np.asarray(values).reshape(out.shape)
    out[...] = v != 0 if out.dtype.kind == "b" else v.astype(out.dtype)
    mark_written(ref)


def per_partition(values: np.ndarray) -> np.ndarray:
    """(P, ...) -> (P, N): free dimensions flattened row-major."""
    return values if values.ndim == 2 else values.reshape(values.shape[0], -1)


# ---------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------


def _i64(a: Any) -> np.ndarray:
    return np.asarray(a).astype(np.int64)


def _shift_amount(b: Any) -> np.ndarray:
    return np.clip(_i64(b), 0, 63)


def _bitvec_stage(op: k.AluOp, a: Any, b: Any, lane: np.dtype) -> np.ndarray:
    """One bitvec operator on raw integer bits (nki.md §8.1), at the width of `lane` (the
    data operand's dtype): computed on int64, the result wrapped to `lane` (two's
    complement), so bits shifted past the top are lost. `right_shift` is logical: the
    first operand's `lane` bits are shifted as unsigned."""
    if op == k.AluOp.INVERT:
        r = ~_i64(a)
    elif op == k.AluOp.RIGHT_SHIFT:
        unsigned = np.dtype(f"u{lane.itemsize}") if lane.kind != "b" else lane
        r = np.asarray(a).astype(lane).astype(unsigned).astype(np.int64) >> _shift_amount(b)
    elif op == k.AluOp.LEFT_SHIFT:
        r = _i64(a) << _shift_amount(b)
    else:
        r = BITVEC[op](_i64(a), _i64(b))
    return r.astype(lane) if lane.kind != "b" else r != 0


BITVEC: dict[k.AluOp, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    k.AluOp.BITWISE_AND: np.bitwise_and,
    k.AluOp.BITWISE_OR: np.bitwise_or,
    k.AluOp.BITWISE_XOR: np.bitwise_xor,
}
BITVEC_OPS = frozenset(k.BITVEC_ALU_OPS)

# Operators GpSimd computes exactly on integer operands (nki.md §7.2, §9.3: all-integer
# `tensor_tensor` runs on GpSimd's integer SIMD unless an operand is in PSUM or the
# engine is forced): comparisons and logicals give 0/1, the others the exact integer
EXACT_INTEGER_ALU: dict[k.AluOp, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    k.AluOp.ADD: np.add,
    k.AluOp.SUBTRACT: np.subtract,
    k.AluOp.MULTIPLY: np.multiply,
    k.AluOp.MAXIMUM: np.maximum,
    k.AluOp.MINIMUM: np.minimum,
    k.AluOp.EQUAL: np.equal,
    k.AluOp.NOT_EQUAL: np.not_equal,
    k.AluOp.GREATER_EQUAL: np.greater_equal,
    k.AluOp.GREATER: np.greater,
    k.AluOp.LESS_EQUAL: np.less_equal,
    k.AluOp.LESS: np.less,
    k.AluOp.LOGICAL_AND: lambda a, b: (a != 0) & (b != 0),
    k.AluOp.LOGICAL_OR: lambda a, b: (a != 0) | (b != 0),
    k.AluOp.LOGICAL_XOR: lambda a, b: (a != 0) ^ (b != 0),
    k.AluOp.ABS_MAX: lambda a, b: np.where(np.abs(a) > np.abs(b), a, b),
    k.AluOp.ABS_MIN: lambda a, b: np.where(np.abs(a) < np.abs(b), a, b),
}


def _bitwise_by_value(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    # the float32 path of a bitvec operator (only reached through accumulators)
    def apply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return f(_i64(a), _i64(b)).astype(np.float64)

    return apply


ALU: dict[k.AluOp, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    k.AluOp.ADD: np.add,
    k.AluOp.SUBTRACT: np.subtract,
    k.AluOp.MULTIPLY: np.multiply,
    k.AluOp.DIVIDE: np.divide,
    k.AluOp.MAXIMUM: np.maximum,
    k.AluOp.MINIMUM: np.minimum,
    k.AluOp.EQUAL: lambda a, b: (a == b).astype(np.float32),
    k.AluOp.NOT_EQUAL: lambda a, b: (a != b).astype(np.float32),
    k.AluOp.GREATER_EQUAL: lambda a, b: (a >= b).astype(np.float32),
    k.AluOp.GREATER: lambda a, b: (a > b).astype(np.float32),
    k.AluOp.LESS_EQUAL: lambda a, b: (a <= b).astype(np.float32),
    k.AluOp.LESS: lambda a, b: (a < b).astype(np.float32),
    k.AluOp.LOGICAL_AND: lambda a, b: ((a != 0) & (b != 0)).astype(np.float32),
    k.AluOp.LOGICAL_OR: lambda a, b: ((a != 0) | (b != 0)).astype(np.float32),
    k.AluOp.LOGICAL_XOR: lambda a, b: ((a != 0) ^ (b != 0)).astype(np.float32),
    k.AluOp.POWER: np.power,
    k.AluOp.MOD: np.fmod,
    k.AluOp.ABS_MAX: lambda a, b: np.where(np.abs(a) > np.abs(b), a, b),
    k.AluOp.ABS_MIN: lambda a, b: np.where(np.abs(a) < np.abs(b), a, b),
    k.AluOp.BITWISE_AND: _bitwise_by_value(np.bitwise_and),
    k.AluOp.BITWISE_OR: _bitwise_by_value(np.bitwise_or),
    k.AluOp.BITWISE_XOR: _bitwise_by_value(np.bitwise_xor),
    k.AluOp.LEFT_SHIFT: _bitwise_by_value(np.left_shift),
    k.AluOp.RIGHT_SHIFT: _bitwise_by_value(np.right_shift),
    k.AluOp.BYPASS: lambda a, b: a,
    k.AluOp.AVERAGE: lambda a, b: (a + b) / 2,
}
UNARY: dict[k.AluOp, Callable[[np.ndarray], np.ndarray]] = {
    k.AluOp.ABS: np.abs,
    k.AluOp.SQUARE: np.square,
    k.AluOp.RELU: lambda x: np.maximum(x, 0),
    k.AluOp.RSQRT: lambda x: 1 / np.sqrt(x),
    k.AluOp.RECIPROCAL: lambda x: 1 / x,
    k.AluOp.INVERT: lambda x: np.invert(x.astype(np.int64)).astype(np.float64),
    k.AluOp.LOGICAL_NOT: lambda x: (x == 0).astype(np.float32),
}
def _trailing(x: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """`x` with the reduced `axis` (axes) flattened, row-major, into one last axis."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    kept = [a for a in range(x.ndim) if a not in axes]
    y = np.transpose(x, kept + list(axes))
    return y.reshape(*[x.shape[a] for a in kept], -1)


def _folded(f: Callable[[np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    """A reduction defined on the last axis, applied over `axis` like `np.sum`."""

    def reduce(x: np.ndarray, axis: int | tuple[int, ...], keepdims: bool = False) -> np.ndarray:
        r = f(_trailing(x, axis))
        if keepdims:
            axes = (axis,) if isinstance(axis, int) else tuple(axis)
            r = np.expand_dims(r, tuple(a % x.ndim for a in axes))
        return r

    return reduce


REDUCE: dict[k.AluOp, Callable[..., np.ndarray]] = {
    k.AluOp.ADD: np.sum,
    k.AluOp.MULTIPLY: np.prod,
    k.AluOp.MAXIMUM: np.max,
    k.AluOp.MINIMUM: np.min,
    # a left fold from the first element: x0 - x1 - ... (semantics §4.9, choice)
    k.AluOp.SUBTRACT: _folded(lambda y: y[..., 0] - np.sum(y[..., 1:], axis=-1)),
    k.AluOp.LOGICAL_AND: _folded(lambda y: np.all(y != 0, axis=-1).astype(np.float32)),
    k.AluOp.LOGICAL_OR: _folded(lambda y: np.any(y != 0, axis=-1).astype(np.float32)),
    k.AluOp.LOGICAL_XOR: _folded(
        lambda y: (np.count_nonzero(y, axis=-1) % 2).astype(np.float32)
    ),
    k.AluOp.BITWISE_AND: lambda x, axis, keepdims: np.bitwise_and.reduce(
        _i64(x), axis=axis, keepdims=keepdims
    ),
    k.AluOp.BITWISE_OR: lambda x, axis, keepdims: np.bitwise_or.reduce(
        _i64(x), axis=axis, keepdims=keepdims
    ),
    k.AluOp.BITWISE_XOR: lambda x, axis, keepdims: np.bitwise_xor.reduce(
        _i64(x), axis=axis, keepdims=keepdims
    ),
    k.AluOp.AVERAGE: np.mean,
    # the signed value of largest / smallest magnitude (first on ties)
    k.AluOp.ABS_MAX: _folded(
        lambda y: np.take_along_axis(y, np.argmax(np.abs(y), axis=-1)[..., None], -1)[..., 0]
    ),
    k.AluOp.ABS_MIN: _folded(
        lambda y: np.take_along_axis(y, np.argmin(np.abs(y), axis=-1)[..., None], -1)[..., 0]
    ),
}
# the value an accumulator `reset` sets (nki.md §9.3); others reset to 0
IDENTITY: dict[k.AluOp, float] = {
    k.AluOp.ADD: 0.0,
    k.AluOp.SUBTRACT: 0.0,
    k.AluOp.MULTIPLY: 1.0,
    k.AluOp.MAXIMUM: -np.inf,
    k.AluOp.MINIMUM: np.inf,
    k.AluOp.LOGICAL_AND: 1.0,
    k.AluOp.ABS_MIN: np.inf,
}


_math_erf = np.vectorize(math.erf, otypes=[np.float64])
_math_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _erf(x: np.ndarray) -> np.ndarray:
    return _math_erf(x)


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF Φ(x) = erfc(-x/√2)/2: no cancellation for negative x
    (1 + erf(x/√2) loses every digit below about -6)."""
    return 0.5 * _math_erfc(-x / np.sqrt(2))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return x * _phi(x)


def _gelu_dx(x: np.ndarray) -> np.ndarray:
    return _phi(x) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    # 0.5x(1 + tanh(u)) = x·σ(2u): the sigmoid form does not cancel for negative u
    u = np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)
    return x * _sigmoid(2 * u)


def _silu_dx_form(s: np.ndarray, x: np.ndarray) -> np.ndarray:
    # σ(x)(1 + x(1 - σ(x))) with s = σ(x)
    return s * (1 + x * (1 - s))


def _limits(f: Callable[[np.ndarray], np.ndarray], at_minus_inf: float, at_plus_inf: float | None
            ) -> Callable[[np.ndarray], np.ndarray]:
    """`f` with its limits at ±inf, where the formula evaluates inf·0 (NaN)."""

    def g(x: np.ndarray) -> np.ndarray:
        y = np.asarray(f(x), np.float64)
        y = np.where(x == -np.inf, at_minus_inf, y)
        return y if at_plus_inf is None else np.where(x == np.inf, at_plus_inf, y)

    return g


ACT: dict[k.ActFunc, Callable[[np.ndarray], np.ndarray]] = {
    k.ActFunc.COPY: lambda x: x,
    k.ActFunc.SQUARE: np.square,
    k.ActFunc.SIGMOID: _sigmoid,
    k.ActFunc.RELU: lambda x: np.maximum(x, 0),
    k.ActFunc.GELU: _limits(_gelu, 0.0, None),
    k.ActFunc.GELU_DX: _limits(_gelu_dx, 0.0, 1.0),
    k.ActFunc.GELU_APPRX_TANH: _limits(_gelu_tanh, 0.0, None),
    k.ActFunc.GELU_APPRX_SIGMOID: _limits(lambda x: x * _sigmoid(1.702 * x), 0.0, None),
    k.ActFunc.GELU_APPRX_SIGMOID_DX: _limits(
        lambda x: _silu_dx_form(_sigmoid(1.702 * x), 1.702 * x), 0.0, 1.0
    ),
    k.ActFunc.SILU: _limits(lambda x: x * _sigmoid(x), 0.0, None),
    k.ActFunc.SILU_DX: _limits(lambda x: _silu_dx_form(_sigmoid(x), x), 0.0, 1.0),
    k.ActFunc.TANH: np.tanh,
    k.ActFunc.SOFTPLUS: lambda x: np.logaddexp(0, x),
    k.ActFunc.MISH: _limits(lambda x: x * np.tanh(np.logaddexp(0, x)), 0.0, None),
    k.ActFunc.ERF: _erf,
    k.ActFunc.ERF_DX: lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x),
    k.ActFunc.EXP: np.exp,
    k.ActFunc.LOG: np.log,
    k.ActFunc.SIN: np.sin,
    k.ActFunc.ARCTAN: np.arctan,
    k.ActFunc.SQRT: np.sqrt,
    k.ActFunc.RSQRT: lambda x: 1 / np.sqrt(x),
    k.ActFunc.RECIPROCAL: lambda x: 1 / x,
    k.ActFunc.SIGN: np.sign,
    k.ActFunc.ABS: np.abs,
    k.ActFunc.PRELU: lambda x: np.maximum(x, 0),
}


def alu(op: k.AluOp, a: np.ndarray, b: np.ndarray | None, reverse: bool = False) -> np.ndarray:
    if op == k.AluOp.BYPASS:  # a skipped stage passes its data through, reversed or not
        return a
    if op in UNARY:
        return UNARY[op](a)
    assert b is not None
    return ALU[op](b, a) if reverse else ALU[op](a, b)



def f32(x: np.ndarray) -> np.ndarray:
    """Round to float32 (a new array). NumPy's error state is set once per run (`Compiler`)."""
    a = np.asarray(x)
    if a.dtype == F32 or a.dtype == np.float64:
        return a.astype(np.float32)
    return a.astype(np.float64).astype(np.float32)


def _as_f32(x: np.ndarray) -> np.ndarray:
    """`f32` without the copy when `x` is already float32 (for fresh results only)."""
    return x if x.dtype == F32 else f32(x)


# NumPy ufuncs among the ALU operators: on float32 operands they compute in float32 and
# can write straight into a float32 destination
_UFUNC_ALU = {a for a, f in ALU.items() if isinstance(f, np.ufunc)}


# ---------------------------------------------------------------------------
# BLAS threads
# ---------------------------------------------------------------------------


class _BlasThreads:
    """Runs use single-threaded BLAS (OpenBLAS, which NumPy's wheels bundle).

    * OpenBLAS's float32 results depend on its thread count (the work split changes the
      rounding), so with one thread a matmul gives the same bits on every machine, however
      many cores it has;
    * many small multi-threaded BLAS calls degrade badly when other processes load the
      cores (each call synchronizes its threads); the interpreter parallelizes batches of
      independent products itself instead (`_matmul_loop`).

    Without OpenBLAS thread control (another BLAS, no /proc), runs use the BLAS as it is
    and batches run on one thread.
    """

    _SYMBOLS = (
        ("openblas_get_num_threads", "openblas_set_num_threads"),
        ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
        ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
        ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    )

    def __init__(self) -> None:
        self._found = False
        self._libs: list[tuple[Any, Any]] = []  # (get, set) of every OpenBLAS loaded
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: list[int] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self.workers = 1

    def _find(self) -> None:
        self._found = True
        try:
            with open("/proc/self/maps") as f:
                paths = {
                    line.split()[-1] for line in f if "openblas" in line.rsplit("/", 1)[-1].lower()
                }
            for path in sorted(paths):
                lib = ctypes.CDLL(path)
                for get, set_ in self._SYMBOLS:
                    if hasattr(lib, get) and hasattr(lib, set_):
                        getter, setter = getattr(lib, get), getattr(lib, set_)
                        getter.restype, getter.argtypes = ctypes.c_int, []
                        setter.restype, setter.argtypes = None, [ctypes.c_int]
                        self._libs.append((getter, setter))
                        break
        except (OSError, ValueError, IndexError, AttributeError):
            self._libs = []
        if self._libs:
            affinity = getattr(os, "sched_getaffinity", None)
            cpus = len(affinity(0)) if affinity is not None else os.cpu_count()
            self.workers = max(1, min(4, cpus or 1))

    @contextmanager
    def single(self) -> Iterator[None]:
        """BLAS on one thread for the duration (nested and concurrent uses are counted)."""
        with self._lock:
            if not self._found:
                self._find()
            if self._depth == 0:
                self._saved = [get() for get, _ in self._libs]
                for _, set_ in self._libs:
                    set_(1)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    for (_, set_), n in zip(self._libs, self._saved):
                        set_(n)

    def pool(self) -> ThreadPoolExecutor | None:
        """Worker threads for independent products (None: compute them in line)."""
        if not self._found:
            with self._lock:
                if not self._found:
                    self._find()
        if self.workers <= 1:
            return None
        if self._pool is None or self._pool_pid != os.getpid():  # none yet, or forked
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(
                        self.workers - 1, thread_name_prefix="klr-interp"
                    )
                    self._pool_pid = os.getpid()
        return self._pool


BLAS = _BlasThreads()


# ---------------------------------------------------------------------------
# Compilation
# ---------------------------------------------------------------------------


@dataclass
class Compiled:
    """A kernel ready to run: its steps, input and output slots."""

    steps: list[Step]
    nslots: int
    arg_slots: list[int]
    arg_types: list[k.TensorType]
    arg_names: list[str]
    result_slots: list[int]
    inout: tuple[int, ...]


class Compiler:
    """Turns klr ops into closures; every SSA value gets a slot in the environment."""

    def __init__(self, machine: Machine):
        self.m = machine
        self.slots: dict[SSAValue, int] = {}
        self.nslots = 0
        self._types: dict[int, tuple[np.dtype, tuple[int, ...], Any]] = {}
        self.read_only_args: set[SSAValue] = set()
        """Kernel arguments only ever read, and only by DMAs (directly or through views)."""
        self.cache_budget = _Budget(1 << 28)
        """Bytes the run may keep in caches of values derived from read-only arguments."""
        self.f32_args: dict[int, tuple[Storage, np.ndarray | None]] = {}
        """Read-only arguments' values as float32 (flat), by storage: see `f32_of`."""

    def f32_of(self, st: Storage) -> np.ndarray | None:
        """`dt.to_f32` of a read-only argument's whole storage, flat, converted once (in
        parallel chunks: the conversion is elementwise); None if over the cache budget.
        Call from the interpreter's thread (it uses the worker threads)."""
        hit = self.f32_args.get(id(st))
        if hit is not None and hit[0] is st:
            return hit[1]
        out: np.ndarray | None = None
        if self.cache_budget.take(4 * st.size):
            out = np.empty(st.size, np.float32)
            flat = st.flat
            pool = BLAS.pool()
            lanes = BLAS.workers if pool is not None else 1
            bounds = [st.size * i // lanes for i in range(lanes + 1)]

            def convert(i: int) -> None:
                out[bounds[i]:bounds[i + 1]] = dt.to_f32(flat[bounds[i]:bounds[i + 1]])

            futures = [pool.submit(convert, i) for i in range(1, lanes)] if pool else []
            convert(0)
            for f in futures:
                f.result()
        self.f32_args[id(st)] = (st, out)
        return out

    def slot(self, v: SSAValue) -> int:
        if v not in self.slots:
            self.slots[v] = self.nslots
            self.nslots += 1
        return self.slots[v]

    def dtype(self, v: SSAValue) -> np.dtype:
        """The storage dtype of a tensor operand (static: views keep their base's dtype)."""
        return self._type_info(v.type)[0]

    def shape(self, v: SSAValue) -> tuple[int, ...]:
        return self._type_info(v.type)[1]

    def _type_info(self, t: Any) -> tuple[np.dtype, tuple[int, ...]]:
        # by identity (hashing an xdsl type is slow); the entry keeps the type alive
        info = self._types.get(id(t))
        if info is None:
            assert isinstance(t, k.TensorType)
            info = self._types[id(t)] = (self.m.storage_dtype(t), tuple(t.get_shape()), t)
        return info[0], info[1]

    def compile(self, kernel: k.KernelOp) -> Compiled:
        block = kernel.body.block
        arg_slots = [self.slot(a) for a in block.args]
        self.read_only_args = {a for a in block.args if _only_dma_read(a)}
        # compiling allocates many small objects and frees none: the cyclic garbage
        # collector's passes over the whole IR would be pure overhead
        collecting = gc.isenabled()
        gc.disable()
        try:
            steps = self.block(block)
        finally:
            if collecting:
                gc.enable()
        ret = block.last_op
        assert isinstance(ret, k.ReturnOp)
        result_slots = [self.slot(v) for v in ret.values]

        def run_kernel(env: Env) -> None:
            # arguments' storage is filled from outside the rules: refresh its caches
            for s in arg_slots:
                ref = env[s]
                if isinstance(ref, Ref):
                    ref.storage.refresh()
            # float exceptions are values (inf, NaN), never warnings or errors
            with np.errstate(all="ignore"), BLAS.single():
                for s in steps:
                    s(env)

        return Compiled(
            [run_kernel],
            self.nslots,
            arg_slots,
            [a.type for a in block.args],  # type: ignore[misc]
            [s.data for s in kernel.arg_names.data],
            result_slots,
            kernel.inout.data if kernel.inout is not None else (),
        )

    def block(self, block: Block) -> list[Step]:
        out: list[Step] = []
        views: dict[tuple[Any, ...], SSAValue] = {}
        for op in block.ops:
            if isinstance(op, k.ReturnOp):
                continue
            if isinstance(op, k.ViewOp):
                # a view is a pure function of its base and indices: identical views of
                # one block share the first one's value (operands and properties read
                # directly: xdsl's accessors cost microseconds each)
                props = op.properties
                key = (
                    tuple(map(id, op.operands)),
                    props["offset"].data,  # type: ignore[attr-defined]
                    props["coeffs"].data,  # type: ignore[attr-defined]
                    props["pattern"].data,  # type: ignore[attr-defined]
                )
                same = views.get(key)
                res = op.results[0]
                if same is not None and res not in self.slots:
                    self.slots[res] = self.slot(same)
                    continue
                views[key] = res
            handler = RULES.get(type(op))
            if handler is None:
                raise SimulationError(
                    "err_not_supported", f"'{op.name}' cannot be simulated yet", op
                )
            out.append(handler(self, op))
        return out


def _only_dma_read(value: SSAValue) -> bool:
    """Whether every use of `value` is as a DMA source, directly or through views."""
    for use in value.uses:
        op = use.operation
        if isinstance(op, k.ViewOp) and op.base is value:
            if not all(isinstance(u.operation, k.DmaCopyOp) and u.operation.src is op.res
                       and u.operation.dst is not op.res for u in op.res.uses):
                return False
        elif not (isinstance(op, k.DmaCopyOp) and op.src is value and op.dst is not value):
            return False
    return True


class _Budget:
    """A byte allowance shared by caches (thread-safe)."""

    def __init__(self, limit: int):
        self.left = limit
        self._lock = threading.Lock()

    def take(self, n: int) -> bool:
        with self._lock:
            if n > self.left:
                return False
            self.left -= n
            return True


def run_steps(steps: list[Step], env: Env) -> None:
    for s in steps:
        s(env)


# -- structure -----------------------------------------------------------------


def rule_alloc(c: Compiler, op: k.AllocOp) -> Step:
    slot = c.slot(op.res)
    t = op.res.type
    assert isinstance(t, k.TensorType)
    name = op.tensor_name.data
    m = c.m
    shape = tuple(t.get_shape())
    steps = _contiguous_steps(shape)

    if t.mem == k.Memory.SHARED_HBM:

        def run_shared(env: Env) -> None:
            if name not in m.shared:
                m.shared[name] = m.new_storage(name, t)
            env[slot] = _whole(m.shared[name])

        return run_shared

    def run(env: Env) -> None:
        st = m.new_storage(name, t)
        env[slot] = Ref(st, 0, shape, steps, st.data, True, True)

    return run


def _loop_of(index: SSAValue) -> k.ForOp | None:
    if isinstance(index, BlockArgument):
        parent = index.block.parent_op()
        if isinstance(parent, k.ForOp):
            return parent
    return None


def rule_view(c: Compiler, op: k.ViewOp) -> Step:
    if op.registers:
        return _dynamic_view(c, op)
    props = op.properties
    base_v, indices = op.base, list(op.indices)
    slot, base = c.slot(op.results[0]), c.slot(base_v)
    idx = [c.slot(i) for i in indices]
    coeffs = tuple(props["coeffs"].data)  # type: ignore[attr-defined]
    offset = props["offset"].data  # type: ignore[attr-defined]
    pattern = props["pattern"].data  # type: ignore[attr-defined]
    shape = tuple(n for _, n in pattern)
    steps = tuple(s for s, _ in pattern)
    simple, whole = _pattern_facts(shape, steps, math.prod(c.shape(base_v)))
    loops = [_loop_of(i) for i in indices]
    # (base Ref, value) of the last execution: the window array only depends on these
    cache: list[Any] = [None, None]

    if not idx:

        def run_const(env: Env) -> None:
            ref = env[base]
            if ref is not cache[0]:
                cache[0] = ref
                start = ref.start + offset
                cache[1] = Ref(ref.storage, start, shape, steps, None, whole and start == 0, simple)
            env[slot] = cache[1]

        return run_const

    if any(lp is None for lp in loops):

        def run_general(env: Env) -> None:
            ref: Ref = env[base]
            start = ref.start + offset + sum(c_ * env[i] for c_, i in zip(coeffs, idx))
            env[slot] = Ref(ref.storage, start, shape, steps, None, whole and start == 0, simple)

        return run_general

    # one strided array over every iteration: `span[t_1, ..., t_j]` is the window for
    # index values lower_j + step_j * t_j; and the Refs made so far for the current
    # base, by iteration (a view is immutable: loops executed again reuse them)
    lowers = [lp.lower.data for lp in loops]  # type: ignore[union-attr]
    lsteps = [lp.step.data for lp in loops]  # type: ignore[union-attr]
    trips = tuple(max(lp.trip_count, 1) for lp in loops)  # type: ignore[union-attr]
    span_shape = trips + shape
    span_steps = tuple(c_ * s for c_, s in zip(coeffs, lsteps)) + steps
    span_offset = offset + sum(c_ * lo for c_, lo in zip(coeffs, lowers))
    memo: dict[Any, Ref] = {}

    def make(ref: Ref, start: int, t: Any) -> Ref:
        if ref is not cache[0]:
            cache[0] = ref
            cache[1] = _window(ref.storage.flat, ref.start + span_offset, span_shape, span_steps)
            memo.clear()
        r = Ref(ref.storage, start, shape, steps, cache[1][t], whole and start == 0, simple)
        if len(memo) < _VIEW_MEMO_LIMIT:
            memo[t] = r
        return r

    if len(idx) == 1 and lowers[0] == 0 and lsteps[0] == 1:
        i0, c0 = idx[0], coeffs[0]

        def run_one(env: Env) -> None:
            ref = env[base]
            t = env[i0]
            if ref is cache[0]:
                r = memo.get(t)
                if r is not None:
                    env[slot] = r
                    return
            env[slot] = make(ref, ref.start + offset + c0 * t, t)

        return run_one

    def run_indexed(env: Env) -> None:
        ref = env[base]
        values = [env[i] for i in idx]
        t = tuple((v - lo) // s for v, lo, s in zip(values, lowers, lsteps))
        if ref is cache[0]:
            r = memo.get(t)
            if r is not None:
                env[slot] = r
                return
        start = ref.start + offset + sum(c_ * v for c_, v in zip(coeffs, values))
        env[slot] = make(ref, start, t)

    return run_indexed


_VIEW_MEMO_LIMIT = 1 << 16


def _dynamic_view(c: Compiler, op: k.ViewOp) -> Step:
    """A view whose start depends on registers (`.ap(scalar_offset=...)`): made at each
    execution, its elements checked against the storage (nki.md §4.2, oob_mode=error)."""
    slot, base = c.slot(op.res), c.slot(op.base)
    idx = [c.slot(i) for i in op.indices] + [c.slot(r) for r in op.registers]
    coeffs = tuple(op.coeffs.data) + tuple(op.reg_coeffs.data)  # type: ignore[union-attr]
    offset = op.offset.data
    pattern = op.pattern.data
    shape = tuple(n for _, n in pattern)
    steps = tuple(s for s, _ in pattern)
    reach_lo = sum(min(0, s * (n - 1)) for s, n in pattern)
    reach_hi = sum(max(0, s * (n - 1)) for s, n in pattern)
    simple, whole = _pattern_facts(shape, steps, math.prod(c.shape(op.base)))
    size = math.prod(c.shape(op.base))

    def run(env: Env) -> None:
        ref: Ref = env[base]
        start = ref.start + offset + sum(c_ * int(env[i]) for c_, i in zip(coeffs, idx))
        if start + reach_lo < 0 or start + reach_hi >= size:
            values = ", ".join(str(int(env[i])) for i in idx[len(op.indices):])
            raise SimulationError(
                "err_index_out_of_bounds",
                f"a dynamic view reaches elements {start + reach_lo}..{start + reach_hi} of a "
                f"{size}-element tensor (register value {values})",
                op,
                hint="keep the scalar_offset register within the tensor (nki.md §4.2: "
                "oob_mode.error)",
            )
        env[slot] = Ref(ref.storage, start, shape, steps, None, whole and start == 0, simple)

    return run


def rule_for(c: Compiler, op: k.ForOp) -> Step:
    idx = c.slot(op.body.block.args[0])
    body = c.block(op.body.block)
    values = range(op.lower.data, op.upper.data, op.step.data)

    if len(body) == 1:
        only = body[0]

        def run_one(env: Env) -> None:
            for i in values:
                env[idx] = i
                only(env)

        general = run_one
    else:

        def run(env: Env) -> None:
            for i in values:
                env[idx] = i
                for s in body:
                    s(env)

        general = run
    return _matmul_loop(c, op, general) or general


# -- data movement ---------------------------------------------------------------


def _ops(c: Compiler, *values: SSAValue | None) -> list[int | None]:
    return [None if v is None else c.slot(v) for v in values]


_POSITIONS: dict[type, dict[str, int] | None] = {}


def _operands(op: Operation, *names: str) -> list[SSAValue]:
    """The named operands of `op` (by position when the op has only single operands:
    xdsl's accessors cost microseconds each, and unrolled kernels have many ops)."""
    cls = type(op)
    if cls not in _POSITIONS:
        defs = cls.get_irdl_definition().operands  # type: ignore[attr-defined]
        _POSITIONS[cls] = (
            {n: i for i, (n, d) in enumerate(defs)}
            if all(type(d) is OperandDef for _, d in defs)
            else None
        )
    pos = _POSITIONS[cls]
    if pos is None:
        return [getattr(op, n) for n in names]
    operands = op.operands
    return [operands[pos[n]] for n in names]


def _is_float(d: np.dtype) -> bool:
    return not dt.is_integer(d)


def rule_dma_copy(c: Compiler, op: k.DmaCopyOp) -> Step:
    dst_v, src_v = _operands(op, "dst", "src")
    d, s = _ops(c, dst_v, src_v)
    m = c.m
    dd, sd = c.dtype(dst_v), c.dtype(src_v)
    dshape = c.shape(dst_v)
    same_shape = dshape == c.shape(src_v)

    if dd == sd:
        # bit-exact copy

        def run_raw(env: Env) -> None:
            m.instructions += 1
            src: Ref = env[s]
            dst: Ref = env[d]
            if not src.storage.full:
                check_init(m, src, op, "src")
            dst.arr[...] = src.arr if same_shape else src.arr.reshape(dshape)
            if not dst.storage.full:
                mark_written(dst)

        return run_raw

    def run(env: Env) -> None:
        m.instructions += 1
        write(env[d], read(m, env[s], op, "src"))

    return run


def rule_tensor_copy(c: Compiler, op: k.TensorCopyOp) -> Step:
    # bit-exact when dtypes match, else through fp32 (nki.md §7.2); the free dims are
    # flattened row-major on both sides, i.e. a row-major copy
    return rule_dma_copy(c, op)  # type: ignore[arg-type]


def rule_tensor_tensor(c: Compiler, op: k.TensorTensorOp) -> Step:
    values = _operands(op, "dst", "data1", "data2")
    d, a, b = _ops(c, *values)
    alu_op = op.properties["op"].data  # type: ignore[attr-defined]
    fn = ALU[alu_op]
    m = c.m
    dd, ad, bd = (c.dtype(v) for v in values)
    same_shape = c.shape(values[0]) == c.shape(values[1]) == c.shape(values[2])

    if same_shape and all(_is_float(x) for x in (dd, ad, bd)):
        a32, b32 = ad == F32, bd == F32
        ufunc_out = dd == F32 and alu_op in _UFUNC_ALU and a32 and b32

        def run_float(env: Env) -> None:
            m.instructions += 1
            A: Ref = env[a]
            B: Ref = env[b]
            D: Ref = env[d]
            if not A.storage.full:
                check_init(m, A, op, "data1")
            if not B.storage.full:
                check_init(m, B, op, "data2")
            if ufunc_out and D.simple:
                fn(A.arr, B.arr, out=D.arr)
            else:
                x = A.arr if a32 else dt.to_f32(A.arr)
                y = B.arr if b32 else dt.to_f32(B.arr)
                store(D.arr, _as_f32(fn(x, y)))
            if not D.storage.full:
                mark_written(D)

        return run_float

    if alu_op in BITVEC_OPS:  # raw bits of integers (the verifier requires integer dtypes)

        def run_bits(env: Env) -> None:
            m.instructions += 1
            x = per_partition(read_raw(m, env[a], op, "data1"))
            y = per_partition(read_raw(m, env[b], op, "data2"))
            write_bits(env[d], _bitvec_stage(alu_op, x, y, ad))

        return run_bits

    in_psum = any(tensor_type_of(v).mem == k.Memory.PSUM for v in values[1:])
    forced = op.engine.data in (k.Engine.VECTOR, k.Engine.SCALAR)
    if not _is_float(ad) and not _is_float(bd) and alu_op in EXACT_INTEGER_ALU and not (
        in_psum or forced
    ):
        exact = EXACT_INTEGER_ALU[alu_op]

        def run_exact(env: Env) -> None:
            m.instructions += 1
            x = _i64(per_partition(read_raw(m, env[a], op, "data1")))
            y = _i64(per_partition(read_raw(m, env[b], op, "data2")))
            write(env[d], exact(x, y))

        return run_exact

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[a], op, "data1"))
        y = per_partition(read(m, env[b], op, "data2"))
        write(env[d], f32(fn(x, y)))

    return run


def _scalar(env: Env, slot: int | None, imm: k.FloatAttr | None, m: Machine, op: Operation, what: str) -> Any:
    if slot is not None:
        return per_partition(read(m, env[slot], op, what))
    return np.float32(imm.data) if imm is not None else None


def _operand(
    c: Compiler, slot: int | None, imm: k.FloatAttr | None, op: Operation, what: str
) -> Callable[[Env], Any]:
    """A compiled `_scalar`: an immediate (as float32) or a (P, 1) vector operand."""
    if slot is None:
        value = np.float32(imm.data) if imm is not None else None
        return lambda env: value
    m = c.m
    return lambda env: per_partition(read(m, env[slot], op, what))


def _int_operand(
    c: Compiler, slot: int | None, imm: k.FloatAttr | None, op: Operation, what: str
) -> Callable[[Env], Any]:
    """A bitvec operator's scalar operand: an integer immediate or a (P, 1) vector's bits."""
    if slot is None:
        if imm is not None and not float(imm.data).is_integer():
            raise SimulationError(
                "err_bad_arguments",
                f"a bitwise operator needs an integer {what}, got {imm.data!r}",
                op,
                hint="bitvec operators work on raw integer bits (nki.md §8.1)",
            )
        value = None if imm is None else np.int64(int(imm.data))
        return lambda env: value
    m = c.m
    return lambda env: per_partition(read_raw(m, env[slot], op, what))


def _tensor_scalar_bits(c: Compiler, op: k.TensorScalarOp) -> Step:
    """tensor_scalar with a bitvec stage: bitvec stages on raw bits at the data's width,
    arithmetic stages in float32 on the values (semantics §4.4)."""
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    m = c.m
    lane = c.dtype(op.data)
    stages = []
    for alu_op, slot, imm, rev, what in (
        (op.op0.data, o0, op.imm0, op.reverse0 is not None, "operand0"),
        (op.op1.data if op.op1 is not None else None, o1, op.imm1, op.reverse1 is not None,
         "operand1"),
    ):
        if alu_op is None:
            continue
        bits = alu_op in BITVEC_OPS
        get = (_int_operand if bits else _operand)(c, slot, imm, op, what)
        stages.append((alu_op, get, rev, bits))
    last_bits = stages[-1][3]

    def run(env: Env) -> None:
        m.instructions += 1
        t: Any = per_partition(read_raw(m, env[s], op, "data"))
        for alu_op, get, rev, bits in stages:
            v = get(env)
            if bits:
                a, b = (v, t) if rev else (t, v)
                t = _bitvec_stage(alu_op, a, b, lane)
            else:
                t = f32(alu(alu_op, dt.to_f32(np.asarray(t)), v, rev))
        (write_bits if last_bits else write)(env[d], t)

    return run


def rule_tensor_scalar(c: Compiler, op: k.TensorScalarOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    op0, op1 = op.op0.data, op.op1.data if op.op1 is not None else None
    if op0 in BITVEC_OPS or op1 in BITVEC_OPS:
        return _tensor_scalar_bits(c, op)
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    m = c.m
    get0 = _operand(c, o0, op.imm0, op, "operand0")
    get1 = _operand(c, o1, op.imm1, op, "operand1")
    dd, sd = c.dtype(op.dst), c.dtype(op.data)
    dshape, sshape = c.shape(op.dst), c.shape(op.data)
    # vector operands broadcast along (P, N): other shapes need the flattening
    direct = dshape == sshape and (len(dshape) == 2 or (o0 is None and o1 is None))

    if direct and _is_float(dd) and _is_float(sd):

        def run_float(env: Env) -> None:
            m.instructions += 1
            S: Ref = env[s]
            D: Ref = env[d]
            if not S.storage.full:
                check_init(m, S, op, "data")
            x = S.arr if sd == F32 else dt.to_f32(S.arr)
            t = _as_f32(alu(op0, x, get0(env), rev0))
            if op1 is not None:
                t = _as_f32(alu(op1, t, get1(env), rev1))
            if t.shape != dshape:  # `bypass` of an operand: as `write` (no broadcast)
                t = np.asarray(t).reshape(dshape)
            store(D.arr, t)
            if not D.storage.full:
                mark_written(D)

        return run_float

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        t = f32(alu(op0, x, get0(env), rev0))
        if op1 is not None:
            t = f32(alu(op1, t, get1(env), rev1))
        write(env[d], t)

    return run


def rule_scalar_tensor_tensor(c: Compiler, op: k.ScalarTensorTensorOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    op0, op1 = op.op0.data, op.op1.data
    get0 = _operand(c, o0, op.imm0, op, "operand0")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        y = per_partition(read(m, env[o1], op, "operand1"))
        t = f32(alu(op0, x, get0(env), rev0))
        write(env[d], f32(alu(op1, t, y, rev1)))

    return run


def _accumulate(acc: np.ndarray, cmd: k.ReduceCmd, values: np.ndarray, rop: k.AluOp, init: float | None = None) -> None:
    """The engine accumulators (nki.md §9.2-§9.3): reset, then fold `values` per partition."""
    p = values.shape[0]
    if cmd in (k.ReduceCmd.RESET, k.ReduceCmd.RESET_REDUCE):
        acc[:p] = IDENTITY.get(rop, 0.0)
    elif cmd == k.ReduceCmd.LOAD_REDUCE and init is not None:
        # an instruction without an initial value continues from the accumulator (§4.6)
        acc[:p] = init
    if cmd in (k.ReduceCmd.REDUCE, k.ReduceCmd.RESET_REDUCE, k.ReduceCmd.LOAD_REDUCE):
        if rop == k.AluOp.SUBTRACT:  # acc - y0 - y1 - ...
            acc[:p] = f32(acc[:p] - np.sum(values, axis=1))
            return
        folded = REDUCE[rop](values, axis=1, keepdims=False)
        acc[:p] = f32(ALU[rop](acc[:p], folded))


def rule_activation(c: Compiler, op: k.ActivationOp) -> Step:
    d, s, b, sc, r = _ops(c, op.dst, op.data, op.bias, op.scale, op.reduce_res)
    fn = ACT[op.op.data]
    cmd = op.reduce_cmd.data
    rop = op.reduce_op.data if op.reduce_op is not None else k.AluOp.ADD
    m = c.m
    get_scale = _operand(c, sc, op.scale_imm, op, "scale")
    get_bias = _operand(c, b, op.bias_imm, op, "bias")
    one = np.float32(1.0)

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        scale = get_scale(env)
        bias = get_bias(env)
        v = x * (one if scale is None else scale)
        if bias is not None:
            v = f32(v + bias)
        y = f32(fn(v.astype(np.float64)))
        write(env[d], y)
        if cmd != k.ReduceCmd.IDLE:
            # the accumulated value is the fp32 result before the cast to dst (nki.md §9.2)
            _accumulate(m.act_acc, cmd, y, rop)
        if r is not None:
            write(env[r], m.act_acc[: y.shape[0]].reshape(-1, 1))

    return run


def _reduction(op: Operation, alu_op: k.AluOp) -> Callable[..., np.ndarray]:
    fn = REDUCE.get(alu_op)
    if fn is None:
        raise SimulationError(
            "err_bad_arguments",
            f"'{alu_op.value}' is not a reduction operator",
            op,
            hint="reduce with add, subtract, multiply, maximum, minimum, a logical or a "
            "bitwise and/or/xor (nki.md §8.1)",
        )
    return fn


def rule_tensor_reduce(c: Compiler, op: k.TensorReduceOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    fn = _reduction(op, op.op.data)
    axes = tuple(op.axes.data)
    negate = op.negate is not None
    m = c.m
    lane = c.dtype(op.data)

    if op.op.data in BITVEC_OPS:

        def run_bits(env: Env) -> None:
            m.instructions += 1
            y = fn(read_raw(m, env[s], op, "data"), axis=axes, keepdims=True)
            write_bits(env[d], _i64(y).astype(lane) if not negate else (-_i64(y)).astype(lane))

        return run_bits

    def run(env: Env) -> None:
        m.instructions += 1
        x = read(m, env[s], op, "data")
        y = f32(fn(x, axis=axes, keepdims=True))
        write(env[d], -y if negate else y)

    return run


def _is_tf32(v: SSAValue) -> bool:
    return tensor_type_of(v).element == k.Dtype.TFLOAT32


def _matmul_operand(c: Compiler, v: SSAValue) -> Callable[[np.ndarray], np.ndarray]:
    """What TensorE multiplies: the values as float32, a tfloat32 mantissa rounded to 10
    bits (nki.md §7.1)."""
    stored = c.dtype(v)
    if _is_tf32(v):
        return lambda a: dt.to_tf32(_to_f32(a, stored))
    return lambda a: _to_f32(a, stored)


def _nc_matmul_transpose(c: Compiler, op: k.NcMatmulOp) -> Step:
    """Transpose mode (`is_transpose`, nki.md §9.1): the PE array passes the stationary
    tile through bit-exactly (NaN/Inf-safe): `dst[m, k] ← stationary[k, m]`. The moving
    operand is the identity by contract; it is read (for the unwritten-memory check)
    but not multiplied. Converted through float32 only if the dtypes differ (§4.7)."""
    d, st, mv = _ops(c, op.dst, op.stationary, op.moving)
    m = c.m
    s_shape, m_shape = c.shape(op.stationary), c.shape(op.moving)
    k_, mm_, n_ = s_shape[0], math.prod(s_shape[1:]), math.prod(m_shape[1:])
    if n_ != k_:
        raise SimulationError(
            "err_shape_mismatch",
            f"nc_matmul transpose mode: the moving identity must be [{k_}, {k_}], "
            f"got free size {n_}",
            op,
            hint="pass an identity matrix with as many rows and columns as the stationary "
            "tile has partitions",
        )

    def run(env: Env) -> None:
        m.instructions += 1
        a = read_raw(m, env[st], op, "stationary").reshape(k_, mm_)
        check_init(m, env[mv], op, "moving")
        dst: Ref = env[d]
        t = np.ascontiguousarray(a.T)
        dst.arr[...] = (t if t.dtype == dst.arr.dtype else dt.convert(dt.to_f32(t), dst.arr.dtype)
                        ).reshape(dst.shape)
        mark_written(dst)
        mark_matmul_written(dst)

    return run


def rule_nc_matmul(c: Compiler, op: k.NcMatmulOp) -> Step:
    if op.is_transpose is not None:
        return _nc_matmul_transpose(c, op)
    d, st, mv = _ops(c, op.dst, op.stationary, op.moving)
    m = c.m
    s_shape, m_shape = c.shape(op.stationary), c.shape(op.moving)
    k_, mm_ = s_shape[0], math.prod(s_shape[1:])
    n_ = math.prod(m_shape[1:])
    update = _matmul_update(c, op)
    sval, mval = _matmul_operand(c, op.stationary), _matmul_operand(c, op.moving)

    def run(env: Env) -> None:
        m.instructions += 1
        a_ref: Ref = env[st]
        b_ref: Ref = env[mv]
        check_init(m, a_ref, op, "stationary")
        check_init(m, b_ref, op, "moving")
        a = a_ref.arr.reshape(k_, mm_)  # [K, M]
        b = b_ref.arr.reshape(k_, n_)  # [K, N]
        # fp32 accumulation in the PE array; OpenBLAS is an order of magnitude slower on
        # a transposed small operand than on a contiguous copy of it (transposed in the
        # stored dtype: converting is elementwise, so the order of the two is free)
        prod = sval(np.ascontiguousarray(a.T)) @ mval(b)
        update(env[d], prod)

    return run


def _to_f32(a: np.ndarray, stored: np.dtype) -> np.ndarray:
    return a if stored == F32 else dt.to_f32(a)


def _bits(a: np.ndarray) -> np.ndarray:
    """The same memory as unsigned integers (NumPy copies those fastest)."""
    size = a.dtype.itemsize
    return a.view(f"u{size}") if size in (1, 2, 4, 8) else a


def _matmul_update(c: Compiler, op: k.NcMatmulOp) -> Callable[[Ref, np.ndarray], None]:
    """nc_matmul's effect on `dst` given the product R (float32 [M, N]), §4.7."""
    accumulate = None if op.accumulate is None else bool(op.accumulate.data)
    m = c.m
    s_shape, m_shape = c.shape(op.stationary), c.shape(op.moving)
    # the product goes straight into a float32 destination of the product's shape
    direct = c.dtype(op.dst) == F32 and c.shape(op.dst) == (
        math.prod(s_shape[1:]), math.prod(m_shape[1:]))

    def update(dst: Ref, prod: np.ndarray) -> None:
        ds = dst.storage
        if accumulate is None:
            # first matmul write to a PSUM location overwrites, later ones add (§3.4)
            if not ds.mm_any:
                mode = 0
            elif ds.mm_full or dst.mm().all():
                mode = 1
            else:
                mode = 2
        elif accumulate:
            if not ds.full and not dst.init().all():
                m.warn(
                    "warn_uninitialized_read",
                    "nc_matmul accumulates onto PSUM that was never written",
                    op,
                )
            mode = 1
        else:
            mode = 0
        if direct and dst.simple:
            out = dst.arr
            if mode == 0:
                out[...] = prod
            elif mode == 1:
                np.add(out, prod, out=out)
            else:
                out[...] = np.where(dst.mm(), out + prod, prod)
        else:
            current = dt.to_f32(dst.arr).reshape(prod.shape)
            if mode == 0:
                res = prod
            elif mode == 1:
                res = current + prod
            else:
                res = np.where(dst.mm().reshape(prod.shape), current + prod, prod)
            dst.arr[...] = _converted(res, dst.arr.dtype).reshape(dst.shape)
        mark_written(dst)
        mark_matmul_written(dst)

    return update


def _users(v: SSAValue) -> list[Operation]:
    return [u.operation for u in v.uses]


# iterations of a vectorized matmul loop per batch: bounds the stacked operands' memory
_MATMUL_LOOP_BATCH_ELEMENTS = 1 << 22
# iterations per task of a worker thread (smaller: products still in cache when applied)
_MATMUL_LOOP_PIECE = 8

GROUPED_MATMUL_ACCUMULATION = True
"""How a vectorized matmul loop (`_matmul_loop`) sums its products into a float32 PSUM
tile. True (default): the group's products are summed by BLAS as one matmul over the
concatenated contraction (`concat_t(a_t.T) @ concat_t(b_t)`, in blocks of
`_MATMUL_GROUP_COLUMNS` columns, read in place), then written or added to the tile
once, as one `nc_matmul` would: the float32 summation order across the group differs
from one `nc_matmul` at a time at the ulp level, which docs/semantics.md §4.7 allows.
False: one BLAS product per iteration, added in iteration order: bit-identical to
executing the loop instruction by instruction (about 10% slower at 2048^3,
bench/run_bench.py)."""
_MATMUL_GROUP_COLUMNS = 256



def _matmul_loop(c: Compiler, op: k.ForOp, general: Step) -> Step | None:
    """The accumulation idiom of a tiled matmul, vectorized over the loop's iterations.

        klr.for %k {                        // any order of allocs and views
          %a = klr.alloc : sbuf             %va = klr.view %A[.., %k, ..]  (A from outside)
          %b = klr.alloc : sbuf             %vb = klr.view %B[.., %k, ..]
          klr.dma_copy %a, %va              klr.dma_copy %b, %vb
          klr.nc_matmul %acc, %a, %b        // last; accumulate none or 1
        }

    where %acc (PSUM) is defined outside the loop or is a view of such a tensor that does
    not depend on %k (the tracer re-creates views at their uses).

    Values defined in a loop body are invisible after it, so the tiles' storage (fully
    written by the DMAs before the matmul reads them) need not exist: the loop is, per
    batch of iterations, one gather of every iteration's source window, the same
    conversions, one stacked `np.matmul` (one BLAS product per iteration, as
    `nc_matmul` computes it), then the per-iteration updates of %acc in iteration order
    (`_matmul_update`, the rule itself: same float32 adds, same bookkeeping). Run-time
    condition, else the general loop runs: every element the DMAs read is written (so no
    read is reported; nothing in the loop writes them: they are not in PSUM).
    """
    block = op.body.block
    ops = list(block.ops)
    if len(ops) < 3 or not isinstance(ops[-1], k.NcMatmulOp):
        return None
    mm_op = ops[-1]
    if mm_op.accumulate is not None and not mm_op.accumulate.data:
        return None
    if mm_op.is_transpose is not None or _is_tf32(mm_op.stationary) or _is_tf32(mm_op.moving):
        return None
    index = block.args[0]
    defined = {r for o in ops for r in o.results}
    allocs: dict[SSAValue, k.AllocOp] = {}
    dmas: list[k.DmaCopyOp] = []
    for o in ops[:-1]:
        if isinstance(o, k.AllocOp):
            t = o.res.type
            if not isinstance(t, k.TensorType) or t.mem != k.Memory.SBUF:
                return None
            allocs[o.res] = o
        elif isinstance(o, k.ViewOp):
            if o.base in defined:
                return None
            for u in _users(o.res):
                if not (isinstance(u, k.DmaCopyOp) and u.src is o.res) and not (
                    u is mm_op and mm_op.dst is o.res and index not in o.indices
                ):
                    return None
        elif isinstance(o, k.DmaCopyOp):
            dmas.append(o)
        else:
            return None
    if tensor_type_of(mm_op.dst).mem != k.Memory.PSUM:
        return None
    # the accumulator: from outside the loop, or a view of one that does not move with it
    dst_owner = mm_op.dst.owner if mm_op.dst in defined else None
    if dst_owner is not None and not isinstance(dst_owner, k.ViewOp):
        return None
    dst_view = rule_view(c, dst_owner) if dst_owner is not None else None
    loaded: dict[SSAValue, k.DmaCopyOp] = {}
    for dma in dmas:
        if dma.dst not in allocs or dma.dst in loaded:
            return None
        src_t = tensor_type_of(dma.src)
        if src_t.mem == k.Memory.PSUM:
            return None
        if dma.src in defined and not isinstance(dma.src.owner, k.ViewOp):
            return None
        loaded[dma.dst] = dma
    for tile in allocs:
        if tile not in loaded:
            return None
        if any(u is not loaded[tile] and u is not mm_op for u in _users(tile)):
            return None
    if mm_op.stationary not in loaded or mm_op.moving not in loaded:
        return None

    m = c.m
    lower, step, trips = op.lower.data, op.step.data, op.trip_count
    idx = c.slot(index)
    n_instructions = len(dmas) + 1
    d = c.slot(mm_op.dst)
    update = _matmul_update(c, mm_op)
    s_shape, m_shape = c.shape(mm_op.stationary), c.shape(mm_op.moving)
    k_, mm_, n_ = s_shape[0], math.prod(s_shape[1:]), math.prod(m_shape[1:])
    per_iteration = k_ * (mm_ + n_) + mm_ * n_
    batch = max(1, min(trips, _MATMUL_LOOP_BATCH_ELEMENTS // max(per_iteration, 1)))

    def source(dma: k.DmaCopyOp) -> Callable[[Env], tuple[Ref, int, int] | None]:
        """(base Ref, start at the first iteration, start step per iteration)."""
        src = dma.src
        if src not in defined:  # the same tensor every iteration
            s_ = c.slot(src)
            return lambda env: (env[s_], env[s_].start, 0)
        view = src.owner
        assert isinstance(view, k.ViewOp)
        base = c.slot(view.base)
        offset = view.offset.data
        terms = [
            (cf, None if i is index else c.slot(i)) for cf, i in zip(view.coeffs.data, view.indices)
        ]
        per_step = sum(cf * step for cf, i in terms if i is None)

        def resolve(env: Env) -> tuple[Ref, int, int]:
            ref: Ref = env[base]
            start = ref.start + offset
            start += sum(cf * (lower if i is None else env[i]) for cf, i in terms)
            return ref, start, per_step

        return resolve

    def operand(tile: SSAValue, stationary: bool, grouped: bool = False
                ) -> Callable[..., np.ndarray]:
        """The matmul's float32 operand for iterations [t0, t1), stacked: [T, M, K]
        contiguous (the rule's `ascontiguousarray(a.T)`) or [T, K, N]; `grouped`: with
        the contraction concatenated, [M, T*K] or columns [j0, j1) of [T*K, N]. The tile
        holds what the DMA wrote: the source window, converted through float32 if the
        dtypes differ."""
        dma = loaded[tile]
        resolve = source(dma)
        src_t = tensor_type_of(dma.src)
        s_shape_ = tuple(src_t.get_shape())
        s_steps = _pattern_steps(dma.src) if dma.src in defined else None
        t_shape = c.shape(tile)
        td, srcd = c.dtype(tile), c.dtype(dma.src)
        base = _base_of(dma.src, defined)
        # a kernel argument nothing writes: its prepared stacks are reused by later
        # executions of the loop (the A tiles of a tiled matmul for every N tile, ...),
        # and a bit-exact DMA of it gives the tile the argument's float32 values
        read_only = base in c.read_only_args
        cache: dict[tuple[int, ...], tuple[Storage, np.ndarray]] | None = (
            {} if read_only else None
        )
        from_f32 = read_only and td == srcd and td != F32

        def prepare(env: Env, t0: int, t1: int, j0: int = 0, j1: int = n_) -> np.ndarray:
            ref, start, per = resolve(env)
            key = (start, per, t0, t1, j0, j1)
            if cache is not None:
                hit = cache.get(key)
                if hit is not None and hit[0] is ref.storage:
                    return hit[1]
            steps = s_steps if s_steps is not None else ref.steps
            converted = c.f32_args.get(id(ref.storage)) if from_f32 else None
            if converted is not None and converted[0] is ref.storage and converted[1] is not None:
                flat, wd = converted[1], F32  # the tile's values, already float32
            else:
                flat, wd = ref.storage.flat, td
            w = _window(flat, start + t0 * per, (t1 - t0,) + s_shape_, (per,) + steps)
            if s_shape_ != t_shape:
                w = w.reshape((t1 - t0,) + t_shape)
            if wd == td and td != srcd:
                w = _converted(_to_f32(w, srcd), td)
            if stationary:
                w = w.reshape(t1 - t0, k_, mm_)
                # gathered row by row, then transposed tile by tile in cache, as raw bits
                w = np.ascontiguousarray(_bits(w))
                order = (2, 0, 1) if grouped else (0, 2, 1)  # [M, T, K] or [T, M, K]
                w = np.ascontiguousarray(_bits(w).transpose(order)).view(wd)
            else:
                w = w.reshape(t1 - t0, k_, n_)[:, :, j0:j1]
            # contiguous, as the rule's operands (a fresh tile, its transposed copy)
            w = np.ascontiguousarray(_to_f32(w, wd))
            if grouped:
                w = w.reshape(mm_, -1) if stationary else w.reshape(-1, j1 - j0)
            if cache is not None and c.cache_budget.take(w.nbytes):
                cache[key] = (ref.storage, w)
            return w

        return prepare

    prepare_a = operand(mm_op.stationary, True)
    prepare_b = operand(mm_op.moving, False)
    prepare_a_cat = operand(mm_op.stationary, True, grouped=True)
    prepare_b_cat = operand(mm_op.moving, False, grouped=True)
    # grouped sums go straight into a float32 tile of the product's shape (a tile of a
    # narrower dtype rounds after every matmul: not an ulp-level difference)
    groupable = c.dtype(mm_op.dst) == F32 and c.shape(mm_op.dst) == (mm_, n_)
    blocks = [(j, min(n_, j + _MATMUL_GROUP_COLUMNS)) for j in range(0, n_, _MATMUL_GROUP_COLUMNS)]
    group_sum: list[np.ndarray] = []  # the result buffer, reused

    def in_place(tile: SSAValue) -> Callable[[Env, int, int], np.ndarray | None]:
        """The concatenated [T*K, F] float32 operand as a view, without copying, when
        the tiles are a bit-exact copy of float32 values (a float32 source, or the
        converted copy of a read-only argument, `Compiler.f32_of`), 2-D with unit
        free step, and consecutive iterations' tiles are consecutive rows."""
        dma = loaded[tile]
        resolve = source(dma)
        td, srcd = c.dtype(tile), c.dtype(dma.src)
        s_shape_ = c.shape(dma.src)
        s_steps = _pattern_steps(dma.src) if dma.src in defined else None
        if td != srcd or s_shape_ != c.shape(tile) or len(s_shape_) != 2:
            return lambda env, t0, t1: None

        def view(env: Env, t0: int, t1: int) -> np.ndarray | None:
            ref, start, per = resolve(env)
            steps = s_steps if s_steps is not None else ref.steps
            if steps[1] != 1 or per != s_shape_[0] * steps[0]:
                return None
            if srcd == F32:
                flat = ref.storage.flat
            else:
                hit = c.f32_args.get(id(ref.storage))
                if hit is None or hit[0] is not ref.storage or hit[1] is None:
                    return None
                flat = hit[1]
            return _window(flat, start + t0 * per, ((t1 - t0) * s_shape_[0], s_shape_[1]), steps)

        return view

    view_a, view_b = in_place(mm_op.stationary), in_place(mm_op.moving)

    def grouped_product(env: Env, t0: int, t1: int, pool: ThreadPoolExecutor | None) -> np.ndarray:
        """Σ_t a_t.T @ b_t over iterations [t0, t1) as one BLAS matmul over the
        concatenated contraction per block of columns (fixed blocks: the same bits
        however many threads compute them)."""
        va = view_a(env, t0, t1)
        a = va.T if va is not None else prepare_a_cat(env, t0, t1)
        vb = view_b(env, t0, t1)
        if not group_sum:
            group_sum.append(np.empty((mm_, n_), np.float32))
        out = group_sum[0]

        def lane(mine: list[tuple[int, int]]) -> None:
            for j0, j1 in mine:
                b = vb[:, j0:j1] if vb is not None else prepare_b_cat(env, t0, t1, j0, j1)
                np.matmul(a, b, out=out[:, j0:j1])

        lanes = min(BLAS.workers, len(blocks)) if pool is not None else 1
        futures = [pool.submit(lane, blocks[i::lanes]) for i in range(1, lanes)] if pool else []
        lane(blocks[0::lanes])
        for f in futures:
            f.result()
        return out
    # read-only arguments DMA'd bit-exactly into non-float32 tiles: converted once
    to_convert = [
        source(dma) for dma in dmas
        if _base_of(dma.src, defined) in c.read_only_args
        and c.dtype(dma.dst) == c.dtype(dma.src) != F32
    ]
    sources = [
        (source(dma), c.shape(dma.src), _pattern_steps(dma.src) if dma.src in defined else None)
        for dma in dmas
    ]

    # one result buffer per position in a wave, reused by every execution of the loop
    # (a wave's products are applied before the next wave: fresh arrays of this size
    # would cost page faults each time)
    buffers: dict[int, np.ndarray] = {}

    def products(env: Env, t0: int, t1: int, slot: int) -> np.ndarray:
        """nc_matmul's product R for iterations [t0, t1), stacked: one BLAS product per
        iteration, each exactly the rule's `ascontiguousarray(a.T) @ b` (2-D calls: a
        stacked `np.matmul` holds the GIL, and the same BLAS calls in a loop do not)."""
        a, b = prepare_a(env, t0, t1), prepare_b(env, t0, t1)
        out = buffers.get(slot)
        if out is None or out.shape[0] < t1 - t0:
            out = buffers[slot] = np.empty((t1 - t0, mm_, n_), np.float32)
        for t in range(t1 - t0):
            np.matmul(a[t], b[t], out=out[t])
        return out

    def run(env: Env) -> None:
        if trips == 0:
            return
        for resolve, shape_, steps_ in sources:
            ref, start, per = resolve(env)
            st = ref.storage
            if not st.full and not _window(
                st.init_flat, start, (trips,) + shape_, (per,) + (steps_ or ref.steps)
            ).all():
                general(env)  # some read is reported: let the rules do it
                return
        if dst_view is not None:
            dst_view(env)
        dst: Ref = env[d]
        pool = BLAS.pool()
        if GROUPED_MATMUL_ACCUMULATION and groupable and dst.simple:
            for resolve in to_convert:  # read in place: the arguments' float32 values
                c.f32_of(resolve(env)[0].storage)
            for t0 in range(0, trips, batch):
                t1 = min(trips, t0 + batch)
                # the rule's effect (bookkeeping, warnings, overwrite or add) with the
                # group's sum as the product
                update(dst, grouped_product(env, t0, t1, pool))
                m.instructions += n_instructions * (t1 - t0)
            env[idx] = lower + (trips - 1) * step
            return
        workers = BLAS.workers if pool is not None else 1
        size = min(batch, -(-trips // workers), _MATMUL_LOOP_PIECE)
        pieces = [(t0, min(trips, t0 + size)) for t0 in range(0, trips, size)]
        for w in range(0, len(pieces), workers):
            wave = pieces[w : w + workers]
            # the products are independent: computed concurrently; applied in iteration
            # order, the first piece's while the workers finish theirs
            futures = [
                pool.submit(products, env, t0, t1, j) for j, (t0, t1) in enumerate(wave[1:], 1)
            ] if pool else []
            results = [products(env, *wave[0], 0)]
            for (t0, t1), piece in zip(wave, futures):
                prods = results.pop()
                for t in range(t1 - t0):
                    update(dst, prods[t])
                m.instructions += n_instructions * (t1 - t0)
                results.append(piece.result())
            t0, t1 = wave[-1]
            prods = results.pop()
            for t in range(t1 - t0):
                update(dst, prods[t])
            m.instructions += n_instructions * (t1 - t0)
        env[idx] = lower + (trips - 1) * step

    return run


def _base_of(src: SSAValue, defined: set[SSAValue]) -> SSAValue:
    """The tensor a DMA source reads: the base of a view made in the loop, or itself."""
    owner = src.owner
    return owner.base if src in defined and isinstance(owner, k.ViewOp) else src


def _pattern_steps(view_result: SSAValue) -> tuple[int, ...]:
    view = view_result.owner
    assert isinstance(view, k.ViewOp)
    return tuple(s for s, _ in view.pattern.data)


def tensor_type_of(v: SSAValue) -> k.TensorType:
    t = v.type
    assert isinstance(t, k.TensorType)
    return t


def rule_nc_transpose(c: Compiler, op: k.NcTransposeOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read_raw(m, env[s], op, "data"))
        write_raw(env[d], np.ascontiguousarray(x.T))

    return run


def rule_memset(c: Compiler, op: k.MemsetOp) -> Step:
    d = c.slot(op.dst)
    v = op.value.data
    # converted to the destination's dtype directly: an integer stays exact (§4.10)
    dd = c.dtype(op.dst)
    exact_int = dt.is_integer(dd) and float(v).is_integer() and abs(v) < 2.0**62
    value = dt.convert(np.array(int(v) if exact_int else v, np.int64 if exact_int else F32), dd)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        ref.arr[...] = value
        mark_written(ref)

    return run


def rule_reciprocal(c: Compiler, op: k.ReciprocalOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        with np.errstate(all="ignore"):
            write(env[d], f32(1.0 / read(m, env[s], op, "data").astype(np.float64)))

    return run


def rule_bn_stats(c: Compiler, op: k.BnStatsOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data")).astype(np.float64)
        out = np.zeros((x.shape[0], 6))
        for j, part in enumerate((x[:, 0::2], x[:, 1::2])):
            n = part.shape[1]
            mean = part.mean(axis=1) if n else 0.0
            var = part.var(axis=1) if n else 0.0
            out[:, 3 * j] = n
            out[:, 3 * j + 1] = mean
            out[:, 3 * j + 2] = var * n
        write(env[d], f32(out))

    return run


def rule_bn_aggr(c: Compiler, op: k.BnAggrOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data")).astype(np.float64)
        counts, means, m2 = x[:, 0::3], x[:, 1::3], x[:, 2::3]
        n = counts.sum(axis=1)
        with np.errstate(all="ignore"):
            mean = (counts * means).sum(axis=1) / n
            var = (m2 + counts * (means - mean[:, None]) ** 2).sum(axis=1) / n
        write(env[d], f32(np.stack([mean, var], axis=1)))

    return run


def _affine_values(op: Any, shape: tuple[int, ...]) -> np.ndarray:
    """iota's value: offset + c*channel_multiplier + Σ step*index, shape (P, N)."""
    p = shape[0]
    value = np.full((p, 1), op.offset.data, dtype=np.int64)
    value = value + np.arange(p, dtype=np.int64)[:, None] * op.channel_multiplier.data
    free = np.zeros(1, dtype=np.int64)
    for step, num in op.pattern.data:
        free = (free[:, None] + np.arange(num, dtype=np.int64)[None, :] * step).reshape(-1)
    return value + free[None, :]


def rule_iota(c: Compiler, op: k.IotaOp) -> Step:
    d = c.slot(op.dst)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        write(ref, _affine_values(op, ref.shape).astype(np.float64))

    return run


def rule_affine_select(c: Compiler, op: k.AffineSelectOp) -> Step:
    d, t = _ops(c, op.dst, op.on_true)
    cmp = ALU[op.cmp_op.data]
    false_value = np.float32(op.on_false_value.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        a = _affine_values(op, ref.shape)
        on_true = per_partition(read(m, env[t], op, "on_true_tile"))
        write(ref, np.where(cmp(a, np.zeros_like(a)) != 0, on_true, false_value))

    return run


def rule_tensor_partition_reduce(c: Compiler, op: k.TensorPartitionReduceOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    fn = _reduction(op, op.op.data)
    m = c.m
    lane = c.dtype(op.data)

    if op.op.data in BITVEC_OPS:

        def run_bits(env: Env) -> None:
            m.instructions += 1
            x = per_partition(read_raw(m, env[s], op, "data"))
            write_bits(env[d], _i64(fn(x, axis=0, keepdims=True)).astype(lane))

        return run_bits

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        write(env[d], f32(fn(x, axis=0, keepdims=True)))

    return run


def rule_tensor_copy_predicated(c: Compiler, op: k.TensorCopyPredicatedOp) -> Step:
    d, s, p = _ops(c, op.dst, op.src, op.predicate)
    reverse = op.reverse_pred is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        dst: Ref = env[d]
        pred = per_partition(read_raw(m, env[p], op, "predicate")) != 0
        if reverse:
            pred = ~pred
        out = dst.data()
        if s is not None:
            src_ref: Ref = env[s]
            raw = per_partition(read_raw(m, src_ref, op, "src"))
            src = raw if raw.dtype == out.dtype else dt.convert(dt.to_f32(raw), out.dtype)
        else:
            src = dt.convert(np.float32(op.src_imm.data), out.dtype)  # type: ignore[union-attr]
        # only the selected elements are written: the others keep their bits (§4.16)
        view = per_partition(out)
        selected = np.broadcast_to(src, view.shape)[pred]
        if np.shares_memory(view, out):
            view[pred] = selected
        else:  # per_partition copied a non-contiguous view: write through a reshape
            tmp = view.copy()
            tmp[pred] = selected
            out[...] = tmp.reshape(out.shape)
        dst.init()[...] |= pred.reshape(out.shape)

    return run


def rule_tensor_tensor_scan(c: Compiler, op: k.TensorTensorScanOp) -> Step:
    d, a, b, i = _ops(c, op.dst, op.data0, op.data1, op.initial)
    op0, op1 = op.op0.data, op.op1.data
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[a], op, "data0"))
        y = per_partition(read(m, env[b], op, "data1"))
        init = _scalar(env, i, op.initial_imm, m, op, "initial")
        r = np.broadcast_to(np.asarray(init, dtype=np.float32).reshape(-1, 1)[:, 0], (x.shape[0],)).copy()
        out = np.empty_like(x)
        for f in range(x.shape[1]):  # a recurrence: sequential along the free axis
            t = alu(op0, x[:, f], r, rev0)
            r = f32(alu(op1, t, y[:, f], rev1))
            out[:, f] = r
        write(env[d], out)

    return run


def rule_select_reduce(c: Compiler, op: k.SelectReduceOp) -> Step:
    d, p, t, f, r = _ops(c, op.dst, op.predicate, op.on_true, op.on_false, op.reduce_res)
    reverse = op.reverse_pred is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        pred = per_partition(read_raw(m, env[p], op, "predicate")) != 0
        if reverse:
            pred = ~pred
        on_true = per_partition(read(m, env[t], op, "on_true"))
        on_false = _scalar(env, f, op.on_false_imm, m, op, "on_false")
        y = f32(np.where(pred, on_true, on_false))
        write(env[d], y)
        if op.reduce_cmd.data != k.ReduceCmd.IDLE:
            _accumulate(m.vec_acc, op.reduce_cmd.data, y, op.reduce_op.data)
        if r is not None:
            write(env[r], m.vec_acc[: y.shape[0]].reshape(-1, 1))

    return run


def _read_accumulator(env: Env, r: int | None, acc: np.ndarray, p: int, negate: bool = False
                      ) -> None:
    """`into r`: r[p, 0] ← the accumulator (negated on request, the accumulator unchanged)."""
    if r is not None:
        a = acc[:p].reshape(-1, 1)
        write(env[r], -a if negate else a)


def rule_tensor_scalar_reduce(c: Compiler, op: k.TensorScalarReduceOp) -> Step:
    d, s, o0, r = _ops(c, op.dst, op.data, op.operand0, op.reduce_res)
    op0, rop, cmd = op.op0.data, op.reduce_op.data, op.reduce_cmd.data
    init = op.reduce_init.data if op.reduce_init is not None else None
    negate = op.reduce_res_negate is not None
    get0 = _operand(c, o0, op.imm0, op, "operand0")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        y = f32(alu(op0, x, get0(env)))
        write(env[d], y)
        # the float32 values, before the cast to dst (as activation, §4.6)
        _accumulate(m.vec_acc, cmd, y, rop, init)
        _read_accumulator(env, r, m.vec_acc, y.shape[0], negate)

    return run


_ACCUMULATE_UFUNC: dict[k.AluOp, np.ufunc] = {
    k.AluOp.ADD: np.add,
    k.AluOp.MULTIPLY: np.multiply,
    k.AluOp.MAXIMUM: np.maximum,
    k.AluOp.MINIMUM: np.minimum,
}


def rule_tensor_scalar_cumulative(c: Compiler, op: k.TensorScalarCumulativeOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.src, op.operand0, op.operand1)
    op0, op1, cmd = op.op0.data, op.op1.data, op.reduce_cmd.data
    get0 = _operand(c, o0, op.imm0, op, "imm0")
    get1 = _operand(c, o1, op.imm1, op, "imm1")
    ufunc = _ACCUMULATE_UFUNC.get(op1)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        t = f32(alu(op0, per_partition(read(m, env[s], op, "src")), get0(env)))
        p = t.shape[0]
        if cmd == k.ReduceCmd.RESET_REDUCE:
            reg = np.full(p, IDENTITY.get(op1, 0.0), np.float32)
        elif cmd == k.ReduceCmd.LOAD_REDUCE:
            reg = np.broadcast_to(np.asarray(get1(env), np.float32).reshape(-1), (p,)).copy()
        else:  # reduce (and idle): continue from the accumulator
            reg = m.vec_acc[:p].copy()
        if ufunc is not None:  # op1(x, reg) commutes: a float32 running fold
            out = ufunc.accumulate(np.concatenate([reg[:, None], t], axis=1), axis=1,
                                   dtype=np.float32)[:, 1:]
        else:  # subtract: reg = x - reg, sequential along the free elements
            out = np.empty_like(t)
            for f in range(t.shape[1]):
                reg = f32(alu(op1, t[:, f], reg))
                out[:, f] = reg
        write(env[d], out)
        if cmd != k.ReduceCmd.IDLE and out.shape[1]:
            m.vec_acc[:p] = out[:, -1]

    return run


def rule_exponential(c: Compiler, op: k.ExponentialOp) -> Step:
    d, s, mx, r = _ops(c, op.dst, op.src, op.max_value, op.reduce_res)
    cmd = op.reduce_cmd.data
    init = op.reduce_init.data if op.reduce_init is not None else 0.0
    get_max = _operand(c, mx, op.max_imm, op, "max_value")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "src"))
        mv = get_max(env)
        v = x if mv is None else f32(x - mv)
        y = f32(np.exp(v.astype(np.float64)))
        write(env[d], y)
        if cmd != k.ReduceCmd.IDLE:
            _accumulate(m.vec_acc, cmd, y, k.AluOp.ADD, init)
        _read_accumulator(env, r, m.vec_acc, y.shape[0])

    return run


def rule_activate2(c: Compiler, op: k.Activate2Op) -> Step:
    d, s, o0, o1, r = _ops(c, op.dst, op.data, op.operand0, op.operand1, op.reduce_res)
    act = op.op.data
    slope = np.float64(op.relu_param.data)
    fn = (lambda v: np.where(v > 0, v, slope * v)) if act == k.ActFunc.PRELU else ACT[act]
    stages = [
        (alu_op, _operand(c, slot, imm, op, what), rev is not None)
        for alu_op, slot, imm, rev, what in (
            (op.op0.data, o0, op.imm0, op.reverse0, "imm0"),
            (op.op1.data, o1, op.imm1, op.reverse1, "imm1"),
        )
        if alu_op != k.AluOp.BYPASS
    ]
    cmd = op.reduce_cmd.data
    rop = op.reduce_op.data if op.reduce_op is not None else k.AluOp.ADD
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        v = per_partition(read(m, env[s], op, "data"))
        for alu_op, get, rev in stages:
            v = f32(alu(alu_op, v, get(env), rev))
        y = f32(fn(v.astype(np.float64)))
        write(env[d], y)
        if cmd != k.ReduceCmd.IDLE:
            _accumulate(m.act_acc, cmd, y, rop)
        _read_accumulator(env, r, m.act_acc, y.shape[0])

    return run


def rule_nc_stream_shuffle(c: Compiler, op: k.NcStreamShuffleOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    p = c.shape(op.dst)[0]
    mask = op.shuffle_mask.data
    # (destination row, source row) of every quadrant; 255 and rows past P are skipped
    pairs = [(q + i, q + j) for q in range(0, p, 32) for i, j in enumerate(mask)
             if j != 255 and q + i < p and q + j < p]
    rows_d = np.array([a for a, _ in pairs], np.int64)
    rows_s = np.array([b for _, b in pairs], np.int64)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = read_raw(m, env[s], op, "src")[rows_s]  # a copy: in place is allowed
        _write_rows(env[d], rows_d, src)

    return run


def rule_nc_n_gather(c: Compiler, op: k.NcNGatherOp) -> Step:
    d, s, i = _ops(c, op.dst, op.data, op.indices)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        data = per_partition(read_raw(m, env[s], op, "data"))
        idx = per_partition(read_raw(m, env[i], op, "indices")).astype(np.int64)
        bad = (idx < 0) | (idx >= data.shape[1])
        if bad.any():
            p, j = (int(v) for v in np.argwhere(bad)[0])
            raise SimulationError(
                "err_index_out_of_bounds",
                f"nc_n_gather: index {int(idx[p, j])} at [{p}, {j}] is outside the "
                f"{data.shape[1]} elements of partition {p}",
                op,
                hint="indices address data[p].flatten(): 0 <= index < its free size",
            )
        write_raw(env[d], np.take_along_axis(data, idx, axis=1))

    return run


def rule_sequence_bounds(c: Compiler, op: k.SequenceBoundsOp) -> Step:
    d, s = _ops(c, op.dst, op.segment_ids)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ids = per_partition(read(m, env[s], op, "segment_ids"))[0]
        n = ids.shape[0]
        pos = np.arange(n)
        new_run = np.ones(n, bool)
        new_run[1:] = ids[1:] != ids[:-1]
        run_id = np.cumsum(new_run) - 1
        starts = pos[new_run]
        ends = np.append(starts[1:], n)
        padding = ids == 0
        start = np.where(padding, n, starts[run_id])
        end = np.where(padding, -1, ends[run_id])
        write(env[d], np.stack([start, end]).astype(np.float32))

    return run


def rule_nonzero_with_count(c: Compiler, op: k.NonzeroWithCountOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    offset, padding = op.index_offset.data, op.padding_val.data
    p = c.shape(op.dst)[0]
    lanes = np.arange(0, p, 16)  # one partition per GpSimd core
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = _read_rows(m, env[s], lanes, op, "src")
        t = src.shape[1]
        nonzero = src != 0
        count = nonzero.sum(axis=1)
        # stable sort: nonzero positions first, in order
        order = np.argsort(~nonzero, axis=1, kind="stable")
        out = np.where(np.arange(t)[None, :] < count[:, None], order + offset, padding)
        _write_rows(env[d], lanes, np.concatenate([out, count[:, None]], axis=1).astype(np.int32))

    return run


def _prng(m: Machine, op: Operation) -> np.ndarray:
    engine = op.engine.data  # type: ignore[attr-defined]
    return m.rng_gpsimd if engine == k.Engine.GPSIMD else m.rng_vector


def rule_rng(c: Compiler, op: k.RngOp) -> Step:
    d = c.slot(op.dst)
    p, n = c.shape(op.dst)[0], math.prod(c.shape(op.dst)[1:])
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        bits = prng.draw(_prng(m, op), p, n)
        write_bits(env[d], bits)  # two's complement: the low bits of each draw

    return run


def rule_rand2(c: Compiler, op: k.Rand2Op) -> Step:
    d = c.slot(op.dst)
    p, n = c.shape(op.dst)[0], math.prod(c.shape(op.dst)[1:])
    get_low = _operand(c, c.slot(op.low) if op.low else None, op.low_imm, op, "low")
    get_high = _operand(c, c.slot(op.high) if op.high else None, op.high_imm, op, "high")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        lo = np.asarray(get_low(env), np.float64)
        hi = np.asarray(get_high(env), np.float64)
        u = prng.uniform(prng.draw(m.rng_vector, p, n))
        write(env[d], f32(lo + u * (hi - lo)))

    return run


def rule_set_rng_seed(c: Compiler, op: k.SetRngSeedOp) -> Step:
    s = c.slot(op.src)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        raw = np.ascontiguousarray(read_raw(m, env[s], op, "src")).reshape(-1)[:1]
        seed = int(raw.view(np.uint32)[0])
        m.rng_vector[...] = prng.seeded_states(seed, prng.VECTOR_GENERATORS)

    return run


def rule_rand_set_state(c: Compiler, op: k.RandSetStateOp) -> Step:
    s = c.slot(op.src)
    p = c.shape(op.src)[0]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        words = per_partition(read_raw(m, env[s], op, "src")).astype(np.uint32)
        states = _prng(m, op)
        states[:p] = words.reshape(p, states.shape[1], prng.WORDS)

    return run


def rule_rand_get_state(c: Compiler, op: k.RandGetStateOp) -> Step:
    d = c.slot(op.dst)
    p = c.shape(op.dst)[0]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        write_bits(env[d], _prng(m, op)[:p].reshape(p, -1))

    return run


def rule_dropout(c: Compiler, op: k.DropoutOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    p, n = c.shape(op.dst)[0], math.prod(c.shape(op.dst)[1:])
    get_prob = _operand(c, c.slot(op.prob) if op.prob else None, op.prob_imm, op, "prob")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read_raw(m, env[s], op, "data"))
        prob = np.asarray(get_prob(env), np.float64)
        keep = prng.uniform(prng.draw(m.rng_vector, p, n)) >= prob
        write_raw(env[d], np.where(keep, x, np.zeros((), x.dtype)))

    return run


def _read_rows(m: Machine, ref: Ref, rows: np.ndarray, op: Operation, what: str) -> np.ndarray:
    """Partitions `rows` of an on-chip view (only they need to be written)."""
    if not ref.storage.full and not ref.init()[rows].all():
        check_init(m, ref, op, what)
    return per_partition(ref.arr[rows])


def _write_rows(ref: Ref, rows: np.ndarray, values: np.ndarray) -> None:
    """Store `values` (already in the storage dtype) in partitions `rows` only."""
    out = ref.arr
    out[rows] = values.reshape((len(rows),) + out.shape[1:])
    ref.init()[rows] = True


def rule_nc_matmul_mx(c: Compiler, op: k.NcMatmulMxOp) -> Step:
    d, st, mv, ss, ms = _ops(c, op.dst, op.stationary, op.moving, op.stationary_scale,
                             op.moving_scale)
    sdt, mdt = tensor_type_of(op.stationary).element, tensor_type_of(op.moving).element
    k_ = c.shape(op.stationary)[0]
    rows_s = mx.scale_rows(k_ // 8, c.shape(op.stationary_scale)[0])
    rows_m = mx.scale_rows(k_ // 8, c.shape(op.moving_scale)[0])
    update = _matmul_update(c, op)  # type: ignore[arg-type]
    m = c.m

    def operand(env: Env, data: int, scale: int, rows: np.ndarray, dtype: k.Dtype,
                what: str) -> np.ndarray:
        """[K * 4, F] float32: the unpacked values times their group's scale, the
        contraction index k * 4 + q."""
        v = mx.unpack(per_partition(read_raw(m, env[data], op, what)), dtype)  # [K, F, 4]
        e = mx.exponents(_read_rows(m, env[scale], rows, op, what + "_scale"))  # [K/8, F]
        scaled = v * np.repeat(mx.scale_values(e), 8, axis=0)[:, :, None]
        return np.ascontiguousarray(scaled.transpose(0, 2, 1)).reshape(-1, v.shape[1])

    def run(env: Env) -> None:
        m.instructions += 1
        a = operand(env, st, ss, rows_s, sdt, "stationary")
        b = operand(env, mv, ms, rows_m, mdt, "moving")
        update(env[d], np.ascontiguousarray(a.T) @ b)

    return run


def rule_quantize_mx(c: Compiler, op: k.QuantizeMxOp) -> Step:
    d, sc, s = _ops(c, op.dst, op.dst_scale, op.src)
    ddt = tensor_type_of(op.dst).element
    rows = mx.scale_rows(c.shape(op.src)[0] // 8, c.shape(op.dst_scale)[0])
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        words, biased = mx.quantize(per_partition(read(m, env[s], op, "src")), ddt)
        write_bits(env[d], words)
        scale: Ref = env[sc]
        _write_rows(scale, rows, mx.stored_scales(biased, scale.arr.dtype))

    return run


def rule_dma_compute(c: Compiler, op: k.DmaComputeOp) -> Step:
    d = c.slot(op.dst)
    srcs = [c.slot(v) for v in op.srcs]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        total = read(m, env[srcs[0]], op, "srcs").reshape(-1).astype(np.float32)
        for i, slot in enumerate(srcs[1:], 1):  # float32 adds in source order
            total = total + read(m, env[slot], op, f"srcs[{i}]").reshape(-1)
        write(env[d], total)

    return run


def rule_range_select(c: Compiler, op: k.RangeSelectOp) -> Step:
    d, t, b0, b1, r = _ops(c, op.dst, op.on_true, op.bound0, op.bound1, op.reduce_res)
    c0, c1 = ALU[op.comp_op0.data], ALU[op.comp_op1.data]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        on_true = per_partition(read(m, env[t], op, "on_true_tile"))
        lo = per_partition(read(m, env[b0], op, "bound0"))
        hi = per_partition(read(m, env[b1], op, "bound1"))
        idx = (op.range_start.data + np.arange(on_true.shape[1], dtype=np.float32))[None, :]
        mask = (c0(idx, lo) != 0) & (c1(idx, hi) != 0)
        y = f32(np.where(mask, on_true, np.float32(op.on_false_value.data)))
        write(env[d], y)
        _accumulate(m.vec_acc, op.reduce_cmd.data, y, op.reduce_op.data)
        if r is not None:
            write(env[r], m.vec_acc[: y.shape[0]].reshape(-1, 1))

    return run


def rule_max8(c: Compiler, op: k.Max8Op) -> Step:
    d, s = _ops(c, op.dst, op.src)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "src"))
        write(env[d], -np.sort(-x, axis=1)[:, :8])

    return run


def rule_nc_find_index8(c: Compiler, op: k.NcFindIndex8Op) -> Step:
    d, s, v = _ops(c, op.dst, op.data, op.vals)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        vals = per_partition(read(m, env[v], op, "vals"))
        missing = np.iinfo(env[d].storage.data.dtype).max
        out = np.full(vals.shape, missing, dtype=np.int64)
        for p in range(x.shape[0]):
            used: set[int] = set()
            for j in range(8):
                hits = [i for i in np.flatnonzero(x[p] == vals[p, j]) if i not in used]
                if hits:
                    out[p, j] = hits[0]
                    used.add(hits[0])
        write_raw(env[d], out.astype(env[d].storage.data.dtype))

    return run


def rule_nc_match_replace8(c: Compiler, op: k.NcMatchReplace8Op) -> Step:
    d, s, v, ix = _ops(c, op.dst, op.data, op.vals, op.dst_idx)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data")).copy()
        vals = per_partition(read(m, env[v], op, "vals"))
        idx = np.zeros(vals.shape, dtype=np.int64)
        for p in range(x.shape[0]):
            for j in reversed(range(8)):  # processed from the last value (nki.md §9.3)
                hits = np.flatnonzero(x[p] == vals[p, j])
                if hits.size:
                    x[p, hits[0]] = op.imm.data
                    idx[p, j] = hits[0]
        write(env[d], x)
        if ix is not None:
            write(env[ix], idx.astype(np.float64))

    return run


def rule_local_gather(c: Compiler, op: k.LocalGatherOp) -> Step:
    d, s, i = _ops(c, op.dst, op.src_buffer, op.index)
    e = op.num_elem_per_idx.data
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = per_partition(read_raw(m, env[s], op, "src_buffer"))
        index = per_partition(read_raw(m, env[i], op, "index")).astype(np.int64)
        p = src.shape[0]
        valid = op.num_valid_indices.data if op.num_valid_indices is not None else 16 * index.shape[1]
        out = np.zeros((p, valid * e), dtype=src.dtype)
        for core in range(p // 16):
            rows = slice(16 * core, 16 * core + 16)
            idx = index[rows].flatten(order="F")[:valid]
            cols = (idx[:, None] + np.arange(e)[None, :]).reshape(-1)
            out[rows] = src[rows][:, cols]
        write_raw(env[d], out)

    return run


def rule_dma_transpose(c: Compiler, op: k.DmaTransposeOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    axes = op.axes.data
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        write_raw(env[d], np.ascontiguousarray(np.transpose(read_raw(m, env[s], op, "src"), axes)))

    return run


# -- registers and dynamic control flow -------------------------------------------


def rule_register_alloc(c: Compiler, op: k.RegisterAllocOp) -> Step:
    slot = c.slot(op.res)
    init = op.init.data if op.init is not None else 0

    def run(env: Env) -> None:
        env[slot] = init

    return run


def rule_register_move(c: Compiler, op: k.RegisterMoveOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    imm = op.imm.data if op.imm is not None else 0

    def run(env: Env) -> None:
        env[d] = env[s] if s is not None else imm  # type: ignore[index]

    return run


def rule_register_load(c: Compiler, op: k.RegisterLoadOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    m = c.m

    def run(env: Env) -> None:
        env[d] = int(read(m, env[s], op, "src").reshape(-1)[0])  # type: ignore[index]

    return run


def rule_register_store(c: Compiler, op: k.RegisterStoreOp) -> Step:
    d, s = _ops(c, op.dst, op.src)

    def run(env: Env) -> None:
        write(env[d], np.array([env[s]], dtype=np.float64))  # type: ignore[index]

    return run


def rule_dynamic_for(c: Compiler, op: k.DynamicForOp) -> Step:
    lo, hi = _ops(c, op.lower, op.upper)
    lo_imm = op.lower_imm.data if op.lower_imm is not None else 0
    hi_imm = op.upper_imm.data if op.upper_imm is not None else 0
    step = op.step.data
    idx = c.slot(op.body.block.args[0])
    body = c.block(op.body.block)

    def run(env: Env) -> None:
        start = env[lo] if lo is not None else lo_imm
        stop = env[hi] if hi is not None else hi_imm
        for i in range(start, stop, step):
            env[idx] = i
            for s_ in body:
                s_(env)

    return run


MAX_DYNAMIC_ITERATIONS = 10_000_000


def rule_dynamic_while(c: Compiler, op: k.DynamicWhileOp) -> Step:
    cond = c.slot(op.cond)
    body = c.block(op.body.block)

    def run(env: Env) -> None:
        n = 0
        while env[cond] != 0:
            n += 1
            if n > MAX_DYNAMIC_ITERATIONS:
                raise SimulationError(
                    "err_runaway_loop",
                    f"a dynamic while loop ran more than {MAX_DYNAMIC_ITERATIONS} iterations",
                    op,
                )
            for s_ in body:
                s_(env)

    return run


def rule_device_print(c: Compiler, op: k.DevicePrintOp) -> Step:
    t = c.slot(op.tensor)
    m = c.m
    prefix = op.prefix.data

    def run(env: Env) -> None:
        m.printed.append(f"{prefix}{np.array2string(dt.to_f32(env[t].data()))}\n")

    return run


def rule_indirect_dma(c: Compiler, op: k.IndirectDmaOp) -> Step:
    """Gather `dst[p, f] = table[idx[p], f]` / scatter `table[idx[p], f] = src[p, f]`
    (semantics §4.32): one fancy-indexing gather or store over the rows' flat positions."""
    scatter = op.dst_index is not None
    d, s = _ops(c, op.dst, op.src)
    ix = c.slot(op.dst_index if scatter else op.src_index)  # type: ignore[arg-type]
    table_slot, direct_slot = (d, s) if scatter else (s, d)
    table_v = op.dst if scatter else op.src
    rows = c.shape(table_v)[0]
    convert = c.dtype(op.dst) != c.dtype(op.src)
    m = c.m

    def positions(env: Env) -> np.ndarray:
        """(P, F) flat element positions in the table's storage; OOB is an error."""
        idx = read_raw(m, env[ix], op, "index").reshape(-1).astype(np.int64)
        bad = (idx < 0) | (idx >= rows)
        if bad.any():
            p = int(np.argmax(bad))
            raise SimulationError(
                "err_index_out_of_bounds",
                f"indirect DMA: partition {p} has row index {int(idx[p])}, outside the "
                f"{rows} rows of the indexed tensor",
                op,
                hint="index tiles must hold row numbers in [0, rows) (oob_mode=error, nki.md §4.2)",
            )
        t: Ref = env[table_slot]
        free = np.zeros(1, dtype=np.int64)
        for step, num in zip(t.steps[1:], t.shape[1:]):
            free = (free[:, None] + np.arange(num, dtype=np.int64)[None, :] * step).reshape(-1)
        return t.start + idx[:, None] * t.steps[0] + free[None, :]

    def run(env: Env) -> None:
        m.instructions += 1
        pos = positions(env)
        table: Ref = env[table_slot]
        st = table.storage
        if scatter:
            src: Ref = env[direct_slot]
            raw = per_partition(read_raw(m, src, op, "src"))
            values = dt.convert(dt.to_f32(raw), st.flat.dtype) if convert else raw
            # partitions in order: where two pick the same row, the later one wins (choice)
            st.flat[pos.reshape(-1)] = values.reshape(-1)
            if not st.full:
                st.init_flat[pos.reshape(-1)] = True
                st.pending += pos.size
                if st.pending >= st.size:
                    st.pending = 0
                    st.full = bool(st.init.all())
            return
        if not st.full and not st.init_flat[pos].all():
            m.warn("warn_uninitialized_read",
                   f"'src' reads elements of '{st.name}' that were never written", op)
        values = st.flat[pos]
        dst: Ref = env[direct_slot]
        if convert:
            write(dst, dt.to_f32(values))
        else:
            write_raw(dst, values)

    return run


RULES: dict[type[Operation], Callable[[Compiler, Any], Step]] = {
    k.AllocOp: rule_alloc,
    k.ViewOp: rule_view,
    k.ForOp: rule_for,
    k.DmaCopyOp: rule_dma_copy,
    k.TensorCopyOp: rule_tensor_copy,
    k.TensorTensorOp: rule_tensor_tensor,
    k.TensorScalarOp: rule_tensor_scalar,
    k.ScalarTensorTensorOp: rule_scalar_tensor_tensor,
    k.ActivationOp: rule_activation,
    k.TensorReduceOp: rule_tensor_reduce,
    k.NcMatmulOp: rule_nc_matmul,
    k.NcTransposeOp: rule_nc_transpose,
    k.MemsetOp: rule_memset,
    k.ReciprocalOp: rule_reciprocal,
    k.BnStatsOp: rule_bn_stats,
    k.BnAggrOp: rule_bn_aggr,
    k.IotaOp: rule_iota,
    k.AffineSelectOp: rule_affine_select,
    k.TensorPartitionReduceOp: rule_tensor_partition_reduce,
    k.TensorCopyPredicatedOp: rule_tensor_copy_predicated,
    k.TensorTensorScanOp: rule_tensor_tensor_scan,
    k.SelectReduceOp: rule_select_reduce,
    k.TensorScalarReduceOp: rule_tensor_scalar_reduce,
    k.TensorScalarCumulativeOp: rule_tensor_scalar_cumulative,
    k.ExponentialOp: rule_exponential,
    k.Activate2Op: rule_activate2,
    k.NcStreamShuffleOp: rule_nc_stream_shuffle,
    k.NcNGatherOp: rule_nc_n_gather,
    k.SequenceBoundsOp: rule_sequence_bounds,
    k.NonzeroWithCountOp: rule_nonzero_with_count,
    k.RngOp: rule_rng,
    k.Rand2Op: rule_rand2,
    k.SetRngSeedOp: rule_set_rng_seed,
    k.RandSetStateOp: rule_rand_set_state,
    k.RandGetStateOp: rule_rand_get_state,
    k.DropoutOp: rule_dropout,
    k.NcMatmulMxOp: rule_nc_matmul_mx,
    k.QuantizeMxOp: rule_quantize_mx,
    k.DmaComputeOp: rule_dma_compute,
    k.RangeSelectOp: rule_range_select,
    k.Max8Op: rule_max8,
    k.NcFindIndex8Op: rule_nc_find_index8,
    k.NcMatchReplace8Op: rule_nc_match_replace8,
    k.LocalGatherOp: rule_local_gather,
    k.DmaTransposeOp: rule_dma_transpose,
    k.RegisterAllocOp: rule_register_alloc,
    k.RegisterMoveOp: rule_register_move,
    k.RegisterLoadOp: rule_register_load,
    k.RegisterStoreOp: rule_register_store,
    k.DynamicForOp: rule_dynamic_for,
    k.DynamicWhileOp: rule_dynamic_while,
    k.DevicePrintOp: rule_device_print,
    k.IndirectDmaOp: rule_indirect_dma,
}
