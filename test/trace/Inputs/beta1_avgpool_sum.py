"""nl.sum over non-trailing free axes (first generation): the access pattern's free
dimensions are permuted so the reduced ones are trailing."""

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def pool(x):
    c, h, w = x.shape
    out = nl.ndarray((c, h // 2, w // 2), dtype=x.dtype, buffer=nl.shared_hbm)
    i0, i1, i2, i3, i4 = nl.mgrid[0:c, 0:h // 2, 0:2, 0:w // 2, 0:2]
    t = nl.load(x)
    s = nl.sum(t[i0, 2 * i1 + i2, 2 * i3 + i4], axis=[2, 4])
    nl.store(out, value=nl.multiply(s, 0.25))
    return out
