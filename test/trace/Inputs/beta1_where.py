"""First generation nl.where, nl.negative, nl.zeros_like, nl.empty_like."""
import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

@nki.jit
def where_like(x, y):
    out = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    tx = nl.load(x)
    ty = nl.load(y)
    c = nl.greater(tx, ty)
    w = nl.where(c, tx, -1.5)
    n = nl.negative(ty)
    z = nl.zeros_like(tx)
    e = nl.empty_like(tx, dtype=nl.bfloat16)
    e[...] = nl.where(tx, n, ty)
    z[...] = nl.add(w, e)
    nl.store(out, value=z)
    return out
