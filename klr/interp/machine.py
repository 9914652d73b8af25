"""The reference interpreter of `klr`: the machine and its compiler.

This module holds the machine state (tensors of HBM, SBUF, PSUM as NumPy arrays in their
real dtypes, or all float32 in `fp32` mode; registers; the engines' accumulators and
PRNGs), the memory model (views as strided windows, written/unwritten bookkeeping,
conversions on write), the compiler of a kernel into Python closures over NumPy (no
per-element Python loops) and the structural rules (alloc, view, for). The instruction
rules, one function per section of docs/semantics.md, are in `klr/interp/rules/` by
engine; the operator tables in `klr/interp/operators.py`.

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

import functools
import gc
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from xdsl.dialects.builtin import FileLineColLoc
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.irdl import OperandDef

from klr.dialects import klr as k
from klr.interp import dtypes as dt
from klr.interp import prng
from klr.interp.blas import BLAS
from klr.interp.operators import ALU, F32, IDENTITY, REDUCE, f32

Env = list[Any]
Step = Callable[[Env], None]



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


class AliasStorage(Storage):
    """A storage's bytes seen as another dtype (a reinterpreting view, docs/semantics.md
    §2): the data is a NumPy view of the base's; which elements are written is derived
    from the base's bookkeeping (an element is written when every base element its bytes
    touch is), and writes mark the base elements they touch."""

    __slots__ = ("base", "up", "down")

    def __init__(self, base: Storage, dtype: np.dtype):  # noqa: D107 - no Storage.__init__
        self.base = base
        self.name = base.name
        self.data = self.flat = base.flat.view(dtype)
        self.memory = base.memory
        self.size = self.data.size
        self.init = self.init_flat = None  # type: ignore[assignment]
        self.matmul_written = self.mm_flat = None
        self.pending = self.mm_pending = 0
        self.mm_any = self.mm_full = False
        a, b = dtype.itemsize, base.data.dtype.itemsize
        self.up, self.down = (a // b, 1) if a >= b else (1, b // a)

    @property  # type: ignore[override]
    def full(self) -> bool:
        return self.base.full

    @full.setter
    def full(self, value: bool) -> None:
        pass  # derived from the base

    def init_of(self, start: int, shape: tuple[int, ...], steps: tuple[int, ...]) -> np.ndarray:
        b = self.base.init_flat
        if self.up > 1:
            derived = b.reshape(-1, self.up).all(axis=1)
        else:
            derived = np.repeat(b, self.down) if self.down > 1 else b
        return _window(derived, start, shape, steps)

    def mark(self, start: int, shape: tuple[int, ...], steps: tuple[int, ...],
             where: np.ndarray | None = None) -> None:
        idx = _window(np.arange(self.size), start, shape, steps)
        idx = idx.reshape(-1) if where is None else idx[where]
        if self.up > 1:
            idx = (idx[:, None] * self.up + np.arange(self.up)).reshape(-1)
        elif self.down > 1:
            idx = idx // self.down
        base = self.base
        base.init_flat[idx] = True
        base.full = bool(base.init_flat.all())


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
        if type(self.storage) is AliasStorage:  # derived on each use (the base changes)
            return self.storage.init_of(self.start, self.shape, self.steps)
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
    aliases: dict[tuple[int, np.dtype], AliasStorage] = field(default_factory=dict)
    """Reinterpreting views' storages, by (base storage id, dtype)."""

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
    if type(st) is AliasStorage:
        st.mark(ref.start, ref.shape, ref.steps)
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


def mark_written_where(ref: Ref, where: np.ndarray) -> None:
    """The elements of `ref` where `where` (a bool array of `ref`'s shape) holds are now
    written (partial writes: predicated copies, single partitions)."""
    st = ref.storage
    if st.full:
        return
    if type(st) is AliasStorage:
        st.mark(ref.start, ref.shape, ref.steps, where)
        return
    ref.init()[where] = True


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

    def new_slot(self) -> int:
        """A slot no SSA value names (a rule's own scratch value)."""
        self.nslots += 1
        return self.nslots - 1

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
            handler = _rules().get(type(op))
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


def _rules() -> dict[type[Operation], Callable[[Compiler, Any], Step]]:
    from klr.interp.rules import RULES  # the rules import this module

    return RULES


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
    base, size = c.slot(op.base), math.prod(c.shape(op.base))
    if op.res.type.element == op.base.type.element:  # type: ignore[attr-defined]
        return (_dynamic_view if op.registers else _static_view)(c, op, base, size)
    # a reinterpreting view: the same steps over the base's bytes seen as the new dtype
    alias_slot = c.new_slot()
    make_alias = _alias_step(c, op, base, alias_slot)
    itemsize = c.dtype(op.res).itemsize
    view = (_dynamic_view if op.registers else _static_view)(
        c, op, alias_slot, size * c.dtype(op.base).itemsize // itemsize
    )

    def run(env: Env) -> None:
        make_alias(env)
        view(env)

    return run


def _alias_step(c: Compiler, op: k.ViewOp, base: int, alias_slot: int) -> Step:
    """env[alias_slot] <- the whole base storage as the view's dtype (one AliasStorage per
    base storage and dtype, so the view's window cache keeps working)."""
    dtype = c.dtype(op.res)
    m = c.m
    base_t, res_t = op.base.type, op.res.type
    for t in (base_t, res_t):
        if m.storage_dtype(t) != dt.numpy_dtype(t.element):  # type: ignore[arg-type]
            raise SimulationError(
                "err_not_supported",
                f"reinterpreting {base_t.element.value} as {res_t.element.value} needs the "  # type: ignore[attr-defined]
                "real bytes, which fp32 mode does not keep",
                op,
                hint="run in precise mode (the default)",
            )
    last: list[Any] = [None, None]

    def run(env: Env) -> None:
        ref: Ref = env[base]
        if ref is not last[0]:
            alias = m.aliases.get((id(ref.storage), dtype))
            if alias is None or alias.base is not ref.storage:
                alias = m.aliases[(id(ref.storage), dtype)] = AliasStorage(ref.storage, dtype)
            last[0], last[1] = ref, _whole(alias)
        env[alias_slot] = last[1]

    return run


def _static_view(c: Compiler, op: k.ViewOp, base: int, size: int) -> Step:
    """A view whose start is constant or affine in `klr.for` indices."""
    props = op.properties
    indices = list(op.indices)
    slot = c.slot(op.results[0])
    idx = [c.slot(i) for i in indices]
    coeffs = tuple(props["coeffs"].data)  # type: ignore[attr-defined]
    offset = props["offset"].data  # type: ignore[attr-defined]
    pattern = props["pattern"].data  # type: ignore[attr-defined]
    shape = tuple(n for _, n in pattern)
    steps = tuple(s for s, _ in pattern)
    simple, whole = _pattern_facts(shape, steps, size)
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


def _dynamic_view(c: Compiler, op: k.ViewOp, base: int, size: int) -> Step:
    """A view whose start depends on registers (`.ap(scalar_offset=...)`): made at each
    execution, its elements checked against the storage (nki.md §4.2, oob_mode=error)."""
    slot = c.slot(op.res)
    idx = [c.slot(i) for i in op.indices] + [c.slot(r) for r in op.registers]
    coeffs = tuple(op.coeffs.data) + tuple(op.reg_coeffs.data)  # type: ignore[union-attr]
    offset = op.offset.data
    pattern = op.pattern.data
    shape = tuple(n for _, n in pattern)
    steps = tuple(s for s, _ in pattern)
    reach_lo = sum(min(0, s * (n - 1)) for s, n in pattern)
    reach_hi = sum(max(0, s * (n - 1)) for s, n in pattern)
    simple, whole = _pattern_facts(shape, steps, size)

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
    from klr.interp.rules.tensor_engine import _matmul_loop

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


def _bits(a: np.ndarray) -> np.ndarray:
    """The same memory as unsigned integers (NumPy copies those fastest)."""
    size = a.dtype.itemsize
    return a.view(f"u{size}") if size in (1, 2, 4, 8) else a


def tensor_type_of(v: SSAValue) -> k.TensorType:
    t = v.type
    assert isinstance(t, k.TensorType)
    return t


def _read_accumulator(env: Env, r: int | None, acc: np.ndarray, p: int, negate: bool = False
                      ) -> None:
    """`into r`: r[p, 0] ← the accumulator (negated on request, the accumulator unchanged)."""
    if r is not None:
        a = acc[:p].reshape(-1, 1)
        write(env[r], -a if negate else a)


def _read_rows(m: Machine, ref: Ref, rows: np.ndarray, op: Operation, what: str) -> np.ndarray:
    """Partitions `rows` of an on-chip view (only they need to be written)."""
    if not ref.storage.full and not ref.init()[rows].all():
        check_init(m, ref, op, what)
    return per_partition(ref.arr[rows])


def _write_rows(ref: Ref, rows: np.ndarray, values: np.ndarray) -> None:
    """Store `values` (already in the storage dtype) in partitions `rows` only."""
    out = ref.arr
    out[rows] = values.reshape((len(rows),) + out.shape[1:])
    where = np.zeros(out.shape, bool)
    where[rows] = True
    mark_written_where(ref, where)
