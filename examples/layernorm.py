"""Layer normalization over the last dim:
out = (x - mean(x)) / sqrt(var(x) + eps) * gamma + beta, per row of x (rows, D).

Mean and (population) variance come from the Vector engine's batch-norm
statistics: `bn_stats` on chunks of at most `bn_stats_fmax` columns, merged by
`bn_aggr`. gamma/beta are broadcast once to all 128 partitions with a
ones-vector matmul and reused by every row tile.
"""

import numpy as np

import nki
import nki.language as nl
import nki.isa as nisa

BN_STATS_WIDTH = 6   # bn_stats: (count, mean, var*count) for even and odd elements
BN_AGGR_WIDTH = 2    # bn_aggr: (mean, var)


def broadcast_to_partitions(dst, vec):
    """dst[p, :] = vec[:] for every partition p of dst (SBUF, (P, D) fp32).

    Engines only move data within a partition, so partition broadcast goes
    through the PE: ones[1, P].T @ vec[1, D] = (P, D), one PSUM bank at a time.
    """
    parts, width = dst.shape
    assert vec.shape == (width,), f"expected a ({width},) vector, got {vec.shape}"
    chunk = nl.tile_size.gemm_moving_fmax

    row = nl.ndarray((1, width), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=row, src=vec)  # same element count; HBM (D,) -> SBUF (1, D)
    ones = nl.ndarray((1, parts), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=ones, value=1.0)

    # range: the chunk count is small and the last chunk may be partial.
    for c in range((width + chunk - 1) // chunk):
        start = c * chunk
        size = min(chunk, width - start)
        bc_psum = nl.ndarray((parts, size), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(dst=bc_psum, stationary=ones, moving=row[:, start:start + size])
        nisa.tensor_copy(dst=dst[:, start:start + size], src=bc_psum)


@nki.jit
def layernorm_kernel(x, gamma, beta, eps=1e-5):
    rows, width = x.shape
    tile_p = nl.tile_size.pmax
    assert rows % tile_p == 0, f"rows={rows} must be a multiple of {tile_p}"
    assert gamma.shape == (width,) and beta.shape == (width,), (
        f"gamma {gamma.shape} / beta {beta.shape} must be ({width},)"
    )

    out = nl.ndarray((rows, width), dtype=nl.float32, buffer=nl.shared_hbm)

    # Loop-invariant operands, built once.
    gamma_bc = nl.ndarray((tile_p, width), dtype=nl.float32, buffer=nl.sbuf)
    beta_bc = nl.ndarray((tile_p, width), dtype=nl.float32, buffer=nl.sbuf)
    broadcast_to_partitions(gamma_bc, gamma)
    broadcast_to_partitions(beta_bc, beta)
    # eps as a (P, 1) bias column: a vector bias is legal on every generation.
    eps_col = nl.ndarray((tile_p, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=eps_col, value=eps)

    fmax = nl.tile_size.bn_stats_fmax
    n_chunks = (width + fmax - 1) // fmax

    for i in nl.affine_range(rows // tile_p):
        rows_i = nl.ds(i * tile_p, tile_p)
        x_tile = nl.ndarray((tile_p, width), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=x_tile, src=x[rows_i, :])

        # bn_stats accepts at most bn_stats_fmax elements per partition; each
        # chunk contributes its own 6 statistics and bn_aggr merges them
        # (weighting by counts, so a shorter last chunk is fine).
        stats = nl.ndarray((tile_p, n_chunks * BN_STATS_WIDTH), dtype=nl.float32,
                           buffer=nl.sbuf)
        for c in range(n_chunks):
            start = c * fmax
            size = min(fmax, width - start)
            nisa.bn_stats(dst=stats[:, c * BN_STATS_WIDTH:(c + 1) * BN_STATS_WIDTH],
                          data=x_tile[:, start:start + size])
        mean_var = nl.ndarray((tile_p, BN_AGGR_WIDTH), dtype=nl.float32, buffer=nl.sbuf)
        nisa.bn_aggr(dst=mean_var, data=stats)
        mean = mean_var[:, 0:1]
        var = mean_var[:, 1:2]

        # rstd = 1 / sqrt(var + eps) in one ScalarE instruction.
        rstd = nl.ndarray((tile_p, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=rstd, op=nl.rsqrt, data=var, bias=eps_col, scale=1.0)

        # (x - mean) * rstd with both per-row values as (P, 1) operands.
        y_tile = nl.ndarray((tile_p, width), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=y_tile, data=x_tile, op0=nl.subtract, operand0=mean,
                           op1=nl.multiply, operand1=rstd)
        # Elementwise affine transform, in place.
        nisa.tensor_tensor(dst=y_tile, data1=y_tile, data2=gamma_bc, op=nl.multiply)
        nisa.tensor_tensor(dst=y_tile, data1=y_tile, data2=beta_bc, op=nl.add)

        nisa.dma_copy(dst=out[rows_i, :], src=y_tile)

    return out


def reference(x, gamma, beta, eps=1e-5):
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=1, keepdims=True)
    var = x64.var(axis=1, keepdims=True)
    y = (x64 - mean) / np.sqrt(var + eps) * gamma.astype(np.float64) + beta.astype(np.float64)
    return y.astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    # Hidden size 768 = one full 512-column bn_stats chunk plus a 256-column one.
    rows, width = 256, 768
    return {
        "x": (2.0 * rng.standard_normal((rows, width)) + 0.5).astype(np.float32),
        "gamma": (1.0 + 0.1 * rng.standard_normal(width)).astype(np.float32),
        "beta": (0.1 * rng.standard_normal(width)).astype(np.float32),
        "eps": 1e-5,
    }


KERNEL = "layernorm_kernel"
GRID = None
