"""Tiled matrix multiply: C[M, N] = A[M, K] @ B[K, N].

Following the NKI idiom, the kernel receives A already transposed (`a_t`,
shape (K, M)) so that the contraction dim K lies on the partition axis of
both matmul operands. K is consumed in 128-row tiles accumulated in one PSUM
bank, M in 128-column stationary tiles, N in 512-column moving tiles.
"""

import numpy as np

import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def matmul_tiled_kernel(a_t, b):
    k_dim, m_dim = a_t.shape
    k_dim_b, n_dim = b.shape
    assert k_dim == k_dim_b, f"contraction mismatch: a_t is {a_t.shape}, b is {b.shape}"

    tile_k = nl.tile_size.pmax                  # contraction = partitions (128)
    tile_m = nl.tile_size.gemm_stationary_fmax  # stationary free size (128)
    tile_n = nl.tile_size.gemm_moving_fmax      # moving free size = one PSUM bank of fp32 (512)
    assert k_dim % tile_k == 0, f"K={k_dim} must be a multiple of {tile_k}"
    assert m_dim % tile_m == 0, f"M={m_dim} must be a multiple of {tile_m}"
    assert n_dim % tile_n == 0, f"N={n_dim} must be a multiple of {tile_n}"

    out = nl.ndarray((m_dim, n_dim), dtype=nl.float32, buffer=nl.shared_hbm)

    for m in nl.affine_range(m_dim // tile_m):
        for n in nl.affine_range(n_dim // tile_n):
            # TensorE always accumulates in fp32 PSUM.
            acc = nl.ndarray((tile_m, tile_n), dtype=nl.float32, buffer=nl.psum)

            # Accumulating matmuls into PSUM is the one loop-carried
            # dependence an affine loop may have: the PE does the adds.
            for k in nl.affine_range(k_dim // tile_k):
                a_tile = nl.ndarray((tile_k, tile_m), dtype=a_t.dtype, buffer=nl.sbuf)
                b_tile = nl.ndarray((tile_k, tile_n), dtype=b.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=a_tile,
                              src=a_t[nl.ds(k * tile_k, tile_k), nl.ds(m * tile_m, tile_m)])
                nisa.dma_copy(dst=b_tile,
                              src=b[nl.ds(k * tile_k, tile_k), nl.ds(n * tile_n, tile_n)])
                # acc[M, N] (+)= a_tile[K, M].T @ b_tile[K, N]. With the default
                # accumulate=None the first write of the group overwrites the
                # uninitialised bank and later ones accumulate.
                nisa.nc_matmul(dst=acc, stationary=a_tile, moving=b_tile)

            # PSUM -> SBUF (DMA cannot read PSUM), then SBUF -> HBM.
            res = nl.ndarray((tile_m, tile_n), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_copy(dst=res, src=acc)
            nisa.dma_copy(dst=out[nl.ds(m * tile_m, tile_m), nl.ds(n * tile_n, tile_n)],
                          src=res)

    return out


def reference(a_t, b):
    return (a_t.astype(np.float64).T @ b.astype(np.float64)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    m_dim, k_dim, n_dim = 256, 512, 1024
    return {
        "a_t": rng.standard_normal((k_dim, m_dim)).astype(np.float32),
        "b": rng.standard_normal((k_dim, n_dim)).astype(np.float32),
    }


KERNEL = "matmul_tiled_kernel"
GRID = None
