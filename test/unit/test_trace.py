"""The tracer: specialization, rolled loops and their fallback, Python semantics, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import klr.tracer as kt
from klr.diagnostics import KlrError
from klr.dialects import klr as k
from support import EXAMPLES

EXAMPLE_ARGS = {
    "tensor_add.py": ("tensor_add_kernel", {"a": "float32[256,1024]", "b": "float32[256,1024]"}, ()),
    "tensor_add_spmd.py": ("tensor_add_spmd_kernel", {"a": "float32[512,512]", "b": "float32[512,512]"}, (2,)),
    "transpose.py": ("transpose_kernel", {"x": "float32[256,384]"}, ()),
    "matmul_tiled.py": ("matmul_tiled_kernel", {"a_t": "bfloat16[512,256]", "b": "bfloat16[512,1024]"}, ()),
    "softmax.py": ("softmax_kernel", {"x": "float32[256,1024]"}, ()),
    "layernorm.py": ("layernorm_kernel", {"x": "float32[256,768]", "gamma": "float32[768]", "beta": "float32[768]"}, ()),
    "rmsnorm.py": ("rmsnorm_kernel", {"x": "float32[256,2048]", "weight": "float32[2048]"}, ()),
    "rope.py": ("rope_kernel", {"x": "float32[256,64]"}, ()),
    "attention/kernel.py": ("attention_kernel", {"q": "float32[256,64]", "k": "float32[256,64]", "v": "float32[256,64]"}, ()),
}


def ops(result: kt.TraceResult) -> list[str]:
    return [op.name for op in result.module.walk()]


def write(tmp: Path, src: str) -> Path:
    """A kernel file: the NKI imports, then `src` (dedented)."""
    f = tmp / "k.py"
    f.write_text(PRELUDE + textwrap.dedent(src))
    return f


PRELUDE = """
import nki
import nki.language as nl
import nki.isa as nisa
"""


@pytest.mark.parametrize("path", sorted(EXAMPLE_ARGS))
def test_every_example_traces_and_verifies(path: str) -> None:
    fn, args, grid = EXAMPLE_ARGS[path]
    result = kt.trace(EXAMPLES / path, fn, grid=grid, **args)
    result.module.verify()
    assert len(result.kernels) == max(1, int(np.prod(grid)) if grid else 1)
    for kernel in result.kernels:
        assert isinstance(kernel.body.block.last_op, k.ReturnOp)
        assert len(kernel.body.block.last_op.operands) == 1


def test_example_inputs_match_their_specs() -> None:
    # numpy arrays can be passed directly: only shape and dtype are used
    x = np.zeros((256, 1024), np.float32)
    result = kt.trace(EXAMPLES / "softmax.py", "softmax_kernel", x=x)
    arg = result.kernels[0].body.block.args[0]
    assert arg.type == k.TensorType((256, 1024), k.Dtype.FLOAT32, k.Memory.HBM)


def test_rolled_loops_make_ir_size_independent_of_trip_counts() -> None:
    counts = []
    for n in (512, 2048, 8192):
        r = kt.trace(EXAMPLES / "matmul_tiled.py", "matmul_tiled_kernel",
                     a_t=f"bfloat16[{n},{n}]", b=f"bfloat16[{n},{n}]")
        counts.append(len(ops(r)))
        loops = [op for op in r.module.walk() if isinstance(op, k.ForOp)]
        assert [lp.trip_count for lp in loops] == [n // 128, n // 512, n // 128]
    assert counts[0] == counts[1] == counts[2]


def test_python_use_of_an_index_unrolls_that_loop_only(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
            t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            for i in nl.affine_range(4):          # stays rolled
                nisa.dma_copy(dst=t, src=x[nl.ds(i * 128, 128), :])
            for j in nl.affine_range(3):          # branches on j: unrolled
                if j == 0:
                    nisa.memset(dst=t, value=0.0)
                else:
                    nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=j)
            nisa.dma_copy(dst=out, src=t)
            return out
    """)
    r = kt.trace(f, "k", x="float32[512,64]")
    assert [lp.trip_count for lp in r.module.walk() if isinstance(lp, k.ForOp)] == [4]
    assert r.unrolled == ["comparing a loop index"]
    imms = [op.imm0.data for op in r.module.walk() if isinstance(op, k.TensorScalarOp)]
    assert imms == [1.0, 2.0]


def test_loop_carried_python_state_unrolls(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
            t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            total = 0
            seen = []
            for i in nl.affine_range(3):
                total = total + 1          # rebinds outer state: unroll
                seen.append(i)             # mutates outer state: unroll
                nisa.memset(dst=t, value=float(total))
            assert total == 3 and len(seen) == 3
            nisa.dma_copy(dst=out, src=t)
            return out
    """)
    r = kt.trace(f, "k", x="float32[128,64]")
    values = [op.value.data for op in r.module.walk() if isinstance(op, k.MemsetOp)]
    assert values == [1.0, 2.0, 3.0]
    assert not any(isinstance(op, k.ForOp) for op in r.module.walk())


def test_variable_escaping_a_rolled_loop_unrolls(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
            for i in nl.affine_range(2):
                last = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
                nisa.dma_copy(dst=last, src=x[nl.ds(i * 128, 128), :])
            nisa.dma_copy(dst=out, src=last)   # the last iteration's tile
            return out
    """)
    r = kt.trace(f, "k", x="float32[256,64]")
    copies = [op for op in r.module.walk() if isinstance(op, k.DmaCopyOp)]
    assert len(copies) == 3
    assert "'last' is first assigned inside the loop and used after it" in r.unrolled


def test_python_features(tmp_path: Path) -> None:
    f = write(tmp_path, """
        from enum import Enum

        class Mode(Enum):
            ADD = 1
            MUL = 2

        class Cfg(nl.NKIObject):
            tile: int = 64
            scale: float = 2.0

            def __post_init__(self):
                self.double = self.tile * 2

            def ops(self):
                return {"add": nl.add, "mul": nl.multiply}

        def pick(mode, table):
            return table["add"] if mode == Mode.ADD else table["mul"]

        @nki.jit
        def k(x, mode=Mode.MUL, sizes=(64, 32)):
            cfg = Cfg(tile=sizes[0])
            assert cfg.double == 128, f"got {cfg.double}"
            out = nl.ndarray((128, cfg.tile), dtype=nl.float32, buffer=nl.shared_hbm)
            t = nl.ndarray((128, cfg.tile), dtype=nl.float32, buffer=nl.sbuf)
            nisa.dma_copy(dst=t, src=x)
            widths = [w for w in sizes if w > 40] + [sum(sizes)]
            for n, w in enumerate(widths):
                a, *rest = (n, w, w)
                nisa.tensor_scalar(dst=t, data=t, op0=pick(mode, cfg.ops()), operand0=a + len(rest))
            scale = (lambda s: s * 2)(cfg.scale)
            nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=scale)
            nisa.dma_copy(dst=out, src=t)
            return out
    """)
    r = kt.trace(f, "k", x="float32[128,64]")
    ts = [op for op in r.module.walk() if isinstance(op, k.TensorScalarOp)]
    assert [(op.op0.data.value, op.imm0.data) for op in ts] == [
        ("multiply", 2.0), ("multiply", 3.0), ("multiply", 4.0)
    ]


def test_print_at_trace_time(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            print("shape", x.shape, x.dtype)
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            nisa.dma_copy(dst=out, src=x)
            return out
    """)
    r = kt.trace(f, "k", x="bfloat16[4,8]")
    assert r.messages == ["shape (4, 8) nl.bfloat16\n"]


def test_target_tables_drive_the_limits(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            nisa.activation(dst=t, op=nl.exp, data=t, bias=0.5)
    """)
    kt.trace(f, "k", target="gen3", x="float32[1]")
    with pytest.raises(KlrError) as e:
        kt.trace(f, "k", target="trn1", x="float32[1]")
    assert e.value.code == "err_invalid_instruction"
    assert "scalar bias needs gen3" in e.value.diagnostics[0].message


def test_spmd_program_ids(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            assert nl.program_ndim() == 2 and nl.num_programs() == 6
            t = nl.ndarray((1, 4), dtype=nl.float32, buffer=nl.sbuf)
            nisa.memset(dst=t, value=nl.program_id(0) * 10 + nl.program_id(1))
    """)
    r = kt.trace(f, "k", grid=(2, 3), x="float32[1]")
    values = [op.value.data for op in r.module.walk() if isinstance(op, k.MemsetOp)]
    assert values == [0.0, 1.0, 2.0, 10.0, 11.0, 12.0]
    assert [kn.sym_name.data for kn in r.kernels][:2] == ["k_0_0", "k_0_1"]


def test_while_loop_limit(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            n = 1
            while n > 0:
                n += 1
    """)
    with pytest.raises(KlrError) as e:
        kt.trace(f, "k", x="float32[1]")
    assert e.value.code == "err_loop_limit"


def test_tensor_spec_parsing() -> None:
    assert kt.TensorSpec.parse("bf16[128, 512]") == kt.TensorSpec((128, 512), k.Dtype.BFLOAT16)
    assert kt.parse_arg("eps=1e-5") == ("eps", 1e-5)
    assert kt.parse_arg("dims=(1, 2)") == ("dims", (1, 2))
    with pytest.raises(ValueError):
        kt.TensorSpec.parse("float32[0,4]")
    with pytest.raises(ValueError):
        kt.parse_arg("x=not valid python")


def test_every_dtype_buffer_and_tile_size_constant(tmp_path: Path) -> None:
    names = [d.value for d in k.Dtype]
    consts = ["pmax", "psum_bank_fmax", "psum_bank_fmax_bytes", "psum_fmax", "psum_num_banks",
              "gemm_stationary_fmax", "gemm_moving_fmax", "bn_stats_fmax", "psum_min_align",
              "sbuf_min_align", "sbuf_fmax_bytes", "total_available_sbuf_size", "sbuf_fmax",
              "sbuf_size_bytes"]
    f = write(tmp_path, f"""
        @nki.jit
        def k(x):
            for name in {names!r}:
                nl.ndarray((2, 4), dtype=getattr_dtype(name), buffer=nl.sbuf)
            for buf in (nl.sbuf, nl.psum, nl.hbm, nl.private_hbm, nl.shared_hbm):
                nl.ndarray((2, 4), dtype=nl.float32, buffer=buf)
            sizes = [{", ".join(f"nl.tile_size.{c}" for c in consts)}]
            print(sizes)
            t = nl.ones((2, 4), dtype=nl.float32)
            u = nl.full((2, 4), 3.5, dtype=nl.float32)
            print(t.shape, t.ndim, t.size, t.buffer, t.dtype.itemsize, u.itemsize, u.name)

        def getattr_dtype(name):
            return {{{", ".join(f"'{n}': nl.{n}" for n in names)}}}[name]
    """)
    r = kt.trace(f, "k", target="gen3", x="float32[1]")
    allocs = [op.res.type for op in r.module.walk() if isinstance(op, k.AllocOp)]
    assert [t.element.value for t in allocs[: len(names)]] == names
    assert [t.mem for t in allocs[len(names): len(names) + 5]] == [
        k.Memory.SBUF, k.Memory.PSUM, k.Memory.HBM, k.Memory.HBM, k.Memory.SHARED_HBM
    ]
    from klr.targets import get_target

    tiles = get_target("gen3").tile_size
    assert r.messages[0] == str([tiles[c] for c in consts]) + "\n"
    assert r.messages[1] == "(2, 4) 2 8 nl.sbuf 4 4 u\n"
    memsets = [op.value.data for op in r.module.walk() if isinstance(op, k.MemsetOp)]
    assert memsets == [1.0, 3.5]


def test_every_operator_object_and_enum(tmp_path: Path) -> None:
    from klr.targets import get_target

    # every operator object the hardware has on gen4 (divide/mod are NKI names without an ALU op)
    hw = get_target("gen4").features.alu_ops
    alus = [a.value for a in k.AluOp
            if a.value not in ("abs", "square", "relu", "rsqrt", "reciprocal") and a.value in hw]
    assert "divide" not in alus and len(alus) >= 25
    acts = [a.value for a in k.ActFunc]
    f = write(tmp_path, f"""
        @nki.jit
        def k(x):
            t = nl.ndarray((128, 4), dtype=nl.int32, buffer=nl.sbuf)
            for name in {alus!r}:
                nisa.tensor_scalar(dst=t, data=t, op0=ops()[name], operand0=1)
            f = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.sbuf)
            for name in {acts!r}:
                nisa.activation(dst=f, op=acts()[name], data=f)
            for e in (nisa.engine.unknown, nisa.engine.vector, nisa.engine.gpsimd,
                      nisa.engine.scalar, nisa.unknown_engine, nisa.vector_engine,
                      nisa.gpsimd_engine, nisa.scalar_engine):
                nisa.tensor_copy(dst=f, src=f, engine=e)
            for c in (nisa.reduce_cmd.idle, nisa.reduce_cmd.reset, nisa.reduce_cmd.reduce,
                      nisa.reduce_cmd.reset_reduce, nisa.reduce_cmd.load_reduce):
                nisa.activation(dst=f, op=nl.copy, data=f, reduce_cmd=c)
            print(nisa.dge_mode.hwdge.value, nisa.oob_mode.skip.name,
                  nisa.matmul_perf_mode.none.name, nisa.nc_version.gen3.value,
                  nisa.engine.tensor, nisa.engine.dma.value, nisa.engine.sync.value)

        def ops():
            return {{{", ".join(f"'{n}': nl.{n}" for n in alus)}}}

        def acts():
            return {{{", ".join(f"'{n}': nl.{n}" for n in acts)}}}
    """)
    r = kt.trace(f, "k", target="gen4", x="float32[1]")
    seen_alu = [op.op0.data.value for op in r.module.walk() if isinstance(op, k.TensorScalarOp)]
    assert seen_alu == alus
    seen_act = [op.op.data.value for op in r.module.walk() if isinstance(op, k.ActivationOp)]
    assert seen_act[: len(acts)] == acts
    cmds = [op.reduce_cmd.data.value for op in r.module.walk() if isinstance(op, k.ActivationOp)][len(acts):]
    assert cmds == ["idle", "reset", "reduce", "reset_reduce", "load_reduce"]
    engines = [op.engine.data.value for op in r.module.walk() if isinstance(op, k.TensorCopyOp)]
    assert engines == ["unknown", "vector", "gpsimd", "scalar"] * 2
    assert r.messages == ["2 skip none 3 nisa.engine.tensor 4 6\n"]


def test_writes_into_inputs_are_outputs(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x, y):
            t = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.sbuf)
            nisa.dma_copy(dst=t, src=x)
            nisa.dma_copy(dst=y[0:128, :], src=t)
    """)
    r = kt.trace(f, "k", x="float32[128,4]", y="float32[256,4]")
    kernel = r.kernels[0]
    assert kernel.inout is not None and kernel.inout.data == (1,)
    assert len(kernel.body.block.last_op.operands) == 0


def test_top_level_api() -> None:
    import klr

    result = klr.trace(EXAMPLES / "tensor_add.py", "tensor_add_kernel",
                       a="float32[256,512]", b="float32[256,512]")
    assert isinstance(result, klr.TraceResult)
    assert result.kernels[0].sym_name.data == "tensor_add_kernel"


def test_operators_without_hardware_support_are_rejected(tmp_path: Path) -> None:
    f = write(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_tensor(dst=t, data1=t, data2=t, op=nl.divide)
    """)
    with pytest.raises(KlrError) as e:
        kt.trace(f, "k", x="float32[1]")
    assert e.value.diagnostics[0].message == (
        "klr.tensor_tensor: ALU operator 'divide' is not available on gen3"
    )
