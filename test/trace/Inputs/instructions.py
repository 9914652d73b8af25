"""Every instruction form and view form the tracer emits (not a useful kernel)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def forms(x, y, scale=0.5):
    a = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.sbuf)
    b = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    col = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    acc = nl.zeros((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    ps = nl.ndarray((64, 64), dtype=nl.float32, buffer=nl.psum, name="pst")
    # views: int on HBM drops the dim, steps, negative bounds, nl.ds, ellipsis
    nisa.dma_copy(dst=a[0, :], src=x[3, 0:64])
    nisa.dma_copy(dst=a[:, ::2], src=x[0:128, -64:-32])
    nisa.dma_copy(dst=a[...], src=x[nl.ds(128, 128), 64:128])
    nisa.dma_copy(dst=b, src=y)
    nisa.tensor_copy(dst=a, src=b, engine=nisa.vector_engine)
    nisa.tensor_copy(dst=b, src=a, engine=nisa.engine.gpsimd)
    nisa.tensor_tensor(dst=a, data1=a, data2=b, op=nl.maximum)
    bits = nl.ndarray((128, 64), dtype=nl.int32, buffer=nl.sbuf)
    nisa.memset(dst=bits, value=7)
    nisa.tensor_tensor(dst=bits, data1=bits, data2=bits, op=nl.bitwise_and,
                       engine=nisa.engine.vector)
    nisa.tensor_scalar(dst=a, data=a, op0=nl.multiply, operand0=scale)
    nisa.tensor_scalar(dst=a, data=a, op0=nl.subtract, operand0=col, reverse0=True,
                       op1=nl.add, operand1=2)
    nisa.tensor_scalar(dst=a, data=a, op0=nl.rsqrt, operand0=None)
    nisa.scalar_tensor_tensor(dst=a, data=a, op0=nl.add, operand0=1.0, op1=nl.multiply,
                              operand1=b)
    nisa.activation(dst=a, op=nl.exp, data=b)
    nisa.activation(dst=a, op=nl.gelu, data=a, bias=col, scale=col)
    nisa.activation(dst=a, op=nl.copy, data=a, bias=0.25, scale=2.0, reduce_op=nl.add,
                    reduce_res=acc, reduce_cmd=nisa.reduce_cmd.reduce)
    nisa.activation_reduce(dst=a, op=nl.square, data=a, reduce_op=nl.add, reduce_res=acc)
    nisa.tensor_reduce(dst=col, op=nl.add, data=a, axis=1, negate=True, keepdims=True)
    cube = nl.ndarray((128, 4, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_reduce(dst=col, op=nl.maximum, data=cube, axis=(1, 2))
    nisa.nc_matmul(dst=ps, stationary=a, moving=a, accumulate=False)
    nisa.nc_matmul(ps, a, a, accumulate=True)
    small = nl.ndarray((32, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.nc_transpose(dst=small, data=a[0:32, 0:32])
    pt = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_transpose(dst=pt, data=a)
    nisa.memset(dst=b, value=0, engine=nisa.engine.gpsimd)
    nisa.reciprocal(dst=col, data=col)
    stats = nl.ndarray((128, 6), dtype=nl.float32, buffer=nl.sbuf)
    nisa.bn_stats(dst=stats, data=a)
    mv = nl.ndarray((128, 2), dtype=nl.float32, buffer=nl.sbuf)
    nisa.bn_aggr(dst=mv, data=stats)
    # GpSimd: iota, affine_select (a causal mask), partition reduction
    idx = nl.ndarray((128, 64), dtype=nl.int32, buffer=nl.sbuf)
    nisa.iota(dst=idx, pattern=[[1, 64]], offset=0, channel_multiplier=64)
    nisa.affine_select(dst=a, pattern=[[-1, 64]], channel_multiplier=1, on_true_tile=a,
                       on_false_value=-3.0e38, cmp_op=nl.greater_equal)
    row = nl.ndarray((1, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_partition_reduce(dst=row, op=nl.maximum, data=a)
    # Vector: predicated copy, scan, select-reduce, top-8 and their indices
    pred = nl.ndarray((128, 64), dtype=nl.uint8, buffer=nl.sbuf)
    nisa.memset(dst=pred, value=1)
    nisa.tensor_copy_predicated(dst=a, src=a, predicate=pred)
    nisa.tensor_copy_predicated(dst=a, src=0.0, predicate=pred, reverse_pred=True)
    nisa.tensor_tensor_scan(dst=a, data0=a, data1=a, initial=0.0, op0=nl.multiply, op1=nl.add)
    nisa.tensor_tensor_scan(dst=a, data0=a, data1=a, initial=col, op0=nl.add, op1=nl.add,
                            reverse0=True)
    nisa.select_reduce(dst=a, predicate=pred, on_true=a, on_false=-1.0, reduce_res=acc,
                       reduce_cmd=nisa.reduce_cmd.reset_reduce)
    top = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.sbuf)
    nisa.max8(dst=top, src=a)
    where = nl.ndarray((128, 8), dtype=nl.uint32, buffer=nl.sbuf)
    nisa.nc_find_index8(dst=where, data=a, vals=top)
    # range_select (v3+), nc_match_replace8, local_gather
    lo = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    hi = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.range_select(dst=a, on_true_tile=a, comp_op0=nl.greater_equal, comp_op1=nl.less,
                      bound0=lo, bound1=hi, reduce_res=acc, range_start=0)
    nisa.nc_match_replace8(dst=a, data=a, vals=top, imm=-1.0e9, dst_idx=where)
    gidx = nl.ndarray((128, 4), dtype=nl.uint16, buffer=nl.sbuf)
    gathered = nl.ndarray((128, 8, 2), dtype=nl.float32, buffer=nl.sbuf)
    nisa.local_gather(dst=gathered, src_buffer=a, index=gidx, num_elem_per_idx=2,
                      num_valid_indices=8)
    # DMA transpose from HBM into SBUF
    xt = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_transpose(dst=xt, src=x[0:128, 0:64])
    out = nl.ndarray((128, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    # loops: sequential stays rolled, static_range and range unroll
    for i in nl.sequential_range(2):
        nisa.dma_copy(dst=out[nl.ds(i * 64, 64), :], src=a[nl.ds(i * 64, 64), :])
    for j in nl.static_range(2):
        nisa.tensor_copy(dst=a[:, j:j + 1], src=col)
    return out
