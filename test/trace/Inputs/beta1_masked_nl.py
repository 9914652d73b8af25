"""First-generation mask= on element-wise nl functions."""
import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

@nki.jit
def masked_nl(x, r):
    out = nl.ndarray((128, 8), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(8)[None, :]
    t = nl.load(x)
    res = nl.zeros((128, 8), dtype=x.dtype, buffer=nl.sbuf)
    res[...] = nl.add(t, nl.load(r), mask=(i_p < 100) & (i_f < 5))
    e = nl.exp(t, mask=(i_p >= 100))
    res[i_p, i_f] = nl.copy(e, mask=(i_p >= 100))
    nl.store(out, value=res)
    return out
