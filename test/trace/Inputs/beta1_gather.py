"""First generation indirect DMA: the embedding-lookup idiom (gather rows of an HBM
table by per-partition indices) and the matching scatter (nki.md §4.4)."""

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def gather(table, ids):
    n = ids.shape[0]
    d = table.shape[1]
    out = nl.ndarray((n, d), dtype=table.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(n)[:, None]
    i_f = nl.arange(d)[None, :]
    idx = nl.load(ids)                       # (n, 1) int32 row numbers
    rows = nl.load(table[idx[i_p, 0], i_f])  # partition p reads row idx[p]
    nl.store(out[i_p, i_f], value=rows)
    return out


@nki.jit
def scatter(table, ids, values):
    n, d = values.shape
    out = nl.ndarray(table.shape, dtype=table.dtype, buffer=nl.shared_hbm)
    nl.store(out, value=nl.load(table))
    i_f = nl.arange(d)[None, :]
    idx = nl.load(ids)
    v = nl.load(values)
    nl.store(out[idx, i_f], value=v)         # row idx[p] of out gets partition p of v
    return out


@nki.jit
def gather_even_rows(table):
    """`A[idx_tile, i_f]` with `idx_tile = nisa.iota(2*nl.arange(64)[:, None], dtype=int32)`
    (nki.md §4.4), only columns 4..11, and a mask over the first 48 partitions."""
    out = nl.ndarray((64, 8), dtype=table.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(64)[:, None]
    i_f = nl.arange(8)[None, :]
    idx = nisa.iota(2 * nl.arange(64)[:, None], dtype=nl.int32)
    z = nisa.memset((64, 8), 0.0, dtype=table.dtype)
    z[...] = nl.load(table[idx, 4 + i_f], mask=(i_p < 48))
    nl.store(out[i_p, i_f], value=z)
    return out
