"""nki.language functions lowered to several klr instructions (test/trace/nl-composites.test,
test/trace/nl-data-movement.test, test/unit/test_nl_composites.py)."""
import nki
import nki.language as nl


@nki.jit
def composites(x, w, i):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(x)                                   # (128, 64) float32
    s = nl.sin(t)                                    # range reduction, then activation sin
    z = nl.logical_not(nl.greater(t, 0.0))
    inv = nl.invert(nl.load(i))                      # int32 bits
    p = nl.prod(t, axis=1, keepdims=True)
    a = nl.all(z, axis=1)
    v = nl.var(t, axis=1)
    sm = nl.softmax(t, axis=1, dtype=nl.bfloat16)
    r = nl.rms_norm(t, nl.load(w), axis=1, n=64, epsilon=1e-5)
    nl.store(out, nl.add(s, r))
    return out


@nki.jit
def data_movement(x, data, idx):
    out = nl.ndarray((128, 128), dtype=nl.bfloat16, buffer=nl.shared_hbm)
    t = nl.load_transpose2d(x)                       # HBM (64, 128) -> SBUF (128, 64)
    tb = nl.load_transpose2d(x, dtype=nl.float32)
    g = nl.gather_flattened(nl.load(data), nl.load(idx))
    eye = nl.shared_identity_matrix(128, dtype=nl.bfloat16)
    nl.store(out, eye)
    return out


@nki.jit
def cosine(x):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, nl.cos(nl.load(x)))
    return out


@nki.jit
def rounding(x):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, nl.trunc(nl.load(x)))
    return out


@nki.jit
def tangent(x):
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, nl.tan(nl.load(x)))
    return out
