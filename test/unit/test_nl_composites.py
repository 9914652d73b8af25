"""nki.language functions lowered to several instructions (klr/tracer/language.py): traced,
run on the reference interpreter and compared with NumPy, in precise and fp32 modes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import klr
from klr.diagnostics import KlrError
from klr.dialects import klr as k
from klr.interp import run_module

PRELUDE = """
import nki
import nki.language as nl
import nki.isa as nisa
"""

MODES = ["precise", "fp32"]


def _spec(a: np.ndarray) -> str:
    return f"{a.dtype.name}[{','.join(map(str, a.shape))}]"


def trace(tmp_path: Path, body: str, first_generation: bool = False, **args: str) -> klr.TraceResult:
    prelude = PRELUDE.replace("import nki\n", "from neuronxcc import nki\n").replace(
        "nki.language", "neuronxcc.nki.language").replace("nki.isa", "neuronxcc.nki.isa") \
        if first_generation else PRELUDE
    src = prelude + f"\n@nki.jit\ndef fn({', '.join(args)}):\n" + textwrap.indent(
        textwrap.dedent(body), "    ")
    f = tmp_path / "k.py"
    f.write_text(src)
    r = klr.trace(f, "fn", **args)
    r.module.verify()
    return r


def run(tmp_path: Path, body: str, mode: str = "precise", first_generation: bool = False,
        **arrays: np.ndarray) -> list[np.ndarray]:
    r = trace(tmp_path, body, first_generation, **{n: _spec(a) for n, a in arrays.items()})
    res = run_module(r.module, arrays, mode=mode)
    assert not res.warnings, res.warnings  # nothing read uninitialized, every output written
    return res.outputs


def error(tmp_path: Path, body: str, **args: str) -> KlrError:
    with pytest.raises(KlrError) as e:
        trace(tmp_path, body, **args)
    return e.value


def kinds(r: klr.TraceResult) -> list[str]:
    skip = (k.KernelOp, k.AllocOp, k.ViewOp, k.ReturnOp, k.ForOp)
    return [op.name for op in r.module.walk() if not isinstance(op, skip) and op.name.startswith("klr.")]


RNG = np.random.default_rng(42)
X = (RNG.standard_normal((128, 64)) * 4).astype(np.float32)

# ---------------------------------------------------------------------------
# element-wise
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_sin_reduces_the_range_first(tmp_path: Path, mode: str) -> None:
    # inputs far outside [-pi, pi], where the Scalar engine's sin alone is invalid (nki.md §8.2)
    x = np.linspace(-60, 60, 128 * 64, dtype=np.float32).reshape(128, 64)
    (out,) = run(tmp_path, """
        out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.sin(nl.load(x)))
        return out
    """, mode, x=x)
    np.testing.assert_allclose(out, np.sin(x.astype(np.float64)), atol=2e-5)


def test_sin_of_bfloat16_rounds_the_result(tmp_path: Path) -> None:
    x = X.astype(ml_dtypes.bfloat16)
    outs = {m: run(tmp_path, """
        out = nl.ndarray(x.shape, dtype=nl.bfloat16, buffer=nl.shared_hbm)
        nl.store(out, nl.sin(nl.load(x)))
        return out
    """, m, x=x)[0].astype(np.float32) for m in MODES}
    exact = np.sin(x.astype(np.float64))
    np.testing.assert_array_equal(outs["precise"], exact.astype(ml_dtypes.bfloat16).astype(np.float32))
    np.testing.assert_allclose(outs["fp32"], exact, atol=2e-5)  # fp32 mode keeps 24 bits


@pytest.mark.parametrize("mode", MODES)
def test_logical_not_and_invert(tmp_path: Path, mode: str) -> None:
    ints = RNG.integers(-(2**31), 2**31 - 1, (128, 64)).astype(np.int32)
    flags = (RNG.random((128, 64)) < 0.5).astype(np.float32)
    inv, neg, neg_u8 = run(tmp_path, """
        o1 = nl.ndarray(i.shape, dtype=nl.int32, buffer=nl.shared_hbm)
        o2 = nl.ndarray(f.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray(f.shape, dtype=nl.uint8, buffer=nl.shared_hbm)
        nl.store(o1, nl.invert(nl.load(i)))
        b = nl.load(f)
        nl.store(o2, nl.logical_not(b))
        nl.store(o3, nl.logical_not(b, dtype=nl.uint8))
        return o1, o2, o3
    """, mode, i=ints, f=flags)
    np.testing.assert_array_equal(inv, ~ints)  # every bit, beyond float32's 24
    np.testing.assert_array_equal(neg, 1.0 - flags)
    assert neg_u8.dtype == np.uint8
    np.testing.assert_array_equal(neg_u8, (flags == 0).astype(np.uint8))


def test_unary_alu_wrappers_lower_to_one_tensor_scalar(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        a = nl.logical_not(nl.load(x))
        b = nl.invert(nl.load(i))
    """, x="float32[128,8]", i="uint16[128,8]")
    ops = [op for op in r.module.walk() if isinstance(op, k.TensorScalarOp)]
    assert [op.op0.data for op in ops] == [k.AluOp.LOGICAL_NOT, k.AluOp.INVERT]
    assert all(op.operand0 is None and op.imm0 is None for op in ops)


def test_invert_needs_integers(tmp_path: Path) -> None:
    e = error(tmp_path, "y = nl.invert(nl.load(x))", x="float32[128,8]")
    assert e.code == "err_bad_arguments"
    assert "integer" in e.diagnostics[0].message
    assert "nl.logical_not" in (e.diagnostics[0].hint or "")


@pytest.mark.parametrize(
    "call, fragment, hint",
    [("nl.divide(t, t)", "nl.divide works only in NKI's CPU simulator", "nl.reciprocal"),
     ("nl.mod(t, 3.0)", "nl.mod works only in NKI's CPU simulator", "nl.bitwise_and"),
     ("nl.fmod(t, t)", "nl.fmod works only in NKI's CPU simulator", "nl.bitwise_and"),
     ("nl.prelu(t)", "nl.prelu is an activation operator", "nisa.activate2"),
     ("nl.average(t)", "nl.average is an operator", "nl.mean"),
     ("nl.bypass(t)", "nl.bypass is an operator", "nl.copy")],
)
def test_functions_nki_hardware_lacks_are_diagnosed(tmp_path: Path, call: str, fragment: str,
                                                    hint: str) -> None:
    e = error(tmp_path, f"t = nl.load(x)\ny = {call}", x="float32[128,8]")
    d = e.diagnostics[0]
    assert e.code in ("err_not_supported", "err_bad_arguments")
    assert fragment in d.message and hint in (d.hint or "")
    loc = d.location  # file:line:col of the call (line 9 of the generated kernel)
    assert loc is not None and loc.file.endswith("k.py") and loc.line == 9 and loc.col == 9


# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_prod_all_var(tmp_path: Path, mode: str) -> None:
    x = (RNG.random((128, 4, 16)) + 0.5).astype(np.float32)
    flags = np.ones((128, 16), np.float32)
    flags[::3, 5] = 0.0  # every third row is not all-true
    prod, prod_k, all_, var, var3 = run(tmp_path, """
        o1 = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 1, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray((128,), dtype=nl.float32, buffer=nl.shared_hbm)
        o4 = nl.ndarray((128, 1, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        o5 = nl.ndarray((128, 4, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x)
        nl.store(o1, nl.prod(t, axis=2))
        nl.store(o2, nl.prod(t, axis=(1, 2), keepdims=True))
        nl.store(o3, nl.all(nl.load(f), axis=1))
        nl.store(o4, nl.var(t, axis=(1, 2)))
        nl.store(o5, nl.var(t, axis=2, keepdims=False))   # the current API keeps dims anyway
        return o1, o2, o3, o4, o5
    """, mode, x=x, f=flags)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(prod, x64.prod(axis=2), rtol=1e-5)
    np.testing.assert_allclose(prod_k, x64.prod(axis=(1, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(all_, np.all(flags != 0, axis=1).astype(np.float32))
    assert all_[0] == 0.0 and all_[1] == 1.0
    np.testing.assert_allclose(var, x64.var(axis=(1, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(var3, x64.var(axis=2, keepdims=True), rtol=1e-5)


def test_var_is_population_variance_and_stable(tmp_path: Path) -> None:
    # a large mean: a one-pass E[x^2] - E[x]^2 in float32 would lose every digit
    x = (1000.0 + RNG.standard_normal((128, 64))).astype(np.float32)
    (v,) = run(tmp_path, """
        out = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.var(nl.load(x), axis=1))
        return out
    """, x=x)
    np.testing.assert_allclose(v[:, 0], x.astype(np.float64).var(axis=1), rtol=1e-3)


def test_first_generation_var_removes_the_axes(tmp_path: Path) -> None:
    x = X.copy()
    (v,) = run(tmp_path, """
        out = nl.ndarray((128,), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.var(nl.load(x), axis=1))
        return out
    """, first_generation=True, x=x)
    np.testing.assert_allclose(v, x.astype(np.float64).var(axis=1), rtol=1e-5)


def test_all_has_no_keepdims(tmp_path: Path) -> None:
    e = error(tmp_path, "a = nl.all(nl.load(x), axis=1, keepdims=True)", x="float32[128,8]")
    assert e.code == "err_bad_arguments" and "keepdims" in e.diagnostics[0].message


@pytest.mark.parametrize("fn", ["prod", "all", "var", "softmax"])
def test_composite_reductions_take_trailing_free_axes(tmp_path: Path, fn: str) -> None:
    e = error(tmp_path, f"a = nl.{fn}(nl.load(x), axis=1)", x="float32[128,4,8]")
    assert e.code == "err_bad_arguments" and "last free dimensions" in e.diagnostics[0].message
    e = error(tmp_path, f"a = nl.{fn}(nl.load(x), axis=0)", x="float32[128,8]")
    assert "partition dimension" in e.diagnostics[0].message


# ---------------------------------------------------------------------------
# softmax, rms_norm
# ---------------------------------------------------------------------------


def _softmax(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return e / e.sum(axis=axes, keepdims=True)


@pytest.mark.parametrize("mode", MODES)
def test_softmax(tmp_path: Path, mode: str) -> None:
    x = (RNG.standard_normal((128, 4, 32)) * 10).astype(np.float32)
    last, both, bf = run(tmp_path, """
        o1 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray(x.shape, dtype=nl.bfloat16, buffer=nl.shared_hbm)
        t = nl.load(x)
        nl.store(o1, nl.softmax(t))                      # axis=-1
        nl.store(o2, nl.softmax(t, axis=(1, 2)))
        nl.store(o3, nl.softmax(t, dtype=nl.bfloat16))
        return o1, o2, o3
    """, mode, x=x)
    np.testing.assert_allclose(last, _softmax(x, (2,)), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(both, _softmax(x, (1, 2)), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(last.sum(axis=2), 1.0, rtol=1e-5)
    ref = _softmax(x, (2,))
    if mode == "precise":
        np.testing.assert_allclose(bf.astype(np.float32), ref, rtol=2**-8)
        assert not np.array_equal(bf.astype(np.float32), last)  # rounded to bfloat16
    else:
        np.testing.assert_allclose(bf.astype(np.float32), ref, rtol=2e-6, atol=1e-7)


def test_softmax_is_the_documented_sequence(tmp_path: Path) -> None:
    r = trace(tmp_path, "s = nl.softmax(nl.load(x), axis=1)", x="bfloat16[128,64]")
    assert kinds(r) == ["klr.dma_copy", "klr.tensor_reduce", "klr.tensor_scalar", "klr.activation",
                        "klr.tensor_reduce", "klr.reciprocal", "klr.tensor_scalar"]
    ty = [op for op in r.module.walk() if isinstance(op, k.AllocOp)][-1].res.type
    assert ty == k.TensorType((128, 64), k.Dtype.BFLOAT16, k.Memory.SBUF)  # x's dtype


def test_softmax_compute_dtype_is_first_generation_only(tmp_path: Path) -> None:
    e = error(tmp_path, "s = nl.softmax(nl.load(x), compute_dtype=nl.float32)", x="float32[128,8]")
    assert e.code == "err_bad_arguments" and "compute_dtype" in e.diagnostics[0].message


def _rms_norm(x: np.ndarray, w: np.ndarray, axes: tuple[int, ...], n: int, eps: float) -> np.ndarray:
    x = x.astype(np.float64)
    return x / np.sqrt((x * x).sum(axis=axes, keepdims=True) / n + eps) * w.astype(np.float64)


@pytest.mark.parametrize("mode", MODES)
def test_rms_norm(tmp_path: Path, mode: str) -> None:
    x = RNG.standard_normal((128, 64)).astype(np.float32)
    row = RNG.standard_normal((1, 64)).astype(np.float32)
    full = RNG.standard_normal((128, 64)).astype(np.float32)
    vec = RNG.standard_normal((128, 1)).astype(np.float32)
    a, b, c = run(tmp_path, """
        o1 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o3 = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x)
        nl.store(o1, nl.rms_norm(t, nl.load(row), axis=1, n=64))
        nl.store(o2, nl.rms_norm(t, nl.load(full), axis=1, n=64, epsilon=0.5))
        nl.store(o3, nl.rms_norm(t, nl.load(vec), axis=1, n=32))
        return o1, o2, o3
    """, mode, x=x, row=row, full=full, vec=vec)
    np.testing.assert_allclose(a, _rms_norm(x, row, (1,), 64, 1e-6), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, _rms_norm(x, full, (1,), 64, 0.5), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, _rms_norm(x, vec, (1,), 32, 1e-6), rtol=1e-5, atol=1e-6)


def test_rms_norm_dtypes(tmp_path: Path) -> None:
    x = RNG.standard_normal((128, 2, 32)).astype(ml_dtypes.bfloat16)
    w = RNG.standard_normal((128, 2, 32)).astype(ml_dtypes.bfloat16)
    r = trace(tmp_path, """
        y = nl.rms_norm(nl.load(x), nl.load(w), axis=(1, 2), n=64)
        z = nl.rms_norm(nl.load(x), nl.load(w), axis=2, n=32, compute_dtype=nl.float32)
    """, x="bfloat16[128,2,32]", w="bfloat16[128,2,32]")
    allocs = {op.tensor_name.data: op.res.type for op in r.module.walk() if isinstance(op, k.AllocOp)}
    assert allocs["y"].element == k.Dtype.BFLOAT16   # x's dtype
    assert allocs["z"].element == k.Dtype.FLOAT32    # compute_dtype sets the result too
    (out,) = run(tmp_path, """
        out = nl.ndarray(x.shape, dtype=nl.bfloat16, buffer=nl.shared_hbm)
        nl.store(out, nl.rms_norm(nl.load(x), nl.load(w), axis=(1, 2), n=64))
        return out
    """, x=x, w=w)
    np.testing.assert_allclose(out.astype(np.float32), _rms_norm(x, w, (1, 2), 64, 1e-6),
                               rtol=2**-7, atol=1e-2)


def test_rms_norm_argument_errors(tmp_path: Path) -> None:
    e = error(tmp_path, "y = nl.rms_norm(nl.load(x), nl.load(w), axis=1, n=64)",
              x="float32[128,64]", w="float32[128,32]")
    assert e.code == "err_bad_arguments" and "does not broadcast" in e.diagnostics[0].message
    e = error(tmp_path, "y = nl.rms_norm(nl.load(x), nl.load(x), axis=1, n=0)", x="float32[128,64]")
    assert "'n' must be positive" in e.diagnostics[0].message


# ---------------------------------------------------------------------------
# data movement, identity, predicates, names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_load_transpose2d(tmp_path: Path, mode: str) -> None:
    x = RNG.standard_normal((64, 128)).astype(np.float32)
    same, cast = run(tmp_path, """
        o1 = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.shared_hbm)
        nl.store(o1, nl.load_transpose2d(x))
        nl.store(o2, nl.load_transpose2d(x, dtype=nl.bfloat16))
        return o1, o2
    """, mode, x=x)
    np.testing.assert_array_equal(same, x.T)
    want = x.T.astype(ml_dtypes.bfloat16).astype(np.float32) if mode == "precise" else x.T
    np.testing.assert_array_equal(cast.astype(np.float32), want)


def test_load_transpose2d_errors(tmp_path: Path) -> None:
    e = error(tmp_path, "t = nl.load_transpose2d(x)", x="float32[64,256]")
    assert e.code == "err_partition_size"
    e = error(tmp_path, "t = nl.load_transpose2d(nl.load(x))", x="float32[64,64]")
    assert e.code == "err_bad_arguments" and "nl.transpose" in (e.diagnostics[0].hint or "")
    e = error(tmp_path, "t = nl.load_transpose2d(x)", x="float32[4,8,8]")
    assert "2-D" in e.diagnostics[0].message


@pytest.mark.parametrize("mode", MODES)
def test_gather_flattened(tmp_path: Path, mode: str) -> None:
    data = RNG.standard_normal((128, 2, 3, 8)).astype(np.float32)
    idx = RNG.integers(0, 48, (128, 4, 5)).astype(np.uint32)
    g, gb = run(tmp_path, """
        o1 = nl.ndarray(idx.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray(idx.shape, dtype=nl.bfloat16, buffer=nl.shared_hbm)
        d = nl.load(data)
        i = nl.load(idx)
        nl.store(o1, nl.gather_flattened(d, i))
        nl.store(o2, nl.gather_flattened(d, i, dtype=nl.bfloat16))
        return o1, o2
    """, mode, data=data, idx=idx)
    want = np.take_along_axis(data.reshape(128, -1), idx.reshape(128, -1).astype(np.int64), axis=1)
    np.testing.assert_array_equal(g, want.reshape(idx.shape))
    if mode == "precise":
        np.testing.assert_array_equal(gb.astype(np.float32), g.astype(ml_dtypes.bfloat16).astype(np.float32))


def test_gather_flattened_errors(tmp_path: Path) -> None:
    e = error(tmp_path, "g = nl.gather_flattened(nl.load(d), nl.load(i))",
              d="float32[128,8]", i="int32[128,4]")
    assert e.code == "err_bad_arguments" and "uint32" in e.diagnostics[0].message
    e = error(tmp_path, "g = nl.gather_flattened(nl.load(d), nl.load(i), axis=1)",
              d="float32[128,8]", i="uint32[128,4]")
    assert e.code == "err_not_supported"


@pytest.mark.parametrize("dtype, np_dtype", [("uint8", np.uint8), ("bfloat16", ml_dtypes.bfloat16),
                                             ("float32", np.float32)])
def test_shared_identity_matrix(tmp_path: Path, dtype: str, np_dtype: type) -> None:
    dt = "" if dtype == "uint8" else f", dtype=nl.{dtype}"  # uint8 is the default
    a, b = run(tmp_path, f"""
        o1 = nl.ndarray((128, 128), dtype=nl.{dtype}, buffer=nl.shared_hbm)
        o2 = nl.ndarray((32, 32), dtype=nl.{dtype}, buffer=nl.shared_hbm)
        nl.store(o1, nl.shared_identity_matrix(128{dt}))
        d = nl.ndarray((32, 32), dtype=nl.{dtype}, buffer=nl.sbuf)
        e = nl.shared_identity_matrix(32{dt}, dst=d)
        nl.store(o2, d)
        return o1, o2
    """, x=np.zeros((1, 1), np.float32))
    assert a.dtype == np.dtype(np_dtype)
    np.testing.assert_array_equal(a.astype(np.float32), np.eye(128))
    np.testing.assert_array_equal(b.astype(np.float32), np.eye(32))


def test_buffer_predicates_and_unique_name(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        t = nl.load(x)
        p = nl.transpose(t)
        assert nl.is_hbm(x.buffer) and nl.is_hbm(nl.shared_hbm) and nl.is_hbm(nl.private_hbm)
        assert not nl.is_hbm(t.buffer) and not nl.is_on_chip(nl.hbm)
        assert nl.is_sbuf(t.buffer) and not nl.is_sbuf(p.buffer) and nl.is_psum(p.buffer)
        assert nl.is_on_chip(t.buffer) and nl.is_on_chip(nl.psum) and not nl.is_psum(nl.sbuf)
        a = nl.unique_name("acc")
        b = nl.unique_name("acc")
        assert a != b and a.startswith("acc"), a
        u = nl.ndarray((128, 8), dtype=nl.float32, name=a)
    """, x="float32[128,8]")
    names = [op.tensor_name.data for op in r.module.walk() if isinstance(op, k.AllocOp)]
    assert "acc.0" in names
    e = error(tmp_path, "b = nl.is_sbuf(nl.load(x))", x="float32[128,8]")
    assert e.code == "err_bad_arguments" and "t.buffer" in e.diagnostics[0].message


def test_no_reorder_and_typing_annotations(tmp_path: Path) -> None:
    f = tmp_path / "k.py"
    f.write_text(PRELUDE + textwrap.dedent("""
        import nki.typing as nt

        @nki.jit
        def fn(x: nt.tensor[128, 8]):
            out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
            with nl.no_reorder():
                t: nt.tensor[128, 8] = nl.load(x)
                nl.store(out, nl.exp(t))
            return out
    """))
    x = RNG.standard_normal((128, 8)).astype(np.float32)
    out = klr.simulate(klr.load(f, "fn"))(x)
    np.testing.assert_allclose(out, np.exp(x), rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_cos_reduces_the_range_first(tmp_path: Path, mode: str) -> None:
    """cos(x) = sin(pi/2 - |r|) after the same reduction as sin (the rotary-embedding
    pair): accurate far outside [-pi, pi], and cos(0) = 1, cos(pi) = -1."""
    x = np.concatenate([np.linspace(-60, 60, 128 * 64 - 2), [0.0, np.pi]]).astype(np.float32)
    x = x.reshape(128, 64)
    (out,) = run(tmp_path, """
        out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.cos(nl.load(x)))
        return out
    """, mode, x=x)
    np.testing.assert_allclose(out, np.cos(x.astype(np.float64)), atol=2e-5)
    assert out[127, 62] == 1.0 and abs(out[127, 63] + 1.0) < 1e-6


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", ["floor", "ceil", "trunc"])
def test_floor_ceil_trunc_match_numpy(tmp_path: Path, mode: str, fn: str) -> None:
    """From the round-to-nearest-even int32 write: exact for every float32, ties, values
    past int32 and 2^23, infinities and NaN (the sign of a zero result is unspecified)."""
    special = [0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3e9, -3e9, 2.0**23, 8388607.5, -8388607.5,
               np.inf, -np.inf, np.nan, 1e-30, -1e-30, 0.99999994, -0.99999994]
    x = np.resize(np.concatenate([special, RNG.standard_normal(4096) * 1000]), (128, 64))
    x = x.astype(np.float32)
    (out,) = run(tmp_path, f"""
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        nl.store(out, nl.{fn}(nl.load(x)))
        return out
    """, mode, x=x)
    np.testing.assert_array_equal(out, getattr(np, fn)(x))


@pytest.mark.parametrize("mode", MODES)
def test_tan_reduces_modulo_pi(tmp_path: Path, mode: str) -> None:
    """tan = sin(r) * (1 / cos(r)) after reducing modulo pi; compared away from the poles
    (where any float32 reduction error is amplified)."""
    x = np.linspace(-20, 20, 128 * 64).astype(np.float32).reshape(128, 64)
    (out,) = run(tmp_path, """
        out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.tan(nl.load(x)))
        return out
    """, mode, x=x)
    want = np.tan(x.astype(np.float64))
    away = np.abs(np.cos(x.astype(np.float64))) > 0.05
    np.testing.assert_allclose(out[away], want[away], rtol=2e-4, atol=2e-5)
    assert np.sign(out[away]).tolist() == np.sign(want[away]).tolist()
