"""A ragged last tile handled with first-generation masks."""

import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
import neuronxcc.nki.isa as nisa

@nki.jit
def ragged(x):
    rows, cols = x.shape
    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    i_f = nl.arange(cols)[None, :]
    for t in nl.affine_range((rows + 127) // 128):
        i_p = t * 128 + nl.arange(128)[:, None]
        a = nl.load(x[i_p, i_f], mask=(i_p < rows))
        b = nisa.tensor_scalar(a, np.multiply, 2.0, mask=(i_p < rows))
        s = nisa.tensor_reduce(np.add, b, axis=(1,), keepdims=True, mask=(i_p < rows) & (i_f < 3))
        c = nisa.tensor_scalar(b, np.add, s, mask=(i_p < rows))
        nl.store(out[i_p, i_f], value=c, mask=(i_p < rows))
    return out
