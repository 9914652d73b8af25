"""2-D matrix transpose: out = x.T for an (M, N) HBM tensor.

Each 128x128 block is transposed on the Tensor engine (`nc_transpose`, an
identity matmul) into PSUM, copied back to SBUF, and stored at the mirrored
block position of the (N, M) output. M and N must be multiples of 128.
"""

import numpy as np

import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def transpose_kernel(x):
    rows, cols = x.shape
    # The PE transpose handles at most 128 x 128 per instruction.
    blk = nl.tile_size.pmax
    assert rows % blk == 0, f"rows={rows} must be a multiple of {blk}"
    assert cols % blk == 0, f"cols={cols} must be a multiple of {blk}"

    out = nl.ndarray((cols, rows), dtype=x.dtype, buffer=nl.shared_hbm)

    for i in nl.affine_range(rows // blk):
        # One contiguous DMA per 128-row strip instead of one per block.
        strip = nl.ndarray((blk, cols), dtype=x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=strip, src=x[nl.ds(i * blk, blk), :])

        for j in nl.affine_range(cols // blk):
            # nc_transpose writes PSUM in the input dtype (fp32 here).
            t_psum = nl.ndarray((blk, blk), dtype=x.dtype, buffer=nl.psum)
            nisa.nc_transpose(dst=t_psum, data=strip[:, nl.ds(j * blk, blk)],
                              engine=nisa.engine.tensor)

            # DMA cannot read PSUM, so evacuate to SBUF first.
            t_sbuf = nl.ndarray((blk, blk), dtype=x.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(dst=t_sbuf, src=t_psum)

            # Block (i, j) of x becomes block (j, i) of out.
            nisa.dma_copy(dst=out[nl.ds(j * blk, blk), nl.ds(i * blk, blk)], src=t_sbuf)

    return out


def reference(x):
    return np.ascontiguousarray(x.T).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    # Non-square so that swapped dimensions are caught.
    return {"x": rng.standard_normal((256, 384)).astype(np.float32)}


KERNEL = "transpose_kernel"
GRID = None
