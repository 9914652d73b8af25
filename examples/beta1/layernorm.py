"""First-generation NKI (`neuronxcc.nki`): layer norm over the rows of x (N, D).

Per 128-row tile, the value-returning `nisa.bn_stats` summarises each 128-column chunk
(written into slices of one stats tile) and `nisa.bn_aggr` merges them into mean and
variance; `nl.rsqrt(var + eps)` gives the scale, and one two-op `nisa.tensor_scalar`
computes (x - mean) * rstd. gamma and beta (shape (1, D)) are loaded once and spread
across the 128 partitions by a Tensor-engine matmul with a (1, 128) row of ones
(ones.T @ row, assigned into a PSUM tile), then copied to SBUF.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

EPS = 1e-5
CHUNK = 128  # columns per bn_stats call (at most nl.tile_size.bn_stats_fmax)
STATS = 6  # bn_stats output values per partition


@nki.jit
def layernorm_kernel(x, gamma, beta):
    rows, cols = x.shape
    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    pmax = nl.tile_size.pmax
    chunks = cols // CHUNK

    i_p = nl.arange(pmax)[:, None]
    i_f = nl.arange(cols)[None, :]
    i_one = nl.arange(1)[:, None]
    # partition broadcast: (1, 128).T @ (1, D) = 128 copies of the row
    ones = nl.ones((1, pmax), dtype=nl.float32)
    gamma_ps = nl.ndarray((pmax, cols), dtype=nl.float32, buffer=nl.psum)
    gamma_ps[...] = nisa.nc_matmul(ones, nl.load(gamma[i_one, i_f]))
    gamma_b = nl.copy(gamma_ps)
    beta_ps = nl.ndarray((pmax, cols), dtype=nl.float32, buffer=nl.psum)
    beta_ps[...] = nisa.nc_matmul(ones, nl.load(beta[i_one, i_f]))
    beta_b = nl.copy(beta_ps)

    i_c = nl.arange(CHUNK)[None, :]
    i_s = nl.arange(STATS)[None, :]
    for t in nl.affine_range(rows // pmax):
        tile = nl.load(x[t * pmax + i_p, i_f])
        stats = nl.ndarray((pmax, chunks * STATS), dtype=nl.float32, buffer=nl.sbuf)
        for c in nl.affine_range(chunks):
            stats[i_p, c * STATS + i_s] = nisa.bn_stats(tile[i_p, c * CHUNK + i_c])
        mean_var = nisa.bn_aggr(stats)
        mean = mean_var[i_p, 0]
        inv_std = nl.rsqrt(nl.add(mean_var[i_p, 1], EPS))
        normed = nisa.tensor_scalar(tile, np.subtract, mean, op1=np.multiply, operand1=inv_std)
        scaled = nl.add(nl.multiply(normed, gamma_b), beta_b)
        nl.store(out[t * pmax + i_p, i_f], value=scaled)
    return out


def reference(x, gamma, beta):
    x = x.astype(np.float64)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    y = (x - mean) / np.sqrt(var + EPS) * gamma.astype(np.float64) + beta.astype(np.float64)
    return y.astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {
        "x": (3.0 + 2.0 * rng.standard_normal((256, 384))).astype(np.float32),
        "gamma": rng.standard_normal((1, 384)).astype(np.float32),
        "beta": rng.standard_normal((1, 384)).astype(np.float32),
    }


KERNEL = "layernorm_kernel"
GRID = None
