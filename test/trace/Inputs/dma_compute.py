"""nisa.dma_compute: a float32 sum of HBM and SBUF sources in the DMA engine."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def k(a, b, c):
    t = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=c)
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_compute(dst=out, srcs=[a, b, t], reduce_op=nl.add)
    return out


@nki.jit
def scaled(a, b, c):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_compute(dst=out, srcs=[a, b], reduce_op=nl.add, scales=[1.0, 0.5])
    return out
