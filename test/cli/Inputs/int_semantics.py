"""Integer semantics of the interpreter (docs/semantics.md §3, §4.3, §4.4, §4.10)."""

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def int_ops_kernel(a, b):
    s_a = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.sbuf)
    s_b = nl.ndarray(b.shape, dtype=b.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=s_a, src=a)
    nisa.dma_copy(dst=s_b, src=b)
    outs = []
    for op in (nl.bitwise_and, nl.bitwise_xor, nl.left_shift, nl.right_shift, nl.add, nl.multiply):
        r = nl.ndarray(a.shape, dtype=nl.int32, buffer=nl.sbuf)
        nisa.tensor_tensor(dst=r, data1=s_a, data2=s_b, op=op)
        o = nl.ndarray(a.shape, dtype=nl.int32, buffer=nl.hbm)
        nisa.dma_copy(dst=o, src=r)
        outs.append(o)
    flag = nl.ndarray(a.shape, dtype=nl.bool_, buffer=nl.sbuf)
    nisa.memset(dst=flag, value=5)
    f = nl.ndarray(a.shape, dtype=nl.bool_, buffer=nl.hbm)
    nisa.dma_copy(dst=f, src=flag)
    outs.append(f)
    return tuple(outs)
