"""NkiTensor view methods (nki.md §4.1–4.2): the klr.view each one becomes, its rules.

Each table row traces a tiny kernel that copies a view onto itself (`dma_copy` works in
every memory), then reads the emitted `klr.view`: offset, loop coefficients, pattern.
Expected values are computed by hand from the storage's row-major layout.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from xdsl.context import Context

import klr
from klr.diagnostics import KlrError
from klr.dialects import klr as k
from klr.printing import parse_ir, print_ir

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import nki
import nki.language as nl
import nki.isa as nisa
"""

# x: float32[256, 128] in HBM (row stride 128); t: float32[128, 64] SBUF tile (free size 64)
SETUP = "t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)"
X = "float32[256,128]"

Pattern = tuple[tuple[int, int], ...]


def kernel(tmp: Path, body: str) -> Path:
    f = tmp / "k.py"
    src = textwrap.indent(textwrap.dedent(body), "    ")
    f.write_text(PRELUDE + "\n@nki.jit\ndef k(x):\n" + src)
    return f


def views_of(tmp: Path, body: str) -> tuple[klr.TraceResult, list[k.ViewOp]]:
    result = klr.trace(kernel(tmp, body), "k", x=X)
    result.module.verify()
    return result, [op for op in result.module.walk() if isinstance(op, k.ViewOp)]


def view_of(tmp: Path, expr: str, setup: str = SETUP) -> k.ViewOp | None:
    """The klr.view of `expr` (None when it is a whole tensor: no view is needed)."""
    _, views = views_of(tmp, f"{setup}\nv = {expr}\nnisa.dma_copy(dst=v, src=v)\n")
    if not views:
        return None
    assert len(views) == 2 and str(views[0].pattern) == str(views[1].pattern)
    return views[0]


def props(op: k.ViewOp) -> tuple[int, tuple[int, ...], Pattern, tuple[int, ...]]:
    res = op.res.type
    assert isinstance(res, k.TensorType)
    return op.offset.data, op.coeffs.data, op.pattern.data, res.get_shape()


# (expression, offset, pattern); coeffs are empty (no loop), shape = the pattern's sizes
STATIC: list[tuple[str, int, Pattern]] = [
    # slice: nki.md §4.2's own example, then HBM rows/columns and steps
    ("t.slice(1, 8, 24)", 8, ((64, 128), (1, 16))),
    ("x.slice(1, 8, 24)", 8, ((128, 256), (1, 16))),
    ("x.slice(0, 10, 20, 3)", 1280, ((384, 4), (1, 128))),
    ("x.slice(dim=1, start=0, end=128, step=2)", 0, ((128, 256), (2, 64))),
    ("t.slice(0, 32, 64)", 32 * 64, ((64, 32), (1, 64))),
    ("x.slice(-1, 0, 4)", 0, ((128, 256), (1, 4))),
    # select: HBM drops the dim; on chip a picked free dim stays at size 1 (>= 2-D)
    ("x.select(0, 3)", 384, ((1, 128),)),
    ("x.select(1, 5)", 5, ((128, 256),)),
    ("t.select(1, 5)", 5, ((64, 128), (1, 1))),
    ("x.reshape((2, 128, 128)).select(0, 1)", 16384, ((128, 128), (1, 128))),
    # permute
    ("x.permute((1, 0))", 0, ((1, 128), (128, 256))),
    ("x.permute([-1, 0])", 0, ((1, 128), (128, 256))),
    ("x.reshape((2, 128, 128)).permute((1, 0, 2))", 0, ((128, 128), (16384, 2), (1, 128))),
    ("t.reshape_dim(1, (2, 32)).permute((0, 2, 1))", 0, ((64, 128), (1, 32), (32, 2))),
    # broadcast: a stride-0 dim (on chip: free dims only; HBM: any size-1 dim)
    ("t.slice(1, 0, 1).broadcast(1, 64)", 0, ((64, 128), (0, 64))),
    ("x.slice(0, 2, 3).broadcast(0, 4)", 256, ((0, 4), (1, 128))),
    # expand_dim / squeeze_dim
    ("x.expand_dim(1)", 0, ((128, 256), (128, 1), (1, 128))),
    ("x.expand_dim(-1)", 0, ((128, 256), (1, 128), (1, 1))),
    ("t.expand_dim(2)", 0, ((64, 128), (1, 64), (1, 1))),
    ("x.slice(0, 2, 3).squeeze_dim(0)", 256, ((1, 128),)),
    ("t.slice(1, 7, 8).squeeze_dim(1)", 7, ((64, 128),)),
    # reshape_dim: split one dim row-major, one -1 allowed; trivial on the partition dim
    ("x.reshape_dim(1, (4, -1))", 0, ((128, 256), (32, 4), (1, 32))),
    ("x.reshape_dim(0, (2, 128))", 0, ((16384, 2), (128, 128), (1, 128))),
    ("t.reshape_dim(1, (2, 32))", 0, ((64, 128), (32, 2), (1, 32))),
    ("t.reshape_dim(0, (128, 1))", 0, ((64, 128), (64, 1), (1, 64))),
    ("x.slice(1, 0, 64, 2).reshape_dim(1, (8, 4))", 0, ((128, 256), (8, 8), (2, 4))),
    # flatten_dims: merges dims that are contiguous with respect to each other
    ("x.slice(1, 0, 64).reshape_dim(1, (2, 32)).flatten_dims(1, 2)", 0, ((128, 256), (1, 64))),
    ("x.reshape((4, 64, 128)).slice(1, 0, 32).flatten_dims(1, 2)", 0, ((8192, 4), (1, 4096))),
    ("t.reshape((128, 4, 16)).slice(1, 1, 3).flatten_dims(1, 2)", 16, ((64, 128), (1, 32))),
    ("x.slice(0, 0, 1).broadcast(0, 4).expand_dim(0).flatten_dims(0, 1)", 0, ((0, 4), (1, 128))),
    # reshape: any view expressible with the current strides; on chip shape[0] is kept
    ("x.reshape((-1,))", 0, ((1, 32768),)),
    ("x.reshape((2, 128, 128))[1]", 16384, ((128, 128), (1, 128))),
    ("x.slice(1, 0, 64).reshape((256, 2, 32))", 0, ((128, 256), (32, 2), (1, 32))),
    ("x.permute((1, 0)).reshape((2, 64, 256))", 0, ((64, 2), (1, 64), (128, 256))),
    ("x.slice(1, 0, 64).reshape((256, 8, 8))", 0, ((128, 256), (8, 8), (1, 8))),
    ("t.reshape((128, 8, 8))", 0, ((64, 128), (8, 8), (1, 8))),
    ("t.slice(1, 0, 32, 2).reshape((128, 4, 4))", 0, ((64, 128), (8, 4), (2, 4))),
    # ap: absolute in the storage, ignores the view it is called on
    ("x.ap([[128, 64], [2, 64]], offset=1)", 1, ((128, 64), (2, 64))),
    ("x.slice(0, 128, 256).ap([[1, 128]])", 16384, ((1, 128),)),
    ("x.slice(1, 8, 24).ap([[128, 2], [1, 4]], offset=0)", 0, ((128, 2), (1, 4))),
    ("t.ap([[64, 64], [1, 32]], offset=64 * 32 + 16)", 2064, ((64, 64), (1, 32))),
    ("t.ap([[64, 128], [0, 4], [1, 64]])", 0, ((64, 128), (0, 4), (1, 64))),
    ("t.ap([[64, 128], [-1, 64]], offset=63)", 63, ((64, 128), (-1, 64))),
    ("x.ap(x.slice(1, 8, 24).get_pattern(), offset=8)", 8, ((128, 256), (1, 16))),
    ("x.ap([[128, 256], [1, 128]], dtype=nl.float32)[0:2, 0:4]", 0, ((128, 2), (1, 4))),
]


@pytest.mark.parametrize(("expr", "offset", "pattern"), STATIC, ids=[r[0] for r in STATIC])
def test_static_views(tmp_path: Path, expr: str, offset: int, pattern: Pattern) -> None:
    op = view_of(tmp_path, expr)
    assert op is not None
    assert props(op) == (offset, (), pattern, tuple(n for _, n in pattern))


WHOLE = [
    "x.reshape((256, 2, 64)).flatten_dims(1, 2)",
    "x.reshape((4, 64, 128)).flatten_dims(0, 1)",
    "t.expand_dim(1).squeeze_dim(1)",
    "t.expand_dim(1).flatten_dims(1, 2)",
    "x.permute((1, 0)).permute((1, 0))",
    "x.reshape((2, 128, 128)).reshape((256, 128))",
    "t.reshape((128, 2, 32)).reshape((128, 64))",
    "x.ap([[128, 256], [1, 128]])",
    "t.ap(t.get_pattern())",
    "t.reshape_dim(0, (128,))",
]


@pytest.mark.parametrize("expr", WHOLE)
def test_views_of_the_whole_storage_need_no_op(tmp_path: Path, expr: str) -> None:
    assert view_of(tmp_path, expr) is None


# (loop body view, offset, coeffs, pattern): offsets affine in a rolled loop's index
LOOPS: list[tuple[str, int, tuple[int, ...], Pattern]] = [
    ("x.slice(0, i * 128, (i + 1) * 128)", 0, (16384,), ((128, 128), (1, 128))),
    ("x.select(0, 4 * i + 1)", 128, (512,), ((1, 128),)),
    ("x.reshape((2, 128, 128)).select(0, i)", 0, (16384,), ((128, 128), (1, 128))),
    ("x.slice(1, 32 * i, 32 * i + 32).permute((1, 0))", 0, (32,), ((1, 32), (128, 256))),
    ("t.slice(1, 32 * i, 32 * i + 32)", 0, (32,), ((64, 128), (1, 32))),
    ("t.ap([[64, 128], [1, 32]], offset=32 * i)", 0, (32,), ((64, 128), (1, 32))),
    ("t.ap([[64, 64], [1, 64]], offset=64 * 64 * i)", 0, (4096,), ((64, 64), (1, 64))),
    ("x.ap([[128, 128], [1, 128]], offset=16384 * i + 1 - 1)", 0, (16384,), ((128, 128), (1, 128))),
]


@pytest.mark.parametrize(("expr", "offset", "coeffs", "pattern"), LOOPS, ids=[r[0] for r in LOOPS])
def test_views_in_rolled_loops(
    tmp_path: Path, expr: str, offset: int, coeffs: tuple[int, ...], pattern: Pattern
) -> None:
    result, views = views_of(tmp_path, f"""
        {SETUP}
        for i in nl.affine_range(2):
            v = {expr}
            nisa.dma_copy(dst=v, src=v)
    """)
    assert not result.unrolled
    loops = [op.indices[0].owner.parent_op() for op in views]  # type: ignore[union-attr]
    assert [lp.name for lp in loops] == ["klr.for"] * 2  # type: ignore[union-attr]
    assert props(views[0]) == (offset, coeffs, pattern, tuple(n for _, n in pattern))


# (expression, what the kernel prints): the methods and attributes that answer Python values
QUERIES: list[tuple[str, str]] = [
    ("x.strides", "(128, 1)"),
    ("x.offset", "0"),
    ("t.strides", "(64, 1)"),
    ("x.slice(1, 8, 24).offset", "8"),
    ("x.permute((1, 0)).strides", "(1, 128)"),
    ("x.slice(0, 0, 1).broadcast(0, 4).strides", "(0, 1)"),
    ("x.reshape((2, 128, 128)).shape", "(2, 128, 128)"),
    ("x.get_pattern()", "[[128, 256], [1, 128]]"),
    ("t.slice(1, 8, 24).get_pattern()", "[[64, 128], [1, 16]]"),
    ("x.is_contiguous()", "True"),
    ("x.slice(0, 0, 64).is_contiguous()", "True"),
    ("x.slice(1, 0, 64).is_contiguous()", "False"),
    ("x.permute((1, 0)).is_contiguous()", "False"),
    ("t.is_contiguous()", "True"),
    ("t.slice(0, 3, 4).is_contiguous()", "True"),
    ("t.slice(1, 0, 32).is_contiguous()", "False"),
    ("x.slice(0, 0, 1).broadcast(0, 4).is_contiguous()", "False"),
    ("x.expand_dim(1).is_contiguous()", "True"),
]


@pytest.mark.parametrize(("expr", "printed"), QUERIES, ids=[r[0] for r in QUERIES])
def test_queries(tmp_path: Path, expr: str, printed: str) -> None:
    result = klr.trace(kernel(tmp_path, f"{SETUP}\nprint({expr})\n"), "k", x=X)
    assert result.messages == [printed + "\n"]


def test_get_pattern_is_a_fresh_list(tmp_path: Path) -> None:
    # a kernel may edit the pattern it got before passing it to .ap()
    result, views = views_of(tmp_path, """
        p = x.get_pattern()
        p[0][1] = 2
        v = x.ap(p, offset=128)
        nisa.dma_copy(dst=v, src=v)
        print(x.get_pattern())
    """)
    assert props(views[0]) == (128, (), ((128, 2), (1, 128)), (2, 128))
    assert result.messages == ["[[128, 256], [1, 128]]\n"]


def test_symbolic_offset_unrolls_the_loop(tmp_path: Path) -> None:
    result = klr.trace(kernel(tmp_path, """
        for i in nl.affine_range(2):
            print(x.slice(0, 128 * i, 128 * i + 128).offset)
    """), "k", x=X)
    assert result.messages == ["0\n", "16384\n"]
    assert result.unrolled


# (kernel body, diagnostic code, a piece of the message)
ERRORS: list[tuple[str, str, str]] = [
    ("x.slice(1, 0, 129)", "err_bad_view", "slice(): 0:129 is out of bounds for dim 1 of size 128"),
    ("x.slice(1, -1, 4)", "err_bad_view", "slice(): -1:4 is out of bounds"),
    ("x.slice(1, 4, 2)", "err_bad_view", "start must be less than end"),
    ("x.slice(1, 0, 4, -1)", "err_bad_view", "step must be >= 1"),
    ("t.slice(0, 0, 128, 2)", "err_bad_view", "cannot be strided"),
    ("x.slice(1.0, 0, 4)", "err_bad_arguments", "'dim' must be an int"),
    ("x.slice(-3, 0, 4)", "err_bad_view", "dim -3 is out of range"),
    ("for i in nl.affine_range(3):\n    x.slice(0, 100 * i, 100 * i + 100)", "err_bad_view",
     "0:100 (first iteration) to 200:300 (last iteration) is out of bounds for dim 0 of size 256"),
    ("x.select(0, 256)", "err_bad_view", "select(): index 256 is out of bounds"),
    ("x.select(0, -1)", "err_bad_view", "select(): index -1 is out of bounds"),
    ("for i in nl.affine_range(3):\n    x.select(1, 64 * i)", "err_bad_view",
     "index 0 (first iteration) to 128 (last iteration) is out of bounds for dim 1 of size 128"),
    ("t.select(0, 0)", "err_bad_view", "cannot remove the partition dimension"),
    ("x.select(0, t)", "err_not_supported", "dynamic select"),
    ("x.permute((0,))", "err_bad_view", "is not a permutation"),
    ("x.permute((0, 2))", "err_bad_view", "is not a permutation"),
    ("t.permute((1, 0))", "err_bad_view", "dims[0] must be 0"),
    ("x.broadcast(1, 4)", "err_bad_view", "dim 1 must have size 1"),
    ("x.slice(0, 0, 1).broadcast(0, 0)", "err_bad_view", "size must be >= 1"),
    ("t.slice(0, 0, 1).broadcast(0, 128)", "err_bad_view", "cannot broadcast dim 0 of an on-chip"),
    ("t.expand_dim(0)", "err_bad_view", "cannot insert a dim at dim 0"),
    ("t.expand_dim(3)", "err_bad_view", "dim 3 is out of range"),
    ("t.slice(0, 0, 1).squeeze_dim(0)", "err_bad_view", "cannot squeeze dim 0"),
    ("x.squeeze_dim(0)", "err_bad_view", "dim 0 must have size 1"),
    ("x.select(0, 0).slice(0, 0, 1).squeeze_dim(0)", "err_bad_view", "cannot remove the only dim"),
    ("x.reshape_dim(1, (-1, -1))", "err_bad_view", "at most one size can be -1"),
    ("x.reshape_dim(1, (3, 5))", "err_bad_view", "shape (3, 5) has 15 elements but dim 1"),
    ("x.reshape_dim(1, (0, 128))", "err_bad_view", "sizes must be positive"),
    ("x.reshape_dim(1, 128)", "err_bad_arguments", "'shape' must be a list or tuple of ints"),
    ("t.reshape_dim(0, (64, 2))", "err_bad_view", "cannot split the partition dimension"),
    ("x.flatten_dims(1, 0)", "err_bad_view", "start 1 is after end 0"),
    ("t.reshape((128, 4, 16)).flatten_dims(0, 2)", "err_bad_view", "start must be > 0"),
    ("x.slice(1, 0, 64, 2).reshape_dim(1, (2, 16)).permute((0, 2, 1)).flatten_dims(1, 2)",
     "err_bad_view", "not contiguous with respect to each other"),
    ("x.slice(1, 0, 64).flatten_dims(0, 1)", "err_bad_view", "not contiguous"),
    ("x.reshape((3, -1))", "err_bad_view", "cannot infer the -1"),
    ("x.reshape((256, 64))", "err_bad_view", "has 16384 elements but shape (256, 128) has 32768"),
    ("x.slice(1, 0, 64).reshape((-1,))", "err_bad_view",
     "cannot be reshaped to (16384,) without copying"),
    ("t.reshape((64, 128))", "err_bad_view", "shape[0] must stay 128"),
    ("t.slice(1, 0, 32, 2).reshape((128, 2, 8)).permute((0, 2, 1)).reshape((128, 16))",
     "err_bad_view", "without copying"),
    ("t.ap([[32, 128], [1, 32]])", "err_bad_view",
     "its step must be the storage's free size 64, got 32"),
    ("t.ap([[64, 129], [1, 64]])", "err_bad_view", "partitions 0:129 are out of bounds"),
    ("t.ap([[64, 64], [1, 64]], offset=64 * 65)", "err_bad_view",
     "partitions 65:129 are out of bounds"),
    ("t.ap([[64, 128], [1, 64]], offset=1)", "err_bad_view",
     "free offsets 1..64 are out of bounds"),
    ("t.ap([[64, 128], [-1, 2]])", "err_bad_view", "free offsets -1..0 are out of bounds"),
    ("for i in nl.affine_range(3):\n    t.ap([[64, 128], [1, 32]], offset=24 * i)", "err_bad_view",
     "free offsets 0..79 are out of bounds"),
    # rows of 64 cannot become rows of 32 over a row stride of 128
    ("x.slice(1, 0, 64).reshape((512, 32))", "err_bad_view", "without copying"),
    ("x.ap([[128, 256], [1, 128]], offset=1)", "err_bad_view",
     "elements 1..32768 are out of bounds"),
    ("x.ap([[128, 2], [1, 0]])", "err_bad_view", "every count must be >= 1"),
    ("x.ap([128, 2])", "err_bad_arguments", "list of [step, count] pairs"),
    ("x.ap([[128, 2]], offset=t)", "err_bad_arguments", "'offset' must be an int"),
    ("x.ap([[1, 2]], offset=1 << 30, dtype=nl.bfloat16)", "err_bad_view", "out of bounds for a storage of"),
    ("t.view(nl.float8_e4m3)[:, ::2].view(nl.bfloat16)", "err_bad_view", "the last dim must be contiguous"),
    ("x.ap([[128, 2]], scalar_offset=t)", "err_bad_view", "a tensor scalar_offset is a (1, 1) integer SBUF tensor"),
    ("x.ap([[128, 2]], vector_offset=t)", "err_bad_view", "vector_offset must be a (P, 1) integer SBUF tensor"),
    ("x.ap([[128, 2]], scalar_offset=3)", "err_bad_arguments", "scalar_offset is a register or a (1, 1) SBUF tensor"),
    ("x.slice(0, 1)", "err_bad_arguments", "NkiTensor.slice(): missing a required argument"),
    ("x.vector_select(0, t)", "err_bad_view", "vector_offset must be a (P, 1) integer SBUF tensor"),
]


@pytest.mark.parametrize(("body", "code", "message"), ERRORS, ids=[r[0] for r in ERRORS])
def test_rule_violations(tmp_path: Path, body: str, code: str, message: str) -> None:
    with pytest.raises(KlrError) as e:
        klr.trace(kernel(tmp_path, f"{SETUP}\n{body}\n"), "k", x=X)
    d = e.value.diagnostics[0]
    assert d.code == code
    assert message in d.message


def test_the_views_kernel_prints_parses_and_verifies(ctx: Context) -> None:
    # test/trace/views.test checks the text; here the text must parse back and verify
    result = klr.trace(ROOT / "test/trace/Inputs/views.py", "views", x=X, y="float32[128,64]")
    result.module.verify()
    text = print_ir(result.module)
    again = parse_ir(ctx, text)
    again.verify()
    assert print_ir(again) == text
    assert sum(isinstance(op, k.ViewOp) for op in again.walk()) == 18


@pytest.mark.parametrize(
    "src, dst, sizes, numpy",
    [
        # (p, (h w)) -> (p, w, h): split then swap
        ("('p', ('h', 'w'))", "('p', 'w', 'h')", "{'h': 4}",
         lambda a: a.reshape(128, 4, 6).transpose(0, 2, 1)),
        # (p, a, b, c) -> (p, c, (a b)): a merge of dims adjacent in memory
        ("('p', 'a', 'b', 'c')", "('p', 'c', ('a', 'b'))", "None, reshape=(128, 2, 3, 4)",
         lambda a: a.reshape(128, 2, 3, 4).transpose(0, 3, 1, 2).reshape(128, 4, 6)),
        # (p, (g h w)) -> (p, (g h), w) with w inferred
        ("('p', ('g', 'h', 'w'))", "('p', ('g', 'h'), 'w')", "{'g': 2, 'h': 3}",
         lambda a: a.reshape(128, 6, 4)),
    ],
)
def test_rearrange_matches_numpy(tmp_path: Path, src: str, dst: str, sizes: str, numpy) -> None:  # type: ignore[no-untyped-def]
    """The view `t.rearrange(...)` reads the elements einops would: copied into a tile of
    the result's shape and compared with the NumPy reshape/transpose."""
    import numpy as np

    fixed, _, shape = sizes.partition(", reshape=")
    view = f"t.reshape({shape})" if shape else "t"
    body = f"""
        t = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x)
        v = {view}.rearrange({src}, {dst}, {fixed})
        u = nl.ndarray(v.shape, dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=u, src=v)
        o = nl.ndarray(v.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=u)
        return o
    """
    f = tmp_path / "k.py"
    f.write_text(PRELUDE_RR + "@nki.jit\ndef fn(x):\n" + textwrap.indent(textwrap.dedent(body), "    "))
    x = np.arange(128 * 24, dtype=np.float32).reshape(128, 24)
    out = klr.simulate(klr.load(str(f), "fn"))(x)
    np.testing.assert_array_equal(out, numpy(x))


PRELUDE_RR = "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"


def test_vector_select_gathers_and_scatters_rows(tmp_path: Path) -> None:
    """Row `idx[p]` of the HBM table for partition p, read (gather) and written (scatter,
    distinct indices) through `t.vector_select(0, idx)`; other rows untouched."""
    import numpy as np

    f = tmp_path / "k.py"
    f.write_text(
        Path(__file__).resolve().parents[1].joinpath("trace", "Inputs", "vector_select.py").read_text()
    )
    rng = np.random.default_rng(0)
    table = rng.standard_normal((1000, 64)).astype(np.float32)
    idx = rng.permutation(1000)[:128].astype(np.int32).reshape(128, 1)
    out = klr.simulate(klr.load(str(f), "k"))(table, idx)
    want = table.copy()
    want[idx[:, 0]] = 2 * table[idx[:, 0]]
    np.testing.assert_array_equal(out, want)


def test_ap_scalar_and_vector_offsets_run(tmp_path: Path) -> None:
    """A dynamic loop reads and writes `x[i]` through `.ap(scalar_offset=i)`; a (1, 1)
    tensor offset picks block n; `.ap(vector_offset=idx)` reads every other element of
    row idx[p], starting at element 1."""
    import numpy as np

    src = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "dynamic_offset.py"
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 128, 64)).astype(np.float32)
    for n in (1, 5, 7):
        out = klr.simulate(klr.load(str(src), "k"))(x, np.array([[n]], np.int32))
        np.testing.assert_array_equal(out[:n], x[:n] + 1)
    table = rng.standard_normal((1000, 64)).astype(np.float32)
    idx = rng.integers(0, 1000, (128, 1)).astype(np.int32)
    rows = klr.simulate(klr.load(str(src), "rows"))(table, idx)
    np.testing.assert_array_equal(rows, table[idx[:, 0]][:, 1::2])


def test_reinterpreting_views_run(tmp_path: Path) -> None:
    """t.view(int32) flips float sign bits in place; t.view(bfloat16)[:, 1::2] reads the
    high halves; x.view(int32).ap(..., dtype=float32) reads every other float; fp32 mode
    refuses a reinterpretation whose bytes it does not keep; writes through a view mark
    the base written, reads through one report what the base never wrote."""
    import numpy as np

    from klr.interp import run_module

    src = Path(__file__).resolve().parents[1] / "trace" / "Inputs" / "reinterpret.py"
    x = np.random.default_rng(2).standard_normal((128, 64)).astype(np.float32)
    flipped, hi, every_other = klr.simulate(klr.load(str(src), "k"))(x)
    np.testing.assert_array_equal(flipped, -x)
    np.testing.assert_array_equal(hi.view(np.uint16), ((-x).view(np.uint32) >> 16).astype(np.uint16))
    np.testing.assert_array_equal(every_other, x[:, ::2])
    with pytest.raises(KlrError) as e:
        klr.simulate(klr.load(str(src), "k"), mode="fp32")(x)
    assert e.value.code == "err_not_supported" and "fp32 mode" in str(e.value)
    traced = klr.trace(src, "partial", x="float32[128,64]")
    result = run_module(traced.module, {"x": x})
    np.testing.assert_array_equal(result.outputs[0], x[:, 32:64])
    assert [w.code for w in result.warnings] == ["warn_uninitialized_read"]
