"""Elementwise addition out = a + b, launched on a 1-D SPMD grid.

Program instance `pid` of `nl.num_programs(0)` owns one contiguous block of
rows and walks it in 128-row tiles; the instances together cover the whole
tensor and all write into the same shared-HBM output.
"""

import numpy as np

import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def tensor_add_spmd_kernel(a, b):
    assert a.shape == b.shape, f"shape mismatch: {a.shape} vs {b.shape}"
    rows, cols = a.shape
    tile_p = nl.tile_size.pmax

    # program_id / num_programs are compile-time constants of each instance.
    pid = nl.program_id(0)
    n_prog = nl.num_programs(0)
    assert rows % (n_prog * tile_p) == 0, (
        f"rows={rows} must split into {n_prog} blocks of whole {tile_p}-row tiles"
    )
    block_rows = rows // n_prog
    block_start = pid * block_rows

    # Every instance declares the output; shared_hbm makes it one tensor that
    # all instances (and the caller) see.
    out = nl.ndarray((rows, cols), dtype=a.dtype, buffer=nl.shared_hbm)

    for i in nl.affine_range(block_rows // tile_p):
        rows_i = nl.ds(block_start + i * tile_p, tile_p)

        a_tile = nl.ndarray((tile_p, cols), dtype=a.dtype, buffer=nl.sbuf)
        b_tile = nl.ndarray((tile_p, cols), dtype=b.dtype, buffer=nl.sbuf)
        c_tile = nl.ndarray((tile_p, cols), dtype=a.dtype, buffer=nl.sbuf)

        nisa.dma_copy(dst=a_tile, src=a[rows_i, :])
        nisa.dma_copy(dst=b_tile, src=b[rows_i, :])
        nisa.tensor_tensor(dst=c_tile, data1=a_tile, data2=b_tile, op=nl.add)
        nisa.dma_copy(dst=out[rows_i, :], src=c_tile)

    return out


def reference(a, b):
    return (a.astype(np.float64) + b.astype(np.float64)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    # 512 rows over 2 programs -> 2 tiles of 128 rows per program.
    shape = (512, 512)
    return {
        "a": rng.standard_normal(shape).astype(np.float32),
        "b": rng.standard_normal(shape).astype(np.float32),
    }


KERNEL = "tensor_add_spmd_kernel"
GRID = (2,)
