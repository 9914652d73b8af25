"""Partition shuffles, per-partition gathers, segment bounds and nonzero counts (not a
useful kernel)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def forms(x, idx, ids):
    a = nl.ndarray((64, 16), dtype=nl.float32, buffer=nl.sbuf)
    b = nl.ndarray((64, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=x)
    nisa.memset(dst=b, value=0.0)
    nisa.nc_stream_shuffle(dst=b, src=a, shuffle_mask=[(i + 1) % 32 for i in range(31)] + [255])
    i = nl.ndarray((64, 4), dtype=nl.uint32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    g = nl.ndarray((64, 4), dtype=nl.float32, buffer=nl.sbuf)
    nisa.nc_n_gather(dst=g, data=b, indices=i)
    s = nl.ndarray((1, 16), dtype=nl.int32, buffer=nl.sbuf)
    nisa.dma_copy(dst=s, src=ids)
    bounds = nl.ndarray((1, 2, 16), dtype=nl.int32, buffer=nl.sbuf)
    nisa.sequence_bounds(dst=bounds, segment_ids=s)
    nz = nl.ndarray((64, 17), dtype=nl.int32, buffer=nl.sbuf)
    nisa.memset(dst=nz, value=7)
    nisa.nonzero_with_count(dst=nz, src=a, index_offset=100)
    o1 = nl.ndarray((64, 4), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o1, src=g)
    o2 = nl.ndarray((1, 2, 16), dtype=nl.int32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o2, src=bounds)
    o3 = nl.ndarray((64, 17), dtype=nl.int32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o3, src=nz)
    return o1, o2, o3


@nki.jit
def bad_mask(x):
    a = nl.ndarray((32, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=x)
    nisa.nc_stream_shuffle(dst=a, src=a, shuffle_mask=[40])
    return a
