"""t.rearrange: einops-style views (split, reorder, merge)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def k(x):
    t = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    u = nl.ndarray((128, 6, 4), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=u, src=t.rearrange(('b', ('h', 'w')), ('b', 'w', 'h'), {'h': 4}))
    o = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o, src=u.rearrange(('p', 'w', 'h'), ('p', ('w', 'h'))))
    return o


@nki.jit
def bad_partition(x):
    t = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    v = t.rearrange(('p', 'f'), ('f', 'p'))
    return x


@nki.jit
def bad_merge(x):
    t = nl.ndarray((128, 24), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    v = t.rearrange(('p', ('h', 'w')), ('p', ('w', 'h')), {'h': 4})
    return x
