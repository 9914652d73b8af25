"""MX quantization and the MX matmul (gen4) against a model written here from nki.md
§9.1/§9.3 and docs/semantics.md §4.33: bytes decoded with ml_dtypes, sums in float64."""

from __future__ import annotations

import textwrap
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import klr

PRELUDE = "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
FMT = {"float8_e4m3fn_x4": ml_dtypes.float8_e4m3fn, "float8_e5m2_x4": ml_dtypes.float8_e5m2}
E_MAX = {"float8_e4m3fn_x4": 8, "float8_e5m2_x4": 15}


def kernel(tmp_path: Path, body: str, params: str) -> klr.LoadedKernel:
    f = tmp_path / "k.py"
    f.write_text(PRELUDE + f"@nki.jit\ndef fn({params}):\n" + textwrap.indent(textwrap.dedent(body), "    "))
    return klr.load(str(f), "fn")


def decode(words: np.ndarray, fmt: str) -> np.ndarray:
    """[..., F] packed -> [..., F, 4] float64 (fp8: byte q = value q; fp4: nibble q)."""
    b = np.ascontiguousarray(words)
    if fmt == "float4_e2m1fn_x4":
        by = b.astype("<u2").view(np.uint8).reshape(*b.shape, 2)
        nib = np.stack([by[..., 0] & 15, by[..., 0] >> 4, by[..., 1] & 15, by[..., 1] >> 4], -1)
        return nib.astype(np.uint8).view(ml_dtypes.float4_e2m1fn).astype(np.float64)
    by = b.astype("<u4").view(np.uint8).reshape(*b.shape, 4)
    return by.view(FMT[fmt]).astype(np.float64)


def row_of(i: int, compact: bool) -> int:
    return i if compact else (i // 4) * 32 + i % 4


QUANTIZE = """
    s = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=s, src=x)
    q = nl.ndarray((x.shape[0], x.shape[1] // 4), dtype=nl.{fmt}, buffer=nl.sbuf)
    sc = nl.ndarray(({rows}, x.shape[1] // 4), dtype=nl.{sdt}, buffer=nl.sbuf)
    nisa.memset(dst=sc, value=1)
    nisa.quantize_mx(dst=q, src=s, dst_scale=sc)
    o1 = nl.ndarray(q.shape, dtype=nl.{fmt}, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o1, src=q)
    o2 = nl.ndarray(sc.shape, dtype=nl.{sdt}, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o2, src=sc)
    return o1, o2
"""


@pytest.mark.parametrize("fmt", sorted(FMT))
@pytest.mark.parametrize("p, compact", [(32, True), (64, False), (128, False)])
@pytest.mark.parametrize("sdt", ["uint8", "float8_e8m0fnu"])
def test_quantize_mx(tmp_path: Path, fmt: str, p: int, compact: bool, sdt: str) -> None:
    rng = np.random.default_rng(p)
    f = 32
    x = (rng.standard_normal((p, f)) * np.exp2(rng.integers(-20, 20, (p, 1)))).astype(
        ml_dtypes.bfloat16
    )
    x[8:16, 4:8] = 0  # an all-zero group
    rows = p // 8 if compact else p
    body = QUANTIZE.format(fmt=fmt, rows=rows, sdt=sdt)
    words, scales = klr.simulate(kernel(tmp_path, body, "x"), target="gen4")(x)
    e_raw = np.ascontiguousarray(scales).view(np.uint8).astype(np.int64)
    vals = decode(words, fmt)  # [P, F/4, 4]
    xf = x.astype(np.float64).reshape(p // 8, 8, f // 4, 4)
    top = float(ml_dtypes.finfo(FMT[fmt]).max)
    for g in range(p // 8):
        for c in range(f // 4):
            block = xf[g, :, c, :]
            amax = np.abs(block).max()
            e = -127 if amax == 0 else int(np.floor(np.log2(amax))) - (E_MAX[fmt] - 1)
            assert e_raw[row_of(g, compact), c] == e + 127, (g, c)
            want = np.clip(block / 2.0**e, -top, top).astype(FMT[fmt]).astype(np.float64)
            np.testing.assert_array_equal(vals[8 * g:8 * g + 8, c, :], want)
    # rows of a full-height scale tile that hold no scale keep their value (memset 1:
    # the byte 1, or 2^0 = exponent 127 in e8m0)
    if not compact:
        used = {row_of(g, False) for g in range(p // 8)}
        unused = [r for r in range(p) if r not in used]
        assert (e_raw[unused] == (1 if sdt == "uint8" else 127)).all()


MATMUL = """
    a = nl.ndarray(st.shape, dtype=nl.{fa}, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=st)
    b = nl.ndarray(mv.shape, dtype=nl.{fb}, buffer=nl.sbuf)
    nisa.dma_copy(dst=b, src=mv)
    s1 = nl.ndarray(ss.shape, dtype=nl.uint8, buffer=nl.sbuf)
    nisa.dma_copy(dst=s1, src=ss)
    s2 = nl.ndarray(ms.shape, dtype=nl.uint8, buffer=nl.sbuf)
    nisa.dma_copy(dst=s2, src=ms)
    ps = nl.ndarray((st.shape[1], mv.shape[1]), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul_mx(dst=ps, stationary=a, moving=b, stationary_scale=s1, moving_scale=s2)
    nisa.nc_matmul_mx(dst=ps, stationary=a, moving=b, stationary_scale=s1, moving_scale=s2)
    r = nl.ndarray(ps.shape, dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=r, src=ps)
    o = nl.ndarray(ps.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o, src=r)
    return o
"""


def _words(rng: np.random.Generator, shape: tuple[int, int], fmt: str) -> np.ndarray:
    """Random packed words without NaN codes."""
    if fmt == "float4_e2m1fn_x4":
        return rng.integers(0, 1 << 16, shape).astype(np.uint16)
    codes = rng.integers(0, 256, (*shape, 4)).astype(np.uint8)
    nan = np.isnan(codes.view(FMT[fmt]).astype(np.float32)) | np.isinf(
        codes.view(FMT[fmt]).astype(np.float32))
    codes[nan] = 0
    return codes.view("<u4").reshape(shape).astype(np.uint32)


@pytest.mark.parametrize("fa, fb", [("float8_e4m3fn_x4", "float8_e5m2_x4"),
                                    ("float4_e2m1fn_x4", "float8_e4m3fn_x4"),
                                    ("float4_e2m1fn_x4", "float4_e2m1fn_x4")])
@pytest.mark.parametrize("k, compact", [(32, True), (32, False), (128, False)])
def test_nc_matmul_mx(tmp_path: Path, fa: str, fb: str, k: int, compact: bool) -> None:
    """Two instructions into fresh PSUM: the first writes, the second accumulates."""
    rng = np.random.default_rng(k)
    m, n = 16, 40
    st, mv = _words(rng, (k, m), fa), _words(rng, (k, n), fb)
    rows = k // 8 if compact else k
    ss = rng.integers(118, 136, (rows, m)).astype(np.uint8)
    ms = rng.integers(118, 136, (rows, n)).astype(np.uint8)
    out = klr.simulate(kernel(tmp_path, MATMUL.format(fa=fa, fb=fb), "st, mv, ss, ms"),
                       target="gen4")(st, mv, ss, ms)
    a, b = decode(st, fa), decode(mv, fb)  # [K, M, 4], [K, N, 4]
    sa = np.array([ss[row_of(i // 8, compact)] for i in range(k)], np.float64)  # [K, M]
    sb = np.array([ms[row_of(i // 8, compact)] for i in range(k)], np.float64)
    want = np.einsum("kmq,km,knq,kn->mn", a, np.exp2(sa - 127), b, np.exp2(sb - 127))
    bound = 4 * (4 * k + 2) * np.finfo(np.float32).eps * np.einsum(
        "kmq,km,knq,kn->mn", np.abs(a), np.exp2(sa - 127), np.abs(b), np.exp2(sb - 127))
    assert (np.abs(out - 2 * want) <= 2 * bound + 1e-30).all()


def test_quantize_then_matmul_approximates_the_product(tmp_path: Path) -> None:
    """End to end: bf16 operands quantized to MX fp8 and multiplied ≈ the float product
    (MX e4m3 keeps 3 mantissa bits: a few percent per element)."""
    rng = np.random.default_rng(5)
    k, m, n = 128, 8, 32
    x = rng.standard_normal((k, 4 * m)).astype(ml_dtypes.bfloat16)  # 4 contraction values
    y = rng.standard_normal((k, 4 * n)).astype(ml_dtypes.bfloat16)  # per packed element
    body = """
        sx = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=sx, src=x)
        sy = nl.ndarray(y.shape, dtype=y.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=sy, src=y)
        qx = nl.ndarray((128, 8), dtype=nl.float8_e4m3fn_x4, buffer=nl.sbuf)
        qy = nl.ndarray((128, 32), dtype=nl.float8_e4m3fn_x4, buffer=nl.sbuf)
        cx = nl.ndarray((128, 8), dtype=nl.float8_e8m0fnu, buffer=nl.sbuf)
        cy = nl.ndarray((128, 32), dtype=nl.float8_e8m0fnu, buffer=nl.sbuf)
        nisa.quantize_mx(dst=qx, src=sx, dst_scale=cx)
        nisa.quantize_mx(dst=qy, src=sy, dst_scale=cy)
        ps = nl.ndarray((8, 32), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul_mx(dst=ps, stationary=qx, moving=qy, stationary_scale=cx, moving_scale=cy)
        r = nl.ndarray((8, 32), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=r, src=ps)
        o = nl.ndarray((8, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=r)
        return o
    """
    out = klr.simulate(kernel(tmp_path, body, "x, y"), target="gen4")(x, y)
    xs = x.astype(np.float64).reshape(k, m, 4)
    ys = y.astype(np.float64).reshape(k, n, 4)
    want = np.einsum("kmq,knq->mn", xs, ys)
    scale = np.sqrt(np.einsum("kmq,knq->mn", xs**2, ys**2))
    assert np.abs(out - want).max() <= 0.15 * scale.max()
    assert np.corrcoef(out.ravel(), want.ravel())[0, 1] > 0.99


def test_fp8_tile_viewed_as_x4_feeds_nc_matmul_mx(tmp_path: Path) -> None:
    """Four consecutive fp8 values of a row are one x4 element: a float8_e4m3fn tile
    [K, 4M] viewed as float8_e4m3fn_x4 [K, M] multiplies like the packed data."""
    rng = np.random.default_rng(9)
    k, m, n = 32, 4, 8
    a = rng.standard_normal((k, 4 * m)).astype(ml_dtypes.float8_e4m3fn)
    b = rng.standard_normal((k, 4 * n)).astype(ml_dtypes.float8_e4m3fn)
    body = """
        sa = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=sa, src=a)
        sb = nl.ndarray(b.shape, dtype=b.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=sb, src=b)
        ones_a = nl.full((4, 4), 127, dtype=nl.uint8)
        ones_b = nl.full((4, 8), 127, dtype=nl.uint8)
        ps = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul_mx(dst=ps, stationary=sa.view(nl.float8_e4m3fn_x4), moving=sb.view(nl.float8_e4m3fn_x4),
                          stationary_scale=ones_a, moving_scale=ones_b)
        r = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=r, src=ps)
        o = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=r)
        return o
    """
    out = klr.simulate(kernel(tmp_path, body, "a, b"), target="gen4")(a, b)
    want = np.einsum("kmq,knq->mn", a.astype(np.float64).reshape(k, m, 4),
                     b.astype(np.float64).reshape(k, n, 4))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
