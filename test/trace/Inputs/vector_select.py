"""t.vector_select: a per-partition row index on an HBM tensor (indirect DMA), both ways."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def k(table, idx):
    i = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    rows = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=rows, src=table.vector_select(0, i))
    nisa.tensor_scalar(dst=rows, data=rows, op0=nl.multiply, operand0=2.0)
    out = nl.ndarray((1000, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=table)
    nisa.dma_copy(dst=out.vector_select(0, i), src=rows)
    return out


@nki.jit
def on_chip(table, idx):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    i = nl.ndarray((128, 1), dtype=nl.int32, buffer=nl.sbuf)
    v = t.vector_select(0, i)
    return table
