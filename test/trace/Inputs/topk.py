"""nisa.topk: the K largest values of each 16-partition group, with their indices."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def k(x, n=100):
    s = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=s, src=x)
    v = nl.ndarray((x.shape[0], 5), dtype=nl.bfloat16, buffer=nl.sbuf)
    i = nl.ndarray((x.shape[0], 5), dtype=nl.uint32, buffer=nl.sbuf)
    nisa.topk(val_dst=v, idx_dst=i, src=s, n=n)
    ov = nl.ndarray(v.shape, dtype=v.dtype, buffer=nl.shared_hbm)
    oi = nl.ndarray(i.shape, dtype=i.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=ov, src=v)
    nisa.dma_copy(dst=oi, src=i)
    return ov, oi
