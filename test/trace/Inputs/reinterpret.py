"""t.view(dtype) / .ap(dtype=): the same bytes as another dtype (bit tricks, halves of a word)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def k(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    bits = t.view(nl.int32)
    # flip the sign bit of every float: xor with 0x80000000 on the raw bits
    nisa.tensor_scalar(dst=bits, data=bits, op0=nl.bitwise_xor, operand0=-2147483648)
    halves = t.view(nl.bfloat16)          # (128, 128): the low and high halves
    hi = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.tensor_copy(dst=hi, src=halves[:, 1::2])
    o = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o, src=t)
    o2 = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o2, src=hi)
    o3 = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o3, src=x.view(nl.int32).ap([[64, 128], [2, 32]], dtype=nl.float32))
    return o, o2, o3


@nki.jit
def partial(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t[:, 0:32], src=x[:, 0:32])
    u = nl.ndarray((128, 128), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.tensor_copy(dst=u, src=t.view(nl.bfloat16))     # reads the unwritten half too
    w = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t.view(nl.int16)[:, 64:128], src=x.view(nl.int16)[:, 64:128])
    nisa.tensor_copy(dst=w, src=t[:, 32:64])              # written through the int16 view
    o = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o, src=w)
    return o


@nki.jit
def strided(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    v = t[:, ::2].view(nl.bfloat16)
    return x


@nki.jit
def psum(x):
    p = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.psum)
    v = p.view(nl.int32)
    return x
