"""The interpreter's rules, one per `klr` op (docs/semantics.md), by engine:
`dma`, `vector`, `scalar`, `tensor_engine`, `gpsimd`, `rng`, `control`; the structural
rules (alloc, view, for) live with the machine in klr/interp/machine.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdsl.ir import Operation

from klr.dialects import klr as k
from klr.interp.machine import Compiler, Step, rule_alloc, rule_for, rule_view
from klr.interp.rules.control import (
    rule_device_print,
    rule_dynamic_for,
    rule_dynamic_while,
    rule_register_alloc,
    rule_register_load,
    rule_register_move,
    rule_register_store,
)
from klr.interp.rules.dma import (
    rule_dma_compute,
    rule_dma_copy,
    rule_dma_transpose,
    rule_indirect_dma,
    rule_tensor_copy,
)
from klr.interp.rules.gpsimd import (
    rule_affine_select,
    rule_iota,
    rule_local_gather,
    rule_nc_n_gather,
    rule_nonzero_with_count,
    rule_sequence_bounds,
    rule_tensor_partition_reduce,
    rule_topk,
)
from klr.interp.rules.rng import (
    rule_dropout,
    rule_rand2,
    rule_rand_get_state,
    rule_rand_set_state,
    rule_rng,
    rule_set_rng_seed,
)
from klr.interp.rules.scalar import rule_activate2, rule_activation
from klr.interp.rules.tensor_engine import rule_nc_matmul, rule_nc_matmul_mx, rule_nc_transpose
from klr.interp.rules.vector import (
    rule_bn_aggr,
    rule_bn_stats,
    rule_exponential,
    rule_max8,
    rule_memset,
    rule_nc_find_index8,
    rule_nc_match_replace8,
    rule_nc_stream_shuffle,
    rule_quantize_mx,
    rule_range_select,
    rule_reciprocal,
    rule_scalar_tensor_tensor,
    rule_select_reduce,
    rule_tensor_copy_predicated,
    rule_tensor_reduce,
    rule_tensor_scalar,
    rule_tensor_scalar_cumulative,
    rule_tensor_scalar_reduce,
    rule_tensor_tensor,
    rule_tensor_tensor_scan,
)

RULES: dict[type[Operation], Callable[[Compiler, Any], Step]] = {
    k.AllocOp: rule_alloc,
    k.ViewOp: rule_view,
    k.ForOp: rule_for,
    k.DmaCopyOp: rule_dma_copy,
    k.TensorCopyOp: rule_tensor_copy,
    k.TensorTensorOp: rule_tensor_tensor,
    k.TensorScalarOp: rule_tensor_scalar,
    k.ScalarTensorTensorOp: rule_scalar_tensor_tensor,
    k.ActivationOp: rule_activation,
    k.TensorReduceOp: rule_tensor_reduce,
    k.NcMatmulOp: rule_nc_matmul,
    k.NcTransposeOp: rule_nc_transpose,
    k.MemsetOp: rule_memset,
    k.ReciprocalOp: rule_reciprocal,
    k.BnStatsOp: rule_bn_stats,
    k.BnAggrOp: rule_bn_aggr,
    k.IotaOp: rule_iota,
    k.AffineSelectOp: rule_affine_select,
    k.TensorPartitionReduceOp: rule_tensor_partition_reduce,
    k.TensorCopyPredicatedOp: rule_tensor_copy_predicated,
    k.TensorTensorScanOp: rule_tensor_tensor_scan,
    k.SelectReduceOp: rule_select_reduce,
    k.TensorScalarReduceOp: rule_tensor_scalar_reduce,
    k.TensorScalarCumulativeOp: rule_tensor_scalar_cumulative,
    k.ExponentialOp: rule_exponential,
    k.Activate2Op: rule_activate2,
    k.NcStreamShuffleOp: rule_nc_stream_shuffle,
    k.NcNGatherOp: rule_nc_n_gather,
    k.SequenceBoundsOp: rule_sequence_bounds,
    k.NonzeroWithCountOp: rule_nonzero_with_count,
    k.RngOp: rule_rng,
    k.Rand2Op: rule_rand2,
    k.SetRngSeedOp: rule_set_rng_seed,
    k.RandSetStateOp: rule_rand_set_state,
    k.RandGetStateOp: rule_rand_get_state,
    k.DropoutOp: rule_dropout,
    k.NcMatmulMxOp: rule_nc_matmul_mx,
    k.QuantizeMxOp: rule_quantize_mx,
    k.DmaComputeOp: rule_dma_compute,
    k.TopkOp: rule_topk,
    k.RangeSelectOp: rule_range_select,
    k.Max8Op: rule_max8,
    k.NcFindIndex8Op: rule_nc_find_index8,
    k.NcMatchReplace8Op: rule_nc_match_replace8,
    k.LocalGatherOp: rule_local_gather,
    k.DmaTransposeOp: rule_dma_transpose,
    k.RegisterAllocOp: rule_register_alloc,
    k.RegisterMoveOp: rule_register_move,
    k.RegisterLoadOp: rule_register_load,
    k.RegisterStoreOp: rule_register_store,
    k.DynamicForOp: rule_dynamic_for,
    k.DynamicWhileOp: rule_dynamic_while,
    k.DevicePrintOp: rule_device_print,
    k.IndirectDmaOp: rule_indirect_dma,
}
