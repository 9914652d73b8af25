"""First-generation NKI (`neuronxcc.nki`): C = A_T.T @ B with PSUM accumulation.

`nisa.nc_matmul` returns its product; `res_psum += ...` accumulates it into a PSUM
tile across K-tiles (the first generation's accumulation idiom), and the result is
copied to SBUF by `nl.copy` before `nl.store`.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

TILE_K = 128  # contraction: the partition dimension of both operands
TILE_M = 128  # stationary free size
TILE_N = 512  # moving free size (one PSUM bank of float32)


@nki.jit
def matmul_kernel(a_t, b):
    k_dim, m_dim = a_t.shape
    k_dim2, n_dim = b.shape
    assert k_dim == k_dim2, "contraction sizes differ"
    result = nl.ndarray((m_dim, n_dim), dtype=np.float32, buffer=nl.shared_hbm)

    i_k = nl.arange(TILE_K)[:, None]
    for m in nl.affine_range(m_dim // TILE_M):
        for n in nl.affine_range(n_dim // TILE_N):
            res_psum = nl.zeros((TILE_M, TILE_N), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(k_dim // TILE_K):
                lhs_t = nl.load(a_t[k * TILE_K + i_k, m * TILE_M + nl.arange(TILE_M)[None, :]])
                rhs = nl.load(b[k * TILE_K + i_k, n * TILE_N + nl.arange(TILE_N)[None, :]])
                res_psum += nisa.nc_matmul(lhs_t, rhs)
            res_sb = nl.copy(res_psum, dtype=result.dtype)
            i_m = m * TILE_M + nl.arange(TILE_M)[:, None]
            i_n = n * TILE_N + nl.arange(TILE_N)[None, :]
            nl.store(result[i_m, i_n], value=res_sb)
    return result


def reference(a_t, b):
    return (a_t.astype(np.float64).T @ b.astype(np.float64)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {
        "a_t": rng.standard_normal((256, 256)).astype(np.float32),
        "b": rng.standard_normal((256, 1024)).astype(np.float32),
    }


KERNEL = "matmul_kernel"
GRID = None
