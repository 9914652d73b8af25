"""ALU operators, reductions and activation functions as NumPy functions (docs/semantics.md §4.3-§4.9,
nki.md §8): the tables the instruction rules evaluate, bitvec operators on raw bits, and
the float32 rounding helpers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from klr.dialects import klr as k

F32 = np.dtype(np.float32)


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
