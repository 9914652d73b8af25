"""First generation: value-returning forms of more instructions (dropout with a mask,
affine_select with a conjunction, tensor_scalar_reduce, the old nc_stream_shuffle order)."""
import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
import neuronxcc.nki.isa as nisa


@nki.jit
def old_isa(x):
    out = nl.ndarray((32, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(x)
    i_p, i_f = nl.mgrid[0:32, 0:16]
    d = nisa.dropout(t, 0.5, mask=(i_p < 16))
    a = nisa.affine_select((i_f <= i_p) & (i_f >= i_p - 3), d, 0.0, dtype=nl.bfloat16)
    r = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.sbuf)
    s = nisa.tensor_scalar_reduce(data=a, op0=np.multiply, operand0=2.0, reduce_op=np.add, reduce_res=r,
                                  dtype=nl.float32)
    sh = nl.ndarray((32, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.nc_stream_shuffle(s, sh, [31 - i for i in range(32)], mask=(i_f < 8))
    nl.store(out, value=sh)
    return out


@nki.jit
def tile_methods(x, r):
    out = nl.ndarray((16, 8), dtype=nl.float16, buffer=nl.shared_hbm)
    t = nl.load(x).assert_shape((16, 8))
    row = nl.load(r).broadcast_to((16, 8))
    s = nl.add(t, row).astype(nl.float16)
    nl.store(out, value=s.expand_dims(2).reshape((16, 8)))
    return out


@nki.jit
def masked_sum(x):
    out = nl.ndarray((32, 1), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(x)
    i_p, i_f = nl.mgrid[0:32, 0:24]
    s = nl.zeros((32, 1), dtype=nl.float32)
    s[...] = nl.sum(t, axis=1, keepdims=True, mask=(i_p < 20) & (i_f < 10))
    nl.store(out, value=s)
    return out


@nki.jit
def rmw(x, acc):
    b = nl.full((16, 8), -100.0, dtype=nl.float32)
    for i in nl.affine_range(4):
        t = nl.load(x[i])
        b[...] = nl.loop_reduce(t, op=np.maximum, loop_indices=[i])
    nl.atomic_rmw(acc, value=b, op=np.add)
