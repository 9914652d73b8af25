"""Kernels that must be rejected, each with its own diagnostic (see errors.test)."""
import nki
import nki.language as nl
import nki.isa as nisa
from neuronxcc import nki as old_nki


def helper(t):
    nisa.tensor_copy(dst=t, src=t[0:64, :])


@nki.jit
def shape_mismatch(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    helper(t)


@nki.jit
def too_many_partitions(x):
    t = nl.ndarray((256, 64), dtype=nl.float32, buffer=nl.sbuf)


@nki.jit
def out_of_bounds(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.affine_range(3):
        nisa.dma_copy(dst=t, src=x[nl.ds(i * 128, 128), :])


@nki.jit
def not_supported(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.core_barrier(data=t, cores=(0, 1))


@nki.jit
def old_api(x):
    return old_nki.language.load(x)


@nki.jit
def forbidden_try(x):
    try:
        pass
    except ValueError:
        pass


@nki.jit
def bad_op(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=t, data1=t, data2=t, op="add")


@nki.jit
def tensor_condition(x):
    if x:
        pass


@nki.jit
def psum_too_big(x):
    t = nl.ndarray((128, 8192), dtype=nl.float32, buffer=nl.psum)


@nki.jit
def returns_sbuf(x):
    return nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)


@nki.jit
def undefined(x):
    return missing_thing(x)


@nki.jit
def python_error(x):
    return x.shape[5]


@nki.jit
def wrong_keyword(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=t, val=0.0)


@nki.jit
def value_returning(x):
    return nl.exp(x)


@nki.jit
def unknown_api(x):
    return nl.fancy_new_thing(x)


@nki.jit
def old_style_call(x):
    a = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    b = nisa.tensor_tensor(a, a, op=nl.add)


@nki.jit
def uses_arange(x):
    i = nl.arange(128)[:, None]


@nki.jit
def unsupported_function(x):
    t = nl.ndarray((128, 64), dtype=nl.int32, buffer=nl.sbuf)
    u = nl.bypass(t)


@nki.jit
def raises(x):
    if x.shape[0] > 1:
        raise ValueError(f"x has {x.shape[0]} rows")


def countdown(n):
    return countdown(n + 1)


@nki.jit
def recursion(x):
    countdown(0)


@nki.jit
def too_many_indices(x):
    nisa.dma_copy(dst=x, src=x[0, 0, 0])


@nki.jit
def strided_partitions(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=t[::2, :], value=0.0)


@nki.jit
def bad_depends_on(x):
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    i = nisa.dma_copy(dst=t, src=x[0:128, :])
    i.depends_on(t)
