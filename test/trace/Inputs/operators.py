"""Python operators on tiles and assignment into views."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def ops(a, b):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.load(a)
    y = nl.load(b)
    z = (x + y) * 2.0 - y
    m = x < y
    w = -z
    out[...] = w
    t = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.sbuf)
    t[...] = 0.0
    t[:, 0:4] = x[:, 0:4]
    return out


@nki.jit
def in_order(a):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    with nl.no_reorder():
        x = nl.load(a)
        out[...] = x * x
    return out
