"""First-generation NKI (`neuronxcc.nki`): blocked C = A_T.T @ B.

Each (M, N) block holds 2 x 2 output tiles of 128 x 512 side by side in one PSUM
tile (128 x 2048 float32: four banks), so the block's four accumulation groups stay
in flight across the whole K loop. The K loop is a `nl.sequential_range` (it carries
the accumulation); per K-step one `nl.load` brings in each operand block, and every
output tile accumulates `+= nl.matmul(lhs_t, rhs, transpose_x=True)` from slices of
those blocks addressed by affine expressions of the (affine) tile-loop variables.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

TILE_K = 128  # contraction: partition dimension of both operands
TILE_M = 128  # stationary free size
TILE_N = 512  # moving free size (one PSUM bank of float32)
BLOCK_M = 2  # M tiles per block
BLOCK_N = 2  # N tiles per block


@nki.jit
def matmul_blocked_kernel(a_t, b):
    k_dim, m_dim = a_t.shape
    k_dim2, n_dim = b.shape
    assert k_dim == k_dim2, "contraction sizes differ"
    result = nl.ndarray((m_dim, n_dim), dtype=np.float32, buffer=nl.shared_hbm)

    i_k = nl.arange(TILE_K)[:, None]
    i_out = nl.arange(TILE_M)[:, None]
    i_m = nl.arange(TILE_M)[None, :]
    i_n = nl.arange(TILE_N)[None, :]
    i_mblock = nl.arange(BLOCK_M * TILE_M)[None, :]
    i_nblock = nl.arange(BLOCK_N * TILE_N)[None, :]
    for mb in nl.affine_range(m_dim // (BLOCK_M * TILE_M)):
        for nb in nl.affine_range(n_dim // (BLOCK_N * TILE_N)):
            # output tile (mi, ni) of the block lives in bank mi * BLOCK_N + ni
            acc = nl.zeros((TILE_M, BLOCK_M * BLOCK_N * TILE_N), nl.float32, buffer=nl.psum)
            for k in nl.sequential_range(k_dim // TILE_K):
                lhs_t = nl.load(a_t[k * TILE_K + i_k, mb * BLOCK_M * TILE_M + i_mblock])
                rhs = nl.load(b[k * TILE_K + i_k, nb * BLOCK_N * TILE_N + i_nblock])
                for mi in nl.affine_range(BLOCK_M):
                    for ni in nl.affine_range(BLOCK_N):
                        bank = (mi * BLOCK_N + ni) * TILE_N
                        acc[i_out, bank + i_n] += nl.matmul(lhs_t[i_k, mi * TILE_M + i_m],
                                                            rhs[i_k, ni * TILE_N + i_n],
                                                            transpose_x=True)
            for mi in nl.affine_range(BLOCK_M):
                for ni in nl.affine_range(BLOCK_N):
                    bank = (mi * BLOCK_N + ni) * TILE_N
                    tile = nl.copy(acc[i_out, bank + i_n], dtype=result.dtype)
                    rows = (mb * BLOCK_M + mi) * TILE_M + i_out
                    cols = (nb * BLOCK_N + ni) * TILE_N + i_n
                    nl.store(result[rows, cols], value=tile)
    return result


def reference(a_t, b):
    return (a_t.astype(np.float64).T @ b.astype(np.float64)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {
        "a_t": rng.standard_normal((384, 512)).astype(np.float32),
        "b": rng.standard_normal((384, 1024)).astype(np.float32),
    }


KERNEL = "matmul_blocked_kernel"
GRID = None
