"""The PRNG instructions and the nl random-number wrappers (not a useful kernel)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def forms(x):
    seed = nl.full((1, 1), 1234, dtype=nl.int32)
    nl.random_seed(seed)
    u = nl.rand((128, 64), dtype=nl.float32)
    bits = nl.ndarray((128, 64), dtype=nl.uint8, buffer=nl.sbuf)
    nisa.rng(dst=bits, engine=nisa.gpsimd_engine)
    state = nl.ndarray((128, 6), dtype=nl.uint32, buffer=nl.sbuf)
    nisa.rand_get_state(dst=state)
    nisa.rand_set_state(src_seeds=state)
    t = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    d = nl.dropout(t, 0.25)
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=d)
    out_u = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out_u, src=u)
    return out, out_u


@nki.jit
def gen4_rand(x):
    u = nl.rand((128, 64), dtype=nl.bfloat16)
    lo = nl.full((128, 1), -2.0, dtype=nl.float32)
    r = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.rand2(dst=r, min=lo, max=3.0)
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=r)
    return out


@nki.jit
def bad_seed(x):
    nl.random_seed(7)
    return x
