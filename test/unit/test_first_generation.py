"""The first NKI generation (`neuronxcc.nki`): value-returning instructions, index
expressions, deferred matmul results, NumPy operators, and diagnostics for what is not
supported yet."""

from __future__ import annotations

import io
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


def run(tmp_path: Path, body: str, **inputs: np.ndarray) -> np.ndarray:
    f = tmp_path / "k.py"
    f.write_text(HEADER + body)
    traced = klr.trace(f, "k", **inputs)
    return run_module(traced.module, dict(inputs)).outputs[0]


def test_mgrid_load_transpose_store(tmp_path: Path) -> None:
    x = np.random.default_rng(0).standard_normal((128, 64)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((64, 128), dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    i = nl.mgrid[0:128, 0:64]\n"
        "    t = nl.load(x[i.p, i.x])\n"
        "    tt = nisa.nc_transpose(t)\n"
        "    j = nl.mgrid[0:64, 0:128]\n"
        "    nl.store(out[j.p, j.x], value=tt)\n"
        "    return out\n"), x=x)
    np.testing.assert_array_equal(out, x.T)


def test_matmul_overwrite_then_accumulate(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((128, 128)).astype(np.float32)
    b = rng.standard_normal((128, 256)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(a, b):\n"
        "    out = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    ta = nl.load(a)\n"
        "    tb = nl.load(b)\n"
        "    acc = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.psum)\n"
        "    acc[...] = nisa.nc_matmul(ta, tb)\n"   # overwrite
        "    acc[...] += nisa.nc_matmul(ta, tb)\n"  # accumulate
        "    nl.store(out, value=acc)\n"            # the PSUM -> SBUF copy is implicit
        "    return out\n"), a=a, b=b)
    np.testing.assert_allclose(out, 2 * (a.T.astype(np.float64) @ b), rtol=1e-5, atol=1e-4)


def test_numpy_ufuncs_and_dtypes(tmp_path: Path) -> None:
    x = np.random.default_rng(2).standard_normal((128, 32)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray(x.shape, dtype=np.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    y = nisa.tensor_scalar(t, np.multiply, 2.0, op1=np.add, operand1=1.0)\n"
        "    m = nisa.tensor_tensor(y, t, op=np.maximum)\n"
        "    nl.store(out, value=m)\n"
        "    return out\n"), x=x)
    np.testing.assert_allclose(out, np.maximum(2 * x + 1, x), rtol=1e-6)


@pytest.mark.parametrize(("line", "code"), [
    ("    t = nisa.nc_matmul(nl.load(x), nl.load(x), psumAccumulateFlag=128)\n", "err_not_supported"),
    ("    t = nisa.nc_matmul(nl.load(x), nl.load(x), tile_position=(0, 0), tile_size=(64, 64))\n", "err_not_supported"),
    ("    t = nisa.nc_matmul(nl.load(x), nl.load(x), is_moving_zero=True, is_moving_onezero=True)\n", "err_bad_arguments"),
    ("    t = nisa.nc_matmul(nl.load(x), nl.load(x), moving_is_zero=True)\n", "err_bad_arguments"),
    ("    t = nl.matmul(nl.load(x), nl.load(x), transpose_y=True)\n", "err_bad_arguments"),
    ("    t = nisa.bn_aggr(nl.load(x), mask=(nl.arange(32)[None, :] < 4))\n", "err_not_supported"),
    ("    t = nl.ndarray((nl.par_dim(128), nl.par_dim(2), 32), dtype=x.dtype, buffer=nl.sbuf)\n", "err_bad_arguments"),
])
def test_unsupported_first_generation_forms_are_diagnosed(tmp_path: Path, line: str, code: str) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + "@nki.jit\ndef k(x):\n" + line + "    return x\n")
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((128, 32), np.float32))
    diag = info.value.diagnostics[0]
    assert diag.code == code
    assert diag.location is not None and diag.location.line == 8
    assert diag.hint


RAGGED = (
    "@nki.jit\ndef k(x):\n"
    "    rows, cols = x.shape\n"
    "    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)\n"
    "    i_f = nl.arange(cols)[None, :]\n"
    "    for t in nl.affine_range((rows + 127) // 128):\n"
    "        i_p = t * 128 + nl.arange(128)[:, None]\n"
    "        a = nl.load(x[i_p, i_f], mask=(i_p < rows))\n"
    "        b = nisa.tensor_scalar(a, np.multiply, 2.0, mask=(i_p < rows))\n"
    "        s = nisa.tensor_reduce(np.add, b, axis=(1,), keepdims=True, mask=(i_p < rows) & (i_f < 3))\n"
    "        c = nisa.tensor_scalar(b, np.add, s, mask=(i_p < rows))\n"
    "        nl.store(out[i_p, i_f], value=c, mask=(i_p < rows))\n"
    "    return out\n"
)


@pytest.mark.parametrize("rows", [300, 256, 5])
def test_masks_handle_a_ragged_last_tile(tmp_path: Path, rows: int) -> None:
    x = np.random.default_rng(rows).standard_normal((rows, 8)).astype(np.float32)
    out = run(tmp_path, RAGGED, x=x)
    b = 2 * x.astype(np.float64)
    np.testing.assert_allclose(out, b + b[:, :3].sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-5)


def test_mask_on_free_axis_limits_the_store(tmp_path: Path) -> None:
    x = np.arange(128 * 16, dtype=np.float32).reshape(128, 16)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((128, 16), dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    z = nisa.memset((128, 16), 0.0, dtype=x.dtype)\n"
        "    nl.store(out, value=z)\n"
        "    i = nl.mgrid[0:128, 0:16]\n"
        "    t = nl.load(x[i.p, i.x])\n"
        "    nl.store(out[i.p, i.x], value=t, mask=(i.x >= 4) & (i.x < 10) & (i.p <= 63))\n"
        "    return out\n"), x=x)
    want = np.zeros_like(x)
    want[:64, 4:10] = x[:64, 4:10]
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize(("mask", "code"), [
    ("(i_p < i_p + 1)", "err_not_supported"),  # compares no index
    ("True", "err_type"),
])
def test_bad_masks_are_diagnosed(tmp_path: Path, mask: str, code: str) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x):\n"
        "    i_p = nl.arange(128)[:, None]\n"
        "    i_f = nl.arange(32)[None, :]\n"
        f"    t = nl.load(x[i_p, i_f], mask={mask})\n"
        "    return x\n"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((128, 32), np.float32))
    diag = info.value.diagnostics[0]
    assert diag.code == code
    assert diag.location is not None and diag.location.line == 10


def test_out_of_bounds_access_without_mask_is_diagnosed(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x):\n"
        "    i_p = nl.arange(128)[:, None]\n"
        "    i_f = nl.arange(32)[None, :]\n"
        "    t = nl.load(x[i_p, i_f])\n"
        "    return x\n"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((100, 32), np.float32))
    assert info.value.diagnostics[0].code == "err_index_out_of_bounds"


@pytest.mark.parametrize("decorator", ["nki.jit", "nki.jit(mode='simulation')", "nki.baremetal",
                                       "nki.benchmark", "nki.trace", "nki.profile"])
def test_first_generation_decorators_and_dtype_casts(tmp_path: Path, decorator: str) -> None:
    x = np.random.default_rng(5).standard_normal((128, 16)).astype(np.float32)
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        f"@{decorator}\ndef k(x):\n"
        "    out = nl.ndarray(x.shape, dtype=nl.float16, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    h = nisa.tensor_tensor(t, t, op=np.add, dtype=np.float16)\n"
        "    nl.store(out, value=h)\n"
        "    return out\n"))
    traced = klr.trace(f, "k", x=x)
    assert "xfloat16, sbuf>" in str(traced.module)
    out = run_module(traced.module, {"x": x}).outputs[0]
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, (x + x).astype(np.float16))


def test_dma_copy_mask_and_rmw(tmp_path: Path) -> None:
    x = np.arange(128 * 8, dtype=np.float32).reshape(128, 8)
    body = (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((128, 8), dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    nl.store(out, value=nisa.memset((128, 8), 1.0, dtype=x.dtype))\n"
        "    i = nl.mgrid[0:128, 0:8]\n"
        "    nisa.dma_copy(dst=out[i.p, i.x], src=x[i.p, i.x], mask=(i.p < 100))\n"
        "    return out\n")
    out = run(tmp_path, body, x=x)
    want = np.ones_like(x)
    want[:100] = x[:100]
    np.testing.assert_array_equal(out, want)
    out = run(tmp_path, body.replace("mask=(i.p < 100)", "dst_rmw_op=np.add"), x=x)
    np.testing.assert_array_equal(out, x + 1)  # read-modify-write: dst += src
    f = tmp_path / "rmw.py"
    f.write_text(HEADER + body.replace("mask=(i.p < 100)", "dst_rmw_op=np.multiply"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=x)
    assert info.value.diagnostics[0].code == "err_not_supported"
    assert "dma_compute" in (info.value.diagnostics[0].hint or "")


def test_two_dimensional_grid_writing_an_output_argument(tmp_path: Path) -> None:
    """kernel[2, 3] with program_id/num_programs/program_ndim, no return: `klr run`
    reports and saves the written argument; the stand-in writes it back in place."""
    from klr.tools.klr_cli import main

    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x, out):\n"
        "    i = nl.program_id(0)\n"
        "    j = nl.program_id(1)\n"
        "    nj = nl.num_programs(1)\n"
        "    assert nl.program_ndim() == 2\n"
        "    rows = nl.ds((i * nj + j) * 128, 128)\n"
        "    t = nl.load(x[rows, :])\n"
        "    nl.store(out[rows, :], value=nl.multiply(t, 2.0))\n"))
    x = np.random.default_rng(9).standard_normal((768, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "out.npy", np.zeros_like(x))
    code = main(["run", str(f), "k", "-i", f"x={tmp_path / 'x.npy'}", "-i", f"out={tmp_path / 'out.npy'}",
                 "--grid", "2,3", "-o", str(tmp_path / "res")], io.StringIO(), io.StringIO())
    assert code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "res" / "out.npy"), 2 * x)

    out = np.zeros_like(x)
    assert klr.simulate(klr.load(f, "k"), grid=(2, 3))(x, out) is None
    np.testing.assert_array_equal(out, 2 * x)


BLOCKED = (
    "@nki.jit\ndef k(x):\n"
    "    out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)\n"
    "    buf = nl.ndarray((4, nl.par_dim(128), 64), dtype=x.dtype, buffer=nl.sbuf)\n"
    "    i_p = nl.arange(128)[:, None]\n"
    "    i_f = nl.arange(64)[None, :]\n"
    "    for b in nl.affine_range(4):\n"
    "        buf[b, i_p, i_f] = nl.load(x[b * 128 + i_p, i_f])\n"
    "    acc = nl.zeros((nl.par_dim(128), 64), dtype=nl.float32, buffer=nl.sbuf)\n"
    "    for b in nl.sequential_range(4):\n"
    "        acc[...] = nl.add(acc, nl.multiply(buf[b], b + 1))\n"
    "    nl.store(out, value=acc)\n"
    "    return out\n"
)


def test_block_dimensions_before_the_partition_dimension(tmp_path: Path) -> None:
    x = np.random.default_rng(11).standard_normal((512, 64)).astype(np.float32)
    out = run(tmp_path, BLOCKED, x=x)
    blocks = x.astype(np.float64).reshape(4, 128, 64)
    want = sum((b + 1) * blocks[b] for b in range(4))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_matmul_result_as_an_operand_and_numpy_on_numbers(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    a = rng.standard_normal((128, 128)).astype(np.float32)
    b = rng.standard_normal((128, 64)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(a, b):\n"
        "    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    scale = 1.0 / np.sqrt(a.shape[1])\n"  # NumPy on a Python number: 1/sqrt(128)
        "    res = nl.copy(nisa.nc_matmul(nl.load(a), nl.load(b)))\n"
        "    nl.store(out, value=nl.multiply(res, scale))\n"
        "    return out\n"), a=a, b=b)
    want = (a.T.astype(np.float64) @ b) / np.sqrt(128)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_first_generation_loop_body_side_effects_happen_once(tmp_path: Path) -> None:
    body = (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    count = 0\n"
        "    for i in nl.affine_range(4):\n"
        "        count += 1\n"
        "        t = nl.load(x[nl.ds(i * 128, 128), :])\n"
        "        nl.store(out[nl.ds(i * 128, 128), :], value=nl.multiply(t, count))\n"
        "    return out\n")
    x = np.random.default_rng(13).standard_normal((512, 16)).astype(np.float32)
    f = tmp_path / "k.py"
    f.write_text(HEADER + body)
    traced = klr.trace(f, "k", x=x)
    assert [w.code for w in traced.warnings] == ["warn_first_generation_loop"]
    assert str(traced.module).count("klr.for") == 1
    out = run_module(traced.module, {"x": x}).outputs[0]
    np.testing.assert_array_equal(out, x)  # count was 1 in the single symbolic pass
    # the current generation unrolls the loop instead: count is 1, 2, 3, 4
    f2 = tmp_path / "k2.py"
    f2.write_text("import nki\nimport nki.language as nl\n\n" + body)
    traced2 = klr.trace(f2, "k", x=x)
    assert not traced2.warnings and "klr.for" not in str(traced2.module)
    out2 = run_module(traced2.module, {"x": x}).outputs[0]
    np.testing.assert_array_equal(out2, x * np.repeat(np.arange(1, 5), 128)[:, None].astype(np.float32))


def test_standin_from_neuronxcc_import_nki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import klr.compat

    klr.compat.install()
    (tmp_path / "fg_exp_kernel.py").write_text(
        "from neuronxcc import nki\nimport neuronxcc.nki.language as nl\n\n"
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    nl.store(out, value=nl.exp(nl.load(x)))\n"
        "    return out\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("fg_exp_kernel")
    from neuronxcc import nki  # type: ignore[import-not-found]

    x = np.random.default_rng(14).standard_normal((128, 32)).astype(np.float32)
    np.testing.assert_allclose(nki.simulate_kernel(mod.k, x), np.exp(x.astype(np.float64)), rtol=1e-5)
    np.testing.assert_allclose(mod.k(x), np.exp(x.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize("keepdims", [False, True])
def test_nl_sum_over_non_trailing_free_axes(tmp_path: Path, keepdims: bool) -> None:
    """The AveragePool idiom: sum over axes (2, 4) of a 5-D access pattern; the first
    generation allowed any free axes (the current one requires trailing ones)."""
    x = np.random.default_rng(15).standard_normal((128, 8, 12)).astype(np.float32)
    out_shape = "(c, h // 2, 1, w // 2, 1)" if keepdims else "(c, h // 2, w // 2)"
    body = (
        "@nki.jit\ndef k(x):\n"
        "    c, h, w = x.shape\n"
        f"    out = nl.ndarray({out_shape}, dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    i0, i1, i2, i3, i4 = nl.mgrid[0:c, 0:h // 2, 0:2, 0:w // 2, 0:2]\n"
        "    t = nl.load(x)\n"
        f"    s = nl.sum(t[i0, 2 * i1 + i2, 2 * i3 + i4], axis=[2, 4], keepdims={keepdims})\n"
        "    nl.store(out, value=nl.multiply(s, 0.25))\n"
        "    return out\n")
    out = run(tmp_path, body, x=x)
    want = x.astype(np.float64).reshape(128, 4, 2, 6, 2).mean(axis=(2, 4), keepdims=keepdims)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    # the current generation reduces trailing free axes only
    f = tmp_path / "new.py"
    f.write_text("import nki\nimport nki.language as nl\n\n@nki.jit\ndef k(x):\n"
                 "    s = nl.sum(nl.load(x), axis=1)\n    return x\n")
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=x)
    assert "must be the last free dimensions" in info.value.diagnostics[0].message


# -- broadcasting (NumPy rules on tile operands, nl.broadcast_to, nl.expand_dims) ----------

BROADCAST_INPUTS = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_broadcast.py"


def _run_file(path: Path, fn: str, **inputs: np.ndarray) -> tuple[klr.TraceResult, np.ndarray]:
    traced = klr.trace(path, fn, **inputs)
    return traced, run_module(traced.module, dict(inputs)).outputs[0]


def test_partition_broadcast_of_a_row_operand(tmp_path: Path) -> None:
    rng = np.random.default_rng(40)
    x = rng.standard_normal((128, 64)).astype(np.float32)
    bias = rng.standard_normal((1, 64)).astype(np.float32)
    scale = rng.standard_normal((128, 1)).astype(np.float32)
    traced, out = _run_file(BROADCAST_INPUTS, "bias_scale", x=x, bias=bias, scale=scale)
    np.testing.assert_allclose(out, (x + bias) * scale - bias * scale, rtol=1e-6, atol=1e-6)
    # the row is moved across partitions by DMA, never read across partitions by an engine
    copies = [op for op in traced.module.walk() if op.name == "klr.dma_copy"]
    assert sum(1 for op in copies if op.src.type.get_shape() == (1, 128, 64)) == 2


def test_broadcast_to_and_expand_dims(tmp_path: Path) -> None:
    rng = np.random.default_rng(41)
    row = rng.standard_normal((1, 32)).astype(np.float32)
    col = rng.standard_normal((128, 1)).astype(np.float32)
    _, out = _run_file(BROADCAST_INPUTS, "broadcast_expand", row=row, col=col)
    expect = np.broadcast_to(((row + col) * 2.0)[:, None, :], (128, 4, 32))
    np.testing.assert_array_equal(out, expect)


@pytest.mark.parametrize("dtype", [np.int32, np.float32])
def test_partition_broadcast_is_bit_exact(tmp_path: Path, dtype: type) -> None:
    # int32 values above 2**24 would not survive a float32 path (e.g. a ones-matmul)
    row = (np.arange(16, dtype=np.int64) * 7919 + (1 << 26) + 1).astype(dtype).reshape(1, 16)
    out = run(tmp_path, (
        "@nki.jit\ndef k(r):\n"
        "    out = nl.ndarray((128, 16), dtype=r.dtype, buffer=nl.shared_hbm)\n"
        "    t = nl.load(r)\n"
        "    nl.store(out, value=nl.broadcast_to(t, shape=(128, 16)))\n"
        "    return out\n"), r=row)
    np.testing.assert_array_equal(out, np.broadcast_to(row, (128, 16)))


def test_tile_operators_broadcast_a_scalar_tile_and_psum_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(42)
    x = rng.standard_normal((64, 8)).astype(np.float32)
    w = rng.standard_normal((64, 1)).astype(np.float32)
    c = rng.standard_normal((1, 1)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x, w, c):\n"
        "    out = nl.ndarray((64, 8), dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    tx = nl.load(x)\n"
        "    tw = nl.load(w)\n"
        "    row = nisa.nc_matmul(tw, tx)\n"        # (1, 8) in PSUM: x.T @ w, as a row
        "    y = tx - row\n"                        # partition broadcast from PSUM
        "    z = y * nl.load(c)\n"                  # a (1, 1) tile broadcast both ways
        "    nl.store(out, value=z)\n"
        "    return out\n"), x=x, w=w, c=c)
    row = (w.astype(np.float64).T @ x).astype(np.float32)
    np.testing.assert_allclose(out, (x - row) * c, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("line", "code"), [
    ("    y = nl.add(t, nl.load(x[0:1, 0:16]))\n", "err_bad_arguments"),         # (128,32) vs (1,16)
    ("    y = nl.broadcast_to(t, shape=(128, 64))\n", "err_bad_arguments"),      # 32 -> 64
    ("    y = nl.add(t, nl.expand_dims(t, 1))\n", "err_not_supported"),          # ranks 2 and 3
])
def test_bad_broadcasts_are_diagnosed(tmp_path: Path, line: str, code: str) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + "@nki.jit\ndef k(x):\n    t = nl.load(x)\n" + line + "    return x\n")
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((128, 32), np.float32))
    diag = info.value.diagnostics[0]
    assert diag.code == code
    assert diag.location is not None and diag.location.line == 9


# -- masks on matmul, transpose and batch-norm statistics; old nc_matmul keywords ----------

MASKED_INPUTS = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_masked_matmul.py"


@pytest.mark.parametrize(("m", "n"), [(100, 200), (128, 256), (1, 3)])
def test_masked_matmul_computes_the_ragged_corner(m: int, n: int) -> None:
    rng = np.random.default_rng(m * 1000 + n)
    a_t = rng.standard_normal((128, m)).astype(np.float32)
    b = rng.standard_normal((128, n)).astype(np.float32)
    _, out = _run_file(MASKED_INPUTS, "ragged_matmul", a_t=a_t, b=b)
    np.testing.assert_allclose(out, 2 * (a_t.T.astype(np.float64) @ b), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("rows", [100, 128, 7])
def test_masked_transpose_and_statistics(rows: int) -> None:
    x = np.random.default_rng(rows).standard_normal((rows, 64)).astype(np.float32)
    traced = klr.trace(MASKED_INPUTS, "ragged_transpose_stats", x=x)
    out_t, out_s = run_module(traced.module, {"x": x}).outputs
    np.testing.assert_array_equal(out_t, x.T)
    np.testing.assert_allclose(out_s[:, 0], x.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_s[:, 1], x.var(axis=1), rtol=1e-4, atol=1e-6)


def test_masked_matmul_leaves_the_rest_of_the_destination_untouched(tmp_path: Path) -> None:
    rng = np.random.default_rng(43)
    a = rng.standard_normal((128, 64)).astype(np.float32)
    b = rng.standard_normal((128, 32)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(a, b):\n"
        "    out = nl.ndarray((64, 32), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    acc = nl.full((64, 32), 5.0, dtype=nl.float32, buffer=nl.psum)\n"
        "    i_p = nl.arange(64)[:, None]\n"
        "    i_f = nl.arange(32)[None, :]\n"
        "    acc[...] = nl.matmul(nl.load(a), nl.load(b), transpose_x=True, mask=(i_p >= 10) & (i_f < 20))\n"
        "    nl.store(out, value=acc)\n"
        "    return out\n"), a=a, b=b)
    expect = np.full((64, 32), 5.0, np.float32)
    expect[10:, :20] = (a.T.astype(np.float64) @ b)[10:, :20]
    np.testing.assert_allclose(out, expect, rtol=1e-5, atol=1e-4)


def test_nl_matmul_without_transpose_x_accumulates(tmp_path: Path) -> None:
    rng = np.random.default_rng(44)
    x = rng.standard_normal((64, 128)).astype(np.float32)   # [M, K]
    y = rng.standard_normal((128, 48)).astype(np.float32)   # [K, N]
    out = run(tmp_path, (
        "@nki.jit\ndef k(x, y):\n"
        "    out = nl.ndarray((64, 48), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    acc = nl.zeros((64, 48), dtype=nl.float32, buffer=nl.psum)\n"
        "    tx = nl.load(x)\n"
        "    ty = nl.load(y)\n"
        "    for i in nl.affine_range(2):\n"
        "        acc += nl.matmul(tx, ty)\n"
        "    nl.store(out, value=acc)\n"
        "    return out\n"), x=x, y=y)
    np.testing.assert_allclose(out, 2 * (x.astype(np.float64) @ y), rtol=1e-5, atol=1e-4)


def test_old_nc_matmul_keywords(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(a, b):\n"
        "    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    r = nisa.nc_matmul(nl.load(a), nl.load(b), is_stationary_onezero=False,\n"
        "                       is_moving_zero=False, is_transpose=False, mask=None)\n"
        "    nl.store(out, value=r)\n"
        "    return out\n"))
    rng = np.random.default_rng(45)
    a = rng.standard_normal((128, 128)).astype(np.float32)
    b = rng.standard_normal((128, 64)).astype(np.float32)
    traced = klr.trace(f, "k", a=a, b=b)
    out = run_module(traced.module, {"a": a, "b": b}).outputs[0]
    np.testing.assert_allclose(out, a.T.astype(np.float64) @ b, rtol=1e-5, atol=1e-4)
    (mm,) = [op for op in traced.module.walk() if op.name == "klr.nc_matmul"]
    assert mm.is_transpose is None


# -- `t[...] = <value-returning call>` writes the view directly -----------------------------

ASSIGN_INPUTS = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_assign_into.py"


def test_assigning_a_result_into_a_view_writes_it_directly() -> None:
    import ml_dtypes

    x = np.random.default_rng(46).standard_normal((128, 64)).astype(np.float32)
    traced, out = _run_file(ASSIGN_INPUTS, "assign_into", x=x)
    acc = 3 * x[:, :32]
    res = np.empty((128, 64), np.float32)
    res[:, :32] = 2 * x[:, 32:]
    res[:, 32:] = np.exp(acc)
    res[:16, :32] = acc[:16] + 1          # the mask: rows 16.. keep 2 * x
    res[:, :32] -= acc.astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_allclose(out, res, rtol=1e-6, atol=1e-6)
    # only the bfloat16 assignment needs a temporary tile and a copy
    copies = [op for op in traced.module.walk() if op.name == "klr.tensor_copy"]
    assert len(copies) == 2
    allocs = [op.tensor_name.data for op in traced.module.walk() if op.name == "klr.alloc"]
    assert len(allocs) == 6  # out, buf, acc, res, low and the one temporary


def test_assignment_with_an_overlapping_operand_keeps_the_temporary(tmp_path: Path) -> None:
    x = np.random.default_rng(47).standard_normal((128, 8)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((128, 8), dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    t[:, 1:8] = nisa.tensor_tensor(t[:, 0:7], t[:, 1:8], op=np.add)\n"  # shifted overlap
        "    nl.store(out, value=t)\n"
        "    return out\n"), x=x)
    expect = x.copy()
    expect[:, 1:] = x[:, :7] + x[:, 1:]
    np.testing.assert_array_equal(out, expect)


def test_mask_on_element_wise_nl_functions() -> None:
    rng = np.random.default_rng(48)
    x = rng.standard_normal((128, 8)).astype(np.float32)
    r = rng.standard_normal((1, 8)).astype(np.float32)
    path = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_masked_nl.py"
    _, out = _run_file(path, "masked_nl", x=x, r=r)
    expect = np.zeros((128, 8), np.float32)
    expect[:100, :5] = (x + r)[:100, :5]
    expect[100:] = np.exp(x[100:])
    np.testing.assert_allclose(out, expect, rtol=1e-6, atol=1e-7)


def test_mask_on_other_nl_functions_is_diagnosed(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + "@nki.jit\ndef k(x):\n    t = nl.load(x)\n"
                 "    s = nl.transpose(t, mask=(nl.arange(128)[:, None] < 4))\n    return x\n")
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((128, 32), np.float32))
    diag = info.value.diagnostics[0]
    assert diag.code == "err_not_supported" and "nl.transpose(..., mask=...)" in diag.message
    assert diag.location is not None and diag.location.line == 9 and diag.hint


# -- nl.where, nl.negative, nl.zeros_like, nl.empty_like; functions with no klr op -----------


def test_where_negative_and_like_allocations() -> None:
    import ml_dtypes

    rng = np.random.default_rng(49)
    x = rng.standard_normal((128, 16)).astype(np.float32)
    x[::3, ::4] = 0.0  # where(x, ...) treats exactly these as false
    y = rng.standard_normal((128, 16)).astype(np.float32)
    path = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_where.py"
    _, out = _run_file(path, "where_like", x=x, y=y)
    w = np.where(x > y, x, np.float32(-1.5))
    e = np.where(x != 0, -y, y).astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_array_equal(out, w + e)


def test_where_in_place_keeps_its_operand(tmp_path: Path) -> None:
    rng = np.random.default_rng(50)
    x = rng.standard_normal((64, 8)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((64, 8), dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    t = nl.load(x)\n"
        "    t[...] = nl.where(nl.greater(t, 0.0), t, 0.0)\n"   # relu; t is read after y is written
        "    nl.store(out, value=t)\n"
        "    return out\n"), x=x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))


# -- tensor-valued indices: indirect DMA (gather / scatter of HBM rows) --------------------

GATHER_INPUTS = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_gather.py"


def test_indirect_gather_is_the_embedding_lookup() -> None:
    rng = np.random.default_rng(60)
    table = rng.standard_normal((1000, 64)).astype(np.float32)
    ids = rng.integers(0, 1000, (128, 1)).astype(np.int32)
    ids[:4, 0] = [0, 999, 7, 7]  # both ends, and a repeated row
    _, out = _run_file(GATHER_INPUTS, "gather", table=table, ids=ids)
    np.testing.assert_array_equal(out, table[ids[:, 0]])


def test_indirect_scatter_writes_the_picked_rows_only() -> None:
    rng = np.random.default_rng(61)
    table = rng.standard_normal((128, 64)).astype(np.float32)
    ids = rng.permutation(128)[:32].reshape(32, 1).astype(np.int32)
    values = rng.standard_normal((32, 64)).astype(np.float32)
    _, out = _run_file(GATHER_INPUTS, "scatter", table=table, ids=ids, values=values)
    expect = table.copy()
    expect[ids[:, 0]] = values
    np.testing.assert_array_equal(out, expect)


def test_indirect_gather_with_iota_indices_and_a_mask() -> None:
    table = np.random.default_rng(62).standard_normal((128, 16)).astype(np.float32)
    _, out = _run_file(GATHER_INPUTS, "gather_even_rows", table=table)
    expect = np.zeros((64, 8), np.float32)
    expect[:48] = table[0:96:2, 4:12]  # rows 2p, columns 4..11, partitions < 48
    np.testing.assert_array_equal(out, expect)


def test_indirect_dma_in_a_rolled_loop_with_casts_dma_copy_and_setitem(tmp_path: Path) -> None:
    import ml_dtypes

    rng = np.random.default_rng(63)
    table = rng.standard_normal((300, 3, 16)).astype(np.float32)
    ids = rng.integers(0, 300, (256, 1)).astype(np.int32)
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(table, ids):\n"
        "    out = nl.ndarray((256, 16), dtype=nl.bfloat16, buffer=nl.shared_hbm)\n"
        "    back = nl.ndarray((300, 3, 16), dtype=table.dtype, buffer=nl.shared_hbm)\n"
        "    i_p = nl.arange(128)[:, None]\n"
        "    i_f = nl.arange(16)[None, :]\n"
        "    for t in nl.affine_range(2):\n"
        "        idx = nl.load(ids[t * 128 + i_p, 0])\n"
        "        rows = nl.load(table[idx, 2, i_f], dtype=nl.bfloat16)\n"   # row part [2, :], cast
        "        nl.store(out[t * 128 + i_p, i_f], value=rows)\n"
        "        r2 = nl.ndarray((128, 16), dtype=table.dtype, buffer=nl.sbuf)\n"
        "        nisa.dma_copy(dst=r2, src=table[idx[i_p, 0], 1, i_f])\n"
        "        back[idx, 0, i_f] = r2\n"                                   # setitem: a scatter
        "    return out, back\n"))
    traced = klr.trace(f, "k", table=table, ids=ids)
    assert "klr.for" in str(traced.module)  # the loop stays rolled
    out, back = run_module(traced.module, {"table": table, "ids": ids}).outputs
    np.testing.assert_array_equal(out, table[ids[:, 0], 2].astype(ml_dtypes.bfloat16))
    picked = np.unique(ids[:, 0])
    np.testing.assert_array_equal(back[picked, 0], table[picked, 1])


def test_indirect_index_out_of_bounds_is_a_run_time_diagnostic() -> None:
    table = np.zeros((1000, 64), np.float32)
    ids = np.zeros((128, 1), np.int32)
    ids[9, 0] = -1
    traced = klr.trace(GATHER_INPUTS, "gather", table=table, ids=ids)
    with pytest.raises(KlrError) as info:
        run_module(traced.module, {"table": table, "ids": ids})
    diag = info.value.diagnostics[0]
    assert diag.code == "err_index_out_of_bounds"
    assert "partition 9" in diag.message and "-1" in diag.message and diag.hint
    assert diag.location is not None and diag.location.line == 17  # the nl.load


@pytest.mark.parametrize(("line", "code"), [
    ("    t = nl.load(x[i_p, idx])\n", "err_not_supported"),           # not the first dim
    ("    t = nl.load(x[nl.load(x[0:128, 0:1])[i_p, 0], i_f])\n", "err_bad_index"),  # float index
    ("    t = nl.load(x[idx2, i_f])\n", "err_bad_index"),                # (P, 2)
    ("    t = nl.load(x[idx, i_p + i_f])\n", "err_not_supported"),       # row part per partition
    ("    t = nl.load(nl.load(x[0:128, :])[idx, i_f])\n", "err_not_supported"),  # on-chip table
    ("    t = nisa.tensor_copy(x[idx, i_f])\n", "err_not_supported"),    # not a DMA
    ("    nl.store(x[idx, i_f], value=nl.load(x[0:64, 0:16]))\n", "err_bad_arguments"),  # shapes
])
def test_unsupported_indirect_forms_are_diagnosed(tmp_path: Path, line: str, code: str) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x, ids):\n"
        "    i_p = nl.arange(128)[:, None]\n"
        "    i_f = nl.arange(16)[None, :]\n"
        "    idx = nl.load(ids[i_p, 0])\n"
        "    idx2 = nl.load(ids)\n"
        + line + "    return x\n"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((256, 32), np.float32), ids=np.zeros((128, 2), np.int32))
    diag = info.value.diagnostics[0]
    assert diag.code == code, diag.message
    assert diag.location is not None and diag.location.line == 12
    assert diag.hint


def test_indirect_access_as_a_compute_operand_names_the_dma_forms(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x, ids):\n"
        "    idx = nl.load(ids)\n"
        "    t = nl.exp(x[idx, nl.arange(16)[None, :]])\n"
        "    return x\n"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((256, 32), np.float32), ids=np.zeros((128, 1), np.int32))
    diag = info.value.diagnostics[0]
    assert diag.code == "err_bad_arguments" and "index tile" in diag.message
    assert "nl.load" in diag.message and diag.location is not None and diag.location.line == 9


# -- masks that are not boxes: bounding box + predicate + tensor_copy_predicated ---------

NONBOX_INPUTS = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_nonbox_masks.py"


def test_triangular_masks_leave_the_rest_untouched() -> None:
    rng = np.random.default_rng(70)
    x = rng.standard_normal((128, 128)).astype(np.float32)
    y = rng.standard_normal((128, 128)).astype(np.float32)
    traced = klr.trace(NONBOX_INPUTS, "triangle", x=x, y=y)
    result = run_module(traced.module, {"x": x, "y": y})
    p, f = np.indices((128, 128))
    a = np.where(f >= p, x + y, x)
    np.testing.assert_array_equal(result.outputs[0], np.where(p + f < 128, a, 0))
    assert not result.warnings


@pytest.mark.parametrize("rows", [100, 128, 3])
def test_band_masks_on_a_ragged_tile(rows: int) -> None:
    x = np.random.default_rng(rows).standard_normal((rows, 64)).astype(np.float32)
    traced = klr.trace(NONBOX_INPUTS, "band", x=x)
    result = run_module(traced.module, {"x": x})
    p, f = np.indices((128, 64))
    padded = np.zeros((128, 64), np.float32)
    padded[:rows] = x
    z = np.where((p < rows) & (f <= p + 3) & (f + 3 >= p), padded, np.float32(-1))
    z = np.where(2 * f < p + 10, np.exp(z), z)
    z = np.where((f > p) & (p < 8), np.tanh(z), z)
    np.testing.assert_allclose(result.outputs[0], z[:rows], rtol=1e-6, atol=1e-6)
    assert not result.warnings


def test_nonbox_masks_on_load_store_dma_copy_memset_and_nl_functions(tmp_path: Path) -> None:
    rng = np.random.default_rng(71)
    x = rng.standard_normal((64, 32)).astype(np.float32)
    out = run(tmp_path, (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((64, 32), dtype=nl.bfloat16, buffer=nl.shared_hbm)\n"
        "    i_p = nl.arange(64)[:, None]\n"
        "    i_f = nl.arange(32)[None, :]\n"
        "    t = nisa.memset((64, 32), 2.0, dtype=nl.float32)\n"
        "    t[...] = nisa.memset((64, 32), 5.0, dtype=nl.float32, mask=(i_f < i_p - 40))\n"
        "    nisa.dma_copy(dst=t[i_p, i_f], src=x[i_p, i_f], mask=(i_p <= 2 * i_f) & (i_f < 20))\n"
        "    t[...] = nl.multiply(t, 3.0, mask=(i_p + i_f >= 70))\n"
        "    s = nisa.memset((64, 32), 7.0, dtype=nl.bfloat16)\n"
        "    nl.store(out, value=s)\n"
        "    nisa.dma_copy(dst=out[i_p, i_f], src=t, mask=(i_f + 8 > i_p))\n"  # converts to bf16
        "    return out\n"), x=x)
    import ml_dtypes

    p, f = np.indices((64, 32))
    t = np.where(f < p - 40, 5.0, 2.0).astype(np.float32)
    t = np.where((p <= 2 * f) & (f < 20), x, t)
    t = np.where(p + f >= 70, 3 * t, t)
    want = np.where(f + 8 > p, t, 7.0).astype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(out, want)


def test_nonbox_mask_on_a_non_elementwise_instruction_is_diagnosed(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x):\n"
        "    i_p = nl.arange(128)[:, None]\n"
        "    i_f = nl.arange(32)[None, :]\n"
        "    s = nisa.tensor_reduce(np.add, nl.load(x), axis=(1,), mask=(i_f <= i_p))\n"
        "    return x\n"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((128, 32), np.float32))
    diag = info.value.diagnostics[0]
    assert diag.code == "err_not_supported" and "nisa.tensor_reduce" in diag.message
    assert diag.location is not None and diag.location.line == 10
    assert diag.hint and "element-wise" in diag.hint


def test_nonbox_mask_whose_bounding_box_leaves_the_tensor_is_diagnosed(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x):\n"
        "    i_p = nl.arange(128)[:, None]\n"
        "    i_f = nl.arange(32)[None, :]\n"
        "    t = nl.load(x[i_p, i_f], mask=(i_p < 2 * i_f + 90))\n"
        "    return x\n"))
    with pytest.raises(KlrError) as info:
        klr.trace(f, "k", x=np.zeros((100, 32), np.float32))
    diag = info.value.diagnostics[0]
    assert diag.code == "err_not_supported" and "bounding box" in diag.message
    assert diag.location is not None and diag.location.line == 10 and diag.hint


def test_old_constants_and_dge_numbering(tmp_path: Path) -> None:
    """nl.fp32.min / nl.bfp16.min (bit patterns 0xff7fffff, 0xff80) and the old
    nisa.dge_mode numbering (none=0, swdge=1, hwdge=2, unknown=3), nki.md §8.3."""
    f = tmp_path / "k.py"
    f.write_text(HEADER + (
        "@nki.jit\ndef k(x):\n"
        "    out = nl.ndarray((2, 4), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    t = nl.full((2, 4), nl.fp32.min, dtype=nl.float32)\n"
        "    assert nisa.dge_mode.none.value == 0 and nisa.dge_mode.unknown.value == 3\n"
        "    u = nl.maximum(t, nl.bfp16.min)\n"
        "    nl.store(out, u)\n"
        "    return out\n"))
    out = klr.simulate(klr.load(str(f), "k"))(np.zeros((2, 4), np.float32))
    assert (out.view(np.uint32) == 0xFF7FFFFF).all()


def test_ncc_allocators(tmp_path: Path) -> None:
    """ncc.sbuf.mod_alloc with one physical tile per block and ncc.sbuf.auto_alloc run like
    nl.sbuf; the compiler-hint decorators leave the kernel unchanged."""
    src = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "beta1_ncc.py"
    x = np.random.default_rng(3).standard_normal((256, 64)).astype(np.float32)
    np.testing.assert_array_equal(klr.simulate(klr.load(str(src), "k"))(x), 2 * x)
    f = tmp_path / "k.py"
    f.write_text(HEADER + "import neuronxcc.nki.compiler as ncc\n\n"
                 "@ncc.skip_middle_end_transformations\n@nki.jit\ndef k(x):\n"
                 "    t = nl.ndarray((nl.par_dim(4), 8), dtype=x.dtype,\n"
                 "                   buffer=ncc.psum.mod_alloc(base_bank=0))\n"
                 "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
                 "    t[...] = nl.load(x)\n"
                 "    nl.store(out, value=t)\n"
                 "    return out\n")
    y = np.arange(32, dtype=np.float32).reshape(4, 8)
    np.testing.assert_array_equal(klr.simulate(klr.load(str(f), "k"))(y), y)
