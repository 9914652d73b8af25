"""First generation: neuronxcc.nki.compiler allocators (mod_alloc, auto_alloc)."""
from neuronxcc import nki
import neuronxcc.nki.language as nl
import neuronxcc.nki.compiler as ncc


@nki.jit
def k(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(64)[None, :]
    buf = nl.ndarray((2, nl.par_dim(128), 64), dtype=nl.float32,
                     buffer=ncc.sbuf.mod_alloc(base_addr=0, num_free_tiles=(2,)))
    for b in nl.affine_range(2):
        buf[b, i_p, i_f] = nl.load(x[b * 128 + i_p, i_f])
        t = nl.ndarray((nl.par_dim(128), 64), dtype=nl.float32, buffer=ncc.sbuf.auto_alloc())
        t[i_p, i_f] = nl.multiply(buf[b, i_p, i_f], 2.0)
        nl.store(out[b * 128 + i_p, i_f], value=t)
    return out


@nki.jit
def aliased(x):
    buf = nl.ndarray((4, nl.par_dim(128), 64), dtype=nl.float32,
                     buffer=ncc.sbuf.mod_alloc(base_addr=0, num_free_tiles=(2,)))
    return x
