"""Registers and dynamic control flow: every form the tracer emits."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def dyn(x, n):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    count = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=count, src=n)
    bound = nisa.register_alloc()
    nisa.register_load(dst=bound, src=count)
    for i in nl.dynamic_range(0, bound):
        nisa.dma_copy(dst=t, src=x)
        nisa.tensor_scalar(dst=t, data=t, op0=nl.add, operand0=1.0)

    def body(i):
        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0)

    nl.fori_loop(0, 4, body)
    flag = nisa.register_alloc(3)
    while flag:
        nisa.register_move(flag, 0)

    def step(r):
        nisa.register_load(dst=r, src=count)
        return r

    nl.while_loop(flag, step)
    nl.device_print("t=", t)
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    nisa.register_store(dst=count, src=flag)
    return out


@nki.jit
def register_if(x):
    r = nisa.register_alloc(1)
    if r:
        pass


@nki.jit
def register_arith(x):
    r = nisa.register_alloc(1)
    n = r + 1


@nki.jit
def frozen_index(x):
    for i in nl.dynamic_range(4):
        nisa.register_move(i, 0)


@nki.jit
def break_dynamic(x):
    for i in nl.dynamic_range(4):
        break


@nki.jit
def branch(x, n):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    c = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=c, src=n)
    flag = nisa.register_alloc()
    nisa.register_load(dst=flag, src=c)
    if flag:
        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0)
    else:
        nisa.memset(dst=t, value=0.0)
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=t)
    return out


@nki.jit
def branch_rebinds(x):
    r = nisa.register_alloc(1)
    scale = 1.0
    if r:
        scale = 2.0
