"""First-generation masks on nc_matmul, nl.matmul, nc_transpose, bn_stats and bn_aggr."""
import numpy as np
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl
import neuronxcc.nki.isa as nisa


@nki.jit
def ragged_matmul(a_t, b):
    """a_t (128, M) and b (128, N) with M <= 128, N <= 256 in full-size tiles: the masked
    matmul reads M stationary and N moving columns and writes the (M, N) corner."""
    K, M = a_t.shape
    N = b.shape[1]
    out = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    i_k = nl.arange(K)[:, None]
    i_m = nl.arange(128)[None, :]
    i_n = nl.arange(256)[None, :]
    st = nl.load(a_t[i_k, i_m], mask=(i_m < M))
    mv = nl.load(b[i_k, i_n], mask=(i_n < N))
    i_p = nl.arange(128)[:, None]
    res = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.psum)
    res[...] = nisa.nc_matmul(st, mv, is_moving_zero=False, mask=(i_p < M) & (i_n < N))
    res[...] += nl.matmul(st, mv, transpose_x=True, mask=(i_p < M) & (i_n < N))
    r = nisa.tensor_copy(res, mask=(i_p < M) & (i_n < N))
    nl.store(out[i_p, i_n], value=r, mask=(i_p < M) & (i_n < N))
    return out


@nki.jit
def ragged_transpose_stats(x):
    """x (R, 64) with R <= 128 in a 128-partition tile: the masked transpose writes the
    R columns of the (64, 128) result; bn_stats/bn_aggr give the R rows' mean/variance."""
    R, F = x.shape
    out_t = nl.ndarray((F, R), dtype=x.dtype, buffer=nl.shared_hbm)
    out_s = nl.ndarray((R, 2), dtype=nl.float32, buffer=nl.shared_hbm)
    i_p = nl.arange(128)[:, None]
    i_f = nl.arange(F)[None, :]
    t = nl.load(x[i_p, i_f], mask=(i_p < R))
    tt = nisa.nc_transpose(t, mask=(i_p < R))
    j_p = nl.arange(F)[:, None]
    j_f = nl.arange(128)[None, :]
    tts = nisa.tensor_copy(tt, mask=(j_f < R))
    nl.store(out_t[j_p, j_f], value=tts, mask=(j_f < R))
    stats = nisa.bn_stats(t, mask=(i_p < R))
    mv = nisa.bn_aggr(stats, mask=(i_p < R))
    i_2 = nl.arange(2)[None, :]
    nl.store(out_s[i_p, i_2], value=mv, mask=(i_p < R))
    return out_t, out_s
