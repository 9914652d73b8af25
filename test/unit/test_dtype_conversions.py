"""The conversions of docs/semantics.md §3, checked against independent models.

* Every bit pattern of bfloat16, float16 and each float8 kind decodes (by a bit-level
  decoder written here, not ml_dtypes) to the float32 the engines read, and
  value -> float32 -> dtype is the identity (NaNs stay NaN).
* float32 -> bfloat16/float16/float8: at every tie between two adjacent representable
  values, and one float32 ulp either side of it, the result is what round-to-nearest-
  even predicts; overflow gives ±inf (float8_e4m3, float8_e5m2, bfloat16, float16) or NaN
  (float8_e4m3fn).
* float32 -> int8/16/32, uint8/16/32: round half to even, saturate, NaN -> 0 (modelled with
  Python's exact `round` on the float's binary value).

Each property is checked on `klr.interp.dtypes.convert` and end to end through kernels
(`dma_copy` / `tensor_copy` between a float32 tile and a tile of the dtype).
"""

from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import klr
from klr.interp import dtypes as kdt
from klr.interp import run_module

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

F32 = np.dtype(np.float32)


# ---------------------------------------------------------------------------
# Formats, decoded from their bit layout (independent of ml_dtypes)
# ---------------------------------------------------------------------------

# name: (numpy dtype, exponent bits, mantissa bits, bias, special-value convention)
#   ieee: exponent all-ones = inf (mantissa 0) / NaN;  fn: only S.1111.111 is NaN, no inf;
#   e8m0: unsigned exponent only, 0xFF = NaN (nki.md §7.1)
FORMATS: dict[str, tuple[np.dtype, int, int, int, str]] = {
    "bfloat16": (np.dtype(ml_dtypes.bfloat16), 8, 7, 127, "ieee"),
    "float16": (np.dtype(np.float16), 5, 10, 15, "ieee"),
    "float8_e4m3": (np.dtype(ml_dtypes.float8_e4m3), 4, 3, 7, "ieee"),
    "float8_e4m3fn": (np.dtype(ml_dtypes.float8_e4m3fn), 4, 3, 7, "fn"),
    "float8_e5m2": (np.dtype(ml_dtypes.float8_e5m2), 5, 2, 15, "ieee"),
    "float8_e8m0fnu": (np.dtype(ml_dtypes.float8_e8m0fnu), 8, 0, 127, "e8m0"),
}
FLOAT_KINDS = list(FORMATS)
SIGNED_KINDS = [k for k in FLOAT_KINDS if FORMATS[k][4] != "e8m0"]

# what a too-large finite value becomes (docs/semantics.md §3)
OVERFLOW = {
    "bfloat16": np.inf,
    "float16": np.inf,
    "float8_e4m3": np.inf,
    "float8_e5m2": np.inf,
    "float8_e4m3fn": np.nan,
}

INT_KINDS = ["int8", "int16", "int32", "uint8", "uint16", "uint32"]



def uint_of(dt: np.dtype) -> np.dtype:
    return np.dtype(f"uint{dt.itemsize * 8}")


def all_patterns(kind: str) -> np.ndarray:
    dt = FORMATS[kind][0]
    n = 1 << (8 * dt.itemsize)
    return np.arange(n, dtype=np.uint64).astype(uint_of(dt))


def decode(kind: str, bits: np.ndarray) -> np.ndarray:
    """The value of each bit pattern, in float64, from the format's layout."""
    _, e, m, bias, conv = FORMATS[kind]
    b = bits.astype(np.int64)
    if conv == "e8m0":
        return np.where(b == 255, np.nan, np.exp2((b - bias).astype(np.float64)))
    sign = np.where((b >> (e + m)) & 1, -1.0, 1.0)
    exp = (b >> m) & ((1 << e) - 1)
    man = b & ((1 << m) - 1)
    sub = man * 2.0 ** (1 - bias - m)
    norm = (1.0 + man / 2.0**m) * np.exp2((exp - bias).astype(np.float64))
    value = sign * np.where(exp == 0, sub, norm)
    emax = (1 << e) - 1
    if conv == "ieee":
        value = np.where(exp == emax, np.where(man == 0, sign * np.inf, np.nan), value)
    else:  # fn: only all-ones exponent and mantissa is NaN
        value = np.where((exp == emax) & (man == (1 << m) - 1), np.nan, value)
    return value


def bits_of(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).view(uint_of(x.dtype))


def convert(values: np.ndarray, dt: np.dtype) -> np.ndarray:
    out = kdt.convert(np.asarray(values, dtype=np.float32), np.dtype(dt))
    assert out.dtype == np.dtype(dt)
    return out


def assert_same_floats(got: np.ndarray, want: np.ndarray, what: str = "") -> None:
    """Equal values with equal zero signs; any NaN matches any NaN."""
    g, w = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert g.shape == w.shape
    ok = (np.isnan(g) & np.isnan(w)) | ((g == w) & (np.signbit(g) == np.signbit(w)))
    if not ok.all():
        i = np.flatnonzero(~ok.reshape(-1))[:8]
        raise AssertionError(
            f"{what}: {int((~ok).sum())} mismatches, e.g. got {g.reshape(-1)[i]} want {w.reshape(-1)[i]}"
        )


# ---------------------------------------------------------------------------
# Tie points of a format
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def positive_values(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The finite non-negative values of a format, ascending, with their bit patterns."""
    bits = all_patterns(kind)
    vals = decode(kind, bits)
    keep = np.isfinite(vals) & (vals >= 0) & ~((vals == 0) & (np.signbit(vals)))
    order = np.argsort(vals[keep], kind="stable")
    return vals[keep][order], bits[keep][order].astype(np.int64)


@functools.lru_cache(maxsize=None)
def ties(kind: str) -> dict[str, np.ndarray]:
    """For each pair of adjacent non-negative values: the midpoint, one float32 ulp below
    and above it, and what round-to-nearest-even gives for each."""
    vals, bits = positive_values(kind)
    lo, hi = vals[:-1], vals[1:]
    mid = (lo + hi) / 2
    mid32 = mid.astype(np.float32)
    assert (mid32.astype(np.float64) == mid).all(), "every midpoint is a float32"
    even = np.where(bits[:-1] % 2 == 0, lo, hi)  # the neighbour with an even encoding
    return {
        "mid": mid32,
        "below": np.nextafter(mid32, np.float32(-np.inf)),
        "above": np.nextafter(mid32, np.float32(np.inf)),
        "lo": lo,
        "hi": hi,
        "even": even,
    }


# ---------------------------------------------------------------------------
# Exhaustive round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FLOAT_KINDS)
def test_every_bit_pattern_reads_as_its_value_and_round_trips(kind: str) -> None:
    dt = FORMATS[kind][0]
    bits = all_patterns(kind)
    x = bits.view(dt)
    as_f32 = kdt.to_f32(x)
    assert as_f32.dtype == F32
    assert_same_floats(as_f32, decode(kind, bits), f"{kind} -> float32")
    back = convert(as_f32, dt)
    nan = np.isnan(decode(kind, bits))
    assert np.isnan(back.astype(np.float64))[nan].all(), "NaN stays NaN"
    np.testing.assert_array_equal(bits_of(back)[~nan], bits[~nan], err_msg=f"{kind} round trip")


def test_float32_to_float32_is_the_identity_on_bits() -> None:
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, size=100_000, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    out = kdt.convert(x, F32)
    np.testing.assert_array_equal(bits_of(out), bits)


# ---------------------------------------------------------------------------
# Rounding at ties, overflow
# ---------------------------------------------------------------------------


def _kind_params(kinds: list[str]) -> list:  # type: ignore[type-arg]
    return list(kinds)


@pytest.mark.parametrize("kind", _kind_params(FLOAT_KINDS))
def test_float32_rounds_to_nearest_even_at_every_tie(kind: str) -> None:
    dt = FORMATS[kind][0]
    t = ties(kind)
    assert_same_floats(convert(t["mid"], dt), t["even"], f"{kind} midpoints")
    assert_same_floats(convert(t["below"], dt), t["lo"], f"{kind} midpoint - 1ulp")
    assert_same_floats(convert(t["above"], dt), t["hi"], f"{kind} midpoint + 1ulp")
    if kind in SIGNED_KINDS:  # sign-symmetric
        assert_same_floats(convert(-t["mid"], dt), -t["even"], f"{kind} negative midpoints")
        assert_same_floats(convert(-t["below"], dt), -t["lo"], f"{kind} -(midpoint - 1ulp)")
        assert_same_floats(convert(-t["above"], dt), -t["hi"], f"{kind} -(midpoint + 1ulp)")


def test_float8_e8m0fnu_rounds_normal_inputs_to_nearest_off_ties() -> None:
    """Off the ties e8m0 rounds to the nearer power of two (holds for normal float32 inputs;
    the first pair, whose midpoint is a float32 subnormal, is the next test)."""
    dt = FORMATS["float8_e8m0fnu"][0]
    t = ties("float8_e8m0fnu")
    assert t["mid"][0] < np.finfo(np.float32).smallest_normal <= t["mid"][1]
    assert_same_floats(convert(t["below"][1:], dt), t["lo"][1:], "e8m0 midpoint - 1ulp")
    assert_same_floats(convert(t["above"], dt), t["hi"], "e8m0 midpoint + 1ulp")


def test_float8_e8m0fnu_rounds_subnormal_inputs_to_nearest() -> None:
    dt = FORMATS["float8_e8m0fnu"][0]
    x = np.array([1.1, 1.25, 1.49], np.float32) * np.float32(2.0**-127)
    assert_same_floats(convert(x, dt), np.full(3, 2.0**-127), "e8m0 of float32 subnormals")


def overflow_cases(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs around the top of the format's range and what they must become."""
    _, e, m, bias, conv = FORMATS[kind]
    vals, bits = positive_values(kind)
    top, top_bits = vals[-1], int(bits[-1])
    ulp = 2.0 ** (math.floor(math.log2(top)) - m)
    mid = np.float32(top + ulp / 2)
    over = OVERFLOW[kind]
    tie = top if top_bits % 2 == 0 else over  # ties to even; the odd top rounds up: overflow
    f32max = np.finfo(np.float32).max
    inf_to = np.nan if conv == "fn" else np.inf
    inputs = [top, np.nextafter(mid, np.float32(0)), mid, np.nextafter(mid, np.float32(np.inf)),
              2 * top, f32max, np.inf]
    expect = [top, top, tie, over, over, over, inf_to]
    x = np.array(inputs + [-v for v in inputs] + [np.nan], dtype=np.float32)
    y = np.array(expect + [-v for v in expect] + [np.nan], dtype=np.float64)
    return x, y


@pytest.mark.parametrize("kind", list(OVERFLOW))
def test_overflow_follows_the_format(kind: str) -> None:
    x, want = overflow_cases(kind)
    assert_same_floats(convert(x, FORMATS[kind][0]), want, f"{kind} overflow")


def test_documented_overflow_examples() -> None:
    """The examples of docs/semantics.md §3 / nki.md §7.1."""
    e4m3, fn, e5m2 = (FORMATS[k][0] for k in ("float8_e4m3", "float8_e4m3fn", "float8_e5m2"))
    assert np.isposinf(convert(np.array([300.0]), e4m3).astype(np.float32)).all()
    assert np.isnan(convert(np.array([500.0, np.inf, -np.inf]), fn).astype(np.float32)).all()
    assert np.isneginf(convert(np.array([-70000.0]), e5m2).astype(np.float32)).all()
    assert convert(np.array([448.0]), fn).astype(np.float32)[0] == 448.0


# ---------------------------------------------------------------------------
# float32 -> integers
# ---------------------------------------------------------------------------


def ref_int(values: np.ndarray, kind: str) -> np.ndarray:
    """Round half to even, saturate, NaN -> 0; Python ints, so no float rounding at all."""
    info = np.iinfo(kind)
    out = []
    for v in np.asarray(values, np.float32).tolist():
        if math.isnan(v):
            out.append(0)
        elif math.isinf(v):
            out.append(info.max if v > 0 else info.min)
        else:
            out.append(min(max(round(v), info.min), info.max))  # round(): exact, half-even
    return np.array(out, dtype=kind)


@functools.lru_cache(maxsize=None)
def int_cases(kind: str) -> np.ndarray:
    info = np.iinfo(kind)
    f = np.float32
    cases: list[np.ndarray] = []
    if info.bits <= 16:
        k = np.arange(int(info.min) - 4, int(info.max) + 4, dtype=np.float64)
    else:
        k = np.concatenate([np.arange(-1100, 1100), 2.0**22 + np.arange(-50, 50)])
    halves = (k + 0.5).astype(f)
    cases += [k.astype(f), halves, np.nextafter(halves, f(np.inf)), np.nextafter(halves, f(-np.inf))]
    edges = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 1e-45, -1e-45, 0.49999997, np.inf, -np.inf,
             np.nan, 2.0**31, -(2.0**31), 2.0**31 - 128, -(2.0**31) - 256, 2.0**32, 2.0**32 - 256,
             float(info.max), float(info.min), float(info.max) + 0.5, float(info.min) - 0.5,
             3.4028235e38, -3.4028235e38, 2.0**24 + 2, 1e10, -1e10]
    cases.append(np.array(edges, dtype=f))
    rng = np.random.default_rng(1)
    cases.append(rng.integers(0, 2**32, size=20_000, dtype=np.uint64).astype(np.uint32).view(f))
    scale = float(max(abs(int(info.min)), int(info.max)))
    cases.append((rng.standard_normal(20_000) * scale).astype(f))
    return np.concatenate(cases)


@pytest.mark.parametrize("kind", INT_KINDS)
def test_float32_to_integer_rounds_half_even_and_saturates(kind: str) -> None:
    x = int_cases(kind)
    got = convert(x, np.dtype(kind))
    want = ref_int(x, kind)
    bad = got != want
    assert not bad.any(), f"{kind}: {x[bad][:8]} -> {got[bad][:8]}, want {want[bad][:8]}"


def test_documented_integer_examples() -> None:
    x = np.array([2.5, 3.5, -2.5, -0.5, 300.0, -300.0, np.nan, np.inf, -np.inf], np.float32)
    np.testing.assert_array_equal(convert(x, np.dtype(np.int8)), [2, 4, -2, 0, 127, -128, 0, 127, -128])
    np.testing.assert_array_equal(convert(x, np.dtype(np.uint8)), [2, 4, 0, 0, 255, 0, 0, 255, 0])


# ---------------------------------------------------------------------------
# End to end through kernels
# ---------------------------------------------------------------------------

HEADER = "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"

# float32 HBM -> dtype tile (dma_copy converts, or tensor_copy from a float32 tile) -> HBM
TO_DTYPE = """
@nki.jit
def kernel(x):
    t = nl.ndarray(x.shape, dtype=nl.{dt}, buffer=nl.sbuf)
    {copy}
    out = nl.ndarray(x.shape, dtype=nl.{dt}, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    return out
"""
COPIES = {
    "dma": "nisa.dma_copy(dst=t, src=x)",
    "vector": "f = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.sbuf)\n"
    "    nisa.dma_copy(dst=f, src=x)\n"
    "    nisa.tensor_copy(dst=t, src=f, engine=nisa.vector_engine)",
}

# dtype HBM -> float32 tile -> dtype tile -> HBM, returning both
ROUND_TRIP = """
@nki.jit
def kernel(x):
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    f = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=f, src=t)
    back = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=back, src=f)
    o32 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o32, src=f)
    ob = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=ob, src=back)
    return o32, ob
"""


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("conversion_kernels")


def run_kernel(kdir: Path, src: str, x: np.ndarray, target: str | None = None) -> list[np.ndarray]:
    path = kdir / f"k_{hashlib.sha1(src.encode()).hexdigest()[:12]}.py"
    path.write_text(HEADER + src)
    traced = klr.trace(path, "kernel", target=target, x=x)
    result = run_module(traced.module, {"x": x})
    assert not result.warnings, [w.message for w in result.warnings]
    return result.outputs


def as_tile(values: np.ndarray, width: int = 64) -> np.ndarray:
    """Pack a vector into a (P <= 128, width) array (zero padded)."""
    n = values.size
    p = -(-n // width)
    assert p <= 128
    out = np.zeros(p * width, dtype=values.dtype)
    out[:n] = values
    return out.reshape(p, width)


def float_subset(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """A representative subset: ties (every 37th pair, all signs), ±1 ulp, overflow."""
    t = ties(kind)
    idx = np.unique(np.concatenate([np.arange(0, t["mid"].size, 37), [0, 1, t["mid"].size - 1]]))
    x = [t["mid"][idx], t["below"][idx], t["above"][idx]]
    y = [t["even"][idx], t["lo"][idx], t["hi"][idx]]
    if kind in SIGNED_KINDS:
        x += [-v for v in x]
        y += [-v for v in y]
    if kind in OVERFLOW:
        ox, oy = overflow_cases(kind)
        x.append(ox)
        y.append(oy)
    return np.concatenate(x).astype(np.float32), np.concatenate(y)


@pytest.mark.parametrize("copy", list(COPIES))
@pytest.mark.parametrize(
    "kind", list(FLOAT_KINDS)
)
def test_kernel_rounds_float32_to_float_dtypes(kernel_dir: Path, kind: str, copy: str) -> None:
    x, want = float_subset(kind)
    target = "gen4" if kind == "float8_e8m0fnu" else None  # e8m0 is a gen4 dtype
    tile = as_tile(x)
    (got,) = run_kernel(kernel_dir, TO_DTYPE.format(dt=kind, copy=COPIES[copy]), tile, target)
    assert got.dtype == FORMATS[kind][0]
    assert_same_floats(got.reshape(-1)[: x.size], want, f"{kind} via {copy}")


@pytest.mark.parametrize("copy", list(COPIES))
@pytest.mark.parametrize("kind", INT_KINDS)
def test_kernel_rounds_float32_to_integers(kernel_dir: Path, kind: str, copy: str) -> None:
    cases = int_cases(kind)
    x = np.concatenate([cases[:3000], cases[-3000:]])  # ties and edges, then random patterns
    tile = as_tile(x)
    (got,) = run_kernel(kernel_dir, TO_DTYPE.format(dt=kind, copy=COPIES[copy]), tile)
    assert got.dtype == np.dtype(kind)
    np.testing.assert_array_equal(got.reshape(-1)[: x.size], ref_int(x, kind))


@pytest.mark.parametrize("kind", FLOAT_KINDS)
def test_kernel_reads_every_bit_pattern_and_round_trips(kernel_dir: Path, kind: str) -> None:
    bits = all_patterns(kind)
    x = bits.view(FORMATS[kind][0]).reshape(128, -1)
    target = "gen4" if kind == "float8_e8m0fnu" else None
    f32, back = run_kernel(kernel_dir, ROUND_TRIP, x, target)
    assert_same_floats(f32.reshape(-1), decode(kind, bits), f"{kind} read as float32")
    nan = np.isnan(decode(kind, bits))
    assert np.isnan(back.reshape(-1).astype(np.float32))[nan].all()
    np.testing.assert_array_equal(bits_of(back.reshape(-1))[~nan], bits[~nan])
