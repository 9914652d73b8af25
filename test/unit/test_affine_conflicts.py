"""The affine_range independence analysis: exact over all iterations, with counterexamples."""

from __future__ import annotations

import textwrap
from pathlib import Path

import klr
from klr.analysis.affine_conflicts import check_module

PRELUDE = "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n"


def conflicts(tmp_path: Path, body: str, **args: str):  # type: ignore[no-untyped-def]
    f = tmp_path / "k.py"
    f.write_text(PRELUDE + textwrap.dedent(body))
    return check_module(klr.trace(f, "k", **args).module)[0]


def test_disjoint_tiles_of_an_outer_tensor_are_independent(tmp_path: Path) -> None:
    assert conflicts(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            for i in nl.affine_range(8):
                nisa.tensor_scalar(dst=t[:, nl.ds(i * 8, 8)], data=t[:, nl.ds(i * 8, 8)],
                                   op0=nl.add, operand0=1.0)
    """, x="float32[1]") == []


def test_strided_interleaving_is_independent_but_overlap_is_found(tmp_path: Path) -> None:
    # iteration i writes columns i, i+8, i+16, ... : disjoint across iterations
    assert conflicts(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            for i in nl.affine_range(8):
                nisa.memset(dst=t[:, i::8], value=1.0)
    """, x="float32[1]") == []
    found = conflicts(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            for i in nl.affine_range(8):
                nisa.memset(dst=t[:, 2 * i:2 * i + 16:8], value=1.0)
    """, x="float32[1]")
    assert len(found) == 1
    c = found[0]
    assert c.tensor == "t" and c.kind == "write-write"
    # iteration i writes columns 2i and 2i+8: iterations i and i+4 share a column
    i, j = c.iterations
    assert abs(i - j) == 4 and c.element[1] in (2 * i, 2 * i + 8) and c.element[1] in (2 * j, 2 * j + 8)


def test_nested_loops_vary_inner_indices(tmp_path: Path) -> None:
    # the inner loop's index does not distinguish outer iterations: they collide
    found = conflicts(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            for i in nl.affine_range(4):
                for j in nl.sequential_range(4):
                    nisa.memset(dst=t[:, nl.ds(j * 8, 8)], value=1.0)
    """, x="float32[1]")
    assert [c.loop.kind.data.value for c in found] == ["affine"]
    assert conflicts(tmp_path, """
        @nki.jit
        def k(x):
            t = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
            for i in nl.affine_range(4):
                for j in nl.affine_range(2):
                    nisa.memset(dst=t[:, nl.ds(i * 16 + j * 8, 8)], value=1.0)
    """, x="float32[1]") == []


def test_psum_accumulation_is_allowed_but_overwrite_is_not(tmp_path: Path) -> None:
    body = """
        @nki.jit
        def k(x):
            p = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.psum)
            for i in nl.affine_range(4):
                t = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
                nisa.dma_copy(dst=t, src=x[nl.ds(i * 128, 128), :])
                nisa.nc_matmul(dst=p, stationary=t, moving=t{flag})
    """
    assert conflicts(tmp_path, body.format(flag=""), x="float32[512,128]") == []
    assert conflicts(tmp_path, body.format(flag=", accumulate=True"), x="float32[512,128]") == []
    found = conflicts(tmp_path, body.format(flag=", accumulate=False"), x="float32[512,128]")
    assert len(found) == 1 and found[0].tensor == "p"


def test_examples_are_independent() -> None:
    from support import EXAMPLES

    r = klr.trace(EXAMPLES / "matmul_tiled.py", "matmul_tiled_kernel",
                  a_t="bfloat16[1024,512]", b="bfloat16[1024,1024]")
    assert check_module(r.module)[0] == []
