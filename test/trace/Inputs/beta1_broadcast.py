"""First-generation NumPy broadcasting of tile operands, nl.broadcast_to and nl.expand_dims."""
import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def bias_scale(x, bias, scale):
    """x (P, F) + bias (1, F): the bias row is broadcast across partitions by one DMA;
    `* scale` with scale (P, 1) stays a tensor_scalar vector operand."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    tx = nl.load(x)
    tb = nl.load(bias)
    ts = nl.load(scale)
    y = nl.add(tx, tb)
    z = y * ts
    w = tb * ts          # (1, F) * (P, 1) -> (P, F)
    nl.store(out, value=z - w)
    return out


@nki.jit
def broadcast_expand(row, col):
    """nl.broadcast_to of a (1, F) row to (P, F) and of a (P, 1) column to (P, F); an
    expand_dims view broadcast along a new free axis."""
    out = nl.ndarray((128, 4, 32), dtype=np.float32, buffer=nl.shared_hbm)
    r = nl.load(row)
    c = nl.load(col)
    rb = nl.broadcast_to(r, shape=(128, 32))
    cb = nl.broadcast_to(c, shape=(128, 32))
    s = nl.add(rb, cb)
    s3 = nl.expand_dims(s, 1)                     # (128, 1, 32)
    k4 = nl.full((128, 4, 32), 2.0, dtype=np.float32)
    nl.store(out, value=nl.multiply(s3, k4))      # free-dim broadcast: a stride-0 view
    return out
