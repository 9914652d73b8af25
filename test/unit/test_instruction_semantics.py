"""Every instruction of the reference interpreter against an independent NumPy model.

Each test writes a tiny NKI kernel (HBM inputs -> SBUF tiles -> the instruction -> HBM
outputs) into a temporary directory, traces it (the two halves of `klr.trace`, gathering
and `trace_program`, cached per source and per argument specs, since tracing dominates),
runs it with `klr.interp.run_module`, and compares with a model written here from
docs/semantics.md and nki.md §7/§9 -- never with the interpreter's own helpers. Where an
instruction has several operators (ALU ops, activation functions, reduce ops), one kernel
issues one instruction per operator on the same operands.

The model: inputs read as float32, float32 arithmetic, results rounded to the destination
dtype on write (ml_dtypes for bfloat16/float8; integers round half to even, saturate,
NaN -> 0).

Comparisons are bit-exact (any NaN matching any NaN) where the semantics are exact, and
within a few float32 ulps (or an error bound for sums) where transcendental functions or
summation order are involved.

Interpreter bugs found by these tests are kept as minimal reproductions at the end of
the file (section "Regressions"), each passing since its fix.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klr.diagnostics import KlrError
from klr.frontend.gather import gather
from klr.interp import run_module
from klr.tracer import TensorSpec, trace_program

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# KLR_SEMANTICS_EXAMPLES=500 for a longer hunt; 25 keeps the file near 30 s
SETTINGS = settings(
    max_examples=int(os.environ.get("KLR_SEMANTICS_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------

DT: dict[str, np.dtype] = {
    "float32": np.dtype(np.float32),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float16": np.dtype(np.float16),
    "float8_e4m3": np.dtype(ml_dtypes.float8_e4m3),
    "float8_e4m3fn": np.dtype(ml_dtypes.float8_e4m3fn),
    "float8_e5m2": np.dtype(ml_dtypes.float8_e5m2),
    "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16),
    "int32": np.dtype(np.int32),
    "uint8": np.dtype(np.uint8),
    "uint16": np.dtype(np.uint16),
    "uint32": np.dtype(np.uint32),
}
FLOATS = ["float32", "bfloat16", "float16", "float8_e4m3"]
INTS = ["int32", "uint8"]
IN_DTYPES = FLOATS + ["float8_e5m2"] + INTS
OUT_DTYPES = ["float32", "bfloat16", "float8_e4m3", "int32", "uint8"]
EPS = float(np.finfo(np.float32).eps)
TINY = float(np.finfo(np.float32).smallest_normal)


def is_int(dt: np.dtype) -> bool:
    return np.dtype(dt).kind in "iub"


def finfo(dt: np.dtype) -> Any:
    return ml_dtypes.finfo(dt)


@functools.lru_cache(maxsize=None)
def edges(dt: np.dtype, nonfinite: bool = True) -> np.ndarray:
    """The edge values of a dtype: ±0, ±1, ±max, ±smallest normal/subnormal, ±inf, NaN."""
    if is_int(dt):
        info = np.iinfo(dt)
        v = [0, 1, info.max, info.max - 1, info.min, info.min + 1] + ([-1] if info.min < 0 else [])
        return np.array(v, dtype=np.float64)
    fi = finfo(dt)
    v = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -2.0,
        float(fi.max),
        -float(fi.max),
        float(fi.smallest_normal),
        -float(fi.smallest_normal),
        float(fi.smallest_subnormal),
        -float(fi.smallest_subnormal),
    ]
    if nonfinite:
        v += [np.nan, np.inf, -np.inf]
    return np.array(v, dtype=np.float64)


def values(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    dt: np.dtype,
    *,
    edge: float = 0.15,
    exp: tuple[float, float] = (-12.0, 12.0),
    nonfinite: bool = True,
    extremes: bool = True,
    limit: int | None = None,
) -> np.ndarray:
    """Random values of `dt`: signed magnitudes 2^exp, small integers (duplicates, exact
    results), and a fraction `edge` of the dtype's edge values."""
    dt = np.dtype(dt)
    n = int(np.prod(shape))
    if is_int(dt):
        info = np.iinfo(dt)
        lo, hi = int(info.min), int(info.max)
        if limit is not None:
            lo, hi = max(lo, -limit), min(hi, limit - 1)
        wide = rng.integers(lo, hi, size=n, endpoint=True, dtype=np.int64)
        small = rng.integers(max(lo, -20), min(hi, 20), size=n, endpoint=True, dtype=np.int64)
        v = np.where(rng.random(n) < 0.5, wide, small)
        if extremes and limit is None:
            mask = rng.random(n) < edge
            v[mask] = rng.choice(edges(dt).astype(np.int64), int(mask.sum()))
        return v.astype(dt).reshape(shape)
    fi = finfo(dt)
    hi_exp = min(exp[1], math.log2(float(fi.max)))
    mag = np.exp2(rng.uniform(exp[0], hi_exp, n)) * rng.choice([-1.0, 1.0], n)
    small = rng.integers(-4, 5, n).astype(np.float64)
    v = np.where(rng.random(n) < 0.3, small, mag)
    mask = rng.random(n) < edge
    pool = edges(dt, nonfinite)
    if not extremes:  # ±0, ±1, 0.5, -2 (no max, no subnormals)
        pool = pool[(np.abs(pool) <= 2.0) & ((np.abs(pool) >= 0.5) | (pool == 0))]
    v[mask] = rng.choice(pool, int(mask.sum()))
    with np.errstate(all="ignore"):
        return v.astype(dt).reshape(shape)


def random_bits(rng: np.random.Generator, shape: tuple[int, ...], dt: np.dtype) -> np.ndarray:
    """Arbitrary bit patterns (NaN payloads, subnormals, ...) of `dt`."""
    dt = np.dtype(dt)
    u = np.dtype(f"uint{8 * dt.itemsize}")
    return rng.integers(0, 2 ** (8 * dt.itemsize), size=shape, dtype=np.uint64).astype(u).view(dt)


def to_dtype(x: Any, dt: np.dtype) -> np.ndarray:
    """The model of a write: float32 result rounded to `dt` (RNE; ints saturate, NaN -> 0)."""
    dt = np.dtype(dt)
    x = np.asarray(x)
    if x.dtype == np.bool_:
        x = x.astype(np.float32)
    x = np.asarray(x, dtype=np.float32) if x.dtype != np.float32 and not is_int(x.dtype) else x
    if is_int(dt):
        info = np.iinfo(dt)
        v = x.astype(np.float64)
        v = np.where(np.isnan(v), 0.0, v)
        v = np.clip(v, float(info.min), float(info.max))
        return np.round(v).astype(dt)  # np.round: half to even
    with np.errstate(all="ignore"):
        return x.astype(np.float32).astype(dt)


def f32(x: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(x).astype(np.float32)


def bits(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    return x.view(np.dtype(f"uint{8 * x.dtype.itemsize}"))


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


def _report(ok: np.ndarray, got: np.ndarray, want: np.ndarray, what: str) -> None:
    if ok.all():
        return
    bad = np.argwhere(~ok)[:6]
    rows = [
        f"  at {tuple(int(i) for i in b)}: got {got[tuple(b)]!r} want {want[tuple(b)]!r}"
        for b in bad
    ]
    raise AssertionError(
        f"{what}: {int((~ok).sum())} of {ok.size} elements differ\n" + "\n".join(rows)
    )


def assert_bits(got: np.ndarray, want: np.ndarray, what: str = "bits") -> None:
    """Bit-for-bit equal (NaN payloads included)."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    _report(bits(got) == bits(want), got, want, what)


def assert_exact(
    got: np.ndarray, want: np.ndarray, what: str = "values", zero_sign: bool = True
) -> None:
    """Same dtype, same values, same sign of zero (unless `zero_sign` is False); any NaN
    matches any NaN."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    g, w = got.astype(np.float64), want.astype(np.float64)
    same = g == w
    if zero_sign:
        same &= np.signbit(g) == np.signbit(w)
    _report(same | (np.isnan(g) & np.isnan(w)), got, want, what)


def assert_close(
    got: np.ndarray, want: np.ndarray, rtol: float, atol: float = 0.0, what: str = ""
) -> None:
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(
        got.astype(np.float64),
        want.astype(np.float64),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
        err_msg=what,
    )


def assert_within(got: np.ndarray, exact: np.ndarray, bound: np.ndarray, what: str = "") -> None:
    """|got - exact| <= bound where exact is finite; equal (NaN/inf) elsewhere."""
    g = got.astype(np.float64)
    e = np.asarray(exact, np.float64)
    fin = np.isfinite(e)
    with np.errstate(invalid="ignore"):
        ok = np.where(fin, np.abs(g - e) <= bound, (g == e) | (np.isnan(g) & np.isnan(e)))
    _report(ok, got, np.asarray(exact), what or "within error bound")


# ---------------------------------------------------------------------------
# Kernels: written into a temporary directory, traced once per (source, specs)
# ---------------------------------------------------------------------------

HEADER = "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
_KDIR: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    _KDIR.append(tmp_path_factory.mktemp("kernels"))
    yield
    _trace.cache_clear()
    _gather.cache_clear()
    _KDIR.clear()


@functools.lru_cache(maxsize=None)
def _gather(src: str) -> Any:
    """The first half of `klr.trace` (gathering the source), shared by every specialization."""
    path = _KDIR[-1] / f"k_{hashlib.sha1(src.encode()).hexdigest()[:16]}.py"
    path.write_text(HEADER + src)
    return gather(path, "kernel").module


@functools.lru_cache(maxsize=None)
def _trace(src: str, specs: tuple[tuple[str, str], ...], target: str | None, consts: str) -> Any:
    """`klr.trace(path, "kernel", target=target, **specs, **consts)`, cached.

    `consts` is the repr of the ((name, value), ...) constants: keys must tell -0.0 from
    0.0 (equal, same hash) and match NaN to NaN, which the values themselves do not."""
    values = eval(consts, {"nan": math.nan, "inf": math.inf})  # our own repr of floats/tuples
    args = {n: TensorSpec.parse(v) for n, v in specs} | dict(values)
    return trace_program(_gather(src), args, (), target)


def _spec(a: np.ndarray) -> str:
    return f"{a.dtype.name}[{','.join(str(d) for d in a.shape)}]"


def kernel_source(params: list[str], lines: list[str]) -> str:
    body = textwrap.indent("\n".join(lines), "    ")
    return f"@nki.jit\ndef kernel({', '.join(params)}):\n{body}\n"


def run(
    lines: list[str],
    inputs: dict[str, np.ndarray],
    *,
    target: str | None = None,
    warnings: tuple[str, ...] = (),
    **consts: Any,
) -> list[np.ndarray]:
    """Trace (cached) and run a kernel whose body is `lines`; return its outputs."""
    src = kernel_source([*inputs, *consts], lines)
    plain = tuple((n, float(v) if isinstance(v, float) else v) for n, v in consts.items())
    traced = _trace(src, tuple((n, _spec(a)) for n, a in inputs.items()), target, repr(plain))
    result = run_module(traced.module, inputs)
    codes = tuple(w.code for w in result.warnings)
    assert codes == warnings, [w.message for w in result.warnings]
    return result.outputs


def load(*names: str) -> list[str]:
    """SBUF tiles s_<name> holding the HBM inputs."""
    out: list[str] = []
    for n in names:
        out += [
            f"s_{n} = nl.ndarray({n}.shape, dtype={n}.dtype, buffer=nl.sbuf)",
            f"nisa.dma_copy(dst=s_{n}, src={n})",
        ]
    return out


def store(*tiles: str) -> list[str]:
    """Copy SBUF tiles to shared HBM outputs and return them."""
    out: list[str] = []
    for i, t in enumerate(tiles):
        out += [
            f"o{i} = nl.ndarray({t}.shape, dtype={t}.dtype, buffer=nl.shared_hbm)",
            f"nisa.dma_copy(dst=o{i}, src={t})",
        ]
    out.append("return " + ", ".join(f"o{i}" for i in range(len(tiles))))
    return out


def tile(name: str, shape: str, dtype: str, buffer: str = "sbuf") -> str:
    return f"{name} = nl.ndarray({shape}, dtype=nl.{dtype}, buffer=nl.{buffer})"


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

partitions = st.integers(1, 128)
free = st.integers(1, 64)
shapes = st.tuples(partitions, free)
seeds = st.integers(0, 2**32 - 1)
imm32 = st.floats(width=32)  # NaN, ±inf, subnormals, ±0 included
finite_imm = st.floats(-1000, 1000, width=32)


def vector(rng: np.random.Generator, p: int, **kw: Any) -> np.ndarray:
    """A (P, 1) float32 per-partition operand."""
    return values(rng, (p, 1), DT["float32"], **kw)


# ---------------------------------------------------------------------------
# ALU operators, modelled in float32 (docs/semantics.md §4.3, nki.md §8.1)
# ---------------------------------------------------------------------------


def _cmp(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    return lambda a, b: f(a, b).astype(np.float32)


ALU: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    # IEEE maximum/minimum (NaN propagates); semantics.md is silent on NaN: choice
    "maximum": np.maximum,
    "minimum": np.minimum,
    "equal": _cmp(lambda a, b: a == b),
    "not_equal": _cmp(lambda a, b: a != b),
    "greater_equal": _cmp(lambda a, b: a >= b),
    "greater": _cmp(lambda a, b: a > b),
    "less_equal": _cmp(lambda a, b: a <= b),
    "less": _cmp(lambda a, b: a < b),
    "logical_and": _cmp(lambda a, b: (a != 0) & (b != 0)),
    "logical_or": _cmp(lambda a, b: (a != 0) | (b != 0)),
    "logical_xor": _cmp(lambda a, b: (a != 0) ^ (b != 0)),
    "average": lambda a, b: (a + b) / np.float32(2),
    "bypass": lambda a, b: a,
    # v4 (nki.md §8.1): the signed operand of larger/smaller magnitude, tie -> y
    "abs_max": lambda a, b: np.where(np.abs(a) > np.abs(b), a, b),
    "abs_min": lambda a, b: np.where(np.abs(a) < np.abs(b), a, b),
}
GEN4_ALU = {"abs_max", "abs_min"}
ZERO_SIGN_FREE = {"maximum", "minimum", "abs_max", "abs_min"}  # which zero wins: unspecified
ARITH = ["add", "subtract", "multiply", "maximum", "minimum"]


# GpSimd computes these exactly when both tensor_tensor operands are integers (nki.md
# §7.2/§9.3, semantics §4.3): int64 arithmetic, then the write's conversion
INT_EXACT = set(ARITH) | GEN4_ALU | {
    "equal", "not_equal", "greater_equal", "greater", "less_equal", "less",
    "logical_and", "logical_or", "logical_xor",
}


def tt_model(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """tensor_tensor's result before the write: exact for integer operands, else float32."""
    if is_int(a.dtype) and is_int(b.dtype) and op in INT_EXACT:
        r = np.asarray(ALU[op](a.astype(np.int64), b.astype(np.int64)))
        return r if is_int(r.dtype) else r.astype(np.float32)
    return alu(op, a, b)


def alu(op: str, a: Any, b: Any, reverse: bool = False) -> np.ndarray:
    if op == "bypass":  # a skipped stage: the data passes, reversed or not (semantics §4.4)
        return f32(a)
    with np.errstate(all="ignore"):
        a, b = f32(a), f32(b)
        return f32(ALU[op](b, a) if reverse else ALU[op](a, b))


# ===========================================================================
# 4.1 dma_copy
# ===========================================================================


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(IN_DTYPES + ["float8_e4m3fn"]), seed=seeds)
def test_dma_copy_same_dtype_is_bit_exact(shape: tuple[int, int], dt: str, seed: int) -> None:
    x = random_bits(np.random.default_rng(seed), shape, DT[dt])
    (out,) = run(load("x") + store("s_x"), {"x": x})
    assert_bits(out, x)


@SETTINGS
@given(
    shape=shapes,
    src=st.sampled_from(IN_DTYPES),
    dst=st.sampled_from(OUT_DTYPES + ["float16"]),
    seed=seeds,
)
def test_dma_copy_converts_through_float32(
    shape: tuple[int, int], src: str, dst: str, seed: int
) -> None:
    x = values(np.random.default_rng(seed), shape, DT[src])
    lines = [
        tile("t", "x.shape", dst),
        "nisa.dma_copy(dst=t, src=x)",
        tile("u", "x.shape", dst),
        "nisa.dma_copy(dst=u, src=t)",
    ] + store("u")
    (out,) = run(lines, {"x": x})
    want = x if src == dst else to_dtype(x.astype(np.float32), DT[dst])  # equal dtypes: bits (§3)
    assert_exact(out, want, f"{src} -> {dst}")


@SETTINGS
@given(
    shape=st.tuples(st.integers(1, 64), st.integers(1, 64)),
    dt=st.sampled_from(["float32", "bfloat16"]),
    seed=seeds,
)
def test_dma_copy_between_shapes_is_row_major(shape: tuple[int, int], dt: str, seed: int) -> None:
    """Shapes may differ; both sides are traversed row-major (nki.md §9.6)."""
    p, f = shape
    x = random_bits(np.random.default_rng(seed), (p, f), DT[dt])
    lines = [
        "t = nl.ndarray((x.shape[1], x.shape[0]), dtype=x.dtype, buffer=nl.sbuf)",
        "nisa.dma_copy(dst=t, src=x)",
    ] + store("t")
    (out,) = run(lines, {"x": x})
    assert_bits(out, x.reshape(f, p))


# ===========================================================================
# 4.2 tensor_copy
# ===========================================================================

ENGINES = ["None", "nisa.vector_engine", "nisa.gpsimd_engine", "nisa.scalar_engine"]


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(IN_DTYPES + ["float8_e4m3fn", "int8", "uint16"]),
    engine=st.sampled_from(ENGINES),
    seed=seeds,
)
def test_tensor_copy_same_dtype_is_bit_exact(
    shape: tuple[int, int], dt: str, engine: str, seed: int
) -> None:
    x = random_bits(np.random.default_rng(seed), shape, DT[dt])
    lines = (
        load("x")
        + [
            "t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
            f"nisa.tensor_copy(dst=t, src=s_x, engine={engine})",
        ]
        + store("t")
    )
    (out,) = run(lines, {"x": x})
    assert_bits(out, x)


@SETTINGS
@given(
    shape=shapes,
    src=st.sampled_from(IN_DTYPES),
    dst=st.sampled_from(OUT_DTYPES),
    engine=st.sampled_from(ENGINES),
    seed=seeds,
)
def test_tensor_copy_converts_through_float32(
    shape: tuple[int, int], src: str, dst: str, engine: str, seed: int
) -> None:
    x = values(np.random.default_rng(seed), shape, DT[src])
    lines = (
        load("x")
        + [tile("t", "x.shape", dst), f"nisa.tensor_copy(dst=t, src=s_x, engine={engine})"]
        + store("t")
    )
    (out,) = run(lines, {"x": x})
    want = x if src == dst else to_dtype(x.astype(np.float32), DT[dst])  # equal dtypes: bits (§3)
    assert_exact(out, want, f"{src} -> {dst}")


# ===========================================================================
# 4.3 tensor_tensor
# ===========================================================================

TT_OPS = [op for op in ALU if op not in GEN4_ALU]


def multi(
    lines: list[str], calls: list[str], dtype_of: Callable[[int], str], shape: str = "a.shape"
) -> list[str]:
    """One destination tile r<i> per call (each call writes `dst=r<i>`), all returned."""
    for i, call in enumerate(calls):
        lines = lines + [tile(f"r{i}", shape, dtype_of(i)), call.format(r=f"r{i}")]
    return lines + store(*[f"r{i}" for i in range(len(calls))])


@SETTINGS
@given(
    shape=shapes,
    da=st.sampled_from(IN_DTYPES),
    db=st.sampled_from(IN_DTYPES),
    dst=st.sampled_from(OUT_DTYPES),
    seed=seeds,
)
def test_tensor_tensor(shape: tuple[int, int], da: str, db: str, dst: str, seed: int) -> None:
    """Every ALU operator of gen3 on the same operands (one instruction each)."""
    rng = np.random.default_rng(seed)
    a, b = values(rng, shape, DT[da]), values(rng, shape, DT[db])
    with np.errstate(all="ignore"):  # equal operands now and then, for ==, != and logicals
        b = np.where(rng.random(shape) < 0.3, a.astype(np.float32), b.astype(np.float32)).astype(
            b.dtype
        )
    calls = [f"nisa.tensor_tensor(dst={{r}}, data1=s_a, data2=s_b, op=nl.{op})" for op in TT_OPS]
    outs = run(multi(load("a", "b"), calls, lambda i: dst), {"a": a, "b": b})
    for op, out in zip(TT_OPS, outs):
        want = to_dtype(tt_model(op, a, b), DT[dst])
        assert_exact(out, want, f"{op}({da}, {db}) -> {dst}", zero_sign=op not in ZERO_SIGN_FREE)


@SETTINGS
@given(
    shape=shapes,
    da=st.sampled_from(IN_DTYPES),
    db=st.sampled_from(IN_DTYPES),
    dst=st.sampled_from(OUT_DTYPES),
    seed=seeds,
)
def test_tensor_tensor_abs_max_abs_min(
    shape: tuple[int, int], da: str, db: str, dst: str, seed: int
) -> None:
    """gen4 operators: the signed operand of larger/smaller magnitude, tie -> y (nki.md §8.1).
    NaN operands are left out: undocumented for these operators."""
    rng = np.random.default_rng(seed)
    a, b = values(rng, shape, DT[da], nonfinite=False), values(rng, shape, DT[db], nonfinite=False)
    with np.errstate(all="ignore"):
        b = np.where(rng.random(shape) < 0.3, -a.astype(np.float32), b.astype(np.float32)).astype(
            b.dtype
        )
    ops = sorted(GEN4_ALU)
    calls = [f"nisa.tensor_tensor(dst={{r}}, data1=s_a, data2=s_b, op=nl.{op})" for op in ops]
    outs = run(multi(load("a", "b"), calls, lambda i: dst), {"a": a, "b": b}, target="gen4")
    for op, out in zip(ops, outs):
        assert_exact(
            out, to_dtype(tt_model(op, a, b), DT[dst]), f"{op}({da}, {db}) -> {dst}",
            zero_sign=False,
        )


@SETTINGS
@given(shape=shapes, da=st.sampled_from(FLOATS), seed=seeds)
def test_tensor_tensor_power(shape: tuple[int, int], da: str, seed: int) -> None:
    """power in float32 (GpSimd): compared with float64 pow rounded to float32."""
    rng = np.random.default_rng(seed)
    a = values(rng, shape, DT[da], exp=(-2, 2)).astype(np.float32)
    a = np.where(rng.random(shape) < 0.7, np.abs(a), a).astype(DT[da])
    b = values(rng, shape, DT["float32"], exp=(-3, 3))
    calls = ["nisa.tensor_tensor(dst={r}, data1=s_a, data2=s_b, op=nl.power)"]
    (out,) = run(multi(load("a", "b"), calls, lambda i: "float32"), {"a": a, "b": b})
    with np.errstate(all="ignore"):
        want = f32(np.power(a.astype(np.float64), b.astype(np.float64)))
    assert_close(out, want, rtol=1e-6, atol=TINY)


# -- bitwise operators: raw bits of integers (nki.md §8.1) ----------------------

BIT_DTYPES = ["int8", "int16", "int32", "uint8", "uint16", "uint32"]
BIT_OPS = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"]


def _bit_model(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dt = a.dtype
    u = np.dtype(f"uint{8 * dt.itemsize}")
    if op == "bitwise_and":
        return a & b
    if op == "bitwise_or":
        return a | b
    if op == "bitwise_xor":
        return a ^ b
    if op == "left_shift":
        return (a.view(u) << b.astype(u)).view(dt)
    if op == "right_shift":  # logical shift right (nki.md §8.1)
        return (a.view(u) >> b.astype(u)).view(dt)
    raise AssertionError(op)


def _bit_operands(
    rng: np.random.Generator,
    op: str,
    shape: tuple[int, ...],
    dt: np.dtype,
    shift: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Operands over the dtype's whole range; shift amounts 0 .. width-1 (bits shifted
    out at the top are lost, right shifts of negative values are logical)."""
    bitsz = 8 * dt.itemsize
    a = values(rng, shape, dt)
    if op in ("left_shift", "right_shift"):
        s = rng.integers(0, bitsz, size=shape) if shift is None else np.full(shape, shift)
        return a, s.astype(dt)
    return a, values(rng, shape, dt)


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(BIT_DTYPES), seed=seeds)
def test_tensor_tensor_bitwise(shape: tuple[int, int], dt: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    inputs: dict[str, np.ndarray] = {}
    calls = []
    for i, op in enumerate(BIT_OPS):
        inputs[f"a{i}"], inputs[f"b{i}"] = _bit_operands(rng, op, shape, DT[dt])
        calls.append(f"nisa.tensor_tensor(dst={{r}}, data1=s_a{i}, data2=s_b{i}, op=nl.{op})")
    outs = run(multi(load(*inputs), calls, lambda i: dt, "a0.shape"), inputs)
    for i, (op, out) in enumerate(zip(BIT_OPS, outs)):
        assert_exact(out, _bit_model(op, inputs[f"a{i}"], inputs[f"b{i}"]), f"{op} {dt}")


# ===========================================================================
# 4.4 tensor_scalar
# ===========================================================================

TS_OPS = [op for op in ALU if op not in GEN4_ALU]


@st.composite
def scalar_operand(draw: Any, finite: bool = False) -> tuple[str, Any]:
    """('imm', float) or ('vec', None): an immediate or a (P, 1) tile."""
    if draw(st.booleans()):
        return "imm", draw(finite_imm if finite else imm32)
    return "vec", None


@SETTINGS
@given(
    data=st.data(),
    shape=shapes,
    dt=st.sampled_from(IN_DTYPES),
    dst=st.sampled_from(OUT_DTYPES),
    seed=seeds,
)
def test_tensor_scalar(data: Any, shape: tuple[int, int], dt: str, dst: str, seed: int) -> None:
    """One instruction per op0, each with a drawn operand0 (immediate or (P, 1) vector),
    reverse0, and optionally op1 with its own operand and reverse1."""
    rng = np.random.default_rng(seed)
    p = shape[0]
    x = values(rng, shape, DT[dt])
    inputs = {"x": x, "v0": vector(rng, p), "v1": vector(rng, p)}
    consts: dict[str, Any] = {}
    calls, models = [], []
    for i, op0 in enumerate(TS_OPS):
        k0, i0 = data.draw(scalar_operand(), label=f"{op0} operand0")
        rev0 = data.draw(st.booleans(), label="reverse0")
        op1 = data.draw(st.sampled_from([None] + TS_OPS), label="op1")
        k1, i1 = data.draw(scalar_operand(), label="operand1")
        rev1 = data.draw(st.booleans(), label="reverse1")
        consts[f"c{i}"], consts[f"d{i}"] = i0 if k0 == "imm" else 0.0, i1 if k1 == "imm" else 0.0
        s0 = f"c{i}" if k0 == "imm" else "s_v0"
        s1 = f"d{i}" if k1 == "imm" else "s_v1"
        call = (
            f"nisa.tensor_scalar(dst={{r}}, data=s_x, op0=nl.{op0}, operand0={s0}, reverse0={rev0}"
        )
        if op1 is not None:
            call += f", op1=nl.{op1}, operand1={s1}, reverse1={rev1}"
        calls.append(call + ")")
        models.append(
            (
                op0,
                np.float32(i0) if k0 == "imm" else inputs["v0"],
                rev0,
                op1,
                np.float32(i1) if k1 == "imm" else inputs["v1"],
                rev1,
            )
        )
    outs = run(multi(load(*inputs), calls, lambda i: dst, "x.shape"), inputs, **consts)
    for out, (op0, v0, rev0, op1, v1, rev1) in zip(outs, models):
        t = alu(op0, x, v0, rev0)
        if op1 is not None:
            t = alu(op1, t, v1, rev1)
        zs = op0 not in ZERO_SIGN_FREE and op1 not in ZERO_SIGN_FREE
        assert_exact(
            out, to_dtype(t, DT[dst]), f"{op0} rev={rev0} then {op1} rev={rev1}", zero_sign=zs
        )


UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "abs": np.abs,
    "square": lambda x: x * x,
    "relu": lambda x: np.where(np.isnan(x), x, np.where(x > 0, x, np.float32(0))),
    "reciprocal": lambda x: np.float32(1) / x,
    "rsqrt": lambda x: f32(1.0 / np.sqrt(x.astype(np.float64))),
    "logical_not": lambda x: (x == 0).astype(np.float32),
}


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(FLOATS + INTS),
    then_add=st.lists(st.one_of(st.none(), finite_imm), min_size=len(UNARY), max_size=len(UNARY)),
    seed=seeds,
)
def test_tensor_scalar_unary(
    shape: tuple[int, int], dt: str, then_add: list[float | None], seed: int
) -> None:
    """Unary operators ignore their operand (nki.md §8.1); square/relu as op0 are v4."""
    x = values(np.random.default_rng(seed), shape, DT[dt])
    calls = []
    consts: dict[str, Any] = {}
    for i, (op0, add) in enumerate(zip(UNARY, then_add)):
        call = f"nisa.tensor_scalar(dst={{r}}, data=s_x, op0=nl.{op0}, operand0=None"
        if add is not None:
            call += f", op1=nl.add, operand1=c{i}"
            consts[f"c{i}"] = add
        calls.append(call + ")")
    outs = run(
        multi(load("x"), calls, lambda i: "float32", "x.shape"), {"x": x}, target="gen4", **consts
    )
    for op0, add, out in zip(UNARY, then_add, outs):
        with np.errstate(all="ignore"):
            if op0 == "rsqrt":  # a function rounded to float32: a few ulps, then the add
                r = 1.0 / np.sqrt(x.astype(np.float32).astype(np.float64))
                exact = r + (add or 0.0)
                assert_within(out, exact, 3 * EPS * np.abs(r) + EPS * np.abs(exact) + TINY, op0)
                continue
            want = f32(UNARY[op0](x.astype(np.float32)))
            if add is not None:
                want = alu("add", want, np.float32(add))
        assert_exact(out, want, op0, zero_sign=op0 != "relu")


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(BIT_DTYPES), data=st.data(), seed=seeds)
def test_tensor_scalar_bitwise(shape: tuple[int, int], dt: str, data: Any, seed: int) -> None:
    """Bitvec operators with integer immediates, chained with a second bitvec operator."""
    d = DT[dt]
    info = np.iinfo(d)
    rng = np.random.default_rng(seed)
    inputs: dict[str, np.ndarray] = {}
    consts: dict[str, Any] = {}
    calls, models = [], []
    for i, op0 in enumerate(BIT_OPS):
        if op0.endswith("shift"):
            imm0 = data.draw(st.integers(0, 7), label=f"{op0} amount")
            inputs[f"x{i}"], _ = _bit_operands(rng, op0, shape, d, shift=imm0)
        else:
            imm0 = data.draw(st.integers(int(info.min), int(info.max)), label=f"{op0} operand")
            inputs[f"x{i}"] = values(rng, shape, d)
        op1 = data.draw(st.sampled_from([None, "bitwise_and", "bitwise_xor"]), label="op1")
        imm1 = data.draw(st.integers(0, min(int(info.max), 255)), label="operand1")
        call = f"nisa.tensor_scalar(dst={{r}}, data=s_x{i}, op0=nl.{op0}, operand0=c{i}"
        consts[f"c{i}"] = float(imm0)
        if op1:
            call += f", op1=nl.{op1}, operand1=d{i}"
            consts[f"d{i}"] = float(imm1)
        calls.append(call + ")")
        models.append((op0, imm0, op1, imm1))
    outs = run(multi(load(*inputs), calls, lambda i: dt, "x0.shape"), inputs, **consts)
    for i, (out, (op0, imm0, op1, imm1)) in enumerate(zip(outs, models)):
        want = _bit_model(op0, inputs[f"x{i}"], np.full(shape, imm0).astype(d))
        if op1:
            want = _bit_model(op1, want, np.full(shape, imm1).astype(d))
        assert_exact(out, want, f"{op0} {imm0} then {op1} {imm1}")


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(BIT_DTYPES), seed=seeds)
def test_tensor_scalar_invert(shape: tuple[int, int], dt: str, seed: int) -> None:
    x = values(np.random.default_rng(seed), shape, DT[dt])
    lines = (
        load("x")
        + [
            "r = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
            "nisa.tensor_scalar(dst=r, data=s_x, op0=nl.invert, operand0=None)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    assert_exact(out, ~x, f"invert {dt}")


# ===========================================================================
# 4.5 scalar_tensor_tensor
# ===========================================================================


@SETTINGS
@given(
    data=st.data(),
    shape=shapes,
    dt=st.sampled_from(FLOATS + ["int32"]),
    dst=st.sampled_from(["float32", "bfloat16", "int32"]),
    seed=seeds,
)
def test_scalar_tensor_tensor(
    data: Any, shape: tuple[int, int], dt: str, dst: str, seed: int
) -> None:
    """One instruction per op1, each with a drawn op0, operand0 kind and reverse flags."""
    rng = np.random.default_rng(seed)
    p = shape[0]
    x, y = values(rng, shape, DT[dt]), values(rng, shape, DT["float32"])
    inputs = {"x": x, "y": y, "v": vector(rng, p)}
    consts: dict[str, Any] = {}
    calls, models = [], []
    for i, op1 in enumerate(ARITH):
        op0 = data.draw(st.sampled_from(ARITH + ["less", "equal"]), label=f"op0 before {op1}")
        kind, imm = data.draw(scalar_operand(), label="operand0")
        rev0, rev1 = (
            data.draw(st.booleans(), label="reverse0"),
            data.draw(st.booleans(), label="reverse1"),
        )
        consts[f"c{i}"] = imm if kind == "imm" else 0.0
        src = f"c{i}" if kind == "imm" else "s_v"
        calls.append(
            f"nisa.scalar_tensor_tensor(dst={{r}}, data=s_x, op0=nl.{op0}, operand0={src}, "
            f"op1=nl.{op1}, operand1=s_y, reverse0={rev0}, reverse1={rev1})"
        )
        models.append((op0, np.float32(imm) if kind == "imm" else inputs["v"], rev0, op1, rev1))
    outs = run(multi(load(*inputs), calls, lambda i: dst, "x.shape"), inputs, **consts)
    for out, (op0, v0, rev0, op1, rev1) in zip(outs, models):
        want = to_dtype(alu(op1, alu(op0, x, v0, rev0), y, rev1), DT[dst])
        assert_exact(
            out,
            want,
            f"{op1}({op0}(x, c, rev={rev0}), y, rev={rev1})",
            zero_sign=op0 not in ZERO_SIGN_FREE and op1 not in ZERO_SIGN_FREE,
        )


# ===========================================================================
# 4.6 activation
# ===========================================================================

SQRT2 = math.sqrt(2.0)
_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _sig(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _limits(
    f: Callable[[np.ndarray], np.ndarray], neg: float, pos: float
) -> Callable[..., np.ndarray]:
    """f, with its limits at ±inf (the float64 formula gives inf*0 there)."""
    return lambda x: np.where(np.isposinf(x), pos, np.where(np.isneginf(x), neg, f(x)))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# The mathematical definitions (nki.md §8.2), evaluated accurately in float64.
ACT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "copy": lambda x: x,
    "square": lambda x: x * x,
    "sigmoid": _sig,
    "relu": lambda x: np.where(np.isnan(x), x, np.where(x > 0, x, 0.0)),
    "gelu": _limits(lambda x: 0.5 * x * _erfc(-x / SQRT2), 0.0, np.inf),
    "gelu_dx": _limits(
        lambda x: 0.5 * _erfc(-x / SQRT2) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi),
        0.0,
        1.0,
    ),
    # 0.5x(1 + tanh(u)) = x * sigmoid(2u)
    "gelu_apprx_tanh": _limits(
        lambda x: x * _sig(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)), 0.0, np.inf
    ),
    "gelu_apprx_sigmoid": _limits(lambda x: x * _sig(1.702 * x), 0.0, np.inf),
    "gelu_apprx_sigmoid_dx": _limits(
        lambda x: _sig(1.702 * x) * (1 + 1.702 * x * _sig(-1.702 * x)), 0.0, 1.0
    ),
    "silu": _limits(lambda x: x * _sig(x), 0.0, np.inf),
    "silu_dx": _limits(lambda x: _sig(x) * (1 + x * _sig(-x)), 0.0, 1.0),
    "tanh": np.tanh,
    "softplus": _softplus,
    "mish": _limits(lambda x: x * np.tanh(_softplus(x)), 0.0, np.inf),
    "erf": _erf,
    "erf_dx": lambda x: 2 / math.sqrt(math.pi) * np.exp(-x * x),
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "arctan": np.arctan,
    "sqrt": np.sqrt,
    "rsqrt": lambda x: 1 / np.sqrt(x),
    "reciprocal": lambda x: 1 / x,
    "sign": np.sign,
    "abs": np.abs,
    "prelu": lambda x: np.where(
        np.isnan(x), x, np.where(x > 0, x, 0.0)
    ),  # activation: slope 0 (choice)
}
def act_model(name: str, x: np.ndarray, scale: Any, bias: Any) -> tuple[np.ndarray, np.ndarray]:
    """float32 `v = data * scale + bias`, then the function in float64, rounded to float32."""
    with np.errstate(all="ignore"):
        v = x.astype(np.float32)
        if scale is not None:
            v = f32(v * scale)
        if bias is not None:
            v = f32(v + bias)
        return v, f32(ACT[name](v.astype(np.float64)))


@st.composite
def act_operands(draw: Any) -> tuple[str, Any, str, Any]:
    bias_kind = draw(st.sampled_from(["none", "imm", "vec"]))
    scale_kind = draw(st.sampled_from(["default", "imm", "vec"]))
    return (
        bias_kind,
        draw(st.floats(-4, 4, width=32)),
        scale_kind,
        draw(st.floats(-4, 4, width=32)),
    )


def act_call(
    name: str, bias_kind: str, scale_kind: str, extra: str = "", dst: str = "r", data: str = "s_x"
) -> str:
    call = f"nisa.activation(dst={dst}, op=nl.{name}, data={data}"
    if bias_kind != "none":
        call += ", bias=" + ("b" if bias_kind == "imm" else "s_b")
    if scale_kind != "default":
        call += ", scale=" + ("s" if scale_kind == "imm" else "s_s")
    return call + extra + ")"


def act_inputs(
    rng: np.random.Generator, p: int, ops: tuple[str, Any, str, Any]
) -> tuple[dict[str, np.ndarray], dict[str, Any], Any, Any]:
    bias_kind, bias_imm, scale_kind, scale_imm = ops
    inputs: dict[str, np.ndarray] = {}
    consts: dict[str, Any] = {}
    bias = scale = None
    if bias_kind == "imm":
        consts["b"] = bias_imm
        bias = np.float32(bias_imm)
    elif bias_kind == "vec":
        inputs["b"] = bias = vector(rng, p, exp=(-3, 2), nonfinite=False, extremes=False)
    if scale_kind == "imm":
        consts["s"] = scale_imm
        scale = np.float32(scale_imm)
    elif scale_kind == "vec":
        inputs["s"] = scale = vector(rng, p, exp=(-3, 2), nonfinite=False, extremes=False)
    return inputs, consts, bias, scale


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(["float32", "bfloat16"]), ops=act_operands(), seed=seeds)
def test_activation_functions(
    shape: tuple[int, int], dt: str, ops: tuple[str, Any, str, Any], seed: int
) -> None:
    """Every activation function (gen4: prelu exists there) on the same data, bias, scale."""
    rng = np.random.default_rng(seed)
    x = values(rng, shape, DT[dt], exp=(-10, 7))
    extra, consts, bias, scale = act_inputs(rng, shape[0], ops)
    inputs = {"x": x, **extra}
    names = list(ACT)
    calls = [act_call(name, ops[0], ops[2], dst="{r}") for name in names]
    outs = run(
        multi(load(*inputs), calls, lambda i: "float32", "x.shape"), inputs, target="gen4", **consts
    )
    for name, out in zip(names, outs):
        _, want = act_model(name, x, scale, bias)
        assert_close(
            out, want, rtol=1e-5, atol=TINY, what=f"{name} bias={ops[0]} scale={ops[2]}"
        )


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(IN_DTYPES),
    dst=st.sampled_from(OUT_DTYPES + ["float16"]),
    ops=act_operands(),
    fn=st.sampled_from(["copy", "abs", "square"]),
    seed=seeds,
)
def test_activation_rounds_to_the_destination(
    shape: tuple[int, int], dt: str, dst: str, ops: tuple[str, Any, str, Any], fn: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = values(rng, shape, DT[dt])
    extra, consts, bias, scale = act_inputs(rng, shape[0], ops)
    inputs = {"x": x, **extra}
    lines = load(*inputs) + [tile("r", "x.shape", dst), act_call(fn, ops[0], ops[2])] + store("r")
    (out,) = run(lines, inputs, **consts)
    _, y = act_model(fn, x, scale, bias)
    assert_exact(out, to_dtype(y, DT[dst]), f"{fn} -> {dst}", zero_sign=False)


def sum_bound(absum: np.ndarray, n: int) -> np.ndarray:
    """Error bound of a float32 sum of n terms (any order), plus one rounding."""
    return (n + 2) * EPS * absum + TINY


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(["float32", "bfloat16"]),
    cmds=st.tuples(
        st.sampled_from(["reset", "reset_reduce"]),
        st.sampled_from(["idle", "reset", "reduce", "reset_reduce"]),
        st.sampled_from(["idle", "reset", "reduce", "reset_reduce"]),
    ),
    fns=st.tuples(*[st.sampled_from(["copy", "exp", "tanh", "square"])] * 3),
    dst=st.sampled_from(["float32", "bfloat16"]),
    seed=seeds,
)
def test_activation_accumulates_across_instructions(
    shape: tuple[int, int],
    dt: str,
    cmds: tuple[str, ...],
    fns: tuple[str, ...],
    dst: str,
    seed: int,
) -> None:
    """reduce_cmd: reset/reset_reduce zero the Scalar accumulator, reduce/reset_reduce add
    Σ_f y (float32, before the cast to dst), idle leaves it; `reduce_res` reads it."""
    rng = np.random.default_rng(seed)
    x = values(rng, shape, DT[dt], exp=(-6, 3), nonfinite=False, extremes=False)
    lines = load("x")
    for i, (cmd, fn) in enumerate(zip(cmds, fns)):
        lines += [
            tile(f"y{i}", "x.shape", dst),
            tile(f"r{i}", "(x.shape[0], 1)", "float32"),
            f"nisa.activation(dst=y{i}, op=nl.{fn}, data=s_x, reduce_cmd=nisa.reduce_cmd.{cmd}, "
            f"reduce_res=r{i})",
        ]
    outs = run(lines + store("y0", "r0", "r1", "r2"), {"x": x})
    acc = np.zeros(shape[0])
    absum = np.zeros(shape[0])
    for i, (cmd, fn) in enumerate(zip(cmds, fns)):
        _, y = act_model(fn, x, None, None)
        if cmd in ("reset", "reset_reduce"):
            acc, absum = np.zeros_like(acc), np.zeros_like(absum)
        if cmd in ("reduce", "reset_reduce"):
            acc = acc + y.astype(np.float64).sum(axis=1)
            absum = absum + np.abs(y.astype(np.float64)).sum(axis=1)
        if i == 0:
            assert_exact(outs[0], to_dtype(y, DT[dst]), "activation dst")
        assert_within(
            outs[1 + i].reshape(-1), acc, sum_bound(absum, 3 * shape[1]), f"reduce_res {i} ({cmd})"
        )


# ===========================================================================
# 4.9 tensor_reduce
# ===========================================================================


@st.composite
def reduce_layout(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A shape (P, d1..dk) with ≤ 64 free elements and a suffix of free axes to reduce."""
    p = draw(partitions)
    rank = draw(st.integers(2, 4))
    dims: list[int] = []
    budget = 64
    for _ in range(rank - 1):
        d = draw(st.integers(1, max(1, min(8 if rank > 2 else 64, budget))))
        dims.append(d)
        budget //= d
    first = draw(st.integers(1, rank - 1))
    return (p, *dims), tuple(range(first, rank))


def reduce_dst_shape(
    shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool
) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


@SETTINGS
@given(
    layout=reduce_layout(),
    dt=st.sampled_from(["float32", "bfloat16", "float8_e4m3", "int32"]),
    negate=st.booleans(),
    keepdims=st.booleans(),
    seed=seeds,
)
def test_tensor_reduce(
    layout: tuple[tuple[int, ...], tuple[int, ...]],
    dt: str,
    negate: bool,
    keepdims: bool,
    seed: int,
) -> None:
    """add / multiply / maximum / minimum over a suffix of free axes, negate, keepdims."""
    shape, axes = layout
    rng = np.random.default_rng(seed)
    d = DT[dt]
    # sums: ±inf/NaN give the same result in any order, no partial-sum overflow
    xs = values(rng, shape, d, exp=(-8, 12), extremes=False, edge=0.02, limit=1 << 20)
    # products: magnitudes near 1, no overflow in any order
    xp = values(rng, shape, d, exp=(-1, 1), nonfinite=False, extremes=False, limit=3)
    # max/min: NaN is undocumented; ±inf, ±0, the dtype's max are in
    xm = values(rng, shape, d, nonfinite=False)
    if not is_int(d):
        xm = np.where(rng.random(shape) < 0.05, np.float32(np.inf), xm.astype(np.float32)).astype(d)
    dshape = reduce_dst_shape(shape, axes, keepdims)
    ops = [("add", "xs"), ("multiply", "xp"), ("maximum", "xm"), ("minimum", "xm")]
    calls = [
        f"nisa.tensor_reduce(dst={{r}}, op=nl.{op}, data=s_{x}, axis={axes}, negate={negate}, "
        f"keepdims={keepdims})"
        for op, x in ops
    ]
    inputs = {"xs": xs, "xp": xp, "xm": xm}
    outs = run(multi(load(*inputs), calls, lambda i: "float32", repr(dshape)), inputs)
    n = int(np.prod([shape[a] for a in axes]))
    sign = -1.0 if negate else 1.0
    for (op, name), out in zip(ops, outs):
        x32 = inputs[name].astype(np.float32).astype(np.float64)
        with np.errstate(all="ignore"):
            if op in ("maximum", "minimum"):
                want = f32(sign * (x32.max(axis=axes) if op == "maximum" else x32.min(axis=axes)))
                assert_exact(out, want.reshape(dshape), f"{op} axes={axes}", zero_sign=False)
            elif op == "add":
                exact = (sign * x32.sum(axis=axes)).reshape(dshape)
                bound = sum_bound(np.abs(x32).sum(axis=axes), n).reshape(dshape)
                assert_within(out, exact, bound, f"sum axes={axes}")
            else:
                exact = (sign * x32.prod(axis=axes)).reshape(dshape)
                assert_within(
                    out, exact, (n + 2) * EPS * np.abs(exact) + TINY, f"product axes={axes}"
                )


@SETTINGS
@given(layout=reduce_layout(), dt=st.sampled_from(BIT_DTYPES), seed=seeds)
def test_tensor_reduce_bitwise(
    layout: tuple[tuple[int, ...], tuple[int, ...]], dt: str, seed: int
) -> None:
    shape, axes = layout
    x = values(np.random.default_rng(seed), shape, DT[dt])
    dshape = reduce_dst_shape(shape, axes, False) if len(axes) < len(shape) - 1 else (shape[0], 1)
    ops = ["bitwise_and", "bitwise_or", "bitwise_xor"]
    calls = [f"nisa.tensor_reduce(dst={{r}}, op=nl.{op}, data=s_x, axis={axes})" for op in ops]
    outs = run(multi(load("x"), calls, lambda i: dt, repr(dshape)), {"x": x})
    for op, out in zip(ops, outs):
        ufunc = {
            "bitwise_and": np.bitwise_and,
            "bitwise_or": np.bitwise_or,
            "bitwise_xor": np.bitwise_xor,
        }[op]
        assert_exact(out, ufunc.reduce(x, axis=axes).reshape(dshape), f"{op} axes={axes}")


# ===========================================================================
# 4.7 nc_matmul
# ===========================================================================

MM_DTYPES = ["float32", "bfloat16", "float16", "float8_e4m3", "float8_e5m2"]


def matmul_exact(st_: np.ndarray, mv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ_k st[k, m]·mv[k, n] in float64 (exact for these inputs' products), and Σ|..|."""
    a = st_.astype(np.float32).astype(np.float64).reshape(st_.shape[0], -1)
    b = mv.astype(np.float32).astype(np.float64).reshape(mv.shape[0], -1)
    with np.errstate(all="ignore"):
        return a.T @ b, np.abs(a).T @ np.abs(b)


def mm_operands(
    rng: np.random.Generator, k: int, m: int, n: int, dt: str, nonfinite: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    kw: dict[str, Any] = {"exp": (-6, 6), "extremes": False, "nonfinite": nonfinite, "edge": 0.05}
    return values(rng, (k, m), DT[dt], **kw), values(rng, (k, n), DT[dt], **kw)


PSUM_OUT = [
    "t = nl.ndarray(ps.shape, dtype=ps.dtype, buffer=nl.sbuf)",
    "nisa.tensor_copy(dst=t, src=ps)",
]


@SETTINGS
@given(
    k=partitions,
    m=partitions,
    n=free,
    dt=st.sampled_from(MM_DTYPES),
    acc=st.sampled_from([None, False]),
    nonfinite=st.booleans(),
    seed=seeds,
)
def test_nc_matmul(
    k: int, m: int, n: int, dt: str, acc: bool | None, nonfinite: bool, seed: int
) -> None:
    """R = stationary.T @ moving in float32; onto fresh PSUM, accumulate None/False write R."""
    a, b = mm_operands(np.random.default_rng(seed), k, m, n, dt, nonfinite)
    lines = load("a", "b") + [
        "ps = nl.ndarray((a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.psum)",
        f"nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b, accumulate={acc})",
    ]
    (out,) = run(lines + PSUM_OUT + store("t"), {"a": a, "b": b})
    exact, absum = matmul_exact(a, b)
    assert_within(out, exact, sum_bound(absum, k), f"matmul {dt} K={k}")


@SETTINGS
@given(k=st.integers(1, 32), m=st.integers(1, 32), n=st.integers(1, 32), seed=seeds)
def test_nc_matmul_multi_dim_free_axes_are_flattened(k: int, m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = mm_operands(rng, k, m * 2, n * 2, "bfloat16")
    a3, b3 = a.reshape(k, m, 2), b.reshape(k, n, 2)
    lines = load("a", "b") + [
        "ps = nl.ndarray((a.shape[1] * a.shape[2], b.shape[1], b.shape[2]), dtype=nl.float32, "
        "buffer=nl.psum)",
        "nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b)",
    ]
    (out,) = run(lines + PSUM_OUT + store("t"), {"a": a3, "b": b3})
    exact, absum = matmul_exact(a, b)
    assert_within(out.reshape(2 * m, 2 * n), exact, sum_bound(absum, k))


# Sequences of PSUM writes: `mm <acc> <rows>` (matmul into all rows or the top half of the
# tile), `memset v`. Model (semantics §4.7): each element has a value and a bit "written
# by a matmul"; accumulate None adds where the bit is set, else overwrites.
@st.composite
def psum_program(draw: Any) -> list[tuple[Any, ...]]:
    steps: list[tuple[Any, ...]] = [
        draw(st.sampled_from([("mm", None, "all"), ("mm", False, "all"), ("memset", 1.5)]))
    ]
    for _ in range(draw(st.integers(1, 4))):
        steps.append(
            draw(
                st.one_of(
                    st.tuples(
                        st.just("mm"),
                        st.sampled_from([None, True, False]),
                        st.sampled_from(["all", "top"]),
                    ),
                    st.tuples(st.just("memset"), st.sampled_from([0.0, -2.0])),
                )
            )
        )
    return steps


@SETTINGS
@given(program=psum_program(), k=st.integers(1, 128), m=st.integers(2, 128), n=free, seed=seeds)
def test_nc_matmul_accumulation_groups(
    program: list[tuple[Any, ...]], k: int, m: int, n: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a, b = mm_operands(rng, k, m, n, "bfloat16")
    h = m // 2
    lines = load("a", "b") + [
        "ps = nl.ndarray((a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.psum)"
    ]
    for step in program:
        if step[0] == "memset":
            lines.append(f"nisa.memset(dst=ps, value={step[1]})")
        elif step[2] == "all":
            lines.append(
                f"nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b, accumulate={step[1]})"
            )
        else:
            lines.append(
                f"nisa.nc_matmul(dst=ps[0:{h}, :], stationary=s_a[:, 0:{h}], moving=s_b, "
                f"accumulate={step[1]})"
            )
    (out,) = run(lines + PSUM_OUT + store("t"), {"a": a, "b": b})
    exact, absum = matmul_exact(a, b)
    val = np.zeros((m, n))
    err = np.zeros((m, n))
    mm = np.zeros((m, n), bool)
    for step in program:
        if step[0] == "memset":
            val[:], err[:] = step[1], 0.0
            continue
        rows = slice(0, m) if step[2] == "all" else slice(0, h)
        add = mm[rows] if step[1] is None else np.full(mm[rows].shape, bool(step[1]))
        val[rows] = np.where(add, val[rows] + exact[rows], exact[rows])
        err[rows] = np.where(add, err[rows] + EPS * np.abs(val[rows]), 0.0) + sum_bound(
            absum[rows], k
        )
        mm[rows] = True
    assert_within(out, val, err, f"program {program}")


@SETTINGS
@given(k=partitions, m=partitions, n=free, seed=seeds)
def test_nc_matmul_fresh_psum_per_iteration_overwrites(k: int, m: int, n: int, seed: int) -> None:
    """A PSUM tile allocated in the loop body is fresh each iteration: the first matmul of
    each iteration overwrites; a tile allocated before the loop accumulates."""
    a, b = mm_operands(np.random.default_rng(seed), k, m, n, "bfloat16")
    lines = load("a", "b") + [
        "o_in = nl.ndarray((2, a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.shared_hbm)",
        "o_out = nl.ndarray((2, a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.shared_hbm)",
        "acc = nl.ndarray((a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.psum)",
        "for i in nl.affine_range(2):",
        "    ps = nl.ndarray((a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.psum)",
        "    nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b)",
        "    nisa.nc_matmul(dst=acc, stationary=s_a, moving=s_b)",
        "    t1 = nl.ndarray(ps.shape, dtype=nl.float32, buffer=nl.sbuf)",
        "    nisa.tensor_copy(dst=t1, src=ps)",
        "    nisa.dma_copy(dst=o_in[i], src=t1)",
        "    t2 = nl.ndarray(ps.shape, dtype=nl.float32, buffer=nl.sbuf)",
        "    nisa.tensor_copy(dst=t2, src=acc)",
        "    nisa.dma_copy(dst=o_out[i], src=t2)",
        "return o_in, o_out",
    ]
    fresh, carried = run(lines, {"a": a, "b": b})
    exact, absum = matmul_exact(a, b)
    bound = sum_bound(absum, k)
    for i in range(2):
        assert_within(fresh[i], exact, bound, f"fresh iteration {i}")
        assert_within(
            carried[i],
            (i + 1) * exact,
            (i + 1) * bound + (i + 1) * EPS * np.abs(exact),
            f"carried iteration {i}",
        )


def test_nc_matmul_accumulate_true_on_fresh_psum_reads_poison() -> None:
    a = np.ones((4, 3), np.float32)
    b = np.ones((4, 5), np.float32)
    lines = load("a", "b") + [
        "ps = nl.ndarray((a.shape[1], b.shape[1]), dtype=nl.float32, buffer=nl.psum)",
        "nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b, accumulate=True)",
    ]
    (out,) = run(
        lines + PSUM_OUT + store("t"), {"a": a, "b": b}, warnings=("warn_uninitialized_read",)
    )
    assert np.isnan(out).all()


@SETTINGS
@given(k=partitions, m=partitions, n=free, seed=seeds)
def test_nc_matmul_bfloat16_psum_accumulates_in_float32(k: int, m: int, n: int, seed: int) -> None:
    """gen4: a bf16 PSUM destination; each write rounds the float32 sum to bfloat16."""
    a, b = mm_operands(np.random.default_rng(seed), k, m, n, "bfloat16")
    lines = load("a", "b") + [
        "ps = nl.ndarray((a.shape[1], b.shape[1]), dtype=nl.bfloat16, buffer=nl.psum)",
        "nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b)",
        "nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b)",
    ]
    (out,) = run(lines + PSUM_OUT + store("t"), {"a": a, "b": b}, target="gen4")
    assert out.dtype == DT["bfloat16"]
    exact, absum = matmul_exact(a, b)
    bf_ulp = 2.0**-8
    bound = 2 * sum_bound(absum, k) + bf_ulp * (3 * np.abs(exact)) + 2 * TINY
    assert_within(out, 2 * exact, bound)


# ===========================================================================
# 4.8 nc_transpose
# ===========================================================================


@SETTINGS
@given(
    p=st.integers(1, 32),
    f=st.integers(1, 32),
    dt=st.sampled_from(IN_DTYPES + ["int16"]),
    seed=seeds,
)
def test_nc_transpose_vector_engine(p: int, f: int, dt: str, seed: int) -> None:
    x = random_bits(np.random.default_rng(seed), (p, f), DT[dt])
    lines = (
        load("x")
        + [
            "t = nl.ndarray((x.shape[1], x.shape[0]), dtype=x.dtype, buffer=nl.sbuf)",
            "nisa.nc_transpose(dst=t, data=s_x)",
        ]
        + store("t")
    )
    (out,) = run(lines, {"x": x})
    assert_bits(out, np.ascontiguousarray(x.T))


@SETTINGS
@given(
    p=partitions,
    f1=st.integers(1, 16),
    f2=st.integers(1, 8),
    dt=st.sampled_from(MM_DTYPES),
    seed=seeds,
)
def test_nc_transpose_tensor_engine(p: int, f1: int, f2: int, dt: str, seed: int) -> None:
    """SBUF -> PSUM on the Tensor engine, free dims flattened first; bit-exact (§4.8)."""
    x = random_bits(np.random.default_rng(seed), (p, f1, f2), DT[dt])
    lines = (
        load("x")
        + [
            "ps = nl.ndarray((x.shape[1] * x.shape[2], x.shape[0]), dtype=x.dtype, buffer=nl.psum)",
            "nisa.nc_transpose(dst=ps, data=s_x)",
        ]
        + PSUM_OUT
        + store("t")
    )
    (out,) = run(lines, {"x": x})
    assert_bits(out, np.ascontiguousarray(x.reshape(p, -1).T))


# ===========================================================================
# 4.10 memset, 4.11 reciprocal
# ===========================================================================


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(list(DT)),
    value=st.one_of(imm32, st.integers(-70000, 70000)),
    engine=st.sampled_from(["None", "nisa.vector_engine", "nisa.gpsimd_engine"]),
)
def test_memset(shape: tuple[int, int], dt: str, value: float, engine: str) -> None:
    lines = [
        f"t = nl.ndarray({shape}, dtype=nl.{dt}, buffer=nl.sbuf)",
        f"nisa.memset(dst=t, value=v, engine={engine})",
    ] + store("t")
    (out,) = run(lines, {}, v=float(value))
    assert_exact(out, to_dtype(np.full(shape, np.float32(value)), DT[dt]), f"memset {value} {dt}")


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(IN_DTYPES), dst=st.sampled_from(OUT_DTYPES), seed=seeds)
def test_reciprocal(shape: tuple[int, int], dt: str, dst: str, seed: int) -> None:
    """1/x computed in float64, rounded to float32, then to the destination."""
    x = values(np.random.default_rng(seed), shape, DT[dt], exp=(-40, 40))
    lines = load("x") + [tile("r", "x.shape", dst), "nisa.reciprocal(dst=r, data=s_x)"] + store("r")
    (out,) = run(lines, {"x": x})
    with np.errstate(all="ignore"):
        want = to_dtype(f32(1.0 / x.astype(np.float32).astype(np.float64)), DT[dst])
    assert_exact(out, want)


# ===========================================================================
# 4.12 bn_stats, bn_aggr
# ===========================================================================


@SETTINGS
@given(p=partitions, f=st.integers(1, 128), dt=st.sampled_from(["float32", "bfloat16"]), seed=seeds)
def test_bn_stats(p: int, f: int, dt: str, seed: int) -> None:
    x = values(
        np.random.default_rng(seed), (p, f), DT[dt], exp=(-4, 6), nonfinite=False, extremes=False
    )
    lines = (
        load("x")
        + [tile("r", "(x.shape[0], 6)", "float32"), "nisa.bn_stats(dst=r, data=s_x)"]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    x64 = x.astype(np.float32).astype(np.float64)
    for j, part in enumerate((x64[:, 0::2], x64[:, 1::2])):
        cnt = part.shape[1]
        np.testing.assert_array_equal(out[:, 3 * j], np.full(p, cnt, np.float32), "count")
        if cnt == 0:
            continue
        mean = part.sum(axis=1) / cnt
        m2 = ((part - mean[:, None]) ** 2).sum(axis=1)
        scale = np.abs(part).max(axis=1)
        assert_within(out[:, 3 * j + 1], mean, 4 * EPS * scale + TINY, "mean")
        assert_within(
            out[:, 3 * j + 2],
            m2,
            8 * EPS * (m2 + cnt * scale**2 * 1e-6) + 4 * EPS * m2 + TINY,
            "var*count",
        )


@SETTINGS
@given(p=partitions, k=st.integers(1, 16), seed=seeds)
def test_bn_aggr(p: int, k: int, seed: int) -> None:
    """Chan's parallel combination of k (count, mean, var*count) triples."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 9, size=(p, k)).astype(np.float32)
    means = (rng.standard_normal((p, k)) * 4).astype(np.float32)
    m2 = (rng.random((p, k)) * 10 * counts).astype(np.float32)
    x = np.stack([counts, means, m2], axis=2).reshape(p, 3 * k)
    lines = (
        load("x")
        + [tile("r", "(x.shape[0], 2)", "float32"), "nisa.bn_aggr(dst=r, data=s_x)"]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    c, mu, q = (v.astype(np.float64) for v in (counts, means, m2))
    n = c.sum(axis=1)
    mean = (c * mu).sum(axis=1) / n
    var = (q + c * (mu - mean[:, None]) ** 2).sum(axis=1) / n
    assert_close(out[:, 0], mean, rtol=1e-5, atol=1e-5 * np.abs(mu).max())
    assert_close(out[:, 1], var, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(p=partitions, f=st.integers(1, 64), seed=seeds)
def test_bn_stats_then_bn_aggr_is_population_mean_and_variance(p: int, f: int, seed: int) -> None:
    x = values(
        np.random.default_rng(seed),
        (p, f),
        DT["float32"],
        exp=(-2, 4),
        nonfinite=False,
        extremes=False,
    )
    lines = (
        load("x")
        + [
            tile("s", "(x.shape[0], 6)", "float32"),
            "nisa.bn_stats(dst=s, data=s_x)",
            tile("r", "(x.shape[0], 2)", "float32"),
            "nisa.bn_aggr(dst=r, data=s)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    x64 = x.astype(np.float64)
    scale = np.abs(x64).max(axis=1)
    assert_within(out[:, 0], x64.mean(axis=1), 8 * EPS * scale + TINY, "mean")
    assert_within(out[:, 1], x64.var(axis=1), 32 * EPS * scale**2 + TINY, "variance")


# ===========================================================================
# 4.13 iota, 4.14 affine_select
# ===========================================================================


@st.composite
def affine(draw: Any) -> tuple[tuple[tuple[int, int], ...], int, int]:
    pattern: list[tuple[int, int]] = []
    budget = 64
    for _ in range(draw(st.integers(1, 3))):
        num = draw(st.integers(1, max(1, min(16, budget))))
        budget //= num
        pattern.append((draw(st.integers(-8, 8)), num))
    return tuple(pattern), draw(st.integers(-1000, 1000)), draw(st.integers(-8, 8))


def affine_model(
    p: int, pattern: tuple[tuple[int, int], ...], offset: int, mult: int
) -> np.ndarray:
    """offset + c*channel_multiplier + Σ step_d*w_d, in Python integers."""
    out = np.zeros((p, 0), dtype=object).tolist()
    for c in range(p):
        row = [offset + c * mult]
        for step, num in pattern:
            row = [r + step * w for r in row for w in range(num)]
        out[c] = row
    return np.array(out, dtype=np.float64)


@SETTINGS
@given(
    p=partitions,
    aff=affine(),
    dt=st.sampled_from(["int32", "float32", "bfloat16", "uint8", "int8", "float8_e4m3"]),
)
def test_iota(p: int, aff: tuple[Any, int, int], dt: str) -> None:
    pattern, offset, mult = aff
    n = int(np.prod([num for _, num in pattern]))
    lines = [
        f"t = nl.ndarray(({p}, {n}), dtype=nl.{dt}, buffer=nl.sbuf)",
        "nisa.iota(dst=t, pattern=pat, offset=off, channel_multiplier=cm)",
    ] + store("t")
    (out,) = run(lines, {}, pat=pattern, off=offset, cm=mult)
    assert_exact(out, to_dtype(affine_model(p, pattern, offset, mult), DT[dt]), f"iota {aff}")


@SETTINGS
@given(
    p=partitions,
    aff=affine(),
    cmp=st.sampled_from(["equal", "not_equal", "greater_equal", "greater", "less_equal", "less"]),
    dt=st.sampled_from(["float32", "bfloat16", "int32"]),
    on_false=imm32,
    seed=seeds,
)
def test_affine_select(
    p: int, aff: tuple[Any, int, int], cmp: str, dt: str, on_false: float, seed: int
) -> None:
    pattern, offset, mult = aff
    offset = offset // 100  # make every comparison outcome likely
    n = int(np.prod([num for _, num in pattern]))
    x = values(np.random.default_rng(seed), (p, n), DT[dt])
    lines = (
        load("x")
        + [
            "t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
            f"nisa.affine_select(dst=t, pattern=pat, channel_multiplier=cm, on_true_tile=s_x, "
            f"on_false_value=fv, cmp_op=nl.{cmp}, offset=off)",
        ]
        + store("t")
    )
    (out,) = run(lines, {"x": x}, pat=pattern, cm=mult, fv=on_false, off=offset)
    a = affine_model(p, pattern, offset, mult)
    cond = ALU[cmp](a, np.zeros_like(a)) != 0
    want = np.where(cond, x.astype(np.float32), np.float32(on_false))
    assert_exact(out, to_dtype(want, DT[dt]), f"affine_select {cmp}")


# ===========================================================================
# 4.15 tensor_partition_reduce
# ===========================================================================


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(["float32", "bfloat16", "int32"]), seed=seeds)
def test_tensor_partition_reduce(shape: tuple[int, int], dt: str, seed: int) -> None:
    p = shape[0]
    rng = np.random.default_rng(seed)
    xs = values(rng, shape, DT[dt], exp=(-8, 12), nonfinite=False, extremes=False, limit=1 << 20)
    xm = values(rng, shape, DT[dt], nonfinite=False)
    ops = [("add", "xs"), ("average", "xs"), ("maximum", "xm")]
    calls = [f"nisa.tensor_partition_reduce(dst={{r}}, op=nl.{op}, data=s_{x})" for op, x in ops]
    inputs = {"xs": xs, "xm": xm}
    outs = run(multi(load(*inputs), calls, lambda i: "float32", "(1, xs.shape[1])"), inputs)
    for (op, name), out in zip(ops, outs):
        x64 = inputs[name].astype(np.float32).astype(np.float64)
        if op == "maximum":
            assert_exact(out, f32(x64.max(axis=0, keepdims=True)), op, zero_sign=False)
        else:
            div = p if op == "average" else 1
            exact = x64.sum(axis=0, keepdims=True) / div
            bound = sum_bound(np.abs(x64).sum(axis=0, keepdims=True), p + 1) / div + TINY
            assert_within(out, exact, bound, op)


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(BIT_DTYPES), seed=seeds)
def test_tensor_partition_reduce_bitwise(shape: tuple[int, int], dt: str, seed: int) -> None:
    x = values(np.random.default_rng(seed), shape, DT[dt])
    ops = ["bitwise_or", "bitwise_and"]
    calls = [f"nisa.tensor_partition_reduce(dst={{r}}, op=nl.{op}, data=s_x)" for op in ops]
    outs = run(multi(load("x"), calls, lambda i: dt, "(1, x.shape[1])"), {"x": x})
    for op, out in zip(ops, outs):
        ufunc = np.bitwise_or if op == "bitwise_or" else np.bitwise_and
        assert_exact(out, ufunc.reduce(x, axis=0, keepdims=True), op)


# ===========================================================================
# 4.16 tensor_copy_predicated
# ===========================================================================


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(["float32", "bfloat16", "float16", "float8_e4m3", "int32", "uint8"]),
    pdt=st.sampled_from(["uint8", "uint16", "uint32"]),
    reverse=st.booleans(),
    imm=st.one_of(st.none(), finite_imm),
    seed=seeds,
)
def test_tensor_copy_predicated(
    shape: tuple[int, int], dt: str, pdt: str, reverse: bool, imm: float | None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    d = DT[dt]
    # equal dtypes: selected elements are copied and the others kept, bit for bit (NaN
    # payloads and integers beyond 2^24 included)
    dst0, src = random_bits(rng, shape, d), random_bits(rng, shape, d)
    pick = rng.random(shape) < 0.5
    big = rng.integers(1, np.iinfo(DT[pdt]).max, size=shape, endpoint=True)
    pred = np.where(pick, np.where(rng.random(shape) < 0.5, 1, big), 0).astype(DT[pdt])
    inputs = {"d": dst0, "p": pred}
    consts: dict[str, Any] = {}
    if imm is None:
        inputs["s"] = src
        source = "s_s"
    else:
        consts["c"] = imm
        source = "c"
    lines = (
        load(*inputs)
        + [
            f"nisa.tensor_copy_predicated(dst=s_d, src={source}, predicate=s_p, "
            f"reverse_pred={reverse})"
        ]
        + store("s_d")
    )
    (out,) = run(lines, inputs, **consts)
    sel = (pred != 0) ^ reverse
    new = src if imm is None else to_dtype(np.full(shape, np.float32(imm)), d)
    want = np.where(sel, new, dst0)
    if imm is None:
        assert_bits(out, want)
    else:
        assert_bits(np.where(sel, 0, out).astype(d), np.where(sel, 0, dst0).astype(d))
        assert_exact(out[sel], want[sel])


# ===========================================================================
# 4.17 tensor_tensor_scan
# ===========================================================================


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(["float32", "bfloat16"]),
    op0=st.sampled_from(ARITH),
    op1=st.sampled_from(ARITH),
    rev0=st.booleans(),
    rev1=st.booleans(),
    init=st.one_of(st.none(), imm32),
    dst=st.sampled_from(["float32", "bfloat16"]),
    seed=seeds,
)
def test_tensor_tensor_scan(
    shape: tuple[int, int],
    dt: str,
    op0: str,
    op1: str,
    rev0: bool,
    rev1: bool,
    init: float | None,
    dst: str,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    p, f = shape
    d0 = values(rng, shape, DT[dt], exp=(-2, 2), edge=0.05)
    d1 = values(rng, shape, DT[dt], exp=(-2, 2), edge=0.05)
    inputs = {"a": d0, "b": d1}
    consts: dict[str, Any] = {}
    if init is None:
        inputs["i"] = vector(rng, p)
        r = inputs["i"][:, 0]
        source = "s_i"
    else:
        consts["c"] = init
        r = np.full(p, np.float32(init))
        source = "c"
    lines = (
        load(*inputs)
        + [
            tile("r", "a.shape", dst),
            f"nisa.tensor_tensor_scan(dst=r, data0=s_a, data1=s_b, initial={source}, "
            f"op0=nl.{op0}, op1=nl.{op1}, reverse0={rev0}, reverse1={rev1})",
        ]
        + store("r")
    )
    (out,) = run(lines, inputs, **consts)
    x, y = d0.astype(np.float32), d1.astype(np.float32)
    want = np.empty((p, f), np.float32)
    for j in range(f):  # r_f = op1(op0(d0[f], r_{f-1}), d1[f])
        r = alu(op1, alu(op0, x[:, j], r, rev0), y[:, j], rev1)
        want[:, j] = r
    assert_exact(
        out,
        to_dtype(want, DT[dst]),
        f"scan {op0}/{op1}",
        zero_sign=op0 not in ZERO_SIGN_FREE and op1 not in ZERO_SIGN_FREE,
    )


# ===========================================================================
# 4.18 select_reduce, 4.19 range_select (Vector accumulator)
# ===========================================================================

IDENTITY = {"add": 0.0, "multiply": 1.0, "maximum": -np.inf, "minimum": np.inf}
FOLD: dict[str, Callable[..., Any]] = {
    "add": np.sum,
    "multiply": np.prod,
    "maximum": np.max,
    "minimum": np.min,
}


def vec_acc_model(
    acc: np.ndarray, err: np.ndarray, cmd: str, y: np.ndarray, rop: str
) -> tuple[np.ndarray, np.ndarray]:
    """(value, error bound) of the Vector accumulator after one instruction."""
    if cmd in ("reset", "reset_reduce"):
        acc, err = np.full(acc.shape, IDENTITY[rop]), np.zeros_like(err)
    if cmd in ("reduce", "reset_reduce"):
        y64 = y.astype(np.float64)
        part = FOLD[rop](y64, axis=1)
        if rop == "add":
            err = err + sum_bound(np.abs(y64).sum(axis=1) + np.abs(acc), y.shape[1] + 1)
            acc = acc + part
        elif rop == "multiply":
            acc = acc * part
            err = err + (y.shape[1] + 2) * EPS * np.abs(acc) + TINY
        else:
            acc = FOLD[rop](np.stack([acc, part]), axis=0)
    return acc, err


@SETTINGS
@given(
    shape=shapes,
    pdt=st.sampled_from(["uint8", "int8", "uint16", "int16"]),
    reverse=st.booleans(),
    on_false=st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 0.5, 2.0])),
    cmds=st.lists(
        st.tuples(
            st.sampled_from(["reset", "reset_reduce"]),
            st.sampled_from(["idle", "reset", "reduce", "reset_reduce"]),
        ),
        min_size=4,
        max_size=4,
    ),
    dt=st.sampled_from(["float32", "bfloat16"]),
    seed=seeds,
)
def test_select_reduce(
    shape: tuple[int, int],
    pdt: str,
    reverse: bool,
    on_false: float | None,
    cmds: list[tuple[str, str]],
    dt: str,
    seed: int,
) -> None:
    """For each reduce_op, two instructions (the first resets) sharing the Vector
    accumulator; dst and reduce_res after each."""
    rng = np.random.default_rng(seed)
    p = shape[0]
    kw: dict[str, Any] = {"exp": (-1, 1), "nonfinite": False, "extremes": False}
    t1, t2 = values(rng, shape, DT[dt], **kw), values(rng, shape, DT[dt], **kw)
    pred = values(rng, shape, DT[pdt])
    pred = np.where(rng.random(shape) < 0.4, 0, pred).astype(DT[pdt])
    inputs = {"t1": t1, "t2": t2, "p": pred}
    consts: dict[str, Any] = {}
    if on_false is None:
        inputs["fv"] = vector(rng, p, **kw)
        fsrc, fval = "s_fv", inputs["fv"]
    else:
        consts["c"] = on_false
        fsrc, fval = "c", np.float32(on_false)
    rops = ["maximum", "minimum", "add", "multiply"]
    lines = load(*inputs)
    tiles = []
    for j, rop in enumerate(rops):
        for i, cmd in enumerate(cmds[j]):
            y, r = f"y{j}_{i}", f"r{j}_{i}"
            tiles += [y, r]
            lines += [
                tile(y, "t1.shape", "float32"),
                tile(r, "(t1.shape[0], 1)", "float32"),
                f"nisa.select_reduce(dst={y}, predicate=s_p, on_true=s_t{i + 1}, on_false={fsrc}, "
                f"reduce_res={r}, reduce_cmd=nisa.reduce_cmd.{cmd}, reduce_op=nl.{rop}, "
                f"reverse_pred={reverse})",
            ]
    outs = iter(run(lines + store(*tiles), inputs, **consts))
    sel = (pred != 0) ^ reverse
    acc, err = np.zeros(p), np.zeros(p)
    for j, rop in enumerate(rops):
        for i, (cmd, t) in enumerate(zip(cmds[j], (t1, t2))):
            y = np.where(sel, t.astype(np.float32), fval).astype(np.float32)
            assert_exact(next(outs), y, f"select_reduce dst ({rop}, {cmd})")
            acc, err = vec_acc_model(acc, err, cmd, y, rop)
            assert_within(next(outs).reshape(-1), acc, err, f"reduce_res ({rop}, {i}: {cmd})")


RANGE_CMP = ["equal", "less", "less_equal", "greater", "greater_equal"]


@SETTINGS
@given(
    shape=shapes,
    c0=st.sampled_from(RANGE_CMP),
    c1=st.sampled_from(RANGE_CMP),
    start=st.integers(-8, 8),
    on_false=st.one_of(st.none(), finite_imm),
    dt=st.sampled_from(["float32", "bfloat16"]),
    dst=st.sampled_from(["float32", "bfloat16"]),
    seed=seeds,
)
def test_range_select(
    shape: tuple[int, int],
    c0: str,
    c1: str,
    start: int,
    on_false: float | None,
    dt: str,
    dst: str,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    p, f = shape
    x1, x2 = (
        values(rng, shape, DT[dt], nonfinite=False),
        values(rng, shape, DT[dt], nonfinite=False),
    )
    lo = (rng.integers(-4, f + 4, size=(p, 1)) + rng.choice([0, 0.5], (p, 1))).astype(np.float32)
    hi = (rng.integers(-4, f + 4, size=(p, 1)) + rng.choice([0, 0.5], (p, 1))).astype(np.float32)
    inputs = {"x1": x1, "x2": x2, "lo": lo, "hi": hi}
    consts = {"st": start}
    fv = ""
    if on_false is not None:
        consts["fv"] = on_false
        fv = ", on_false_value=fv"
    lines = load(*inputs) + [
        tile("y0", "x1.shape", dst),
        tile("r0", "(x1.shape[0], 1)", "float32"),
        tile("y1", "x1.shape", dst),
        tile("r1", "(x1.shape[0], 1)", "float32"),
        f"nisa.range_select(dst=y0, on_true_tile=s_x1, comp_op0=nl.{c0}, comp_op1=nl.{c1}, "
        f"bound0=s_lo, "
        f"bound1=s_hi, reduce_res=r0, range_start=st{fv})",
        f"nisa.range_select(dst=y1, on_true_tile=s_x2, comp_op0=nl.{c0}, comp_op1=nl.{c1}, "
        f"bound0=s_lo, "
        f"bound1=s_hi, reduce_res=r1, reduce_cmd=nisa.reduce_cmd.reduce, range_start=st{fv})",
    ]
    outs = run(lines + store("y0", "r0", "y1", "r1"), inputs, **consts)
    idx = (start + np.arange(f, dtype=np.float32))[None, :]
    mask = (ALU[c0](idx, lo) != 0) & (ALU[c1](idx, hi) != 0)
    false_value = np.float32(-3.4028234663852886e38 if on_false is None else on_false)
    acc = np.full(p, -np.inf)
    for i, x in enumerate((x1, x2)):
        y = np.where(mask, x.astype(np.float32), false_value).astype(np.float32)
        assert_exact(outs[2 * i], to_dtype(y, DT[dst]), f"range_select dst {i}")
        acc = np.maximum(acc, y.max(axis=1))  # max-accumulate the float32 values
        assert_exact(
            outs[2 * i + 1].reshape(-1), acc.astype(np.float32), f"reduce_res {i}", zero_sign=False
        )


# ===========================================================================
# 4.20 max8, nc_find_index8, nc_match_replace8
# ===========================================================================


def pooled(rng: np.random.Generator, shape: tuple[int, int], dt: np.dtype) -> np.ndarray:
    """Values with many duplicates: a small pool, some random values, ±inf, ±0."""
    pool = np.array([-3, -1, -0.0, 0, 0.5, 1, 2, 7, np.inf, -np.inf], np.float64)
    v = np.where(rng.random(shape) < 0.6, rng.choice(pool, shape), rng.standard_normal(shape) * 100)
    with np.errstate(all="ignore"):
        return v.astype(dt) if not is_int(dt) else to_dtype(v, dt)


@SETTINGS
@given(
    p=partitions,
    f=st.integers(8, 64),
    dt=st.sampled_from(["float32", "bfloat16", "float16", "int32"]),
    dst=st.sampled_from(["float32", "bfloat16"]),
    seed=seeds,
)
def test_max8(p: int, f: int, dt: str, dst: str, seed: int) -> None:
    x = pooled(np.random.default_rng(seed), (p, f), DT[dt])
    lines = (
        load("x") + [tile("r", "(x.shape[0], 8)", dst), "nisa.max8(dst=r, src=s_x)"] + store("r")
    )
    (out,) = run(lines, {"x": x})
    want = np.sort(x.astype(np.float32), axis=1)[:, ::-1][:, :8]
    assert_exact(out, to_dtype(want, DT[dst]), zero_sign=False)


def find_index8_model(x: np.ndarray, vals: np.ndarray, missing: int) -> np.ndarray:
    out = np.full(vals.shape, missing, dtype=np.int64)
    for p in range(x.shape[0]):
        used: set[int] = set()
        for j in range(8):
            for i in range(x.shape[1]):  # first occurrence not matched before
                if x[p, i] == vals[p, j] and i not in used:
                    out[p, j] = i
                    used.add(i)
                    break
    return out


def pick_vals(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """8 values per partition: mostly taken from the row (duplicates too), some absent."""
    p, f = x.shape
    take = x[np.arange(p)[:, None], rng.integers(0, f, size=(p, 8))]
    absent = np.full((p, 8), 12345.0, np.float32).astype(x.dtype)
    return np.where(rng.random((p, 8)) < 0.8, take, absent)


@SETTINGS
@given(
    p=partitions,
    f=st.integers(8, 64),
    dt=st.sampled_from(["float32", "bfloat16"]),
    dst=st.sampled_from(["uint32", "uint16"]),
    seed=seeds,
)
def test_nc_find_index8(p: int, f: int, dt: str, dst: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = pooled(rng, (p, f), DT[dt])
    v = pick_vals(rng, x)
    lines = (
        load("x", "v")
        + [tile("r", "(x.shape[0], 8)", dst), "nisa.nc_find_index8(dst=r, data=s_x, vals=s_v)"]
        + store("r")
    )
    (out,) = run(lines, {"x": x, "v": v})
    want = find_index8_model(x.astype(np.float32), v.astype(np.float32), int(np.iinfo(DT[dst]).max))
    assert_exact(out, want.astype(DT[dst]))


@SETTINGS
@given(
    p=partitions,
    f=st.integers(8, 64),
    dt=st.sampled_from(["float32", "bfloat16"]),
    imm=st.sampled_from([-1e9, 0.0, 7.0, -np.inf]),
    seed=seeds,
)
def test_nc_match_replace8(p: int, f: int, dt: str, imm: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = pooled(rng, (p, f), DT[dt])
    v = pick_vals(rng, x)
    lines = load("x", "v") + [
        "r = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
        tile("ix", "(x.shape[0], 8)", "uint32"),
        "nisa.nc_match_replace8(dst=r, data=s_x, vals=s_v, imm=c, dst_idx=ix)",
    ]
    out, idx = run(lines + store("r", "ix"), {"x": x, "v": v}, c=imm)
    data = x.astype(np.float32)
    vals = v.astype(np.float32)
    want = data.copy()
    want_idx = np.full((p, 8), -1)
    for q in range(p):
        for j in reversed(range(8)):  # from the last value to the first (nki.md §9.3)
            hits = [i for i in range(f) if want[q, i] == vals[q, j]]
            if hits:
                want[q, hits[0]] = np.float32(imm)
                want_idx[q, j] = hits[0]
    assert_exact(out, to_dtype(want, DT[dt]), "replaced data")
    found = want_idx >= 0  # the index of an absent value is unspecified
    np.testing.assert_array_equal(idx[found], want_idx[found].astype(np.uint32))


def test_nc_match_replace8_documented_example() -> None:
    """nki.md §9.3: data [1,2,3,4,8*7], vals [3,8*7] -> idx [2,10,9,8,7,6,5,4]."""
    x = np.array([[1, 2, 3, 4] + [8] * 7], np.float32)
    v = np.array([[3] + [8] * 7], np.float32)
    lines = load("x", "v") + [
        "r = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
        tile("ix", "(1, 8)", "uint32"),
        "nisa.nc_match_replace8(dst=r, data=s_x, vals=s_v, imm=0.0, dst_idx=ix)",
    ]
    out, idx = run(lines + store("r", "ix"), {"x": x, "v": v})
    np.testing.assert_array_equal(idx, [[2, 10, 9, 8, 7, 6, 5, 4]])
    np.testing.assert_array_equal(out, [[1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0]])


# ===========================================================================
# 4.21 local_gather, 4.22 dma_transpose
# ===========================================================================


@SETTINGS
@given(
    cores=st.integers(1, 8),
    s=st.integers(1, 64),
    e=st.sampled_from([1, 2, 4, 8]),
    i=st.integers(1, 4),
    dt=st.sampled_from(["float32", "bfloat16", "uint8", "int32"]),
    data=st.data(),
    seed=seeds,
)
def test_local_gather(cores: int, s: int, e: int, i: int, dt: str, data: Any, seed: int) -> None:
    e = min(e, s)
    e = 1 << (e.bit_length() - 1)  # a power of two <= s
    p = 16 * cores
    n = data.draw(st.integers(1, 16 * i))
    rng = np.random.default_rng(seed)
    src = random_bits(rng, (p, s), DT[dt])
    index = rng.integers(0, s - e + 1, size=(p, i)).astype(np.uint16)
    lines = (
        load("x", "ix")
        + [
            f"r = nl.ndarray((x.shape[0], {n * e}), dtype=x.dtype, buffer=nl.sbuf)",
            f"nisa.local_gather(dst=r, src_buffer=s_x, index=s_ix, num_elem_per_idx={e}, "
            f"num_valid_indices={n})",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": src, "ix": index})
    want = np.empty((p, n * e), DT[dt])
    for c in range(cores):  # nki.md §9.4: the core's indices, column-major, first n
        idx = index[16 * c : 16 * c + 16, :].flatten(order="F")[:n].astype(np.int64)
        for q in range(16 * c, 16 * c + 16):
            for j in range(n):
                want[q, j * e : (j + 1) * e] = src[q, idx[j] : idx[j] + e]
    assert_bits(out, want)


@SETTINGS
@given(
    dims=st.one_of(
        st.tuples(st.integers(1, 64), st.integers(1, 128)),
        st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 128)),
        st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 128)),
    ),
    dt=st.sampled_from(["float32", "bfloat16", "float16", "float8_e4m3", "uint8"]),
    from_sbuf=st.booleans(),
    seed=seeds,
)
def test_dma_transpose(dims: tuple[int, ...], dt: str, from_sbuf: bool, seed: int) -> None:
    axes = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}[len(dims)]
    x = random_bits(np.random.default_rng(seed), dims, DT[dt])
    dshape = tuple(dims[a] for a in axes)
    src = "x"
    lines: list[str] = []
    if from_sbuf:
        lines = load("x")
        src = "s_x"
    lines += [
        f"t = nl.ndarray({dshape}, dtype=x.dtype, buffer=nl.sbuf)",
        f"nisa.dma_transpose(dst=t, src={src}, axes={axes})",
    ] + store("t")
    (out,) = run(lines, {"x": x})
    assert_bits(out, np.ascontiguousarray(np.transpose(x, axes)))


# ===========================================================================
# tensor_scalar_reduce, tensor_scalar_cumulative, exponential, activate2
# ===========================================================================

ACC_IDENTITY = {"add": 0.0, "subtract": 0.0, "multiply": 1.0, "maximum": -np.inf, "minimum": np.inf}


def acc_fold(rop: str, acc: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The accumulator after folding the float32 rows of `y` (per partition) with `rop`."""
    y64 = y.astype(np.float64)
    if rop == "add":
        return acc + y64.sum(axis=1)
    if rop == "subtract":
        return acc - y64.sum(axis=1)
    if rop == "multiply":
        return acc * y64.prod(axis=1)
    if rop == "maximum":
        return np.maximum(acc, y64.max(axis=1))
    return np.minimum(acc, y64.min(axis=1))


@SETTINGS
@given(
    shape=shapes,
    dt=st.sampled_from(["float32", "bfloat16"]),
    op0=st.sampled_from(["add", "subtract", "multiply", "maximum"]),
    rop=st.sampled_from(sorted(ACC_IDENTITY)),
    init_first=st.booleans(),
    vec=st.booleans(),
    negate=st.booleans(),
    seed=seeds,
)
def test_tensor_scalar_reduce(
    shape: tuple[int, int], dt: str, op0: str, rop: str, init_first: bool, vec: bool, negate: bool,
    seed: int,
) -> None:
    """Two instructions: the first resets (to the identity) or loads `reduce_init`, the
    second continues and reads the accumulator (negated on request)."""
    rng = np.random.default_rng(seed)
    p = shape[0]
    # products of up to 128 values stay within float32 when the magnitudes are near 1
    e = (-0.2, 0.2) if rop == "multiply" else (-2, 2)
    x1 = values(rng, shape, DT[dt], exp=e, nonfinite=False, extremes=False)
    x2 = values(rng, shape, DT[dt], exp=e, nonfinite=False, extremes=False)
    v = vector(rng, p, exp=(-2, 2), nonfinite=False, extremes=False)
    init = float(rng.integers(-3, 4))
    operand = "s_v" if vec else "c"
    first = "load_reduce, reduce_init=c0" if init_first else "reset_reduce"
    lines = load("x1", "x2", "v") + [
        tile("y1", "x1.shape", "float32"),
        tile("y2", "x1.shape", dt),
        tile("r", "(x1.shape[0], 1)", "float32"),
        f"nisa.tensor_scalar_reduce(dst=y1, data=s_x1, op0=nl.{op0}, operand0={operand}, "
        f"reduce_op=nl.{rop}, reduce_cmd=nisa.reduce_cmd.{first})",
        f"nisa.tensor_scalar_reduce(dst=y2, data=s_x2, op0=nl.{op0}, operand0={operand}, "
        f"reduce_op=nl.{rop}, reduce_cmd=nisa.reduce_cmd.reduce, reduce_res=r, "
        f"reduce_res_negate={negate})",
    ]
    y1, y2, r = run(lines + store("y1", "y2", "r"), {"x1": x1, "x2": x2, "v": v}, c=1.5, c0=init)
    operand_v = v if vec else np.float32(1.5)
    m1, m2 = alu(op0, x1, operand_v), alu(op0, x2, operand_v)
    assert_exact(y1, m1, "dst 1")
    assert_exact(y2, to_dtype(m2, DT[dt]), "dst 2")
    acc = np.full(p, init if init_first else ACC_IDENTITY[rop])
    acc = acc_fold(rop, acc_fold(rop, acc, m1), m2)  # the float32 values before the cast
    want = -acc if negate else acc
    if rop == "multiply":  # a product beyond float32's range is ±inf
        big = np.abs(want) > float(np.finfo(np.float32).max)
        want = np.where(big, np.sign(want) * np.inf, want)
    if rop in ("maximum", "minimum"):
        assert_exact(r[:, 0], f32(want), "accumulator")
    else:
        n = 2 * shape[1] + 1
        mag = np.abs(m1.astype(np.float64)).sum(1) + np.abs(m2.astype(np.float64)).sum(1) + 3
        bound = (n + 2) * EPS * (mag if rop != "multiply" else np.abs(want)) + TINY
        assert_within(r[:, 0], want, bound, f"accumulator {rop}")


@SETTINGS
@given(
    shape=shapes,
    op0=st.sampled_from(["add", "multiply", "subtract"]),
    op1=st.sampled_from(sorted(ACC_IDENTITY)),
    init_first=st.booleans(),
    seed=seeds,
)
def test_tensor_scalar_cumulative(
    shape: tuple[int, int], op0: str, op1: str, init_first: bool, seed: int
) -> None:
    """`reg = op1(op0(src[i], imm0), reg)`, `dst[i] = reg`, sequentially in float32; a
    second instruction with `reduce` continues from the last value."""
    rng = np.random.default_rng(seed)
    p, f = shape
    x = values(rng, shape, DT["float32"], exp=(-3, 3), nonfinite=False, extremes=False)
    v = vector(rng, p, exp=(-1, 1), nonfinite=False, extremes=False)
    first = "load_reduce, imm1=s_v" if init_first else "reset_reduce"
    lines = load("x", "v") + [
        tile("y1", "x.shape", "float32"),
        tile("y2", "x.shape", "float32"),
        f"nisa.tensor_scalar_cumulative(dst=y1, src=s_x, op0=nl.{op0}, op1=nl.{op1}, imm0=c, "
        f"reduce_cmd=nisa.reduce_cmd.{first})",
        f"nisa.tensor_scalar_cumulative(dst=y2, src=s_x, op0=nl.{op0}, op1=nl.{op1}, imm0=s_v, "
        "reduce_cmd=nisa.reduce_cmd.reduce)",
    ]
    y1, y2 = run(lines + store("y1", "y2"), {"x": x, "v": v}, c=0.5)
    reg = v[:, 0].copy() if init_first else np.full(p, ACC_IDENTITY[op1], np.float32)
    for out, imm in ((y1, np.float32(0.5)), (y2, v)):
        t = alu(op0, x, imm)
        want = np.empty_like(t)
        for i in range(f):
            reg = alu(op1, t[:, i], reg)
            want[:, i] = reg
        assert_exact(out, want, f"{op0} then {op1}", zero_sign=op1 not in ZERO_SIGN_FREE)


@SETTINGS
@given(shape=shapes, dt=st.sampled_from(["float32", "bfloat16"]), vec=st.booleans(),
       cmd=st.sampled_from(["reset_reduce", "load_reduce"]), seed=seeds)
def test_exponential(shape: tuple[int, int], dt: str, vec: bool, cmd: str, seed: int) -> None:
    """`dst = exp(src - max)`; the accumulator starts at 0 / reduce_init and adds every
    result (v4)."""
    rng = np.random.default_rng(seed)
    x = values(rng, shape, DT[dt], exp=(-3, 3))
    v = vector(rng, shape[0], exp=(-2, 2), nonfinite=False, extremes=False)
    mx = "s_v" if vec else "c"
    lines = load("x", "v") + [
        tile("y", "x.shape", "float32"),
        tile("r", "(x.shape[0], 1)", "float32"),
        f"nisa.exponential(dst=y, src=s_x, max_value={mx}, reduce_res=r, reduce_init=2.0, "
        f"reduce_cmd=nisa.reduce_cmd.{cmd})",
    ]
    y, r = run(lines + store("y", "r"), {"x": x, "v": v}, target="gen4", c=-0.75)
    m = v if vec else np.float32(-0.75)
    with np.errstate(all="ignore"):
        want = f32(np.exp(f32(x.astype(np.float32) - m).astype(np.float64)))
    assert_close(y, want, rtol=2 * EPS, atol=TINY, what="exp")
    start = 2.0 if cmd == "load_reduce" else 0.0
    total = start + want.astype(np.float64).sum(axis=1)
    assert_within(r[:, 0], total, sum_bound(np.abs(want).astype(np.float64).sum(1) + 2, shape[1]))


ACTIVATE2_PAIRS = [("multiply", "add"), ("multiply", "subtract"), ("multiply", "bypass"),
                   ("add", "bypass"), ("subtract", "bypass"), ("bypass", "bypass")]


@SETTINGS
@given(
    shape=shapes,
    pair=st.sampled_from(ACTIVATE2_PAIRS),
    act=st.sampled_from(["copy", "relu", "prelu", "exp", "tanh", "silu"]),
    rev=st.tuples(st.booleans(), st.booleans()),
    rop=st.sampled_from(["add", "maximum", "minimum", "abs_max", "abs_min"]),
    slope=st.sampled_from([0.0, 0.25, -1.5]),
    seed=seeds,
)
def test_activate2(
    shape: tuple[int, int], pair: tuple[str, str], act: str, rev: tuple[bool, bool], rop: str,
    slope: float, seed: int,
) -> None:
    """Two ALU stages (bypass skipped), the function (prelu: slope `relu_param`), and the
    Scalar accumulator folded with `reduce_op` after a reset to its identity (v4)."""
    rng = np.random.default_rng(seed)
    p = shape[0]
    x = values(rng, shape, DT["float32"], exp=(-2, 2), nonfinite=False, extremes=False)
    v = vector(rng, p, exp=(-1, 1), nonfinite=False, extremes=False)
    op0, op1 = pair
    lines = load("x", "v") + [
        tile("y", "x.shape", "float32"),
        tile("r", "(x.shape[0], 1)", "float32"),
        f"nisa.activate2(dst=y, op=nl.{act}, data=s_x, imm0=s_v, imm1=c, op0=nl.{op0}, "
        f"op1=nl.{op1}, reverse0={rev[0]}, reverse1={rev[1]}, relu_param=slope, "
        f"reduce_op=nl.{rop}, reduce_res=r, reduce_cmd=nisa.reduce_cmd.reset_reduce)",
    ]
    y, r = run(lines + store("y", "r"), {"x": x, "v": v}, target="gen4", c=0.75, slope=slope)
    t = x.astype(np.float32)
    for op, imm, rv in ((op0, v, rev[0]), (op1, np.float32(0.75), rev[1])):
        if op != "bypass":
            t = alu(op, t, imm, rv)
    t64 = t.astype(np.float64)
    if act == "prelu":
        want = f32(np.where(t64 > 0, t64, slope * t64))
    else:
        want = f32(ACT[act](t64))
    assert_close(y, want, rtol=1e-6, atol=TINY, what=f"{op0}/{op1} then {act}")
    w = want.astype(np.float64)
    if rop == "add":
        assert_within(r[:, 0], w.sum(1), sum_bound(np.abs(w).sum(1), shape[1]), "sum")
    else:
        if rop == "maximum":
            acc = w.max(1)
        elif rop == "minimum":
            acc = w.min(1)
        else:
            pick = np.argmax if rop == "abs_max" else np.argmin
            acc = np.take_along_axis(w, pick(np.abs(w), axis=1)[:, None], 1)[:, 0]
            if rop == "abs_max":  # the reset value 0 wins ties with 0
                acc = np.where(np.abs(acc) > 0, acc, 0.0)
        np.testing.assert_array_equal(np.abs(r[:, 0]), np.abs(f32(acc)), err_msg=rop)


# ===========================================================================
# nc_stream_shuffle, nc_n_gather, sequence_bounds, nonzero_with_count
# ===========================================================================


@SETTINGS
@given(
    p=partitions,
    f=free,
    dt=st.sampled_from(["float32", "bfloat16", "int32", "uint8"]),
    mask=st.lists(st.one_of(st.integers(0, 31), st.just(255)), min_size=1, max_size=32),
    in_place=st.booleans(),
    seed=seeds,
)
def test_nc_stream_shuffle(
    p: int, f: int, dt: str, mask: list[int], in_place: bool, seed: int
) -> None:
    """Per 32-partition quadrant `dst[32q + i] = src[32q + mask[i]]`, bit-exact; 255 (and
    rows outside the tile) keep dst's row."""
    rng = np.random.default_rng(seed)
    x, d0 = random_bits(rng, (p, f), DT[dt]), random_bits(rng, (p, f), DT[dt])
    dst = "s_x" if in_place else "s_d"
    lines = load("x", "d") + [
        f"nisa.nc_stream_shuffle(dst={dst}, src=s_x, shuffle_mask={mask!r})"
    ] + store(dst)
    (out,) = run(lines, {"x": x, "d": d0})
    want = (x if in_place else d0).copy()
    for q in range(0, p, 32):
        for i, j in enumerate(mask):
            if j != 255 and q + i < p and q + j < p:
                want[q + i] = x[q + j]
    assert_bits(out, want)


@SETTINGS
@given(p=partitions, n=st.integers(1, 64), k=st.integers(1, 32), seed=seeds,
       dt=st.sampled_from(["float32", "bfloat16", "int16"]))
def test_nc_n_gather(p: int, n: int, k: int, seed: int, dt: str) -> None:
    rng = np.random.default_rng(seed)
    data = random_bits(rng, (p, n), DT[dt])
    idx = rng.integers(0, n, size=(p, k)).astype(np.uint32)
    lines = load("x", "i") + [
        tile("g", "i.shape", dt),
        "nisa.nc_n_gather(dst=g, data=s_x, indices=s_i)",
    ] + store("g")
    (out,) = run(lines, {"x": data, "i": idx})
    assert_bits(out, np.take_along_axis(data, idx.astype(np.int64), axis=1))


def test_nc_n_gather_out_of_bounds_index_is_a_diagnostic() -> None:
    data = np.zeros((2, 8), np.float32)
    idx = np.array([[0, 1], [8, 2]], np.uint32)
    lines = load("x", "i") + [
        tile("g", "i.shape", "float32"),
        "nisa.nc_n_gather(dst=g, data=s_x, indices=s_i)",
    ] + store("g")
    with pytest.raises(KlrError) as e:
        run(lines, {"x": data, "i": idx})
    assert e.value.code == "err_index_out_of_bounds"
    assert "index 8 at [1, 0]" in str(e.value)
    assert e.value.diagnostics[0].location is not None  # the source line of the instruction


@SETTINGS
@given(
    ids=st.lists(st.integers(0, 3), min_size=1, max_size=64),
    dt=st.sampled_from(["int32", "float32"]),
)
def test_sequence_bounds(ids: list[int], dt: str) -> None:
    """Runs of equal consecutive ids: start / end (exclusive); padding (0) -> n / -1."""
    seg = np.array([ids], DT[dt])
    n = len(ids)
    lines = load("s") + [
        tile("b", f"(1, 2, {n})", dt),
        "nisa.sequence_bounds(dst=b, segment_ids=s_s)",
    ] + store("b")
    (out,) = run(lines, {"s": seg})
    start, end = [], []
    for i, v in enumerate(ids):  # scan the run around i
        lo = i
        while lo > 0 and ids[lo - 1] == v:
            lo -= 1
        hi = i
        while hi < n and ids[hi] == v:
            hi += 1
        start.append(n if v == 0 else lo)
        end.append(-1 if v == 0 else hi)
    np.testing.assert_array_equal(out[0], np.array([start, end]).astype(DT[dt]))


@SETTINGS
@given(p=partitions, t=st.integers(1, 48), offset=st.integers(-5, 5),
       pad=st.integers(-3, 3), dt=st.sampled_from(["float32", "int32"]), seed=seeds)
def test_nonzero_with_count(p: int, t: int, offset: int, pad: int, dt: str, seed: int) -> None:
    """Partitions 0, 16, ... get the nonzero indices (+ offset), padding, then the count;
    the other partitions keep their values (v3+)."""
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((p, t)) < 0.4, rng.integers(-3, 4, (p, t)), 0).astype(DT[dt])
    d0 = rng.integers(-100, 100, (p, t + 1)).astype(np.int32)
    lines = load("x", "d") + [
        f"nisa.nonzero_with_count(dst=s_d, src=s_x, index_offset={offset}, padding_val={pad})"
    ] + store("s_d")
    (out,) = run(lines, {"x": x, "d": d0})
    want = d0.copy()
    for q in range(0, p, 16):
        nz = [i + offset for i in range(t) if x[q, i] != 0]
        want[q] = nz + [pad] * (t - len(nz)) + [len(nz)]
    np.testing.assert_array_equal(out, want)


# ===========================================================================
# dma_compute
# ===========================================================================


@SETTINGS
@given(
    shape=shapes,
    n=st.integers(1, 16),
    dst=st.sampled_from(["float32", "bfloat16", "int32"]),
    seed=seeds,
)
def test_dma_compute(shape: tuple[int, int], n: int, dst: str, seed: int) -> None:
    """`dst = Σ srcs` in float32, in source order, rounded once to dst; sources from HBM
    and SBUF, of any dtype."""
    rng = np.random.default_rng(seed)
    dts = [FLOATS[i % len(FLOATS)] for i in range(n)]
    inputs = {f"s{i}": values(rng, shape, DT[d], nonfinite=False) for i, d in enumerate(dts)}
    sbuf = [f"s{i}" for i in range(0, n, 2)]  # every other source through SBUF
    srcs = ", ".join(f"s_s{i}" if f"s{i}" in sbuf else f"s{i}" for i in range(n))
    lines = load(*sbuf) + [
        f"r = nl.ndarray(s0.shape, dtype=nl.{dst}, buffer=nl.shared_hbm)",
        f"nisa.dma_compute(dst=r, srcs=[{srcs}], reduce_op=nl.add)",
        "return r",
    ]
    (out,) = run(lines, inputs)
    with np.errstate(all="ignore"):
        total = inputs["s0"].astype(np.float32)
        for i in range(1, n):
            total = f32(total + inputs[f"s{i}"].astype(np.float32))
    assert_exact(out, to_dtype(total, DT[dst]), f"{n} sources -> {dst}")


# ===========================================================================
# topk
# ===========================================================================


@SETTINGS
@given(groups=st.integers(1, 4), f=st.integers(1, 16), data=st.data(), seed=seeds)
def test_topk(groups: int, f: int, data: Any, seed: int) -> None:
    """Per 16-partition group, element e at src[16g + e % 16, e // 16]; the K largest of
    the first n, ascending, with their indices, on every partition of the group (semantics
    §4.35: NaN largest; among equal values the smaller index ranks higher)."""
    rng = np.random.default_rng(seed)
    p = 16 * groups
    n = data.draw(st.integers(8, 16 * f), label="n")
    kk = data.draw(st.integers(1, n), label="K")
    x = rng.integers(-4, 5, (p, f)).astype(np.float32)  # many ties
    x[rng.random((p, f)) < 0.05] = np.nan
    x = x.astype(ml_dtypes.bfloat16)
    lines = load("x") + [
        tile("v", f"(x.shape[0], {kk})", "bfloat16"),
        tile("i", f"(x.shape[0], {kk})", "uint32"),
        f"nisa.topk(val_dst=v, idx_dst=i, src=s_x, n={n})",
    ] + store("v", "i")
    vals, idx = run(lines, {"x": x})
    for g in range(groups):
        elems = [(float(x[16 * g + e % 16, e // 16]), e) for e in range(n)]
        # rank: NaN above everything, then value, then the smaller index above
        ranked = sorted(elems, key=lambda t: (math.isnan(t[0]), 0.0 if math.isnan(t[0]) else t[0], -t[1]))
        top = ranked[-kk:]
        for q in range(16 * g, 16 * g + 16):
            assert [e for _, e in top] == idx[q].tolist()
            np.testing.assert_array_equal(vals[q].astype(np.float32), np.array([v for v, _ in top], np.float32))


# ===========================================================================
# Regressions: minimal reproductions of interpreter bugs these tests found (each
# message says what was wrong; all fixed)
# ===========================================================================

TT_INT = (
    load("a", "b")
    + [
        "r = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)",
        "nisa.tensor_tensor(dst=r, data1=s_a, data2=s_b, op=nl.{op})",
    ]
    + store("r")
)


def _tt_int(op: str, a: list[int], b: list[int], dt: str) -> np.ndarray:
    lines = [line.replace("{op}", op) for line in TT_INT]
    (out,) = run(lines, {"a": np.array([a], DT[dt]), "b": np.array([b], DT[dt])})
    return out[0]


# was: bitwise tensor_tensor reads int32 operands as float32 and writes the result
# through float32 (machine.py rule_tensor_tensor/_bitwise), so bits above 2^24 are lost:
# 0x7FFFFFFF & 0x12345679 gives 0 instead of 0x12345679 (nki.md §7.2/§8.1: raw bits)
def test_regression_bitwise_ops_lose_bits_of_large_int32() -> None:
    a, b = [0x7FFFFFFF, 16777217, 0x40000001], [0x12345679, 16777217, 2]
    np.testing.assert_array_equal(_tt_int("bitwise_and", a, b, "int32"), np.array(a) & np.array(b))
    np.testing.assert_array_equal(_tt_int("bitwise_or", a, b, "int32"), np.array(a) | np.array(b))
    np.testing.assert_array_equal(_tt_int("bitwise_xor", a, b, "int32"), np.array(a) ^ np.array(b))


# was: left_shift saturates instead of shifting bits out: int32 1<<31 gives 2147483647
# (not -2147483648), uint8 200<<1 gives 255 (not 144); the result goes through the
# saturating float->int write (nki.md §8.1: bitvec ops on raw bits)
def test_regression_left_shift_saturates() -> None:
    np.testing.assert_array_equal(
        _tt_int("left_shift", [1, 3], [31, 30], "int32"), np.array([-(2**31), -(2**30)], np.int32)
    )
    np.testing.assert_array_equal(_tt_int("left_shift", [200, 129], [1, 1], "uint8"), [144, 2])


# was: right_shift is arithmetic on negative values (-8 >> 1 = -4); nki.md §8.1 says
# `right_shift` is a logical shift right (arithmetic shift right is not supported): -8
# >> 1 on int32 is 0x7FFFFFFC
def test_regression_right_shift_is_arithmetic() -> None:
    np.testing.assert_array_equal(
        _tt_int("right_shift", [-8, -1], [1, 28], "int32"), np.array([0x7FFFFFFC, 0xF], np.int32)
    )


# was: invert on unsigned integers saturates the negative int64 complement to 0: uint8
# ~5 gives 0 instead of 250 (bitvec NOT on raw bits, nki.md §8.1)
def test_regression_invert_of_unsigned_is_zero() -> None:
    x = np.array([[5, 0, 128]], np.uint8)
    lines = (
        load("x")
        + [
            "r = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
            "nisa.tensor_scalar(dst=r, data=s_x, op0=nl.invert, operand0=None)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    np.testing.assert_array_equal(out, ~x)


# was: bitwise tensor_reduce / tensor_partition_reduce go through float32 too: OR of
# int32 [0x40000001, 2] gives 0x40000000 instead of 0x40000003
def test_regression_bitwise_reductions_lose_bits_of_large_int32() -> None:
    x = np.array([[0x40000001, 2]], np.int32)
    lines = (
        load("x")
        + [
            "r = nl.ndarray((1, 1), dtype=x.dtype, buffer=nl.sbuf)",
            "nisa.tensor_reduce(dst=r, op=nl.bitwise_or, data=s_x, axis=1)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    assert out[0, 0] == 0x40000003
    xt = np.ascontiguousarray(x.T)
    lines = (
        load("x")
        + [
            "r = nl.ndarray((1, 1), dtype=x.dtype, buffer=nl.sbuf)",
            "nisa.tensor_partition_reduce(dst=r, op=nl.bitwise_or, data=s_x)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": xt})
    assert out[0, 0] == 0x40000003


# was: tensor_reduce with op=subtract / logical_and / logical_or / logical_xor
# (reduction operators per nki.md §8.1) passes the verifier but crashes the interpreter
# with a raw KeyError (machine.py REDUCE has no entry); it should be rejected with a
# diagnostic or run
# now: a left fold from the first element (semantics §4.9): subtract x0 - x1 - ...,
# logicals 1.0/0.0 over "≠ 0"
def test_regression_tensor_reduce_with_other_reduction_ops_crashes() -> None:
    x = np.array([[1, 0, 3], [4, 2, 1], [0, 0, 0]], np.float32)
    want = {
        "subtract": x[:, 0] - x[:, 1] - x[:, 2],
        "logical_and": np.all(x != 0, axis=1),
        "logical_or": np.any(x != 0, axis=1),
        "logical_xor": np.count_nonzero(x, axis=1) % 2 == 1,
    }
    for op, w in want.items():
        lines = (
            load("x")
            + [
                "r = nl.ndarray((3, 1), dtype=nl.float32, buffer=nl.sbuf)",
                f"nisa.tensor_reduce(dst=r, op=nl.{op}, data=s_x, axis=1)",
            ]
            + store("r")
        )
        (out,) = run(lines, {"x": x})
        np.testing.assert_array_equal(out[:, 0], w.astype(np.float32), err_msg=op)


# was: select_reduce with reduce_op=subtract crashes with a raw KeyError at run time
# (IDENTITY has subtract, REDUCE does not)
def test_regression_select_reduce_subtract_crashes() -> None:
    x = np.array([[1, 2]], np.float32)
    pr = np.array([[1, 1]], np.uint8)
    lines = (
        load("x", "p")
        + [
            "y = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
            "r = nl.ndarray((1, 1), dtype=nl.float32, buffer=nl.sbuf)",
            "nisa.select_reduce(dst=y, predicate=s_p, on_true=s_x, on_false=0.0, "
            "reduce_cmd=nisa.reduce_cmd.reset_reduce, reduce_op=nl.subtract)",
            "nisa.select_reduce(dst=y, predicate=s_p, on_true=s_x, on_false=0.0, reduce_res=r, "
            "reduce_cmd=nisa.reduce_cmd.reduce, reduce_op=nl.subtract)",
        ]
        + store("y", "r")
    )
    # now: the accumulator starts at subtract's identity 0 and subtracts every value
    y, r = run(lines, {"x": x, "p": pr})
    np.testing.assert_array_equal(y, x)
    assert r[0, 0] == -6.0


# was: tensor_scalar with op1=bypass, reverse1=True crashes with a raw ValueError
# ('cannot reshape array of size P into shape (P,F)'): the reversed bypass yields the
# (P,1) / immediate operand without broadcasting it over the free dims
def test_regression_tensor_scalar_reversed_bypass_crashes() -> None:
    x = np.array([[1, 2, 3], [3, 4, 5]], np.float32)
    v = np.array([[10], [20]], np.float32)
    for src in ("s_v", "5.0"):
        lines = (
            load("x", "v")
            + [
                "r = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)",
                "nisa.tensor_scalar(dst=r, data=s_x, op0=nl.add, operand0=1.0, "
                f"op1=nl.bypass, operand1={src}, reverse1=True)",
            ]
            + store("r")
        )
        (out,) = run(lines, {"x": x, "v": v})
        # now: a bypass stage passes its data through, reversed or not (semantics §4.4)
        np.testing.assert_array_equal(out, x + 1)


# was: memset rounds its value to float32 before converting it to the destination
# (machine.py rule_memset: np.float32(value)), so memset(int32 tile, 16777217) writes
# 16777216 and 123456789 writes 123456792; semantics §4.10 says v is converted to dst's
# dtype, and nki.md §9.3 requires an int literal for int tensors
def test_regression_memset_of_large_int32_goes_through_float32() -> None:
    lines = [
        "t = nl.ndarray((1, 2), dtype=nl.int32, buffer=nl.sbuf)",
        "nisa.memset(dst=t, value=v)",
    ]
    for v in (16777217, 123456789):
        (out,) = run(lines + store("t"), {}, v=v)
        np.testing.assert_array_equal(out, [[v, v]])


# was: bool_ tiles are stored as uint8 and writes saturate to 0..255, so a bool_ tile
# can hold 5 or 7 (memset(bool_, 5.0); tensor_copy of 7.0 into bool_); nki.md §7.1
# defines bool_ as 0/1 in a byte and semantics §3 saturates to the type's range
def test_regression_bool_tiles_hold_values_other_than_0_and_1() -> None:
    lines = [
        "t = nl.ndarray((1, 2), dtype=nl.bool_, buffer=nl.sbuf)",
        "nisa.memset(dst=t, value=5.0)",
    ]
    (out,) = run(lines + store("t"), {})
    np.testing.assert_array_equal(out, [[1, 1]])
    x = np.array([[1.0, 0.0, 7.0, 2.5]], np.float32)
    lines = (
        load("x")
        + [
            "r = nl.ndarray(x.shape, dtype=nl.bool_, buffer=nl.sbuf)",
            "nisa.tensor_copy(dst=r, src=s_x)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    np.testing.assert_array_equal(out, [[1, 0, 1, 1]])


# was: tensor_copy_predicated rewrites the unselected elements through float32
# (machine.py converts `where(pred, src, cur)`), so they do not 'keep their value'
# (docs/semantics.md §4.16): int32 16777217 becomes 16777216, bfloat16 NaN payload
# 0x7FC1 becomes 0x7FC0
def test_regression_tensor_copy_predicated_changes_unselected_elements() -> None:
    d = np.array([[16777217, 16777219, 5]], np.int32)
    s = np.zeros_like(d)
    pr = np.zeros(d.shape, np.uint8)
    lines = (
        load("d", "s", "p")
        + ["nisa.tensor_copy_predicated(dst=s_d, src=s_s, predicate=s_p)"]
        + store("s_d")
    )
    (out,) = run(lines, {"d": d, "s": s, "p": pr})
    assert_bits(out, d, "int32 unselected")
    d = np.array([[0x7FC1, 0xFFA5, 0x7F81]], np.uint16).view(ml_dtypes.bfloat16)
    (out,) = run(lines, {"d": d, "s": np.zeros_like(d), "p": pr})
    assert_bits(out, d, "bfloat16 unselected NaN payloads")


# was (interpreter vs docs/semantics.md §4.6): `load_reduce` resets the Scalar
# accumulator to 0 before adding (machine.py _accumulate), but §4.6 says only
# reset/reset_reduce set it to 0 and load_reduce adds Σ y: after reset_reduce of [1,2,3]
# a load_reduce of [1,2,3] reads 6, not 12
def test_regression_activation_load_reduce_resets_the_accumulator() -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    lines = (
        load("x")
        + [
            tile("y", "x.shape", "float32"),
            tile("r", "(x.shape[0], 1)", "float32"),
            "nisa.activation(dst=y, op=nl.copy, data=s_x, reduce_cmd=nisa.reduce_cmd.reset_reduce)",
            "nisa.activation(dst=y, op=nl.copy, data=s_x, reduce_cmd=nisa.reduce_cmd.load_reduce, "
            "reduce_res=r)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x": x})
    np.testing.assert_array_equal(out[:, 0], [12, 30])


# was (interpreter vs docs/semantics.md §4.18/§4.6): select_reduce `load_reduce` with
# reduce_op=maximum restarts the Vector accumulator from 0, so the max of negative
# values reads 0 instead of folding into the accumulator (max(-1, max(-3, -2)) = -1)
def test_regression_select_reduce_load_reduce_resets_the_accumulator() -> None:
    x1 = np.array([[-1.0, -5.0]], np.float32)
    x2 = np.array([[-3.0, -2.0]], np.float32)
    pr = np.ones((1, 2), np.uint8)
    lines = (
        load("x1", "x2", "p")
        + [
            tile("y", "x1.shape", "float32"),
            tile("r", "(1, 1)", "float32"),
            "nisa.select_reduce(dst=y, predicate=s_p, on_true=s_x1, on_false=0.0, "
            "reduce_cmd=nisa.reduce_cmd.reset_reduce)",
            "nisa.select_reduce(dst=y, predicate=s_p, on_true=s_x2, on_false=0.0, reduce_res=r, "
            "reduce_cmd=nisa.reduce_cmd.load_reduce)",
        ]
        + store("r")
    )
    (out,) = run(lines, {"x1": x1, "x2": x2, "p": pr})
    assert out[0, 0] == -1.0


# was: gelu, gelu_dx and gelu_apprx_tanh lose precision for negative inputs below about
# -6.9, -7.5 and -6.2: the float64 formulas 0.5x(1+erf(x/√2)) and 0.5x(1+tanh(u)) cancel
# (1+erf -> 0). gelu(-8) = -4.885e-15 (want -4.977e-15), gelu(-10) = -0.0 (want
# -7.7e-23), gelu_apprx_tanh(-8) = -0.0 (want -3.1e-21), gelu_dx(-9) = -9.25e-18 (want
# -9.14e-18); semantics §4.6 promises the mathematical definition rounded to float32
def test_regression_gelu_family_cancels_for_negative_inputs() -> None:
    wrong = []
    for name, x in (("gelu", -8.0), ("gelu", -10.0), ("gelu_apprx_tanh", -8.0), ("gelu_dx", -9.0)):
        data = np.array([[x]], np.float32)
        lines = load("x") + [
            tile("r", "x.shape", "float32"),
            f"nisa.activation(dst=r, op=nl.{name}, data=s_x)",
        ]
        (out,) = run(lines + store("r"), {"x": data})
        want = f32(ACT[name](data.astype(np.float64)))
        assert want[0, 0] != 0
        if not np.isclose(out[0, 0], want[0, 0], rtol=1e-5, atol=0):
            wrong.append(f"{name}({x}) = {out[0, 0]!r}, want {want[0, 0]!r}")
    assert not wrong, wrong


# was: activation functions evaluate inf*0 at ±inf and return NaN where the function has
# a limit: silu, mish, gelu, gelu_apprx_tanh, gelu_apprx_sigmoid, silu_dx, gelu_dx,
# gelu_apprx_sigmoid_dx at -inf are 0; silu_dx, gelu_dx, gelu_apprx_sigmoid_dx at +inf
# are 1
def test_regression_activation_at_infinity_is_nan() -> None:
    cases = [
        ("silu", -np.inf, 0.0),
        ("mish", -np.inf, 0.0),
        ("gelu", -np.inf, 0.0),
        ("gelu_apprx_tanh", -np.inf, 0.0),
        ("gelu_apprx_sigmoid", -np.inf, 0.0),
        ("silu_dx", np.inf, 1.0),
        ("silu_dx", -np.inf, 0.0),
        ("gelu_dx", np.inf, 1.0),
        ("gelu_dx", -np.inf, 0.0),
        ("gelu_apprx_sigmoid_dx", np.inf, 1.0),
        ("gelu_apprx_sigmoid_dx", -np.inf, 0.0),
    ]
    x = np.array([[c[1] for c in cases]], np.float32)
    calls = [f"nisa.activation(dst={{r}}, op=nl.{name}, data=s_x)" for name, _, _ in cases]
    outs = run(multi(load("x"), calls, lambda i: "float32", "x.shape"), {"x": x})
    wrong = [
        f"{name}({v}) = {out[0, i]}"
        for i, ((name, v, want), out) in enumerate(zip(cases, outs))
        if out[0, i] != want
    ]
    assert not wrong, wrong


# was: nc_matmul ignores is_transpose: nki.md §9.1 defines it as a bit-exact, NaN/Inf-
# safe transpose (v3+), but the interpreter multiplies by the identity in float32, so
# inf in the stationary tile turns its whole output row into NaN and -0.0 becomes +0.0
# (docs/semantics.md §4.7 does not define is_transpose at all)
def test_regression_nc_matmul_is_transpose_is_not_bit_exact() -> None:
    a = np.array([[np.inf, 1.0], [np.nan, -0.0]], np.float32)
    b = np.eye(2, dtype=np.float32)
    lines = load("a", "b") + [
        "ps = nl.ndarray((2, 2), dtype=nl.float32, buffer=nl.psum)",
        "nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b, is_transpose=True)",
    ]
    (out,) = run(lines + PSUM_OUT + store("t"), {"a": a, "b": b})
    assert_bits(out, np.ascontiguousarray(a.T))


# was: klr/interp/dtypes.py says the tfloat32 mantissa truncation 'is applied by the
# matmul rule', and nki.md §7.1 says TensorE consumes tf32 with a 10-bit mantissa, but
# rule_nc_matmul multiplies full float32 values: (1 + 2^-20) x 1 gives 1 + 2^-20, not 1
# (docs/semantics.md §4.7 is silent on tf32)
def test_regression_tfloat32_matmul_inputs_keep_23_bits() -> None:
    a = np.array([[1 + 2.0**-20]], np.float32)
    b = np.array([[1.0]], np.float32)
    lines = [
        "s_a = nl.ndarray(a.shape, dtype=nl.tfloat32, buffer=nl.sbuf)",
        "nisa.dma_copy(dst=s_a, src=a)",
        "s_b = nl.ndarray(b.shape, dtype=nl.tfloat32, buffer=nl.sbuf)",
        "nisa.dma_copy(dst=s_b, src=b)",
        "ps = nl.ndarray((1, 1), dtype=nl.float32, buffer=nl.psum)",
        "nisa.nc_matmul(dst=ps, stationary=s_a, moving=s_b)",
    ]
    (out,) = run(lines + PSUM_OUT + store("t"), {"a": a, "b": b})
    assert out[0, 0] == 1.0
