"""Elementwise addition of two HBM tensors: out = a + b.

The (rows, cols) inputs are streamed through SBUF in tiles of 128 rows (one row
per partition) by FREE_TILE columns, added on the Vector engine and written back
to a shared-HBM output.
"""

import numpy as np

import nki
import nki.language as nl
import nki.isa as nisa

# Columns per tile. Any size fits SBUF for a single tile; a bounded tile keeps
# the per-iteration footprint small so the compiler can multi-buffer the loop.
FREE_TILE = 512


@nki.jit
def tensor_add_kernel(a, b):
    assert a.shape == b.shape, f"shape mismatch: {a.shape} vs {b.shape}"
    rows, cols = a.shape
    tile_p = nl.tile_size.pmax
    assert rows % tile_p == 0, f"rows={rows} must be a multiple of {tile_p}"
    assert cols % FREE_TILE == 0, f"cols={cols} must be a multiple of {FREE_TILE}"

    out = nl.ndarray((rows, cols), dtype=a.dtype, buffer=nl.shared_hbm)

    # Tiles are independent, so both loops are parallel (affine).
    for i in nl.affine_range(rows // tile_p):
        for j in nl.affine_range(cols // FREE_TILE):
            # Allocating inside the body gives each iteration fresh buffers,
            # which lets loads of tile i+1 overlap the add of tile i.
            a_tile = nl.ndarray((tile_p, FREE_TILE), dtype=a.dtype, buffer=nl.sbuf)
            b_tile = nl.ndarray((tile_p, FREE_TILE), dtype=b.dtype, buffer=nl.sbuf)
            c_tile = nl.ndarray((tile_p, FREE_TILE), dtype=a.dtype, buffer=nl.sbuf)

            rows_i = nl.ds(i * tile_p, tile_p)
            cols_j = nl.ds(j * FREE_TILE, FREE_TILE)
            nisa.dma_copy(dst=a_tile, src=a[rows_i, cols_j])
            nisa.dma_copy(dst=b_tile, src=b[rows_i, cols_j])

            nisa.tensor_tensor(dst=c_tile, data1=a_tile, data2=b_tile, op=nl.add)

            nisa.dma_copy(dst=out[rows_i, cols_j], src=c_tile)

    return out


def reference(a, b):
    return (a.astype(np.float64) + b.astype(np.float64)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    shape = (256, 1024)
    return {
        "a": rng.standard_normal(shape).astype(np.float32),
        "b": rng.standard_normal(shape).astype(np.float32),
    }


KERNEL = "tensor_add_kernel"
GRID = None
