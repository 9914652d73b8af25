"""Rotary position embedding (RoPE) of a (seq, dim) tensor, the first and second halves of
each row rotated as pairs:

    theta[p, j] = p * base^(-2j / dim)                     j < dim / 2
    out[p, :half] = x1 * cos(theta) - x2 * sin(theta)
    out[p, half:] = x2 * cos(theta) + x1 * sin(theta)

Positions come from `iota` (one per partition), the frequencies from one `exp`
activation over an `iota` of j, the angles from one `tensor_scalar` with the positions as
a per-partition operand; `nl.sin` / `nl.cos` reduce the angles into the Scalar engine's
valid range first.
"""

import math

import numpy as np

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def rope_kernel(x, base=10000.0):
    seq, dim = x.shape
    tile_p = nl.tile_size.pmax
    assert seq % tile_p == 0 and dim % 2 == 0, f"seq={seq} must be a multiple of {tile_p}, dim even"
    half = dim // 2
    out = nl.ndarray((seq, dim), dtype=x.dtype, buffer=nl.shared_hbm)

    # inv_freq[j] = exp(-2 j ln(base) / dim), the same row on every partition
    j = nl.ndarray((tile_p, half), dtype=nl.float32, buffer=nl.sbuf)
    nisa.iota(dst=j, pattern=[[1, half]])
    inv_freq = nl.ndarray((tile_p, half), dtype=nl.float32, buffer=nl.sbuf)
    nisa.activation(dst=inv_freq, op=nl.exp, data=j, scale=-2.0 * math.log(base) / dim)

    for i in range(seq // tile_p):  # unrolled: each tile's positions are constants
        pos = nl.ndarray((tile_p, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.iota(dst=pos, pattern=[[0, 1]], offset=i * tile_p, channel_multiplier=1)
        theta = nl.ndarray((tile_p, half), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=theta, data=inv_freq, op0=nl.multiply, operand0=pos)
        cos = nl.cos(theta)
        sin = nl.sin(theta)

        rows = nl.ds(i * tile_p, tile_p)
        x1 = nl.load(x[rows, 0:half])
        x2 = nl.load(x[rows, half:dim])
        nl.store(out[rows, 0:half], nl.subtract(nl.multiply(x1, cos), nl.multiply(x2, sin)))
        nl.store(out[rows, half:dim], nl.add(nl.multiply(x2, cos), nl.multiply(x1, sin)))
    return out


def reference(x, base=10000.0):
    seq, dim = x.shape
    half = dim // 2
    theta = np.arange(seq)[:, None] * base ** (-2.0 * np.arange(half) / dim)[None, :]
    x1, x2 = x[:, :half].astype(np.float64), x[:, half:].astype(np.float64)
    return np.concatenate([x1 * np.cos(theta) - x2 * np.sin(theta),
                           x2 * np.cos(theta) + x1 * np.sin(theta)], axis=1)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {"x": rng.standard_normal((256, 64)).astype(np.float32)}


KERNEL = "rope_kernel"
GRID = None
