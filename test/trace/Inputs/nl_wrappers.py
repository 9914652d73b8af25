"""Kernels written with the value-returning `nki.language` wrappers (NKI 0.3+).

Each wrapper call allocates its result and lowers to the destination-passing
instructions NKI emits for it; see test/trace/nl-wrappers.test.
"""
import nki
import nki.language as nl


@nki.jit
def softmax_project(x, w):
    """out = softmax(x * scale, rows) @ w, 128 rows at a time."""
    rows, cols = x.shape
    tile_p = nl.tile_size.pmax
    out = nl.ndarray((rows, w.shape[1]), dtype=nl.float32, buffer=nl.shared_hbm)
    w_tile = nl.load(w)                                   # loaded once, bf16
    for i in nl.affine_range(rows // tile_p):
        rows_i = nl.ds(i * tile_p, tile_p)
        x_tile = nl.load(x[rows_i, :])
        scaled = nl.multiply(x_tile, 0.125)               # tile * number
        row_max = nl.max(scaled, axis=1, keepdims=True)   # (P, 1)
        shifted = nl.subtract(scaled, row_max)            # tile - (P, 1) vector
        e = nl.exp(shifted)
        row_sum = nl.sum(e, axis=1, keepdims=True)
        inv_sum = nl.reciprocal(row_sum)
        probs = nl.multiply(e, inv_sum, dtype=nl.bfloat16)
        y_psum = nl.matmul(probs, w_tile)                 # probs is [M, K]: PE transpose first
        y = nl.copy(y_psum)                               # PSUM -> SBUF before the store
        nl.store(out[rows_i, :], y)
    return out


@nki.jit
def matmul_t(a_t, b):
    """out = a_t.T @ b with a_t already [K, M] (transpose_x=True), K tiled by 128."""
    k_dim, m = a_t.shape
    n = b.shape[1]
    out = nl.ndarray((m, n), dtype=nl.float32, buffer=nl.shared_hbm)
    acc = nl.zeros((m, n), dtype=nl.float32, buffer=nl.sbuf)
    for kk in nl.affine_range(k_dim // 128):
        ks = nl.ds(kk * 128, 128)
        part = nl.matmul(nl.load(a_t[ks, :]), nl.load(b[ks, :]), transpose_x=True)
        acc = nl.add(acc, part)                           # SBUF + PSUM -> new SBUF tile
    nl.store(out, acc)
    return out


@nki.jit
def layernorm_rows(x):
    """(x - mean) * rsqrt(var + eps) per row, then gelu."""
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    t = nl.load(x, dtype=nl.float32)
    mu = nl.mean(t, axis=1, keepdims=True)
    centered = nl.subtract(t, mu)
    var = nl.mean(nl.square(centered), axis=1, keepdims=True)
    inv_std = nl.rsqrt(nl.add(var, 1e-5))
    y = nl.gelu(nl.multiply(centered, inv_std))
    nl.store(out, nl.copy(y, dtype=x.dtype))
    return out
