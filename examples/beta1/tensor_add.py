"""First-generation NKI (`neuronxcc.nki`): out = a + b on an SPMD grid.

Each program instance adds one 128-row block. Tiles are addressed with `nl.arange`
index expressions and moved with the value-returning `nl.load` / `nl.store`.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

COLS_PER_TILE = 512


@nki.jit
def tensor_add_kernel(a_input, b_input):
    rows, cols = a_input.shape
    c_output = nl.ndarray((rows, cols), dtype=a_input.dtype, buffer=nl.shared_hbm)

    # program_id(0) picks the 128-row block of this instance
    i_p = nl.program_id(0) * nl.tile_size.pmax + nl.arange(nl.tile_size.pmax)[:, None]
    for j in nl.affine_range(cols // COLS_PER_TILE):
        i_f = j * COLS_PER_TILE + nl.arange(COLS_PER_TILE)[None, :]
        a_tile = nl.load(a_input[i_p, i_f])
        b_tile = nl.load(b_input[i_p, i_f])
        c_tile = nl.add(a_tile, b_tile)
        nl.store(c_output[i_p, i_f], value=c_tile)
    return c_output


def reference(a_input, b_input):
    return (a_input.astype(np.float64) + b_input.astype(np.float64)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    shape = (256, 1024)
    return {
        "a_input": rng.standard_normal(shape).astype(np.float32),
        "b_input": rng.standard_normal(shape).astype(np.float32),
    }


KERNEL = "tensor_add_kernel"
GRID = (2,)
