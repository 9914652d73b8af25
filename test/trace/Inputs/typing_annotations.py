"""nki.typing annotations: nt.tensor[...] declares the shape (and dtype) of a parameter."""
import nki
import nki.language as nl
import nki.isa as nisa
import nki.typing as nt


@nki.jit
def k(x: nt.tensor[128, 64], y: nt.tensor[None, 64, nl.float32], scale: float = 2.0):
    o = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o, src=x)
    return o
