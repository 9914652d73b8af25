"""First-generation (`neuronxcc.nki.isa`) value-returning and keyword-only forms of the
instructions beyond the basic set: numbers against NumPy, masks, dtype=, diagnostics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import klr
from klr.diagnostics import KlrError
from klr.interp import run_module

HEADER = (
    "import numpy as np\n"
    "import neuronxcc.nki as nki\n"
    "import neuronxcc.nki.language as nl\n"
    "import neuronxcc.nki.isa as nisa\n\n"
)


def run(tmp_path: Path, body: str, mode: str = "precise", **inputs: np.ndarray) -> list[np.ndarray]:
    f = tmp_path / "k.py"
    f.write_text(HEADER + body)
    traced = klr.trace(f, "k", **inputs)
    return run_module(traced.module, dict(inputs), mode=mode).outputs


def out_of(n: int, shape: str = "x.shape", dtype: str = "nl.float32") -> str:
    return "".join(f"    o{i} = nl.ndarray({shape}, dtype={dtype}, buffer=nl.shared_hbm)\n" for i in range(n))


@pytest.mark.parametrize("mode", ["precise", "fp32"])
def test_elementwise_forms(tmp_path: Path, mode: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32)).astype(np.float32)
    y = rng.standard_normal((64, 32)).astype(np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x, y):\n" + out_of(4) +
        "    t = nl.load(x)\n"
        "    u = nl.load(y)\n"
        "    i_p, i_f = nl.mgrid[0:64, 0:32]\n"
        # prob 1.0 drops everything inside the mask; outside it the tile keeps t
        "    d = nl.copy(t)\n"
        "    d[...] = nisa.dropout(d, 1.0, mask=(i_p < 16))\n"
        "    nl.store(o0, value=d)\n"
        "    s = nisa.scalar_tensor_tensor(data=t, op0=np.multiply, operand0=2.0, op1=np.add, operand1=u)\n"
        "    nl.store(o1, value=s)\n"
        "    a = nisa.affine_select(i_f <= i_p, t, -9984.0)\n"  # causal mask
        "    nl.store(o2, value=a)\n"
        "    b = nisa.affine_select((i_f <= i_p) & (i_f >= i_p - 3), t, 0.0, mask=(i_p >= 8))\n"
        "    nl.store(o3[8:64, :], value=b[8:64, :])\n"
        "    return o0, o1, o2, o3\n"), mode=mode, x=x, y=y)
    p, f = np.mgrid[0:64, 0:32]
    exp0 = x.copy()
    exp0[:16] = 0.0
    np.testing.assert_array_equal(o[0], exp0)
    np.testing.assert_allclose(o[1], x * 2 + y, rtol=1e-6)
    np.testing.assert_array_equal(o[2], np.where(f <= p, x, np.float32(-9984.0)))
    band = (f <= p) & (f >= p - 3)
    np.testing.assert_array_equal(o[3][8:], np.where(band, x, 0.0)[8:])


def test_scan_reduce_and_partition_reduce(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 16)).astype(np.float32)
    y = rng.standard_normal((32, 16)).astype(np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x, y):\n"
        "    o0 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o1 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o2 = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o3 = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o4 = nl.ndarray((1, 16), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o5 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    u = nl.load(y)\n"
        "    s = nisa.tensor_tensor_scan(t, u, 0.0, np.multiply, np.add)\n"   # r = r*x + y
        "    nl.store(o0, value=s)\n"
        "    r = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.sbuf)\n"
        "    v = nisa.tensor_scalar_reduce(data=t, op0=np.multiply, operand0=3.0, reduce_op=np.add, reduce_res=r)\n"
        "    nl.store(o1, value=v)\n"
        "    nl.store(o2, value=r)\n"
        "    r2 = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.sbuf)\n"
        "    e = nisa.activation_reduce(np.exp, t, reduce_op=np.add, reduce_res=r2)\n"
        "    nl.store(o3, value=r2)\n"
        "    pr = nisa.tensor_partition_reduce(np.add, t)\n"
        "    nl.store(o4, value=pr)\n"
        "    nl.store(o5, value=e)\n"
        "    return o0, o1, o2, o3, o4, o5\n"), x=x, y=y)
    exp = np.zeros_like(x, dtype=np.float64)
    acc = np.zeros(32)
    for i in range(16):
        acc = acc * x[:, i] + y[:, i]
        exp[:, i] = acc
    np.testing.assert_allclose(o[0], exp, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(o[1], 3 * x, rtol=1e-6)
    np.testing.assert_allclose(o[2][:, 0], (3 * x.astype(np.float64)).sum(1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(o[3][:, 0], np.exp(x.astype(np.float64)).sum(1), rtol=1e-5)
    np.testing.assert_allclose(o[4][0], x.astype(np.float64).sum(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(o[5], np.exp(x), rtol=1e-6)


def test_max8_find_match_replace_range_select(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = rng.permutation(32 * 64).reshape(32, 64).astype(np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    o0 = nl.ndarray((32, 8), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o1 = nl.ndarray((32, 8), dtype=nl.uint32, buffer=nl.shared_hbm)\n"
        "    o2 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o3 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o4 = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    m = nisa.max8(src=t)\n"
        "    nl.store(o0, value=m)\n"
        "    idx = nisa.nc_find_index8(data=t, vals=m)\n"
        "    nl.store(o1, value=idx)\n"
        "    rep = nisa.nc_match_replace8(data=t, vals=m, imm=-1.0)\n"
        "    nl.store(o2, value=rep)\n"
        "    lo = nl.full((32, 1), 4.0, dtype=nl.float32)\n"
        "    hi = nl.full((32, 1), 10.0, dtype=nl.float32)\n"
        "    red = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.sbuf)\n"
        "    sel = nisa.range_select(on_true_tile=t, comp_op0=np.greater_equal, comp_op1=np.less,\n"
        "                            bound0=lo, bound1=hi, reduce_cmd=nisa.reduce_cmd.reset_reduce,\n"
        "                            reduce_res=red, reduce_op=np.max)\n"
        "    nl.store(o3, value=sel)\n"
        "    nl.store(o4, value=red)\n"
        "    return o0, o1, o2, o3, o4\n"), x=x)
    top = -np.sort(-x, axis=1)[:, :8]
    np.testing.assert_array_equal(o[0], top)
    np.testing.assert_array_equal(o[1], np.argsort(-x, axis=1)[:, :8].astype(np.uint32))
    rep = x.copy()
    np.put_along_axis(rep, np.argsort(-x, axis=1)[:, :8], -1.0, axis=1)
    np.testing.assert_array_equal(o[2], rep)
    f = np.arange(64)[None, :]
    sel = np.where((f >= 4) & (f < 10), x, np.float32(-3.4028235e38))
    np.testing.assert_array_equal(o[3], sel)
    np.testing.assert_array_equal(o[4][:, 0], sel.max(1))


def test_predicated_copy_select_reduce_shuffle_sequence_bounds_dma_transpose(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 16)).astype(np.float32)
    seg = np.array([[1, 1, 2, 2, 2, 0, 3, 3]], dtype=np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x, seg):\n"
        "    o0 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o1 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o2 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o3 = nl.ndarray((1, 2, 8), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o4 = nl.ndarray((16, 32), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    pos = nl.greater(t, 0.0, dtype=nl.uint8)\n"
        "    d = nl.zeros(x.shape, dtype=nl.float32)\n"
        "    i_p, i_f = nl.mgrid[0:32, 0:16]\n"
        "    nisa.tensor_copy_predicated(src=t, dst=d, predicate=pos, mask=(i_f < 8))\n"
        "    nl.store(o0, value=d)\n"
        "    s = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.sbuf)\n"
        "    nisa.select_reduce(dst=s, predicate=pos, on_true=t, on_false=-1.0)\n"
        "    nl.store(o1, value=s)\n"
        "    sh = nl.zeros(x.shape, dtype=nl.float32)\n"
        "    nisa.nc_stream_shuffle(t, sh, [31 - i for i in range(32)])\n"
        "    nl.store(o2, value=sh)\n"
        "    b = nisa.sequence_bounds(segment_ids=nl.load(seg))\n"
        "    nl.store(o3, value=b)\n"
        "    tt = nisa.dma_transpose(t)\n"
        "    nl.store(o4, value=tt)\n"
        "    return o0, o1, o2, o3, o4\n"), x=x, seg=seg)
    f = np.arange(16)[None, :]
    np.testing.assert_array_equal(o[0], np.where((x > 0) & (f < 8), x, 0.0))
    np.testing.assert_array_equal(o[1], np.where(x > 0, x, -1.0))
    np.testing.assert_array_equal(o[2], x[::-1])
    np.testing.assert_array_equal(o[3], np.array([[[0, 0, 2, 2, 2, 8, 6, 6], [2, 2, 5, 5, 5, -1, 8, 8]]]))
    np.testing.assert_array_equal(o[4], x.T)


@pytest.mark.parametrize(("line", "code", "words"), [
    ("    t = nisa.exponential(nl.load(x))\n", "err_not_supported", "not part of the first-generation API"),
    ("    t = nisa.tensor_copy_dynamic_src(nl.load(x))\n", "err_not_supported", "scalar_offset"),
    ("    nisa.nc_stream_shuffle(nl.load(x), nl.load(x), [0] * 32, mask=(nl.arange(32)[:, None] < 8))\n",
     "err_not_supported", "255"),
    ("    t = nisa.local_gather(nl.load(x), nl.load(x), mask=(nl.arange(32)[:, None] < 8))\n",
     "err_not_supported", "16-partition"),
])
def test_diagnostics(tmp_path: Path, line: str, code: str, words: str) -> None:
    x = np.zeros((32, 16), np.float32)
    with pytest.raises(KlrError) as e:
        run(tmp_path, "@nki.jit\ndef k(x):\n" + line + "    return x\n", x=x)
    d = e.value.diagnostics[0]
    assert d.code == code and words in (d.message + " " + (d.hint or "")), d
    assert d.location is not None and d.location.line == 8 and d.location.col is not None


def test_old_tile_methods(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, 8)).astype(np.float32)
    r = rng.standard_normal((1, 8)).astype(np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x, r):\n"
        "    o0 = nl.ndarray((16, 8), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o1 = nl.ndarray((16, 8), dtype=nl.float16, buffer=nl.shared_hbm)\n"
        "    o2 = nl.ndarray((16, 8, 1), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o3 = nl.ndarray((16, 2, 4), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    t.assert_shape((16, 8))\n"
        "    row = nl.load(r).broadcast_to((16, 8))\n"
        "    nl.store(o0, value=nl.add(t, row))\n"
        "    h = t.astype(nl.float16)\n"
        "    nl.store(o1, value=h.view(nl.float16))\n"
        "    nl.store(o2, value=t.expand_dims(2))\n"
        "    nl.store(o3, value=t.reshape((16, 2, 4)))\n"
        "    assert t.itemsize == 4 and h.itemsize == 2\n"
        "    return o0, o1, o2, o3\n"), x=x, r=r)
    np.testing.assert_allclose(o[0], x + r, rtol=1e-6)
    np.testing.assert_array_equal(o[1], x.astype(np.float16))
    np.testing.assert_array_equal(o[2], x[:, :, None])
    np.testing.assert_array_equal(o[3], x.reshape(16, 2, 4))


@pytest.mark.parametrize(("line", "code"), [
    ("    t = nl.load(x)[:, ::2].view(nl.bfloat16)\n", "err_bad_view"),
    ("    nl.load(x).assert_shape((8, 8))\n", "err_bad_arguments"),
    ("    t = x.astype(nl.float16)\n", "err_not_supported"),
])
def test_old_tile_method_diagnostics(tmp_path: Path, line: str, code: str) -> None:
    x = np.zeros((16, 8), np.float32)
    with pytest.raises(KlrError) as e:
        run(tmp_path, "@nki.jit\ndef k(x):\n" + line + "    return x\n", x=x)
    d = e.value.diagnostics[0]
    assert d.code == code and d.location is not None and d.location.line == 8


@pytest.mark.parametrize("mode", ["precise", "fp32"])
def test_masks_on_reductions(tmp_path: Path, mode: str) -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 24)).astype(np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    o0 = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    o1 = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    i_p, i_f = nl.mgrid[0:32, 0:24]\n"
        "    s = nl.zeros((32, 1), dtype=nl.float32)\n"
        "    s[...] = nl.sum(t, axis=1, keepdims=True, mask=(i_p < 20) & (i_f < 10))\n"
        "    nl.store(o0, value=s)\n"
        "    m = nl.full((32, 1), -7.0, dtype=nl.float32)\n"
        "    m[...] = nl.max(t, axis=[1], keepdims=True, mask=(i_f >= 4))\n"
        "    nl.store(o1, value=m)\n"
        "    return o0, o1\n"), mode=mode, x=x)
    exp = np.zeros((32, 1))
    exp[:20, 0] = x[:20, :10].astype(np.float64).sum(1)
    np.testing.assert_allclose(o[0], exp, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(o[1][:, 0], x[:, 4:].max(1))


@pytest.mark.parametrize(("line", "words"), [
    ("    t = nl.mean(nl.load(x), axis=1, mask=(nl.arange(16)[:, None] < 8))\n", "ambiguous"),
    ("    i_p, i_f = nl.mgrid[0:16, 0:8]\n    t = nl.sum(nl.load(x), axis=1, mask=(i_f < i_p))\n", "box"),
])
def test_ambiguous_reduction_masks_are_diagnosed(tmp_path: Path, line: str, words: str) -> None:
    x = np.zeros((16, 8), np.float32)
    with pytest.raises(KlrError) as e:
        run(tmp_path, "@nki.jit\ndef k(x):\n" + line + "    return x\n", x=x)
    d = e.value.diagnostics[0]
    assert d.code == "err_not_supported" and words in d.message + (d.hint or ""), d
    assert d.location is not None and d.hint


def test_atomic_rmw_dst_rmw_op_and_loop_reduce(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 16, 8)).astype(np.float32)
    acc = rng.standard_normal((16, 8)).astype(np.float32)
    o = run(tmp_path, (
        "@nki.jit\ndef k(x, acc):\n"
        "    o0 = nl.ndarray((16, 8), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    b = nl.full((16, 8), -100.0, dtype=nl.float32)\n"
        "    for i in nl.affine_range(4):\n"
        "        t = nl.load(x[i])\n"
        "        b[...] = nl.loop_reduce(t, op=np.maximum, loop_indices=[i])\n"
        "        nl.atomic_rmw(acc, value=t, op=np.add)\n"
        "    nl.store(o0, value=b)\n"
        "    i_p = nl.arange(16)[:, None]\n"
        "    nisa.dma_copy(dst=acc, src=nl.load(x[0]), dst_rmw_op=np.add, mask=(i_p < 8))\n"
        "    return o0\n"), x=x, acc=acc.copy())
    np.testing.assert_array_equal(o[0], x.max(0))


def test_atomic_rmw_updates_the_hbm_tensor(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 16, 8)).astype(np.float32)
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x, acc):\n"
        "    for i in nl.affine_range(4):\n"
        "        nl.atomic_rmw(acc, value=nl.load(x[i]), op=np.add)\n"
        "    i_p = nl.arange(16)[:, None]\n"
        "    nisa.dma_copy(dst=acc, src=nl.load(x[0]), dst_rmw_op=np.add, mask=(i_p < 8))\n"))
    acc = np.zeros((16, 8), np.float32)
    traced = klr.trace(f, "k", x=x, acc=acc)
    res = run_module(traced.module, {"x": x, "acc": acc})
    got = res.inputs["acc"]
    exp = x.astype(np.float64).sum(0)
    exp[:8] += x[0, :8]
    np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-6)
