"""Running kernels: every example matches its NumPy reference, in both modes and through
every entry point (klr.simulate, the nki stand-in, klr run)."""

from __future__ import annotations

import importlib
import io
import sys

import numpy as np
import pytest

import klr
import klr.compat
from klr.diagnostics import KlrError
from klr.interp import run_module, simulate
from klr.tools.klr_cli import main
from support import EXAMPLES

MODULES = ["tensor_add", "tensor_add_spmd", "transpose", "matmul_tiled", "softmax",
           "layernorm", "rmsnorm", "rope", "attention.kernel",
           "beta1.tensor_add", "beta1.matmul", "beta1.softmax",
           "beta1.transpose", "beta1.avgpool", "beta1.matmul_blocked", "beta1.layernorm",
           "beta1.attention", "beta1.embedding"]


@pytest.fixture(scope="module")
def examples() -> dict[str, object]:
    assert klr.compat.install() or klr.compat.real_nki_available()
    sys.path.insert(0, str(EXAMPLES))
    try:
        return {name: importlib.import_module(name) for name in MODULES}
    finally:
        sys.path.remove(str(EXAMPLES))


def relative_error(out: np.ndarray, ref: np.ndarray) -> float:
    ref = np.asarray(ref, np.float64)
    return float(np.max(np.abs(np.asarray(out, np.float64) - ref)) / max(np.max(np.abs(ref)), 1e-30))


@pytest.mark.parametrize("mode", ["precise", "fp32"])
@pytest.mark.parametrize("name", MODULES)
def test_example_matches_reference(examples: dict[str, object], name: str, mode: str) -> None:
    mod = examples[name]
    inputs = mod.example_inputs(np.random.default_rng(7))  # type: ignore[attr-defined]
    kernel = getattr(mod, mod.KERNEL)  # type: ignore[attr-defined]
    out = simulate(kernel, mode=mode, grid=mod.GRID or ())(**inputs)  # type: ignore[attr-defined]
    ref = mod.reference(**inputs)  # type: ignore[attr-defined]
    assert out.shape == ref.shape
    assert relative_error(out, ref) < 1e-5


def test_standin_kernel_call_and_nki_simulate(examples: dict[str, object]) -> None:
    import nki

    mod = examples["tensor_add_spmd"]
    inputs = mod.example_inputs(np.random.default_rng(3))  # type: ignore[attr-defined]
    ref = mod.reference(**inputs)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(mod.tensor_add_spmd_kernel[2](**inputs), ref)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(nki.simulate(mod.tensor_add_spmd_kernel[2])(**inputs), ref)  # type: ignore[attr-defined]


def test_standin_first_generation_simulate_kernel(examples: dict[str, object]) -> None:
    import neuronxcc.nki as old_nki

    mod = examples["beta1.tensor_add"]
    inputs = mod.example_inputs(np.random.default_rng(4))  # type: ignore[attr-defined]
    ref = mod.reference(**inputs)  # type: ignore[attr-defined]
    out = old_nki.simulate_kernel(mod.tensor_add_kernel[2], inputs["a_input"], inputs["b_input"])  # type: ignore[attr-defined]
    np.testing.assert_array_equal(out, ref)


def test_bfloat16_inputs_round_on_write(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import ml_dtypes

    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x):\n"
        "    t = nl.ndarray(x.shape, dtype=nl.bfloat16, buffer=nl.sbuf)\n"
        "    nisa.dma_copy(dst=t, src=x)\n"
        "    nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=3.0)\n"
        "    out = nl.ndarray(x.shape, dtype=nl.bfloat16, buffer=nl.shared_hbm)\n"
        "    nisa.dma_copy(dst=out, src=t)\n"
        "    return out\n"
    )
    x = np.array([[1.0, 1.0 / 3.0, 1e30, -2.5]], dtype=ml_dtypes.bfloat16)
    traced = klr.trace(f, "k", x=x)
    got = run_module(traced.module, {"x": x}).outputs[0]
    expected = (x.astype(np.float32) * np.float32(3.0)).astype(ml_dtypes.bfloat16)
    assert got.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(got, expected)
    # fp32 mode keeps the product unrounded
    got32 = run_module(traced.module, {"x": x}, mode="fp32").outputs[0]
    assert got32.dtype == np.float32
    np.testing.assert_array_equal(got32, x.astype(np.float32) * np.float32(3.0))


def test_uninitialized_reads_and_unwritten_outputs_are_reported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x):\n"
        "    t = nl.ndarray((128, 4), dtype=nl.float32, buffer=nl.sbuf)\n"
        "    out = nl.ndarray((256, 4), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    nisa.dma_copy(dst=out[0:128, :], src=t)\n"
        "    return out\n"
    )
    x = np.zeros((1,), np.float32)
    result = run_module(klr.trace(f, "k", x=x).module, {"x": x})
    codes = [d.code for d in result.warnings]
    assert codes == ["warn_uninitialized_read", "warn_output_unwritten"]
    assert result.warnings[0].location is not None and result.warnings[0].location.line == 9
    assert np.isnan(result.outputs[0]).all()


def test_input_shape_must_match_the_trace(tmp_path) -> None:  # type: ignore[no-untyped-def]
    traced = klr.trace(EXAMPLES / "softmax.py", "softmax_kernel", x="float32[128,64]")
    with pytest.raises(KlrError) as e:
        run_module(traced.module, {"x": np.zeros((256, 64), np.float32)})
    assert e.value.code == "err_bad_arguments"


def test_klr_run_command() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", str(EXAMPLES / "layernorm.py"), "--example", "--check"], out, err)
    assert code == 0, err.getvalue()
    assert "vs reference: max rel error" in out.getvalue() and out.getvalue().rstrip().endswith("ok")
    out = io.StringIO()
    code = main(["run", str(EXAMPLES / "softmax.py"), "softmax_kernel", "-a", "x=float32[128,64]",
                 "--json"], out, io.StringIO())
    assert code == 0
    import json

    report = json.loads(out.getvalue())
    assert report["outputs"][0]["shape"] == [128, 64] and report["instructions"] > 0


def test_runaway_dynamic_loop_is_an_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from klr.interp.rules import control

    monkeypatch.setattr(control, "MAX_DYNAMIC_ITERATIONS", 50)
    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x):\n"
        "    r = nisa.register_alloc(1)\n"
        "    while r:\n"
        "        nisa.register_move(r, 1)\n"
    )
    x = np.zeros((1,), np.float32)
    with pytest.raises(KlrError) as e:
        run_module(klr.trace(f, "k", x=x).module, {"x": x})
    assert e.value.code == "err_runaway_loop"


def test_dynamic_loops_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x, n):\n"
        "    t = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.sbuf)\n"
        "    c = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)\n"
        "    nisa.dma_copy(dst=c, src=n)\n"
        "    bound = nisa.register_alloc()\n"
        "    nisa.register_load(dst=bound, src=c)\n"
        "    nisa.dma_copy(dst=t, src=x)\n"
        "    for i in nl.dynamic_range(bound):\n"
        "        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0)\n"
        "    def body(i):\n"
        "        nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=1.0)\n"
        "    nl.fori_loop(0, 3, body)\n"
        "    out = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.shared_hbm)\n"
        "    nisa.dma_copy(dst=out, src=t)\n"
        "    return out\n"
    )
    x = np.ones((4, 8), np.float32)
    n = np.array([[5]], np.int32)
    out = klr.simulate(_load(f).k)(x, n)
    np.testing.assert_array_equal(out, np.full((4, 8), 2.0**5 + 3))


def _load(path):  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"m_{abs(hash(str(path)))}", path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_run_check_reports_import_failures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.py"
    f.write_text("raise RuntimeError('boom at import')\n\ndef k(x):\n    return x\n")
    err = io.StringIO()
    code = main(["run", str(f), "k", "-a", "x=float32[4]", "--check"], io.StringIO(), err)
    assert code == 1 and "[err_import_failed]" in err.getvalue() and "boom at import" in err.getvalue()


def test_simulate_grid_load_and_dtype_constants(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import ml_dtypes

    a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((512, 512)).astype(np.float32)
    kernel = klr.load(EXAMPLES / "tensor_add_spmd.py", "tensor_add_spmd_kernel")
    assert kernel.parameters == ("a", "b")
    np.testing.assert_array_equal(klr.simulate(kernel)[2](a, b), a + b)
    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x, dt):\n"
        "    t = nl.ndarray(x.shape, dtype=dt, buffer=nl.sbuf)\n"
        "    nisa.dma_copy(dst=t, src=x)\n"
        "    out = nl.ndarray(x.shape, dtype=dt, buffer=nl.shared_hbm)\n"
        "    nisa.dma_copy(dst=out, src=t)\n"
        "    return out\n"
    )
    x = np.array([[1.0, 1.0 / 3.0]], np.float32)
    out = klr.simulate(klr.load(f, "k"))(x, ml_dtypes.bfloat16)
    assert out.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(out, x.astype(ml_dtypes.bfloat16))
    assert klr.simulate(klr.load(f, "k"))(x, np.float16).dtype == np.float16


def test_in_place_writes_are_copied_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x, y):\n"
        "    t = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.sbuf)\n"
        "    nisa.dma_copy(dst=t, src=x)\n"
        "    nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=1.0)\n"
        "    nisa.dma_copy(dst=y, src=t)\n"
    )
    x = np.ones((2, 3), np.float32)
    y = np.zeros((2, 3), np.float32)
    assert klr.simulate(klr.load(f, "k"))(x, y) is None
    np.testing.assert_array_equal(y, np.full((2, 3), 2.0))


def test_tile_operators_and_view_assignment_run() -> None:
    from support import ROOT

    path = ROOT / "test/trace/Inputs/operators.py"
    a = np.random.default_rng(0).standard_normal((128, 64)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((128, 64)).astype(np.float32)
    out = klr.simulate(klr.load(path, "ops"))(a, b)
    np.testing.assert_array_equal(out, -((a + b) * np.float32(2.0) - b))
    np.testing.assert_array_equal(klr.simulate(klr.load(path, "in_order"))(a), a * a)


def test_standin_lnc2_with_schedule_and_simulator_entry(examples: dict[str, object]) -> None:
    """`kernel[2]` (LNC 2 = two program instances), `kernel.with_schedule(...)` (edges
    are satisfied by program order; malformed edges are refused) and
    `nki.simulator.simulate_kernel(func, args, kwargs, lnc)`."""
    import nki
    import nki.simulator

    mod = examples["tensor_add_spmd"]
    inputs = mod.example_inputs(np.random.default_rng(5))  # type: ignore[attr-defined]
    ref = mod.reference(**inputs)  # type: ignore[attr-defined]
    kernel = mod.tensor_add_spmd_kernel  # type: ignore[attr-defined]
    scheduled = kernel.with_schedule([("store", "add"), ("add", ["load_a", "load_b"])])
    np.testing.assert_array_equal(scheduled[2](**inputs), ref)
    out = nki.simulator.simulate_kernel(kernel, (), inputs, lnc=2)
    np.testing.assert_array_equal(out, ref)
    with pytest.raises(TypeError):
        kernel.with_schedule([("store",)])
    with pytest.raises(ValueError):
        nki.simulator.simulate_kernel(kernel, (), inputs, lnc=3)
    assert isinstance(nki.jit(kernel.fn), nki.Kernel)


def test_instruction_handles_depends_on_and_nc_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ISA calls return `NkiInstruction` handles whose `depends_on` accepts handles only;
    `nisa.get_nc_version()` is the target's `nisa.nc_version` member."""
    src = tmp_path / "k.py"
    src.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef k(x, bad):\n"
        "    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)\n"
        "    i = nisa.dma_copy(dst=t, src=x)\n"
        "    scale = 3.0 if nisa.get_nc_version() == nisa.nc_version.gen4 else 2.0\n"
        "    j = nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=scale)\n"
        "    j.depends_on(i)\n"
        "    if bad:\n"
        "        j.depends_on(t)\n"
        "    o = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    nisa.dma_copy(dst=o, src=t)\n"
        "    return o\n"
    )
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    kernel = klr.load(str(src), "k")
    np.testing.assert_array_equal(simulate(kernel)(x, bad=False), 2 * x)
    np.testing.assert_array_equal(simulate(kernel, target="gen4")(x, bad=False), 3 * x)
    with pytest.raises(klr.KlrError) as e:
        simulate(kernel)(x, bad=True)
    assert e.value.code == "err_bad_arguments"
    assert "depends_on() takes the handles ISA calls return" in str(e.value)


def test_a_kernel_calling_a_jitted_kernel_inlines_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "k.py"
    src.write_text(
        "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
        "@nki.jit\ndef double_into(x, out):\n"
        "    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)\n"
        "    nisa.dma_copy(dst=t, src=x)\n"
        "    nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0)\n"
        "    nisa.dma_copy(dst=out, src=t)\n\n"
        "@nki.jit\ndef outer(x):\n"
        "    o = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    double_into(x, o)\n"
        "    return o\n"
    )
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_array_equal(simulate(klr.load(str(src), "outer"))(x), 2 * x)


def test_standin_first_generation_core_grid_dims(examples: dict[str, object]) -> None:
    """`kernel[nl.nc(2) * 1]`, `kernel[nl.spmd_dim(1, nl.nc(2))]`: a grid dimension spread
    over physical cores runs its instances in turn, same ids as a plain dimension."""
    import neuronxcc.nki.language as old_nl

    mod = examples["beta1.tensor_add"]
    inputs = mod.example_inputs(np.random.default_rng(6))  # type: ignore[attr-defined]
    ref = mod.reference(**inputs)  # type: ignore[attr-defined]
    kernel = mod.tensor_add_kernel  # type: ignore[attr-defined]
    for dim in (old_nl.nc(2), old_nl.nc(2) * 1, 1 * old_nl.nc(2), old_nl.spmd_dim(old_nl.nc(2), 1)):
        assert int(dim) == 2
        np.testing.assert_array_equal(kernel[dim](inputs["a_input"], inputs["b_input"]), ref)
    assert int(old_nl.spmd_dim(old_nl.nc(2), 3)) == 6
    with pytest.raises(ValueError):
        old_nl.nc(0)


def test_typing_annotations_are_checked_in_both_generations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for module in ("nki.typing", "neuronxcc.nki.typing"):
        lang = "neuronxcc.nki.language" if module.startswith("neuronxcc") else "nki.language"
        f = tmp_path / "k.py"
        f.write_text(
            f"import nki\nimport {lang} as nl\nimport {module} as nt\n\n"
            "@nki.jit\ndef k(x: nt.tensor[4, 8], n: int = 2):\n"
            "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
            "    nl.store(out, nl.load(x))\n"
            "    return out\n"
        )
        x = np.arange(32, dtype=np.float32).reshape(4, 8)
        np.testing.assert_array_equal(simulate(klr.load(str(f), "k"))(x), x)
        with pytest.raises(KlrError) as e:
            simulate(klr.load(str(f), "k"))(x.reshape(8, 4))
        assert e.value.code == "err_shape_mismatch"
        assert e.value.diagnostics[0].location.line == 6


def test_loaded_kernel_parameters_keep_their_defaults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`klr.load`ed kernels: a parameter with a default may be omitted (the kernel's own
    default applies), passed by position or by keyword; keyword-only ones too."""
    f = tmp_path / "k.py"
    f.write_text(
        "import nki\nimport nki.language as nl\n\n"
        "@nki.jit\ndef k(x, n=2, *, m=10):\n"
        "    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)\n"
        "    nl.store(out, nl.add(nl.multiply(nl.load(x), n), m))\n"
        "    return out\n"
    )
    x = np.ones((4, 8), np.float32)
    kernel = klr.load(str(f), "k")
    assert simulate(kernel)(x)[0, 0] == 12.0
    assert simulate(kernel)(x, 3)[0, 0] == 13.0
    assert simulate(kernel)(x, n=5, m=0)[0, 0] == 5.0
    with pytest.raises(KlrError):
        simulate(kernel)()
