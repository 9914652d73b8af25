"""First generation masks that are not boxes: the instruction computes the mask's bounding
box into a temporary, a uint8 predicate is built from iota + comparisons (combined with
logical_and), and tensor_copy_predicated merges it, so masked-off elements stay untouched;
a store is a read-modify-write of the HBM region through SBUF."""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def triangle(x, y):
    out = nl.ndarray((128, 128), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(128)[None, :]
    nl.store(out, value=nisa.memset((128, 128), 0.0, dtype=x.dtype))
    a = nl.load(x)
    b = nl.load(y)
    a[...] = nisa.tensor_tensor(a, b, op=np.add, mask=(i_f >= i_p))  # upper triangle: a + b
    nl.store(out[i_p, i_f], value=a, mask=(i_p + i_f < 128))        # the rest of out stays 0
    return out


@nki.jit
def band(x):
    rows, cols = x.shape
    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(cols)[None, :]
    z = nisa.memset((128, cols), -1.0, dtype=x.dtype)
    # a band of a ragged tile: x has fewer than 128 rows, the mask keeps the load inside
    z[...] = nl.load(x[i_p, i_f], mask=(i_p < rows) & (i_f <= i_p + 3) & (i_f + 3 >= i_p))
    z[...] = nl.exp(z, mask=(2 * i_f < i_p + 10))
    w = nisa.activation(np.tanh, z)
    z[...] = nisa.tensor_copy(w, mask=(i_f > i_p) & (i_p < 8))
    nl.store(out[i_p, i_f], value=z, mask=(i_p < rows))
    return out
