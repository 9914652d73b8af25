"""Kernels that break a rule of the NkiTensor view methods (see view-errors.test).

Every kernel takes x: float32[256, 128] in HBM.
"""
import nki
import nki.language as nl
import nki.isa as nisa


def tile(shape=(128, 64)):
    return nl.ndarray(shape, dtype=nl.float32, buffer=nl.sbuf)


@nki.jit
def slice_out_of_bounds(x):
    for i in nl.affine_range(3):
        nisa.dma_copy(dst=tile((128, 128)), src=x.slice(0, i * 128, i * 128 + 128))


@nki.jit
def slice_bad_step(x):
    x.slice(1, 0, 64, step=0)


@nki.jit
def slice_empty(x):
    x.slice(1, 8, 8)


@nki.jit
def slice_partition_step(x):
    tile().slice(0, 0, 128, 2)


@nki.jit
def slice_bad_dim(x):
    x.slice(2, 0, 1)


@nki.jit
def select_out_of_bounds(x):
    x.select(1, 128)


@nki.jit
def select_partition(x):
    tile().select(0, 3)


@nki.jit
def select_dynamic(x):
    idx = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
    x.select(0, idx)


@nki.jit
def permute_not_a_permutation(x):
    x.permute((0, 0))


@nki.jit
def permute_partition(x):
    tile().permute((1, 0))


@nki.jit
def broadcast_not_size_one(x):
    tile().broadcast(1, 128)


@nki.jit
def broadcast_partition(x):
    tile((1, 64)).broadcast(0, 128)


@nki.jit
def expand_dim_partition(x):
    tile().expand_dim(0)


@nki.jit
def squeeze_dim_partition(x):
    tile((1, 64)).squeeze_dim(0)


@nki.jit
def squeeze_dim_not_size_one(x):
    x.squeeze_dim(1)


@nki.jit
def reshape_dim_partition(x):
    tile().reshape_dim(0, (2, 64))


@nki.jit
def reshape_dim_count(x):
    x.reshape_dim(1, (3, -1))


@nki.jit
def flatten_dims_partition(x):
    tile((128, 4, 16)).flatten_dims(0, 1)


@nki.jit
def flatten_dims_not_contiguous(x):
    x.reshape((256, 2, 64)).permute((0, 2, 1)).flatten_dims(1, 2)


@nki.jit
def reshape_count(x):
    x.reshape((128, 128))


@nki.jit
def reshape_partition(x):
    tile().reshape((64, 128))


@nki.jit
def reshape_layout(x):
    x.permute((1, 0)).reshape((256 * 128,))


@nki.jit
def ap_partition_step(x):
    tile().ap([[128, 128], [1, 64]])


@nki.jit
def ap_out_of_bounds(x):
    x.ap([[128, 256], [1, 129]])


@nki.jit
def ap_partition_out_of_bounds(x):
    tile().ap([[64, 128], [1, 32]], offset=40)


@nki.jit
def ap_dtype(x):
    x.ap([[256, 256], [1, 257]], dtype=nl.bfloat16)
