"""The reference interpreter of `klr`: one function per rule of docs/semantics.md.

A kernel is compiled once into Python closures over NumPy (no per-element Python
loops); running it executes the closures on a machine state of tensors (HBM, SBUF,
PSUM as NumPy arrays in their real dtypes, or all float32 in `fp32` mode), registers,
and the Scalar/Vector engines' accumulators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from xdsl.dialects.builtin import FileLineColLoc
from xdsl.ir import Block, Operation, SSAValue

from klr.dialects import klr as k
from klr.interp import dtypes as dt

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


@dataclass
class Storage:
    """A tensor's memory: the data, which elements were written, and for PSUM which
    elements a matmul has written (accumulation groups, nki.md §3.4)."""

    name: str
    data: np.ndarray
    init: np.ndarray
    memory: k.Memory
    matmul_written: np.ndarray | None = None


@dataclass
class Ref:
    """A tensor or a view of one: storage plus the strided window the view selects."""

    storage: Storage
    start: int
    shape: tuple[int, ...]
    steps: tuple[int, ...]

    def _window(self, flat: np.ndarray) -> np.ndarray:
        item = flat.itemsize
        return as_strided(
            flat[self.start :],
            shape=self.shape,
            strides=tuple(s * item for s in self.steps),
            writeable=True,
        )

    def data(self) -> np.ndarray:
        return self._window(self.storage.data.reshape(-1))

    def init(self) -> np.ndarray:
        return self._window(self.storage.init.reshape(-1))

    def mm(self) -> np.ndarray:
        assert self.storage.matmul_written is not None
        return self._window(self.storage.matmul_written.reshape(-1))


def _whole(storage: Storage) -> Ref:
    shape = storage.data.shape
    steps: list[int] = []
    acc = 1
    for d in reversed(shape):
        steps.insert(0, acc)
        acc *= d
    return Ref(storage, 0, tuple(shape), tuple(steps))


@dataclass
class Machine:
    """Everything a running kernel can observe or change."""

    mode: str = "precise"
    act_acc: np.ndarray = field(default_factory=lambda: np.zeros(128, np.float32))
    """The Scalar engine's per-partition accumulators (activation reduce_cmd)."""
    vec_acc: np.ndarray = field(default_factory=lambda: np.zeros(128, np.float32))
    """The Vector engine's per-partition accumulators (select_reduce, range_select)."""
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

    def new_storage(self, name: str, t: k.TensorType) -> Storage:
        real = dt.numpy_dtype(t.element)
        store = np.dtype(np.float32) if self.mode == "fp32" and not dt.is_integer(real) else real
        data = np.full(t.get_shape(), dt.poison(store), dtype=store)
        init = np.zeros(t.get_shape(), dtype=bool)
        mm = np.zeros(t.get_shape(), dtype=bool) if t.mem == k.Memory.PSUM else None
        return Storage(name, data, init, t.mem, mm)


def location(op: Operation | None) -> tuple[str, int, int] | None:
    loc = getattr(op, "location", None)
    if isinstance(loc, FileLineColLoc):
        return (loc.filename.data, loc.line.data, loc.column.data)
    return None


# ---------------------------------------------------------------------------
# Reading and writing through views
# ---------------------------------------------------------------------------


def read(m: Machine, ref: Ref, op: Operation, what: str) -> np.ndarray:
    """The values of a view, as float32; reading unwritten memory is reported."""
    if not ref.init().all():
        m.warn(
            "warn_uninitialized_read",
            f"'{what}' reads elements of '{ref.storage.name}' that were never written",
            op,
        )
    return dt.to_f32(ref.data())


def read_raw(m: Machine, ref: Ref, op: Operation, what: str) -> np.ndarray:
    """The stored values (no conversion): for bit-exact copies and bitwise operators."""
    if not ref.init().all():
        m.warn(
            "warn_uninitialized_read",
            f"'{what}' reads elements of '{ref.storage.name}' that were never written",
            op,
        )
    return ref.data()


def write(ref: Ref, values: np.ndarray) -> None:
    """Round `values` to the destination dtype and store them through the view."""
    out = ref.data()
    out[...] = dt.convert(np.asarray(values), out.dtype).reshape(out.shape)
    ref.init()[...] = True


def per_partition(values: np.ndarray) -> np.ndarray:
    """(P, ...) -> (P, N): free dimensions flattened row-major."""
    return values.reshape(values.shape[0], -1)


# ---------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------


def _bitwise(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    def apply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return f(a.astype(np.int64), b.astype(np.int64)).astype(np.float64)

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
    k.AluOp.BITWISE_AND: _bitwise(np.bitwise_and),
    k.AluOp.BITWISE_OR: _bitwise(np.bitwise_or),
    k.AluOp.BITWISE_XOR: _bitwise(np.bitwise_xor),
    k.AluOp.LEFT_SHIFT: _bitwise(np.left_shift),
    k.AluOp.RIGHT_SHIFT: _bitwise(np.right_shift),
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
REDUCE: dict[k.AluOp, Callable[..., np.ndarray]] = {
    k.AluOp.ADD: np.sum,
    k.AluOp.MULTIPLY: np.prod,
    k.AluOp.MAXIMUM: np.max,
    k.AluOp.MINIMUM: np.min,
    k.AluOp.BITWISE_AND: lambda x, axis, keepdims: np.bitwise_and.reduce(
        x.astype(np.int64), axis=axis, keepdims=keepdims
    ),
    k.AluOp.BITWISE_OR: lambda x, axis, keepdims: np.bitwise_or.reduce(
        x.astype(np.int64), axis=axis, keepdims=keepdims
    ),
    k.AluOp.BITWISE_XOR: lambda x, axis, keepdims: np.bitwise_xor.reduce(
        x.astype(np.int64), axis=axis, keepdims=keepdims
    ),
    k.AluOp.AVERAGE: np.mean,
}
IDENTITY: dict[k.AluOp, float] = {
    k.AluOp.ADD: 0.0,
    k.AluOp.SUBTRACT: 0.0,
    k.AluOp.MULTIPLY: 1.0,
    k.AluOp.MAXIMUM: -np.inf,
    k.AluOp.MINIMUM: np.inf,
}


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz-Stegun 7.1.26 would lose accuracy; use the exact float64 erf via math
    return np.vectorize(__import__("math").erf, otypes=[np.float64])(x)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + _erf(x / np.sqrt(2)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


ACT: dict[k.ActFunc, Callable[[np.ndarray], np.ndarray]] = {
    k.ActFunc.COPY: lambda x: x,
    k.ActFunc.SQUARE: np.square,
    k.ActFunc.SIGMOID: _sigmoid,
    k.ActFunc.RELU: lambda x: np.maximum(x, 0),
    k.ActFunc.GELU: _gelu,
    k.ActFunc.GELU_DX: lambda x: 0.5 * (1 + _erf(x / np.sqrt(2)))
    + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi),
    k.ActFunc.GELU_APPRX_TANH: lambda x: 0.5 * x
    * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    k.ActFunc.GELU_APPRX_SIGMOID: lambda x: x * _sigmoid(1.702 * x),
    k.ActFunc.GELU_APPRX_SIGMOID_DX: lambda x: _sigmoid(1.702 * x)
    * (1 + 1.702 * x * (1 - _sigmoid(1.702 * x))),
    k.ActFunc.SILU: lambda x: x * _sigmoid(x),
    k.ActFunc.SILU_DX: lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
    k.ActFunc.TANH: np.tanh,
    k.ActFunc.SOFTPLUS: lambda x: np.logaddexp(0, x),
    k.ActFunc.MISH: lambda x: x * np.tanh(np.logaddexp(0, x)),
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
    if op in UNARY:
        return UNARY[op](a)
    assert b is not None
    return ALU[op](b, a) if reverse else ALU[op](a, b)


def f32(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(x, dtype=np.float64).astype(np.float32)


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

    def slot(self, v: SSAValue) -> int:
        if v not in self.slots:
            self.slots[v] = len(self.slots)
        return self.slots[v]

    def compile(self, kernel: k.KernelOp) -> Compiled:
        block = kernel.body.block
        arg_slots = [self.slot(a) for a in block.args]
        steps = self.block(block)
        ret = block.last_op
        assert isinstance(ret, k.ReturnOp)
        return Compiled(
            steps,
            len(self.slots),
            arg_slots,
            [a.type for a in block.args],  # type: ignore[misc]
            [s.data for s in kernel.arg_names.data],
            [self.slot(v) for v in ret.values],
            kernel.inout.data if kernel.inout is not None else (),
        )

    def block(self, block: Block) -> list[Step]:
        out: list[Step] = []
        for op in block.ops:
            if isinstance(op, k.ReturnOp):
                continue
            handler = RULES.get(type(op))
            if handler is None:
                raise SimulationError(
                    "err_not_supported", f"'{op.name}' cannot be simulated yet", op
                )
            out.append(handler(self, op))
        return out


def run_steps(steps: list[Step], env: Env) -> None:
    for s in steps:
        s(env)


# -- structure -----------------------------------------------------------------


def rule_alloc(c: Compiler, op: k.AllocOp) -> Step:
    slot = c.slot(op.res)
    t = op.res.type
    name = op.tensor_name.data
    m = c.m

    shared = t.mem == k.Memory.SHARED_HBM  # type: ignore[union-attr]

    def run(env: Env) -> None:
        if shared:
            if name not in m.shared:
                m.shared[name] = m.new_storage(name, t)  # type: ignore[arg-type]
            env[slot] = _whole(m.shared[name])
        else:
            env[slot] = _whole(m.new_storage(name, t))  # type: ignore[arg-type]

    return run


def rule_view(c: Compiler, op: k.ViewOp) -> Step:
    slot, base = c.slot(op.res), c.slot(op.base)
    idx = [c.slot(i) for i in op.indices]
    coeffs = op.coeffs.data
    offset = op.offset.data
    shape = tuple(n for _, n in op.pattern.data)
    steps = tuple(s for s, _ in op.pattern.data)

    def run(env: Env) -> None:
        ref: Ref = env[base]
        start = ref.start + offset + sum(c_ * env[i] for c_, i in zip(coeffs, idx))
        env[slot] = Ref(ref.storage, start, shape, steps)

    return run


def rule_for(c: Compiler, op: k.ForOp) -> Step:
    idx = c.slot(op.body.block.args[0])
    body = c.block(op.body.block)
    values = range(op.lower.data, op.upper.data, op.step.data)

    def run(env: Env) -> None:
        for i in values:
            env[idx] = i
            for s in body:
                s(env)

    return run


# -- data movement ---------------------------------------------------------------


def _ops(c: Compiler, *values: SSAValue | None) -> list[int | None]:
    return [None if v is None else c.slot(v) for v in values]


def rule_dma_copy(c: Compiler, op: k.DmaCopyOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src: Ref = env[s]
        dst: Ref = env[d]
        if src.storage.data.dtype == dst.storage.data.dtype:
            write_raw(dst, read_raw(m, src, op, "src"))
        else:
            write(dst, read(m, src, op, "src"))

    return run


def write_raw(ref: Ref, values: np.ndarray) -> None:
    out = ref.data()
    out[...] = values.reshape(out.shape)
    ref.init()[...] = True


def rule_tensor_copy(c: Compiler, op: k.TensorCopyOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src: Ref = env[s]
        dst: Ref = env[d]
        # bit-exact when dtypes match, else through fp32 (nki.md §7.2)
        if src.storage.data.dtype == dst.storage.data.dtype:
            write_raw(dst, per_partition(read_raw(m, src, op, "src")))
        else:
            write(dst, per_partition(read(m, src, op, "src")))

    return run


def rule_tensor_tensor(c: Compiler, op: k.TensorTensorOp) -> Step:
    d, a, b = _ops(c, op.dst, op.data1, op.data2)
    fn = op.op.data
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[a], op, "data1"))
        y = per_partition(read(m, env[b], op, "data2"))
        with np.errstate(all="ignore"):
            write(env[d], f32(ALU[fn](x, y)))

    return run


def _scalar(env: Env, slot: int | None, imm: k.FloatAttr | None, m: Machine, op: Operation, what: str) -> Any:
    if slot is not None:
        return per_partition(read(m, env[slot], op, what))
    return np.float32(imm.data) if imm is not None else None


def rule_tensor_scalar(c: Compiler, op: k.TensorScalarOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    op0, op1 = op.op0.data, op.op1.data if op.op1 is not None else None
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        with np.errstate(all="ignore"):
            t = f32(alu(op0, x, _scalar(env, o0, op.imm0, m, op, "operand0"), rev0))
            if op1 is not None:
                t = f32(alu(op1, t, _scalar(env, o1, op.imm1, m, op, "operand1"), rev1))
        write(env[d], t)

    return run


def rule_scalar_tensor_tensor(c: Compiler, op: k.ScalarTensorTensorOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        y = per_partition(read(m, env[o1], op, "operand1"))
        with np.errstate(all="ignore"):
            t = f32(alu(op.op0.data, x, _scalar(env, o0, op.imm0, m, op, "operand0"), rev0))
            write(env[d], f32(alu(op.op1.data, t, y, rev1)))

    return run


def _accumulate(acc: np.ndarray, cmd: k.ReduceCmd, values: np.ndarray, rop: k.AluOp, init: float | None = None) -> None:
    """The engine accumulators (nki.md §9.2-§9.3): reset, then fold `values` per partition."""
    p = values.shape[0]
    if cmd in (k.ReduceCmd.RESET, k.ReduceCmd.RESET_REDUCE):
        acc[:p] = IDENTITY.get(rop, 0.0)
    elif cmd == k.ReduceCmd.LOAD_REDUCE:
        acc[:p] = init if init is not None else 0.0
    if cmd in (k.ReduceCmd.REDUCE, k.ReduceCmd.RESET_REDUCE, k.ReduceCmd.LOAD_REDUCE):
        folded = REDUCE[rop](values, axis=1, keepdims=False)
        acc[:p] = f32(ALU[rop](acc[:p], folded))


def rule_activation(c: Compiler, op: k.ActivationOp) -> Step:
    d, s, b, sc, r = _ops(c, op.dst, op.data, op.bias, op.scale, op.reduce_res)
    fn = ACT[op.op.data]
    cmd = op.reduce_cmd.data
    rop = op.reduce_op.data if op.reduce_op is not None else k.AluOp.ADD
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        scale = _scalar(env, sc, op.scale_imm, m, op, "scale")
        bias = _scalar(env, b, op.bias_imm, m, op, "bias")
        with np.errstate(all="ignore"):
            v = x * (np.float32(1.0) if scale is None else scale)
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


def rule_tensor_reduce(c: Compiler, op: k.TensorReduceOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    fn = REDUCE[op.op.data]
    axes = tuple(op.axes.data)
    negate = op.negate is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = read(m, env[s], op, "data")
        with np.errstate(all="ignore"):
            y = f32(fn(x, axis=axes, keepdims=True))
        write(env[d], -y if negate else y)

    return run


def rule_nc_matmul(c: Compiler, op: k.NcMatmulOp) -> Step:
    d, st, mv = _ops(c, op.dst, op.stationary, op.moving)
    accumulate = None if op.accumulate is None else bool(op.accumulate.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        a = per_partition(read(m, env[st], op, "stationary"))  # [K, M]
        b = per_partition(read(m, env[mv], op, "moving"))  # [K, N]
        # fp32 accumulation in the PE array; OpenBLAS is an order of magnitude slower on
        # a transposed small operand than on a contiguous copy of it
        prod = np.ascontiguousarray(a.T) @ b
        dst: Ref = env[d]
        mm = dst.mm().reshape(prod.shape)
        current = dt.to_f32(dst.data()).reshape(prod.shape)
        if accumulate is None:
            # first matmul write to a PSUM location overwrites, later ones add (§3.4)
            out = np.where(mm, current + prod, prod)
        elif accumulate:
            if not dst.init().all():
                m.warn(
                    "warn_uninitialized_read",
                    "nc_matmul accumulates onto PSUM that was never written",
                    op,
                )
            out = current + prod
        else:
            out = prod
        write(dst, out)
        dst.mm()[...] = True

    return run


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
    value = np.float32(op.value.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        write(ref, np.full(ref.shape, value, dtype=np.float32))

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
    fn = REDUCE[op.op.data]
    m = c.m

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
        src = (
            per_partition(read(m, env[s], op, "src")) if s is not None
            else np.float32(op.src_imm.data)  # type: ignore[union-attr]
        )
        cur = per_partition(dt.to_f32(dst.data()))
        out = dst.data()
        out[...] = dt.convert(np.where(pred, src, cur), out.dtype).reshape(out.shape)
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
}
