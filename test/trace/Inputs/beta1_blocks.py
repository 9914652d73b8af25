"""Block dimensions before the partition dimension (nl.par_dim)."""

import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
import neuronxcc.nki.isa as nisa

@nki.jit
def blocked(x):
    out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)
    buf = nl.ndarray((4, nl.par_dim(128), 64), dtype=x.dtype, buffer=nl.sbuf)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(64)[None, :]
    for b in nl.affine_range(4):
        buf[b, i_p, i_f] = nl.load(x[b * 128 + i_p, i_f])
    acc = nl.zeros((nl.par_dim(128), 64), dtype=nl.float32, buffer=nl.sbuf)
    for b in nl.sequential_range(4):
        acc[...] = nl.add(acc, nl.multiply(buf[b], b + 1))
    nl.store(out, value=acc)
    return out
