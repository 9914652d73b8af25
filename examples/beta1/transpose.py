"""First-generation NKI (`neuronxcc.nki`): out = x.T, one 128x128 block at a time.

Blocks are addressed with `nl.mgrid` index grids (load) and `nl.arange` expressions
(store); the value-returning `nisa.nc_transpose` runs on the Tensor engine, so its
result lands in PSUM and `nl.copy` brings it back to SBUF before `nl.store`.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

BLOCK = 128


@nki.jit
def transpose_kernel(x):
    rows, cols = x.shape
    out = nl.ndarray((cols, rows), dtype=x.dtype, buffer=nl.shared_hbm)

    i_p, i_f = nl.mgrid[0:BLOCK, 0:BLOCK]
    for r in nl.affine_range(rows // BLOCK):
        for c in nl.affine_range(cols // BLOCK):
            block = nl.load(x[r * BLOCK + i_p, c * BLOCK + i_f])
            block_t = nisa.nc_transpose(block)
            block_sb = nl.copy(block_t, dtype=x.dtype)
            # block (r, c) of x becomes block (c, r) of out
            i_row = c * BLOCK + nl.arange(BLOCK)[:, None]
            i_col = r * BLOCK + nl.arange(BLOCK)[None, :]
            nl.store(out[i_row, i_col], value=block_sb)
    return out


def reference(x):
    return np.ascontiguousarray(x.astype(np.float64).T).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {"x": rng.standard_normal((256, 384)).astype(np.float32)}


KERNEL = "transpose_kernel"
GRID = None
