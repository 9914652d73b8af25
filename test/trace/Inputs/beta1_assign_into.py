"""First generation `t[...] = <value-returning call>`: the instruction writes the view."""
import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
import neuronxcc.nki.isa as nisa


@nki.jit
def assign_into(x):
    out = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.shared_hbm)
    buf = nl.ndarray((128, 2, 32), dtype=x.dtype, buffer=nl.sbuf)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(32)[None, :]
    buf[:, 0, :] = nl.load(x[:, 0:32])                              # one DMA into the view
    buf[i_p, 1, i_f] = nl.load(x[i_p, 32 + i_f])
    acc = nl.zeros((128, 32), dtype=x.dtype, buffer=nl.sbuf)
    acc[...] = nisa.tensor_tensor(acc, buf[:, 0, :], op=np.add)     # in place, same view
    acc[...] = nl.multiply(acc, 3.0)
    res = nl.ndarray((128, 64), dtype=x.dtype, buffer=nl.sbuf)
    res[:, 0:32] = nisa.tensor_scalar(buf[:, 1, :], np.multiply, 2.0)
    res[:, 32:64] = nisa.activation(np.exp, acc)
    res[i_p, i_f] = nisa.tensor_scalar(acc, np.add, 1.0, mask=(i_p < 16))  # rows 16.. untouched
    low = nl.ndarray((128, 32), dtype=nl.bfloat16, buffer=nl.sbuf)
    low[...] = nisa.tensor_copy(acc)                                 # dtypes differ: temp + copy
    res[:, 0:32] = nisa.tensor_tensor(res[:, 0:32], low, op=np.subtract)
    nl.store(out, value=res)
    return out
