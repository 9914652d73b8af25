"""First-generation NKI (`neuronxcc.nki`): 2-D average pooling, 2x2 window, stride 2.

The input (C, H, W) keeps channels on the partitions, 128 per tile. Each tile is
loaded once; a 5-D affine index `tile[c, 2*i + di, 2*j + dj]` (from `nl.mgrid`) then
views it as (C, H/2, W/2, 2, 2), with the window on the two trailing free axes so that
one `nl.sum` reduces it, and a multiply by 1/4 gives the mean.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

POOL = 2


@nki.jit
def avgpool_kernel(x):
    channels, height, width = x.shape
    out_h, out_w = height // POOL, width // POOL
    out = nl.ndarray((channels, out_h, out_w), dtype=x.dtype, buffer=nl.shared_hbm)

    pmax = nl.tile_size.pmax
    # window axes (di, dj) last: tensor_reduce only reduces trailing free axes
    i_c, i_h, i_w, i_dh, i_dw = nl.mgrid[0:pmax, 0:out_h, 0:out_w, 0:POOL, 0:POOL]
    i_x = nl.arange(pmax)[:, None, None]
    i_y = nl.arange(height)[None, :, None]
    i_z = nl.arange(width)[None, None, :]
    o_c, o_h, o_w = nl.mgrid[0:pmax, 0:out_h, 0:out_w]
    for t in nl.affine_range(channels // pmax):
        image = nl.load(x[t * pmax + i_x, i_y, i_z])
        sums = nl.sum(image[i_c, POOL * i_h + i_dh, POOL * i_w + i_dw], axis=(3, 4))
        means = nl.multiply(sums, 1.0 / (POOL * POOL))
        nl.store(out[t * pmax + o_c, o_h, o_w], value=means)
    return out


def reference(x):
    c, h, w = x.shape
    x = x.astype(np.float64).reshape(c, h // POOL, POOL, w // POOL, POOL)
    return x.mean(axis=(2, 4)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {"x": rng.standard_normal((256, 16, 24)).astype(np.float32)}


KERNEL = "avgpool_kernel"
GRID = None
