"""`nki.isa`: one function per NKI instruction, each emitting one verified `klr` op."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from klr.dialects import klr as k
from klr.tracer.values import Builtin, EnumMember, Namespace, NotSupported, is_int
from klr.tracer.calls import (
    fail,
    tensor_arg,
    opt_tensor_arg,
    alu_arg,
    act_arg,
    engine_arg,
    number_arg,
    scalar_or_vector,
    describe,
    emit,
    float_attr,
    unit_attr,
    pattern_arg,
    int_arg,
)

if TYPE_CHECKING:
    from klr.targets import Target


def dma_copy(dst: Any, src: Any, priority: Any = None, oob_mode: Any = None,
             dge_mode: Any = None, engine: Any = None, name: Any = None) -> None:
    from klr.tracer.legacy import indirect_dma_copy

    if indirect_dma_copy(dst, src, None, tensor_arg):  # vector_select / .ap(vector_offset=)
        return
    emit(k.DmaCopyOp, [tensor_arg("dst", dst), tensor_arg("src", src)], {})


def tensor_copy(dst: Any, src: Any, engine: Any = None, name: Any = None) -> None:
    emit(
        k.TensorCopyOp,
        [tensor_arg("dst", dst), tensor_arg("src", src)],
        {"engine": k.EngineAttr(engine_arg(engine))},
    )


def tensor_tensor(dst: Any, data1: Any, data2: Any, op: Any, engine: Any = None, name: Any = None) -> None:
    emit(
        k.TensorTensorOp,
        [tensor_arg("dst", dst), tensor_arg("data1", data1), tensor_arg("data2", data2)],
        {"op": k.AluOpAttr(alu_arg("op", op)), "engine": k.EngineAttr(engine_arg(engine))},  # type: ignore[arg-type]
    )


def tensor_scalar(dst: Any, data: Any, op0: Any, operand0: Any, reverse0: bool = False,
                  op1: Any = None, operand1: Any = None, reverse1: bool = False,
                  engine: Any = None, name: Any = None) -> None:
    t0, i0 = scalar_or_vector("operand0", operand0)
    t1, i1 = scalar_or_vector("operand1", operand1)
    a1 = alu_arg("op1", op1, allow_none=True)
    emit(
        k.TensorScalarOp,
        [tensor_arg("dst", dst), tensor_arg("data", data), t0, t1],
        {
            "op0": k.AluOpAttr(alu_arg("op0", op0)),  # type: ignore[arg-type]
            "imm0": float_attr(i0),
            "reverse0": unit_attr(reverse0),
            "op1": k.AluOpAttr(a1) if a1 is not None else None,
            "imm1": float_attr(i1),
            "reverse1": unit_attr(reverse1),
            "engine": k.EngineAttr(engine_arg(engine)),
        },
    )


def scalar_tensor_tensor(dst: Any, data: Any, op0: Any, operand0: Any, op1: Any, operand1: Any,
                         reverse0: bool = False, reverse1: bool = False, name: Any = None) -> None:
    t0, i0 = scalar_or_vector("operand0", operand0)
    emit(
        k.ScalarTensorTensorOp,
        [tensor_arg("dst", dst), tensor_arg("data", data), t0, tensor_arg("operand1", operand1)],
        {
            "op0": k.AluOpAttr(alu_arg("op0", op0)),  # type: ignore[arg-type]
            "imm0": float_attr(i0),
            "reverse0": unit_attr(reverse0),
            "op1": k.AluOpAttr(alu_arg("op1", op1)),  # type: ignore[arg-type]
            "reverse1": unit_attr(reverse1),
        },
    )


def activation(dst: Any, op: Any, data: Any, bias: Any = None, scale: Any = 1.0,
               reduce_op: Any = None, reduce_res: Any = None, reduce_cmd: Any = None,
               name: Any = None) -> None:
    bt, bi = scalar_or_vector("bias", bias)
    st, si = scalar_or_vector("scale", scale)
    cmd = _reduce_cmd(reduce_cmd)
    rop = alu_arg("reduce_op", reduce_op, allow_none=True)
    if reduce_res is not None and rop is None:
        rop = k.AluOp.ADD
    emit(
        k.ActivationOp,
        [tensor_arg("dst", dst), tensor_arg("data", data), bt, st, opt_tensor_arg("reduce_res", reduce_res)],
        {
            "op": k.ActFuncAttr(act_arg("op", op)),
            "bias_imm": float_attr(bi),
            "scale_imm": float_attr(si) if si != 1.0 else None,
            "reduce_op": k.AluOpAttr(rop) if rop is not None else None,
            "reduce_cmd": k.ReduceCmdAttr(cmd),
        },
    )


def activation_reduce(dst: Any, op: Any, data: Any, reduce_op: Any, reduce_res: Any,
                      bias: Any = None, scale: Any = 1.0, name: Any = None) -> None:
    activation(dst, op, data, bias, scale, reduce_op, reduce_res,
               EnumMember("nisa.reduce_cmd", "reset_reduce", 3))


def _reduce_cmd(value: Any) -> k.ReduceCmd:
    if value is None:
        return k.ReduceCmd.IDLE
    if isinstance(value, EnumMember) and value.enum == "nisa.reduce_cmd":
        return k.ReduceCmd(value.name)
    raise fail("err_bad_arguments", f"'reduce_cmd' must be a nisa.reduce_cmd member, got {describe(value)}")


def tensor_reduce(dst: Any, op: Any, data: Any, axis: Any, negate: bool = False,
                  keepdims: bool = False, name: Any = None) -> None:
    src = tensor_arg("data", data)
    axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(is_int(a) for a in axes):
        raise fail("err_bad_arguments", f"'axis' must be an int or a tuple of ints, got {describe(axis)}")
    axes = tuple(a + src.ndim if a < 0 else a for a in axes)
    emit(
        k.TensorReduceOp,
        [tensor_arg("dst", dst), src],
        {
            "op": k.AluOpAttr(alu_arg("op", op)),  # type: ignore[arg-type]
            "axes": k.IntsAttr(axes),
            "negate": unit_attr(negate),
            "keepdims": unit_attr(keepdims),
        },
    )


def nc_matmul(dst: Any, stationary: Any, moving: Any, is_stationary_onezero: bool = False,
              is_moving_onezero: bool = False, is_transpose: bool = False, accumulate: Any = None,
              tile_position: Any = (), tile_size: Any = (), perf_mode: Any = None,
              name: Any = None) -> None:
    if tile_position or tile_size:
        raise fail("err_not_supported", "nc_matmul tile_position/tile_size are not supported yet")
    if perf_mode is not None and not (isinstance(perf_mode, EnumMember) and perf_mode.name == "none"):
        raise fail("err_not_supported", f"nc_matmul perf_mode={perf_mode!r} is not supported yet")
    if accumulate is not None and not isinstance(accumulate, bool):
        raise fail("err_bad_arguments", f"'accumulate' must be None, True or False, got {describe(accumulate)}")
    emit(
        k.NcMatmulOp,
        [tensor_arg("dst", dst), tensor_arg("stationary", stationary), tensor_arg("moving", moving)],
        {
            "accumulate": k.IntAttr(int(accumulate)) if accumulate is not None else None,
            "is_transpose": unit_attr(is_transpose),
        },
    )


def nc_transpose(dst: Any, data: Any, engine: Any = None, name: Any = None) -> None:
    d, s = tensor_arg("dst", dst), tensor_arg("data", data)
    eng = engine_arg(engine)
    if eng == k.Engine.UNKNOWN:
        # NKI picks by shape and destination (nki.md §9.1): PSUM dst -> Tensor engine
        eng = k.Engine.TENSOR if d.memory == k.Memory.PSUM else k.Engine.VECTOR
    emit(k.NcTransposeOp, [d, s], {"engine": k.EngineAttr(eng)})


def memset(dst: Any, value: Any, engine: Any = None, name: Any = None) -> None:
    emit(
        k.MemsetOp,
        [tensor_arg("dst", dst)],
        {"value": k.FloatAttr(number_arg("value", value)), "engine": k.EngineAttr(engine_arg(engine))},
    )


def reciprocal(dst: Any, data: Any, name: Any = None) -> None:
    emit(k.ReciprocalOp, [tensor_arg("dst", dst), tensor_arg("data", data)], {})


def bn_stats(dst: Any, data: Any, name: Any = None) -> None:
    emit(k.BnStatsOp, [tensor_arg("dst", dst), tensor_arg("data", data)], {})


def bn_aggr(dst: Any, data: Any, name: Any = None) -> None:
    emit(k.BnAggrOp, [tensor_arg("dst", dst), tensor_arg("data", data)], {})


def iota(dst: Any, pattern: Any, offset: Any = 0, channel_multiplier: Any = 0, name: Any = None) -> None:
    emit(
        k.IotaOp,
        [tensor_arg("dst", dst)],
        {
            "pattern": pattern_arg(pattern),
            "offset": k.IntAttr(int_arg("offset", offset)),
            "channel_multiplier": k.IntAttr(int_arg("channel_multiplier", channel_multiplier)),
        },
    )


def affine_select(dst: Any, pattern: Any, channel_multiplier: Any, on_true_tile: Any,
                  on_false_value: Any, cmp_op: Any = None, offset: Any = 0, name: Any = None) -> None:
    cmp = alu_arg("cmp_op", cmp_op, allow_none=True) or k.AluOp.EQUAL
    emit(
        k.AffineSelectOp,
        [tensor_arg("dst", dst), tensor_arg("on_true_tile", on_true_tile)],
        {
            "pattern": pattern_arg(pattern),
            "offset": k.IntAttr(int_arg("offset", offset)),
            "channel_multiplier": k.IntAttr(int_arg("channel_multiplier", channel_multiplier)),
            "cmp_op": k.AluOpAttr(cmp),
            "on_false_value": k.FloatAttr(number_arg("on_false_value", on_false_value)),
        },
    )


def tensor_partition_reduce(dst: Any, op: Any, data: Any, name: Any = None) -> None:
    emit(
        k.TensorPartitionReduceOp,
        [tensor_arg("dst", dst), tensor_arg("data", data)],
        {"op": k.AluOpAttr(alu_arg("op", op))},  # type: ignore[arg-type]
    )


def tensor_copy_predicated(dst: Any, src: Any, predicate: Any, reverse_pred: bool = False,
                           name: Any = None) -> None:
    st, si = scalar_or_vector("src", src)
    emit(
        k.TensorCopyPredicatedOp,
        [tensor_arg("dst", dst), st, tensor_arg("predicate", predicate)],
        {"src_imm": float_attr(si), "reverse_pred": unit_attr(reverse_pred)},
    )


def tensor_tensor_scan(dst: Any, data0: Any, data1: Any, initial: Any, op0: Any, op1: Any,
                       reverse0: bool = False, reverse1: bool = False, name: Any = None) -> None:
    it, ii = scalar_or_vector("initial", initial)
    emit(
        k.TensorTensorScanOp,
        [tensor_arg("dst", dst), tensor_arg("data0", data0), tensor_arg("data1", data1), it],
        {
            "initial_imm": float_attr(ii),
            "op0": k.AluOpAttr(alu_arg("op0", op0)),  # type: ignore[arg-type]
            "op1": k.AluOpAttr(alu_arg("op1", op1)),  # type: ignore[arg-type]
            "reverse0": unit_attr(reverse0),
            "reverse1": unit_attr(reverse1),
        },
    )


def select_reduce(dst: Any, predicate: Any, on_true: Any, on_false: Any, reduce_res: Any = None,
                  reduce_cmd: Any = None, reduce_op: Any = None, reverse_pred: bool = False,
                  name: Any = None) -> None:
    ft, fi = scalar_or_vector("on_false", on_false)
    rop = alu_arg("reduce_op", reduce_op, allow_none=True) or k.AluOp.MAXIMUM
    emit(
        k.SelectReduceOp,
        [tensor_arg("dst", dst), tensor_arg("predicate", predicate), tensor_arg("on_true", on_true), ft,
         opt_tensor_arg("reduce_res", reduce_res)],
        {
            "on_false_imm": float_attr(fi),
            "reduce_cmd": k.ReduceCmdAttr(_reduce_cmd(reduce_cmd)),
            "reduce_op": k.AluOpAttr(rop),
            "reverse_pred": unit_attr(reverse_pred),
        },
    )


def _cmd_or(value: Any, default: k.ReduceCmd) -> k.ReduceCmd:
    return default if value is None else _reduce_cmd(value)


def tensor_scalar_reduce(dst: Any, data: Any, op0: Any, operand0: Any, reduce_op: Any,
                         reduce_res: Any = None, reverse0: bool = False, reduce_cmd: Any = None,
                         reduce_init: Any = None, reduce_res_negate: bool = False,
                         name: Any = None) -> None:
    if reverse0:
        raise fail(
            "err_not_supported",
            "nisa.tensor_scalar_reduce: reverse0=True is not supported by the instruction",
            hint="swap the operands with a separate nisa.tensor_scalar (nki.md §9.3)",
        )
    t0, i0 = scalar_or_vector("operand0", operand0)
    emit(
        k.TensorScalarReduceOp,
        [tensor_arg("dst", dst), tensor_arg("data", data), t0,
         opt_tensor_arg("reduce_res", reduce_res)],
        {
            "op0": k.AluOpAttr(alu_arg("op0", op0)),  # type: ignore[arg-type]
            "imm0": float_attr(i0),
            "reduce_op": k.AluOpAttr(alu_arg("reduce_op", reduce_op)),  # type: ignore[arg-type]
            "reduce_cmd": k.ReduceCmdAttr(_cmd_or(reduce_cmd, k.ReduceCmd.RESET_REDUCE)),
            "reduce_init": float_attr(
                None if reduce_init is None else number_arg("reduce_init", reduce_init)
            ),
            "reduce_res_negate": unit_attr(reduce_res_negate),
        },
    )


def tensor_scalar_cumulative(dst: Any, src: Any, op0: Any, op1: Any, imm0: Any, imm1: Any = None,
                             reduce_cmd: Any = None, name: Any = None) -> None:
    t0, i0 = scalar_or_vector("imm0", imm0)
    t1, i1 = scalar_or_vector("imm1", imm1)
    emit(
        k.TensorScalarCumulativeOp,
        [tensor_arg("dst", dst), tensor_arg("src", src), t0, t1],
        {
            "op0": k.AluOpAttr(alu_arg("op0", op0)),  # type: ignore[arg-type]
            "imm0": float_attr(i0),
            "op1": k.AluOpAttr(alu_arg("op1", op1)),  # type: ignore[arg-type]
            "imm1": float_attr(i1),
            "reduce_cmd": k.ReduceCmdAttr(_cmd_or(reduce_cmd, k.ReduceCmd.RESET_REDUCE)),
        },
    )


def exponential(dst: Any, src: Any, max_value: Any = 0.0, reduce_res: Any = None,
                reduce_cmd: Any = None, reduce_init: Any = 0.0, name: Any = None) -> None:
    mt, mi = scalar_or_vector("max_value", max_value)
    init = number_arg("reduce_init", reduce_init) if reduce_init is not None else 0.0
    emit(
        k.ExponentialOp,
        [tensor_arg("dst", dst), tensor_arg("src", src), mt,
         opt_tensor_arg("reduce_res", reduce_res)],
        {
            "max_imm": float_attr(mi) if mi not in (None, 0.0) else None,
            "reduce_cmd": k.ReduceCmdAttr(_cmd_or(reduce_cmd, k.ReduceCmd.IDLE)),
            "reduce_init": float_attr(init) if init != 0.0 else None,
        },
    )


def activate2(dst: Any, op: Any, data: Any, imm0: Any, imm1: Any, op0: Any, op1: Any,
              relu_param: Any = 0.0, reverse0: bool = False, reverse1: bool = False,
              reduce_op: Any = None, reduce_res: Any = None, reduce_cmd: Any = None,
              name: Any = None) -> None:
    t0, i0 = scalar_or_vector("imm0", imm0)
    t1, i1 = scalar_or_vector("imm1", imm1)
    rop = alu_arg("reduce_op", reduce_op, allow_none=True)
    if reduce_res is not None and rop is None:
        rop = k.AluOp.ADD
    slope = number_arg("relu_param", relu_param)
    emit(
        k.Activate2Op,
        [tensor_arg("dst", dst), tensor_arg("data", data), t0, t1,
         opt_tensor_arg("reduce_res", reduce_res)],
        {
            "op": k.ActFuncAttr(act_arg("op", op)),
            "op0": k.AluOpAttr(alu_arg("op0", op0)),  # type: ignore[arg-type]
            "imm0": float_attr(i0),
            "reverse0": unit_attr(reverse0),
            "op1": k.AluOpAttr(alu_arg("op1", op1)),  # type: ignore[arg-type]
            "imm1": float_attr(i1),
            "reverse1": unit_attr(reverse1),
            "relu_param": k.FloatAttr(slope) if slope != 0.0 else None,
            "reduce_op": k.AluOpAttr(rop) if rop is not None else None,
            "reduce_cmd": k.ReduceCmdAttr(_cmd_or(reduce_cmd, k.ReduceCmd.IDLE)),
        },
    )


def nc_stream_shuffle(dst: Any, src: Any, shuffle_mask: Any, name: Any = None) -> None:
    if not isinstance(shuffle_mask, (list, tuple)) or not all(is_int(v) for v in shuffle_mask):
        raise fail(
            "err_bad_arguments",
            f"'shuffle_mask' must be a list of ints, got {describe(shuffle_mask)}",
            hint="one source partition (0..31) per destination partition, 255 to keep it",
        )
    emit(
        k.NcStreamShuffleOp,
        [tensor_arg("dst", dst), tensor_arg("src", src)],
        {"shuffle_mask": k.IntsAttr(tuple(int(v) for v in shuffle_mask))},
    )


def nc_n_gather(dst: Any, data: Any, indices: Any, name: Any = None) -> None:
    emit(
        k.NcNGatherOp,
        [tensor_arg("dst", dst), tensor_arg("data", data), tensor_arg("indices", indices)],
        {},
    )


def sequence_bounds(dst: Any, segment_ids: Any, name: Any = None) -> None:
    emit(k.SequenceBoundsOp, [tensor_arg("dst", dst), tensor_arg("segment_ids", segment_ids)], {})


def nonzero_with_count(dst: Any, src: Any, index_offset: Any = 0, padding_val: Any = -1,
                       name: Any = None) -> None:
    emit(
        k.NonzeroWithCountOp,
        [tensor_arg("dst", dst), tensor_arg("src", src)],
        {
            "index_offset": k.IntAttr(int_arg("index_offset", index_offset)),
            "padding_val": k.IntAttr(int_arg("padding_val", padding_val)),
        },
    )


def _engine_or(value: Any, default: k.Engine) -> k.Engine:
    return default if value is None else engine_arg(value)


def rng(dst: Any, engine: Any = None, name: Any = None) -> None:
    emit(k.RngOp, [tensor_arg("dst", dst)],
         {"engine": k.EngineAttr(_engine_or(engine, k.Engine.VECTOR))})


def rand2(dst: Any, min: Any, max: Any, name: Any = None) -> None:  # noqa: A002 - NKI's names
    lt, li = scalar_or_vector("min", min)
    ht, hi = scalar_or_vector("max", max)
    emit(k.Rand2Op, [tensor_arg("dst", dst), lt, ht],
         {"low_imm": float_attr(li), "high_imm": float_attr(hi)})


def set_rng_seed(src_seeds: Any, name: Any = None) -> None:
    emit(k.SetRngSeedOp, [tensor_arg("src_seeds", src_seeds)], {})


def rand_set_state(src_seeds: Any, engine: Any = None, name: Any = None) -> None:
    emit(k.RandSetStateOp, [tensor_arg("src_seeds", src_seeds)],
         {"engine": k.EngineAttr(_engine_or(engine, k.Engine.GPSIMD))})


def rand_get_state(dst: Any, engine: Any = None, name: Any = None) -> None:
    emit(k.RandGetStateOp, [tensor_arg("dst", dst)],
         {"engine": k.EngineAttr(_engine_or(engine, k.Engine.GPSIMD))})


def dropout(dst: Any, data: Any, prob: Any, name: Any = None) -> None:
    pt, pi = scalar_or_vector("prob", prob)
    if pi is not None and not 0.0 <= pi <= 1.0:
        raise fail("err_bad_arguments", f"'prob' must be in [0, 1], got {pi!r}")
    emit(k.DropoutOp, [tensor_arg("dst", dst), tensor_arg("data", data), pt],
         {"prob_imm": float_attr(pi)})


def nc_matmul_mx(dst: Any, stationary: Any, moving: Any, stationary_scale: Any,
                 moving_scale: Any, tile_position: Any = None, tile_size: Any = None,
                 accumulate: Any = None, name: Any = None) -> None:
    if tile_position or tile_size:
        raise fail("err_not_supported", "nc_matmul_mx tile_position/tile_size are not supported yet",
                   hint="issue one nc_matmul_mx per tile")
    if accumulate is not None and not isinstance(accumulate, bool):
        raise fail("err_bad_arguments",
                   f"'accumulate' must be None, True or False, got {describe(accumulate)}")
    emit(
        k.NcMatmulMxOp,
        [tensor_arg("dst", dst), tensor_arg("stationary", stationary), tensor_arg("moving", moving),
         tensor_arg("stationary_scale", stationary_scale), tensor_arg("moving_scale", moving_scale)],
        {"accumulate": k.IntAttr(int(accumulate)) if accumulate is not None else None},
    )


def quantize_mx(dst: Any, src: Any, dst_scale: Any, name: Any = None) -> None:
    emit(k.QuantizeMxOp,
         [tensor_arg("dst", dst), tensor_arg("dst_scale", dst_scale), tensor_arg("src", src)], {})


def dma_compute(dst: Any, srcs: Any, reduce_op: Any, scales: Any = None,
                unique_indices: bool = True, oob_mode: Any = None, name: Any = None) -> None:
    if not isinstance(srcs, (list, tuple)) or not srcs:
        raise fail("err_bad_arguments", f"'srcs' must be a list of tensors, got {describe(srcs)}")
    if scales is not None and any(not isinstance(x, (int, float)) or x != 1.0 for x in scales):
        raise fail("err_not_supported", "nisa.dma_compute: scales other than 1.0 are not supported",
                   hint="the DMA engine only adds (nki.md §9.6): scale the sources first")
    emit(
        k.DmaComputeOp,
        [tensor_arg("dst", dst), [tensor_arg(f"srcs[{i}]", t) for i, t in enumerate(srcs)]],
        {"reduce_op": k.AluOpAttr(alu_arg("reduce_op", reduce_op))},  # type: ignore[arg-type]
    )


def topk(val_dst: Any, idx_dst: Any, src: Any, n: Any, name: Any = None) -> None:
    emit(k.TopkOp, [tensor_arg("val_dst", val_dst), tensor_arg("idx_dst", idx_dst),
                    tensor_arg("src", src)], {"n": k.IntAttr(int_arg("n", n))})


def max8(dst: Any, src: Any, name: Any = None) -> None:
    emit(k.Max8Op, [tensor_arg("dst", dst), tensor_arg("src", src)], {})


def nc_find_index8(dst: Any, data: Any, vals: Any, name: Any = None) -> None:
    emit(k.NcFindIndex8Op, [tensor_arg("dst", dst), tensor_arg("data", data), tensor_arg("vals", vals)], {})


def dma_transpose(dst: Any, src: Any, axes: Any = None, priority: Any = None, dge_mode: Any = None,
                  oob_mode: Any = None, name: Any = None) -> None:
    s = tensor_arg("src", src)
    if axes is None:
        axes = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}.get(s.ndim, tuple(reversed(range(s.ndim))))
    if not isinstance(axes, (tuple, list)) or not all(is_int(a) for a in axes):
        raise fail("err_bad_arguments", f"'axes' must be a tuple of ints, got {describe(axes)}")
    emit(k.DmaTransposeOp, [tensor_arg("dst", dst), s], {"axes": k.IntsAttr(tuple(axes))})


# ---------------------------------------------------------------------------


def range_select(dst: Any, on_true_tile: Any, comp_op0: Any, comp_op1: Any, bound0: Any,
                 bound1: Any, reduce_cmd: Any = None, reduce_res: Any = None, reduce_op: Any = None,
                 range_start: Any = 0, on_false_value: Any = -3.4028234663852886e38,
                 name: Any = None) -> None:
    cmd = _reduce_cmd(reduce_cmd) if reduce_cmd is not None else k.ReduceCmd.RESET_REDUCE
    rop = alu_arg("reduce_op", reduce_op, allow_none=True) or k.AluOp.MAXIMUM
    emit(
        k.RangeSelectOp,
        [tensor_arg("dst", dst), tensor_arg("on_true_tile", on_true_tile),
         tensor_arg("bound0", bound0), tensor_arg("bound1", bound1),
         opt_tensor_arg("reduce_res", reduce_res)],
        {
            "comp_op0": k.AluOpAttr(alu_arg("comp_op0", comp_op0)),  # type: ignore[arg-type]
            "comp_op1": k.AluOpAttr(alu_arg("comp_op1", comp_op1)),  # type: ignore[arg-type]
            "range_start": k.IntAttr(int_arg("range_start", range_start)),
            "on_false_value": k.FloatAttr(number_arg("on_false_value", on_false_value)),
            "reduce_cmd": k.ReduceCmdAttr(cmd),
            "reduce_op": k.AluOpAttr(rop),
        },
    )


def nc_match_replace8(dst: Any, data: Any, vals: Any, imm: Any, dst_idx: Any = None,
                      name: Any = None) -> None:
    emit(
        k.NcMatchReplace8Op,
        [tensor_arg("dst", dst), tensor_arg("data", data), tensor_arg("vals", vals),
         opt_tensor_arg("dst_idx", dst_idx)],
        {"imm": k.FloatAttr(number_arg("imm", imm))},
    )


def local_gather(dst: Any, src_buffer: Any, index: Any, num_elem_per_idx: Any = 1,
                 num_valid_indices: Any = None, name: Any = None) -> None:
    emit(
        k.LocalGatherOp,
        [tensor_arg("dst", dst), tensor_arg("src_buffer", src_buffer), tensor_arg("index", index)],
        {
            "num_elem_per_idx": k.IntAttr(int_arg("num_elem_per_idx", num_elem_per_idx)),
            "num_valid_indices": (
                k.IntAttr(int_arg("num_valid_indices", num_valid_indices))
                if num_valid_indices is not None else None
            ),
        },
    )


_NOT_TRACED_ISA = [
    "core_barrier", "sendrecv", "register_alloc", "register_move", "register_load",
    "register_store", "get_nc_sub_version",
]


def _depends_on(*producers: Any) -> None:
    """`inst.depends_on(*producers)`: a scheduling edge. KLR runs instructions in program
    order, which satisfies every edge; the producers must be instruction handles."""
    for p in producers:
        if not (isinstance(p, Namespace) and p.name == "NkiInstruction"):
            raise fail(
                "err_bad_arguments",
                f"depends_on() takes the handles ISA calls return, got {describe(p)}",
                hint="i = nisa.tensor_copy(dst=..., src=...); j = nisa.activation(...); "
                "j.depends_on(i)",
            )


_HANDLE = Namespace(
    "NkiInstruction",
    {"depends_on": Builtin("NkiInstruction.depends_on", _depends_on)},
    hint="an ISA call's handle only serves scheduling: depends_on(*producers)",
)


def _returns_handle(fn: Any) -> Any:
    """An ISA call returns an `NkiInstruction` handle (nki.md §2.2), for scheduling only."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return _HANDLE if result is None else result

    return call


def _enum(name: str, members: dict[str, int]) -> Namespace:
    return Namespace(name, {m: EnumMember(name, m, v) for m, v in members.items()})


def isa(target: Target) -> Namespace:
    attrs: dict[str, Any] = {}
    for fn in (dma_copy, tensor_copy, tensor_tensor, tensor_scalar, scalar_tensor_tensor,
               activation, activation_reduce, tensor_reduce, nc_matmul, nc_transpose, memset,
               reciprocal, bn_stats, bn_aggr, iota, affine_select, tensor_partition_reduce,
               tensor_copy_predicated, tensor_tensor_scan, select_reduce, max8, nc_find_index8,
               dma_transpose, range_select, nc_match_replace8, local_gather,
               tensor_scalar_reduce, tensor_scalar_cumulative, exponential, activate2,
               nc_stream_shuffle, nc_n_gather, sequence_bounds, nonzero_with_count,
               rng, rand2, set_rng_seed, rand_set_state, rand_get_state, dropout,
               nc_matmul_mx, quantize_mx, dma_compute, topk):
        attrs[fn.__name__] = Builtin(f"nki.isa.{fn.__name__}", _returns_handle(fn))
    for n in _NOT_TRACED_ISA:
        attrs.setdefault(n, NotSupported(f"nki.isa.{n}"))
    attrs["engine"] = _enum(
        "nisa.engine",
        {"unknown": 0, "tensor": 1, "scalar": 2, "gpsimd": 3, "dma": 4, "vector": 5, "sync": 6},
    )
    for alias in ("tensor", "scalar", "gpsimd", "vector", "unknown"):
        attrs[f"{alias}_engine"] = attrs["engine"].attrs[alias]
    attrs["reduce_cmd"] = _enum(
        "nisa.reduce_cmd", {"idle": 0, "reset": 1, "reduce": 2, "reset_reduce": 3, "load_reduce": 4}
    )
    attrs["dge_mode"] = _enum("nisa.dge_mode", {"unknown": 0, "swdge": 1, "hwdge": 2, "none": 3})
    attrs["oob_mode"] = _enum("nisa.oob_mode", {"error": 0, "skip": 1})
    attrs["matmul_perf_mode"] = _enum("nisa.matmul_perf_mode", {"none": 0, "double_row": 1})
    attrs["nc_version"] = _enum("nisa.nc_version", {"gen2": 2, "gen3": 3, "gen4": 4})
    # which DMA queue serves a transfer: a placement hint, no effect on values
    attrs["dma_engine"] = _enum("nisa.dma_engine", {"dma": 1, "gpsimd_dma": 2})
    version = attrs["nc_version"].attrs[f"gen{target.isa_version}"]
    attrs["get_nc_version"] = Builtin("nki.isa.get_nc_version", lambda: version)
    return Namespace("nki.isa", attrs, hint="see docs/coverage.md")
