"""Affine loops: which iterations may and may not share data."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def clean(x):
    """Disjoint writes, tiles allocated per iteration, PSUM matmul accumulation."""
    out = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.shared_hbm)
    psum = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.psum)
    for i in nl.affine_range(2):
        t = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x[:, nl.ds(i * 128, 128)])
        nisa.nc_matmul(dst=psum, stationary=t, moving=t)
        u = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=u, src=t)
        nisa.dma_copy(dst=out[:, nl.ds(i * 128, 128)], src=u)
    return out


@nki.jit
def shared_accumulator(x):
    """A plain reduction into a tile allocated outside: a loop-carried dependency."""
    acc = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.affine_range(4):
        t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x[nl.ds(i * 128, 128), :])
        nisa.tensor_tensor(dst=acc, data1=acc, data2=t, op=nl.add)


@nki.jit
def overlapping_stores(x):
    out = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.zeros((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    for j in nl.affine_range(3):
        nisa.dma_copy(dst=out[:, nl.ds(j * 32, 64)], src=t)
    return out


@nki.jit
def reads_next_iteration(x):
    """Iteration i writes column i+1, which iteration i+1 reads."""
    t = nl.zeros((128, 9), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.affine_range(8):
        nisa.tensor_scalar(dst=t[:, i + 1:i + 2], data=t[:, i:i + 1], op0=nl.add, operand0=1.0)


@nki.jit
def sequential_is_fine(x):
    t = nl.zeros((128, 9), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.sequential_range(8):
        nisa.tensor_scalar(dst=t[:, i + 1:i + 2], data=t[:, i:i + 1], op0=nl.add, operand0=1.0)
