"""The value-returning `nki.language` wrappers (NKI 0.3+) and the instructions they lower to."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from xdsl.ir import Operation

import klr
from klr.diagnostics import KlrError
from klr.dialects import klr as k

INPUTS = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "nl_wrappers.py"

PRELUDE = """
import nki
import nki.language as nl
import nki.isa as nisa
"""

# bookkeeping ops: everything else a trace emits is an instruction
_STRUCTURE = (k.KernelOp, k.AllocOp, k.ViewOp, k.ReturnOp, k.ForOp)


def trace(tmp_path: Path, body: str, **args: str) -> klr.TraceResult:
    """Trace `def fn(<args>): <body>` (body dedented; `x` etc. are the HBM arguments)."""
    params = ", ".join(args)
    src = PRELUDE + f"\n@nki.jit\ndef fn({params}):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    f = tmp_path / "k.py"
    f.write_text(src)
    result = klr.trace(f, "fn", **args)
    result.module.verify()
    return result


def instructions(result: klr.TraceResult) -> list[Operation]:
    return [op for op in result.module.walk() if not isinstance(op, _STRUCTURE) and op.name.startswith("klr.")]


def alloc(result: klr.TraceResult, name: str) -> k.TensorType:
    """The type of the tensor the trace named `name` (after the variable it was assigned to)."""
    for op in result.module.walk():
        if isinstance(op, k.AllocOp) and op.tensor_name.data == name:
            return op.res.type  # type: ignore[return-value]
    raise AssertionError(f"no tensor named {name!r}")


def tt(shape: tuple[int, ...], dtype: k.Dtype = k.Dtype.FLOAT32, mem: k.Memory = k.Memory.SBUF) -> k.TensorType:
    return k.TensorType(shape, dtype, mem)


def error(tmp_path: Path, body: str, **args: str) -> KlrError:
    with pytest.raises(KlrError) as e:
        trace(tmp_path, body, **args)
    return e.value


X = {"x": "float32[128,64]"}

# ---------------------------------------------------------------------------
# load / store / copy
# ---------------------------------------------------------------------------


def test_load_is_an_sbuf_tile_and_one_dma(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        t = nl.load(x)
        c = nl.load(x[0:64, :], dtype=nl.bfloat16)
    """, **X)
    ops = instructions(r)
    assert [type(op) for op in ops] == [k.DmaCopyOp, k.DmaCopyOp]
    assert alloc(r, "t") == tt((128, 64))
    assert alloc(r, "c") == tt((64, 64), k.Dtype.BFLOAT16)  # the DMA converts
    assert ops[0].dst.type == alloc(r, "t") and ops[0].src.type == tt((128, 64), mem=k.Memory.HBM)


def test_load_partition_dim_is_the_first_dim(tmp_path: Path) -> None:
    e = error(tmp_path, "t = nl.load(x)", x="float32[256,64]")
    assert e.code == "err_partition_size"


def test_load_needs_hbm(tmp_path: Path) -> None:
    e = error(tmp_path, "t = nl.load(nl.load(x))", **X)
    assert e.code == "err_bad_arguments"
    assert "nl.load reads HBM" in e.diagnostics[0].message


def test_store_is_one_dma(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.load(x))
        return out
    """, **X)
    ops = instructions(r)
    assert [type(op) for op in ops] == [k.DmaCopyOp, k.DmaCopyOp]
    assert ops[1].dst.type == tt((128, 64), mem=k.Memory.SHARED_HBM)
    assert ops[1].src.type == tt((128, 64))


def test_store_from_psum_is_not_supported(tmp_path: Path) -> None:
    e = error(tmp_path, """
        out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x)
        nl.store(out, nl.matmul(t, t, transpose_x=True))
    """, **X)
    assert e.code == "err_not_supported"
    assert "PSUM" in e.diagnostics[0].message
    assert "nl.copy" in (e.diagnostics[0].hint or "")


def test_store_shape_mismatch(tmp_path: Path) -> None:
    e = error(tmp_path, """
        out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.load(x))
    """, **X)
    assert e.code == "err_bad_arguments"
    assert "(128, 32)" in e.diagnostics[0].message


def test_copy_is_a_tensor_copy_into_sbuf(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        t = nl.load(x)
        c = nl.copy(t)
        h = nl.copy(t, dtype=nl.bfloat16)
    """, **X)
    ops = instructions(r)
    assert [type(op) for op in ops] == [k.DmaCopyOp, k.TensorCopyOp, k.TensorCopyOp]
    assert ops[1].engine.data == k.Engine.UNKNOWN  # the compiler picks
    assert alloc(r, "c") == tt((128, 64))
    assert alloc(r, "h") == tt((128, 64), k.Dtype.BFLOAT16)


# ---------------------------------------------------------------------------
# element-wise unary
# ---------------------------------------------------------------------------

ACTIVATIONS = [
    "exp", "log", "tanh", "sigmoid", "relu", "gelu", "gelu_dx", "gelu_apprx_tanh",
    "gelu_apprx_sigmoid", "gelu_apprx_sigmoid_dx", "silu", "silu_dx", "sqrt", "rsqrt",
    "square", "abs", "arctan", "sign", "erf", "erf_dx", "softplus", "mish",
]  # fmt: skip


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_unary_math_is_one_activation(tmp_path: Path, name: str) -> None:
    r = trace(tmp_path, f"""
        t = nl.load(x)
        y = nl.{name}(t)
        z = nl.{name}(x=t, dtype=nl.bfloat16)
    """, **X)
    ops = instructions(r)
    assert [type(op) for op in ops] == [k.DmaCopyOp, k.ActivationOp, k.ActivationOp]
    act = ops[1]
    assert act.op.data == k.ActFunc(name)
    assert act.bias is None and act.bias_imm is None and act.scale is None and act.scale_imm is None
    assert act.reduce_cmd.data == k.ReduceCmd.IDLE
    assert alloc(r, "y") == tt((128, 64))
    assert alloc(r, "z") == tt((128, 64), k.Dtype.BFLOAT16)


def test_every_exposed_activation_function_has_a_wrapper() -> None:
    others = {"copy", "reciprocal", "prelu", "sin"}  # own lowering / operator only / refused
    assert sorted(ACTIVATIONS) == sorted(a.value for a in k.ActFunc if a.value not in others)


def test_unary_reads_psum(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        t = nl.load(x)
        p = nl.matmul(t, t, transpose_x=True)
        e = nl.exp(p)
    """, **X)
    assert alloc(r, "p") == tt((64, 64), mem=k.Memory.PSUM)
    assert alloc(r, "e") == tt((64, 64))


def test_reciprocal_is_the_vector_instruction(tmp_path: Path) -> None:
    r = trace(tmp_path, "y = nl.reciprocal(nl.load(x))", **X)
    assert [type(op) for op in instructions(r)] == [k.DmaCopyOp, k.ReciprocalOp]
    assert alloc(r, "y") == tt((128, 64))


def test_unary_needs_an_on_chip_tile(tmp_path: Path) -> None:
    e = error(tmp_path, "y = nl.exp(x)", **X)
    assert e.code == "err_bad_arguments"
    assert "HBM" in e.diagnostics[0].message and "nl.load" in (e.diagnostics[0].hint or "")


@pytest.mark.parametrize(
    "name, code",
    [("divide", "err_not_supported"), ("mod", "err_not_supported"), ("fmod", "err_not_supported"),
     ("prelu", "err_bad_arguments"), ("bypass", "err_bad_arguments"),
     ("average", "err_bad_arguments")],
)
def test_operator_objects_without_a_wrapper(tmp_path: Path, name: str, code: str) -> None:
    e = error(tmp_path, f"t = nl.load(x)\ny = nl.{name}(t, t)", **X)
    assert e.code == code
    assert f"nl.{name}" in e.diagnostics[0].message


def test_wrapper_signatures_are_checked(tmp_path: Path) -> None:
    e = error(tmp_path, "y = nl.exp()", **X)
    assert e.code == "err_bad_arguments"
    assert "nki.language.exp()" in e.diagnostics[0].message


# ---------------------------------------------------------------------------
# element-wise binary
# ---------------------------------------------------------------------------

ARITH = ["add", "subtract", "multiply", "maximum", "minimum", "power", "equal", "not_equal",
         "greater_equal", "greater", "less_equal", "less", "logical_and", "logical_or",
         "logical_xor"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"]


@pytest.mark.parametrize("name", ARITH + BITWISE)
def test_tile_op_tile_is_tensor_tensor(tmp_path: Path, name: str) -> None:
    dt = "int32" if name in BITWISE else "float32"
    r = trace(tmp_path, f"""
        a = nl.load(x)
        b = nl.load(y)
        c = nl.{name}(a, b)
    """, x=f"{dt}[128,64]", y=f"{dt}[128,64]")
    op = instructions(r)[-1]
    assert isinstance(op, k.TensorTensorOp)
    assert op.op.data == k.AluOp(name)
    assert op.data1.type == alloc(r, "a") and op.data2.type == alloc(r, "b")
    assert alloc(r, "c") == tt((128, 64), k.Dtype(dt))  # comparisons too: 1/0 in the input dtype


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "maximum", "greater", "less_equal"])
def test_tile_op_number_is_tensor_scalar(tmp_path: Path, name: str) -> None:
    r = trace(tmp_path, f"""
        a = nl.load(x)
        b = nl.{name}(a, 2.5)
        c = nl.{name}(3, a)
    """, **X)
    left, right = instructions(r)[1:]
    for op, imm, rev in ((left, 2.5, False), (right, 3.0, True)):
        assert isinstance(op, k.TensorScalarOp)
        assert op.op0.data == k.AluOp(name)
        assert op.imm0.data == imm and op.operand0 is None
        assert (op.reverse0 is not None) == rev  # number on the left: operand0 <op> data
        assert op.op1 is None
    assert alloc(r, "b") == alloc(r, "c") == tt((128, 64))


def test_tile_op_vector_is_tensor_scalar(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        a = nl.load(x)
        v = nl.load(col)
        b = nl.subtract(a, v)
        c = nl.subtract(v, a)
        d = nl.multiply(a, nl.max(a, axis=1, keepdims=True))
    """, x="float32[128,64]", col="float32[128,1]")
    ts = [op for op in instructions(r) if isinstance(op, k.TensorScalarOp)]
    assert len(ts) == 3
    for op, rev in zip(ts, (False, True, False)):
        assert op.data.type == tt((128, 64))
        assert op.operand0 is not None and op.operand0.type == tt((128, 1))
        assert op.imm0 is None
        assert (op.reverse0 is not None) == rev
    assert alloc(r, "b") == alloc(r, "c") == alloc(r, "d") == tt((128, 64))


def test_vector_broadcast_of_a_rank_3_tile(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        a = nl.load(x)
        s = nl.sum(a, axis=(1, 2), keepdims=True)
        b = nl.add(a, s)
    """, x="float32[128,4,16]")
    assert alloc(r, "s") == tt((128, 1, 1))
    assert isinstance(instructions(r)[-1], k.TensorScalarOp)
    assert alloc(r, "b") == tt((128, 4, 16))


def test_binary_dtypes(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        a = nl.load(x)
        b = nl.load(y)
        c = nl.add(a, b)                      # bf16 + fp32: the wider
        d = nl.add(a, b, dtype=nl.bfloat16)   # dtype= wins
        e = nl.multiply(a, 2.0)               # numbers do not promote (new API)
        i = nl.add(nl.load(n), nl.load(m))    # int8 + uint8 -> int16 (nki.md 7.3)
    """, x="bfloat16[128,64]", y="float32[128,64]", n="int8[128,64]", m="uint8[128,64]")
    assert alloc(r, "c").element == k.Dtype.FLOAT32
    assert alloc(r, "d").element == k.Dtype.BFLOAT16
    assert alloc(r, "e").element == k.Dtype.BFLOAT16
    assert alloc(r, "i").element == k.Dtype.INT16


def test_binary_shape_mismatch(tmp_path: Path) -> None:
    e = error(tmp_path, "c = nl.add(nl.load(x), nl.load(y))", x="float32[128,64]", y="float32[128,32]")
    assert e.code == "err_bad_arguments"
    assert "(128, 64) and (128, 32) do not match" in e.diagnostics[0].message


@pytest.mark.parametrize("other", ["float32[1,64]", "float32[128,1,64]", "float32[64]"])
def test_unsupported_broadcast_is_named(tmp_path: Path, other: str) -> None:
    e = error(tmp_path, "c = nl.multiply(nl.load(x), nl.load(y))", x="float32[128,64]", y=other)
    assert e.code == "err_not_supported"
    assert "broadcasting shapes (128, 64) and" in e.diagnostics[0].message


def test_unsupported_broadcast_hints_at_broadcast_to(tmp_path: Path) -> None:
    e = error(tmp_path, "c = nl.add(nl.load(x), nl.load(y))", x="float32[128,64]", y="float32[1,64]")
    assert "nl.broadcast_to" in (e.diagnostics[0].hint or "")


def test_broadcast_to_runs(tmp_path: Path) -> None:
    import numpy as np

    from klr.interp import run_module

    r = trace(tmp_path, """
        out = nl.ndarray((128, 3, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        row = nl.load(y)                                   # (1, 1, 8)
        b = nl.broadcast_to(row, (128, 3, 8))              # partitions and a free dim
        c = nl.add(nl.load(x), b)
        d = nl.broadcast_to(nl.load(z), (128, 3, 8), dtype=nl.bfloat16)  # free dims only
        nl.store(out, nl.add(c, d))
        return out
    """, x="float32[128,3,8]", y="float32[1,1,8]", z="float32[128,1,1]")
    assert alloc(r, "b") == tt((128, 3, 8))
    assert alloc(r, "d") == tt((128, 3, 8), k.Dtype.BFLOAT16)
    kinds = [type(op) for op in instructions(r)]
    assert kinds.count(k.DmaCopyOp) == 5 and kinds.count(k.TensorCopyOp) == 1
    rng = np.random.default_rng(7)
    x = rng.standard_normal((128, 3, 8)).astype(np.float32)
    y = rng.standard_normal((1, 1, 8)).astype(np.float32)
    z = rng.standard_normal((128, 1, 1)).astype(np.float32)
    import ml_dtypes

    zb = z.astype(ml_dtypes.bfloat16).astype(np.float32)
    out = run_module(r.module, {"x": x, "y": y, "z": z}).outputs[0]
    np.testing.assert_allclose(out, (x + y) + zb, rtol=1e-6, atol=1e-6)


def test_broadcast_to_shape_errors(tmp_path: Path) -> None:
    e = error(tmp_path, "b = nl.broadcast_to(nl.load(x), (128, 2, 64))", **X)
    assert e.code == "err_bad_arguments" and "cannot be broadcast" in e.diagnostics[0].message


def test_power_with_a_scalar_is_not_supported(tmp_path: Path) -> None:
    e = error(tmp_path, "c = nl.power(nl.load(x), 2.0)", **X)
    assert e.code == "err_not_supported"


def test_binary_needs_a_tile(tmp_path: Path) -> None:
    e = error(tmp_path, "c = nl.add(1, 2)", **X)
    assert e.code == "err_bad_arguments"
    e = error(tmp_path, "c = nl.add(nl.load(x), 'one')", **X)
    assert e.code == "err_bad_arguments"


# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, alu", [("sum", "add"), ("max", "maximum"), ("min", "minimum")])
def test_reductions_are_tensor_reduce(tmp_path: Path, name: str, alu: str) -> None:
    r = trace(tmp_path, f"""
        a = nl.load(x)
        kept = nl.{name}(a, axis=1, keepdims=True)
        flat = nl.{name}(a, -1, dtype=nl.bfloat16)
    """, **X)
    red = [op for op in instructions(r) if isinstance(op, k.TensorReduceOp)]
    assert [op.op.data.value for op in red] == [alu, alu]
    assert [op.axes.data for op in red] == [(1,), (1,)]
    assert red[0].keepdims is not None and red[1].keepdims is None
    assert alloc(r, "kept") == tt((128, 1))
    assert alloc(r, "flat") == tt((128,), k.Dtype.BFLOAT16)


def test_mean_is_an_fp32_sum_then_a_scale(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        a = nl.load(x)
        m = nl.mean(a, axis=(1, 2), keepdims=True)
    """, x="bfloat16[128,4,16]")
    red, scale = instructions(r)[1:]
    assert isinstance(red, k.TensorReduceOp) and red.op.data == k.AluOp.ADD
    assert red.axes.data == (1, 2)
    assert red.dst.type == tt((128, 1, 1))  # fp32 intermediate
    assert isinstance(scale, k.TensorScalarOp)
    assert scale.op0.data == k.AluOp.MULTIPLY and scale.imm0.data == 1 / 64
    assert alloc(r, "m") == tt((128, 1, 1), k.Dtype.BFLOAT16)


@pytest.mark.parametrize(
    "axis, text",
    [("0", "partition dimension"), ("(0, 1)", "partition dimension"),
     ("1", "must be the last free dimensions"), ("3", "is not a set of dimensions")],
)
def test_reductions_take_trailing_free_axes_only(tmp_path: Path, axis: str, text: str) -> None:
    e = error(tmp_path, f"s = nl.sum(nl.load(x), axis={axis})", x="float32[128,4,16]")
    assert e.code == "err_bad_arguments"
    assert text in e.diagnostics[0].message


# ---------------------------------------------------------------------------
# matmul / transpose
# ---------------------------------------------------------------------------


def test_matmul_transpose_x_is_one_nc_matmul_into_fp32_psum(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        lhs_t = nl.load(a)
        rhs = nl.load(b)
        p = nl.matmul(lhs_t, rhs, transpose_x=True)
    """, a="bfloat16[128,64]", b="bfloat16[128,512]")
    mm = instructions(r)[-1]
    assert isinstance(mm, k.NcMatmulOp)
    assert mm.stationary.type == alloc(r, "lhs_t") and mm.moving.type == alloc(r, "rhs")
    assert mm.accumulate is None and mm.is_transpose is None
    assert alloc(r, "p") == tt((64, 512), mem=k.Memory.PSUM)  # stays in PSUM, as in NKI


def test_matmul_without_transpose_x_transposes_x_on_the_pe(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        lhs = nl.load(a)
        p = nl.matmul(lhs, nl.load(b))
    """, a="float32[32,128]", b="float32[128,256]")
    tr, cp, mm = instructions(r)[2:]
    assert isinstance(tr, k.NcTransposeOp) and tr.engine.data == k.Engine.TENSOR
    assert tr.dst.type == tt((128, 32), mem=k.Memory.PSUM)
    assert isinstance(cp, k.TensorCopyOp) and cp.dst.type == tt((128, 32))
    assert isinstance(mm, k.NcMatmulOp) and mm.stationary is cp.dst
    assert alloc(r, "p") == tt((32, 256), mem=k.Memory.PSUM)


def test_matmul_errors(tmp_path: Path) -> None:
    e = error(tmp_path, "p = nl.matmul(nl.load(a), nl.load(b))", a="float32[128,64]", b="float32[128,64]")
    assert e.code == "err_bad_arguments" and "contraction" in e.diagnostics[0].message
    e = error(tmp_path, """
        t = nl.load(a)
        p = nl.matmul(nl.matmul(t, t, transpose_x=True), t, transpose_x=True)
    """, a="float32[64,64]")
    assert e.code == "err_bad_arguments" and "PSUM" in e.diagnostics[0].message


def test_transpose_is_a_pe_transpose_into_psum(tmp_path: Path) -> None:
    r = trace(tmp_path, "t = nl.transpose(nl.load(x))", x="bfloat16[128,64]")
    tr = instructions(r)[-1]
    assert isinstance(tr, k.NcTransposeOp) and tr.engine.data == k.Engine.TENSOR
    assert alloc(r, "t") == tt((64, 128), k.Dtype.BFLOAT16, k.Memory.PSUM)


def test_transpose_errors(tmp_path: Path) -> None:
    e = error(tmp_path, "t = nl.transpose(nl.load(x), dtype=nl.bfloat16)", **X)
    assert e.code == "err_not_supported"
    e = error(tmp_path, "t = nl.transpose(nl.load(x))", x="float32[64,256]")
    assert e.code == "err_bad_arguments" and "at most 128x128" in e.diagnostics[0].message


# ---------------------------------------------------------------------------
# whole kernels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, args",
    [("softmax_project", {"x": "float32[256,128]", "w": "bfloat16[128,64]"}),
     ("matmul_t", {"a_t": "bfloat16[256,128]", "b": "bfloat16[256,512]"}),
     ("layernorm_rows", {"x": "bfloat16[128,256]"})],
)
def test_wrapper_kernels_trace_and_verify(fn: str, args: dict[str, str]) -> None:
    r = klr.trace(INPUTS, fn, **args)
    r.module.verify()
    kernel = r.kernels[0]
    assert isinstance(kernel.body.block.last_op, k.ReturnOp)


def test_wrappers_inside_a_rolled_loop(tmp_path: Path) -> None:
    r = klr.trace(INPUTS, "softmax_project", x="float32[1024,128]", w="bfloat16[128,64]")
    loops = [op for op in r.module.walk() if isinstance(op, k.ForOp)]
    assert [lp.trip_count for lp in loops] == [8]
    assert not r.unrolled


def test_loop_index_as_an_immediate_unrolls_the_loop(tmp_path: Path) -> None:
    r = trace(tmp_path, """
        out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.load(x)
        for i in nl.affine_range(2):
            nl.store(out, nl.add(t, i))
        return out
    """, **X)
    imms = [op.imm0.data for op in r.module.walk() if isinstance(op, k.TensorScalarOp)]
    assert imms == [0.0, 1.0]
    assert not any(isinstance(op, k.ForOp) for op in r.module.walk())


@pytest.mark.parametrize("name", ["abs_max", "abs_min"])
def test_v4_binary_ops(tmp_path: Path, name: str) -> None:
    f = tmp_path / "k.py"
    f.write_text(PRELUDE + textwrap.dedent(f"""
        @nki.jit
        def fn(x):
            a = nl.load(x)
            c = nl.{name}(a, a)
    """))
    r = klr.trace(f, "fn", target="gen4", **X)
    r.module.verify()
    op = instructions(r)[-1]
    assert isinstance(op, k.TensorTensorOp) and op.op.data == k.AluOp(name)


def test_where_negative_zeros_like_run(tmp_path: Path) -> None:
    import numpy as np

    from klr.interp import run_module

    r = trace(tmp_path, """
        out = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        a = nl.load(x)
        z = nl.zeros_like(a)
        m = nl.where(nl.less(a, z), nl.negative(a), a)     # |a|
        e = nl.empty_like(a)
        nl.store(out, nl.add(m, nl.add(z, 1.0)))
        return out
    """, x="float32[128,8]")
    assert alloc(r, "z") == alloc(r, "e") == tt((128, 8))
    assert any(isinstance(op, k.TensorCopyPredicatedOp) for op in instructions(r))
    a = np.random.default_rng(8).standard_normal((128, 8)).astype(np.float32)
    out = run_module(r.module, {"x": a}).outputs[0]
    np.testing.assert_array_equal(out, np.abs(a) + 1.0)
