""".ap(scalar_offset=...): a register (or a (1, 1) tensor) moves a view at run time; .ap(vector_offset=...) picks a row per partition."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def k(x, n):
    c = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=c, src=n)
    bound = nisa.register_alloc()
    nisa.register_load(dst=bound, src=c)
    out = nl.ndarray((8, 128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.dynamic_range(0, bound):
        nisa.dma_copy(dst=t, src=x.ap([[64, 128], [1, 64]], offset=0, scalar_offset=i))
        nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=1.0)
        nisa.dma_copy(dst=out.ap([[64, 128], [1, 64]], offset=0, scalar_offset=i), src=t)
    first = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=first, src=x.ap([[64, 128], [1, 64]], offset=0, scalar_offset=c))
    return out


@nki.jit
def rows(table, idx):
    i = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    t = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=table.ap([[64, 128], [2, 32]], offset=1, vector_offset=i))
    out = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    return out
