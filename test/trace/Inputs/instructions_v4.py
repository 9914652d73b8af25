"""The accumulating Vector/Scalar instructions added for gen4 kernels (not a useful kernel)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def forms(x):
    a = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    y = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    col = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    r = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=x)
    nisa.memset(dst=col, value=2.0)
    # tensor_scalar_reduce: immediate / vector operand, commands, init, negation
    nisa.tensor_scalar_reduce(dst=y, data=a, op0=nl.multiply, operand0=2.0, reduce_op=nl.add)
    nisa.tensor_scalar_reduce(dst=y, data=a, op0=nl.subtract, operand0=col, reduce_op=nl.maximum,
                              reduce_cmd=nisa.reduce_cmd.load_reduce, reduce_init=-1.0,
                              reduce_res=r, reduce_res_negate=True)
    # tensor_scalar_cumulative: cumsum, then a running max continuing from the accumulator
    nisa.tensor_scalar_cumulative(dst=y, src=a, op0=nl.add, op1=nl.add, imm0=0.0)
    nisa.tensor_scalar_cumulative(dst=y, src=a, op0=nl.multiply, op1=nl.maximum, imm0=col,
                                  imm1=3.0, reduce_cmd=nisa.reduce_cmd.load_reduce)
    # exponential with a per-partition max and the sum of the results
    nisa.exponential(dst=a, src=a, max_value=col, reduce_res=r,
                     reduce_cmd=nisa.reduce_cmd.reset_reduce)
    nisa.exponential(dst=y, src=a, max_value=1.5)
    # activate2: (multiply, add) into an activation, prelu with its slope, reductions
    nisa.activate2(dst=y, op=nl.relu, data=a, imm0=2.0, imm1=col, op0=nl.multiply, op1=nl.add)
    nisa.activate2(dst=a, op=nl.prelu, data=a, imm0=col, imm1=0.0, op0=nl.subtract,
                   op1=nl.bypass, relu_param=0.25, reverse0=True, reduce_op=nl.maximum,
                   reduce_res=r, reduce_cmd=nisa.reduce_cmd.reset_reduce)
    out = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=r)
    return out


@nki.jit
def bad_pair(x):
    a = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=x)
    nisa.activate2(dst=a, op=nl.exp, data=a, imm0=1.0, imm1=1.0, op0=nl.add, op1=nl.multiply)
    return a


@nki.jit
def bad_reverse(x):
    a = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=x)
    nisa.tensor_scalar_reduce(dst=a, data=a, op0=nl.subtract, operand0=1.0, reduce_op=nl.add,
                              reverse0=True)
    return a
