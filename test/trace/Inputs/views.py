"""NkiTensor view methods (nki.md §4.1–4.2) used the way kernels use them (see views.test)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def views(x, y):
    # x: (256, 128) HBM, y: (128, 64) HBM
    out = nl.ndarray((256, 128), dtype=nl.float32, buffer=nl.shared_hbm)
    assert x.strides == (128, 1) and x.offset == 0 and x.is_contiguous()
    assert not y.permute((1, 0)).is_contiguous()
    assert x.slice(1, 8, 24).offset == 8 and x.slice(1, 8, 24).strides == (128, 1)

    # row tiles of an HBM tensor, one per iteration of a rolled loop (affine offsets)
    t = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.affine_range(2):
        nisa.dma_copy(dst=t, src=x.slice(0, i * 128, (i + 1) * 128))
        nisa.dma_copy(dst=out.slice(0, i * 128, i * 128 + 128), src=t)

    # y transposed by the DMA: a permuted HBM view
    yt = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=yt, src=y.permute((1, 0)))

    # a per-partition column broadcast along the free dim as a tensor_tensor operand
    a = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    col = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=a, src=y)
    nisa.memset(dst=col, value=2.0)
    nisa.tensor_tensor(dst=a, data1=a, data2=col.broadcast(1, 64), op=nl.multiply)

    # a column of x (one free index, all partitions) into a (P, 1) vector
    nisa.dma_copy(dst=col, src=x.slice(1, 7, 8).squeeze_dim(1).slice(0, 0, 128))
    # a static pick of a free column as a tensor_scalar vector operand
    nisa.tensor_scalar(dst=a, data=a, op0=nl.add, operand0=a.select(1, 3))

    # (256, 128) -> (2, 128, 128), then index a block; per loop index with select
    xr = x.reshape((2, 128, 128))
    nisa.dma_copy(dst=t, src=xr[1])
    for j in nl.affine_range(2):
        nisa.dma_copy(dst=t, src=xr.select(0, j))

    # both row tiles at once: partition p holds rows p and 128 + p
    both = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=both.reshape_dim(1, (2, -1)), src=xr.permute((1, 0, 2)))
    nisa.dma_copy(dst=out.reshape((2, 128, 128)).permute((1, 0, 2)),
                  src=both.reshape((128, 2, 128)))

    # a row of y as a (1, 64) tile
    row = nl.ndarray((1, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=row, src=y.select(0, 5).expand_dim(0))

    # merge two free dims of a 3-D tile after slicing the outer one
    cube = nl.ndarray((128, 4, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.memset(dst=cube, value=0.0)
    half = nl.ndarray((128, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=half, src=cube.slice(1, 1, 3).flatten_dims(1, 2))
    # every other column of a tile
    nisa.tensor_copy(dst=half, src=a.slice(1, 0, 64, step=2))

    # raw access patterns: odd columns of the first 64 rows of x; right half of a tile;
    # a pattern read back with get_pattern() and shifted by one tile
    odd = nl.ndarray((64, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=odd, src=x.ap([[128, 64], [2, 64]], offset=1))
    nisa.tensor_copy(dst=half, src=a.ap([[64, 128], [1, 32]], offset=32))
    pat = x.slice(0, 0, 128).get_pattern()
    nisa.dma_copy(dst=t, src=x.ap(pat, offset=128 * 128))
    return out
