"""Per-generation hardware tables: every NKI limit that differs by target, as data.

Checks and the cost model read limits from a `Target`, never from literals in code.
Sources (in /work/shared/reference): `nki.md` (NKI semantics, `nl.tile_size`) and
`trainium-hw.md` (hardware numbers). Each number names its section; where the sources
disagree the comment says which value was taken and why ("choice:").

Conventions: "gen2/gen3/gen4" = NeuronCore-v2/v3/v4 = Trn1+Inf2 / Trn2 / Trn3.
Dtype names are the NKI spellings (`nl.bfloat16` -> "bfloat16").
Device-level numbers of gen2 are Trn1's (Inf2 shares the NeuronCore).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

_V = TypeVar("_V")

# --------------------------------------------------------------------------------------
# Shared vocabularies (target-independent lists; per-target subsets are taken below)
# --------------------------------------------------------------------------------------

# Every `nl.tile_size.*` constant a kernel may read (nki.md §3.3). `psum_fmax_bytes` is
# the SDK's own spelling of `psum_bank_fmax_bytes` (SDK `nki.language.tile_size.rst`,
# listed in nki.md §0.1); both are provided so either spelling traces.
TILE_SIZE_KEYS: tuple[str, ...] = (
    "pmax",
    "psum_bank_fmax",
    "psum_bank_fmax_bytes",
    "psum_fmax",
    "psum_fmax_bytes",
    "psum_num_banks",
    "gemm_stationary_fmax",
    "gemm_moving_fmax",
    "bn_stats_fmax",
    "psum_min_align",
    "sbuf_min_align",
    "sbuf_fmax_bytes",
    "total_available_sbuf_size",
    "sbuf_fmax",
    "sbuf_size_bytes",
)

# Engines of every NeuronCore generation (nki.md §2.3); names follow `nisa.engine`.
ENGINES: frozenset[str] = frozenset({"tensor", "vector", "scalar", "gpsimd", "sync", "dma"})

# `nki.isa` instructions -> first ISA generation that has them (nki.md §9; §2.3).
# Unmarked in nki.md = all generations.
ISA_MIN_VERSION: Mapping[str, int] = MappingProxyType(
    {
        # Tensor engine (§9.1)
        "nc_matmul": 2,
        "nc_transpose": 2,
        "nc_matmul_mx": 4,  # §9.1 "v4 only"
        # Scalar engine (§9.2)
        "activation": 2,
        "activation_reduce": 2,
        "activate2": 4,  # §9.2 "v4 only"
        # Vector engine (§9.3)
        "tensor_tensor": 2,
        "tensor_scalar": 2,
        "scalar_tensor_tensor": 2,
        "tensor_reduce": 2,
        "tensor_scalar_reduce": 2,
        "tensor_scalar_cumulative": 2,
        "tensor_tensor_scan": 2,
        "tensor_copy": 2,
        "tensor_copy_predicated": 2,
        "memset": 2,
        "reciprocal": 2,
        "exponential": 4,  # §9.3 "v4 only"
        "bn_stats": 2,
        "bn_aggr": 2,
        "select_reduce": 2,
        "range_select": 3,  # §9.3 "v3+"
        "max8": 2,
        "nc_find_index8": 2,
        "nc_match_replace8": 2,
        "nc_stream_shuffle": 2,
        "dropout": 2,
        "quantize_mx": 4,  # §9.3 "v4 only"
        # GpSimd engine (§9.4); topk has no documented generation limit (NKI 0.6 API)
        "iota": 2,
        "affine_select": 2,
        "tensor_partition_reduce": 2,
        "local_gather": 2,
        "nc_n_gather": 2,
        "sequence_bounds": 2,
        "nonzero_with_count": 3,  # §9.4 "v3+"
        "topk": 2,
        # Random numbers (§9.5)
        "rng": 2,
        "set_rng_seed": 2,
        "rand2": 4,  # §9.5 Vector, v4
        "rand_set_state": 3,  # §9.5 GpSimd v3+ (Vector v4: see Features.vector_rand_state)
        "rand_get_state": 3,
        # DMA (§9.6)
        "dma_copy": 2,
        "dma_transpose": 2,
        "dma_compute": 2,
        # Multi-core (§9.7): LNC2 only, which exists from v3 (§2.2)
        "core_barrier": 3,
        "sendrecv": 3,
        # Registers (§5.2)
        "register_alloc": 2,
        "register_move": 2,
        "register_load": 2,
        "register_store": 2,
    }
)

# ALU operators (`op`, `op0`, `op1`, `reduce_op`), nki.md §8.1; abs_max/abs_min are v4.
_ALU_OPS_V2: frozenset[str] = frozenset(
    {
        "invert", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift",
        "add", "subtract", "multiply", "maximum", "minimum",
        "equal", "not_equal", "greater_equal", "greater", "less_equal", "less",
        "logical_and", "logical_or", "logical_xor", "logical_not", "power",
        "abs", "square", "relu", "rsqrt", "reciprocal", "bypass", "average",
    }
)  # fmt: skip
_ALU_OPS_V4: frozenset[str] = _ALU_OPS_V2 | {"abs_max", "abs_min"}  # nki.md §8.1 "v4 only"

# Scalar-engine activation functions (nki.md §8.2); prelu exists only via activate2 (v4).
_ACT_FUNCS_V2: frozenset[str] = frozenset(
    {
        "copy", "square", "sigmoid", "relu", "gelu", "gelu_dx", "gelu_apprx_tanh",
        "gelu_apprx_sigmoid", "gelu_apprx_sigmoid_dx", "silu", "silu_dx", "tanh",
        "softplus", "mish", "erf", "erf_dx", "exp", "log", "sin", "arctan", "sqrt",
        "rsqrt", "reciprocal", "sign", "abs",
    }
)  # fmt: skip
_ACT_FUNCS_V4: frozenset[str] = _ACT_FUNCS_V2 | {"prelu"}  # nki.md §8.2 "prelu (v4, activate2)"

# Storage dtypes on every target (nki.md §7.1). float8_e4m3fn is a storage dtype everywhere
# (added in NKI 0.2; only its use as a matmul input is v4-restricted, §7.1/§9.1).
_DTYPES_V2: frozenset[str] = frozenset(
    {
        "bool_", "int8", "int16", "int32", "uint8", "uint16", "uint32",
        "float16", "bfloat16", "tfloat32", "float32",
        "float8_e4m3", "float8_e4m3fn", "float8_e5m2",
    }
)  # fmt: skip
# MX types (nki.md §7.1): only consumers/producers are v4-only nc_matmul_mx/quantize_mx, so
# choice: treat them (and the e8m0 scale dtype, NKI 0.5+) as gen4-only dtypes (inferred).
_MX_DATA_DTYPES: frozenset[str] = frozenset(
    {"float8_e5m2_x4", "float8_e4m3fn_x4", "float4_e2m1fn_x4"}
)  # nki.md §9.1 nc_matmul_mx
_MX_SCALE_DTYPES: frozenset[str] = frozenset({"float8_e8m0fnu", "uint8"})  # nki.md §9.1
_DTYPES_V4: frozenset[str] = _DTYPES_V2 | _MX_DATA_DTYPES | {"float8_e8m0fnu"}

# nc_matmul inputs (nki.md §9.1): fp8 e4m3/e5m2, bf16, fp16, tf32, fp32; + OCP e4m3fn on v4.
_MATMUL_IN_V2: frozenset[str] = frozenset(
    {"float8_e4m3", "float8_e5m2", "bfloat16", "float16", "tfloat32", "float32"}
)
_MATMUL_IN_V4: frozenset[str] = _MATMUL_IN_V2 | {"float8_e4m3fn"}

# ScalarE tensor_scalar on v3: only these (op0, op1) combinations (nki.md §9.2 "ScalarE also
# executes"); None = no second op.
_SCALAR_TENSOR_SCALAR_V3: frozenset[tuple[str, str | None]] = frozenset(
    {("multiply", "add"), ("multiply", None), ("add", None)}
)

# DMA efficiency vs contiguous bytes per partition, relative to 32 KiB (trainium-hw.md §6.3,
# read off the P3 figure: F). Same curve on every generation (no per-gen data).
DMA_EFFICIENCY: tuple[tuple[int, float], ...] = (
    (32, 0.015),  # figure reads "~1-2 %": midpoint
    (64, 0.03),
    (128, 0.05),
    (256, 0.10),
    (512, 0.21),
    (1024, 0.42),
    (2048, 0.81),
    (4096, 0.97),
    (8192, 0.98),
    (16384, 0.99),
    (32768, 1.00),
)


def _ro(d: Mapping[str, _V]) -> Mapping[str, _V]:
    """A read-only copy, so a frozen Target cannot be mutated through its tables."""
    return MappingProxyType(dict(d))


def _require(ok: bool, target: Target, what: str) -> None:
    if not ok:
        raise ValueError(f"inconsistent target table {target.name}: {what}")


# --------------------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Features:
    """Which instructions, operators, engines and modes exist on a target (legality rules)."""

    instructions: frozenset[str]  # nki.isa calls available (ISA_MIN_VERSION)
    alu_ops: frozenset[str]  # nki.md §8.1
    activation_functions: frozenset[str]  # nki.md §8.2
    scalar_tensor_copy: bool  # tensor_copy(engine=scalar); v2 lacks it (nki.md §2.3, §9.3)
    # ScalarE tensor_scalar: empty = not available (v2), a set = only these (op0, op1)
    # pairs (v3), None = same op support as VectorE (v4). nki.md §2.3, §9.2.
    scalar_tensor_scalar_ops: frozenset[tuple[str, str | None]] | None
    scalar_activation_scalar_bias: bool  # bias may be a scalar, not only (P,1): v3+ (§9.2)
    scalar_reciprocal_bias: bool  # activation(reciprocal) with bias: not on v2 (§9.2)
    tensor_scalar_square_relu: bool  # square/relu as tensor_scalar op0: v4 (§8.1)
    matmul_double_row: bool  # perf_mode=double_row fp8: v3+ (§9.1)
    matmul_transpose_mode: bool  # is_transpose bit-exact, 16-bit PSUM out: v3+ (§9.1, §7.2)
    matmul_tile_sizes: tuple[int, ...]  # PE row/column tile sizes: 64 (v2+), 32 (v3+) (§9.1)
    matmul_tile_both_32: bool  # rows and columns both 32: not on v2 (§9.1)
    matmul_psum_banks: int  # banks one nc_matmul output may span: 1 v2/v3, 8 v4 (§3.4)
    # accumulate onto PSUM not written by a matmul (memset/copy init) is UB on v2/v3 (§3.4)
    psum_accumulate_non_matmul_init: bool
    tensor_indirection: bool  # `.indirect()` (v4, NKI 0.5+) (§4.3)
    gpsimd_rng: bool  # rng / rand_*_state on GpSimd: v3+ (§9.5)
    vector_rand_state: bool  # rand_set_state/rand_get_state on Vector: v4 (§9.5)
    hwdge: bool  # dge_mode=hwdge (2 DGE blocks per NC): v3+ (§9.6)
    dma_priority: bool  # dma_* priority= (QoS): v4 (§9.6)
    lnc_max: int  # kernel[lnc]: 1 on v2, 1 or 2 on v3/v4 (§2.2, §6)
    engines: frozenset[str] = ENGINES  # nki.md §2.3
    gpsimd_can_access_psum: bool = False  # nki.md §2.3, §3.1
    dma_can_access_psum: bool = False  # NKI >= 0.3 (nki.md §3.1, §9.6)


@dataclass(frozen=True)
class Perf:
    """Numbers for the cycle-approximate cost model (trainium-hw.md §10 parameter set).

    Cycles are in the executing engine's own clock; clocks in GHz; bandwidths in GB/s
    (1e9 B/s) unless the name says otherwise.
    """

    tensor_clock_ghz: float  # trainium-hw.md §2.1
    vector_clock_ghz: float
    scalar_clock_ghz: float
    gpsimd_clock_ghz: float
    te_tflops: Mapping[str, float]  # TensorE peak per NC by operand class (§2.2)
    vector_fast_factor: Mapping[str, float]  # throughput multipliers vs NC-v2 cycles (§5.3)
    scalar_fast_factor: Mapping[str, float]  # §5.3
    vector_exp_factor_vs_scalar: float  # `exponential` vs ScalarE exp (§5.3); 0 = n/a
    quantize_mx_elems_per_cycle: int  # §5.3; 0 = n/a
    matmul_fp8_double_row_factor: int  # contraction 256 in time of 128 (§4); 1 = n/a
    matmul_mx_factor: int  # MX contraction 512 in time of 128 (§4); 1 = n/a
    te_background_transpose: bool  # v4 transposes may overlap (§4)
    vector_gpsimd_sbuf_exclusive: bool  # v2 SBUF port conflict (§3.2)
    vector_scalar_psum_exclusive: bool  # v2 PSUM port conflict (§3.2); v3+ only same bank
    hbm_bw_gbps_device: float  # §1
    ncs_per_device: int  # §1
    dma_bw_per_engine_bytes_per_ns: float  # sustained (§6.2)
    dma_bw_per_engine_peak_gbps: float  # theoretical (§6.2)
    dge_instances: int  # HWDGE blocks per NC (§6.1)
    hwdge_instr_ns: float  # per HWDGE DMA instruction (§6.4); 0 = no HWDGE
    pe_array: tuple[int, int] = (128, 128)  # §2.2
    sbuf_bw_tbps: float = 10.0  # ~10 TB/s, read off M1 figure (§3.2, F)
    psum_bw_tbps: float = 10.0  # ~10 TB/s (§3.2, F)
    dma_engines: int = 16  # per NC, all gens (§1, §6.1)
    dma_queues_per_engine: int = 16  # §6.1
    dma_partitions_per_engine: int = 8  # typical split 128/16 (§6.1)
    dma_trigger_latency_ns: float = 1300.0  # semaphore-to-start (§6.4, P2)
    dma_efficiency: tuple[tuple[int, float], ...] = DMA_EFFICIENCY  # §6.3
    min_ii_cycles: int = 64  # §5.1 (D on v2; assumed v3/v4)
    dependent_instr_overhead_cycles: int = 100  # §5.1 (D v2 Vector/Scalar; E v3/v4)
    sram_access_overhead_cycles: int = 60  # §3.2 (D v2)
    gpsimd_startup_cycles: int = 150  # §5.1
    act_read_accumulator_cycles: int = 64  # §5.1
    mm_init_latency_cycles: int = 64  # §4 (D v2; E v3/v4)
    ls_speedup_vs_mm: int = 4  # fast LoadStationary (§4)
    fp32_matmul_slowdown: int = 4  # §4
    sem_handoff_ns: float = 100.0  # undocumented; estimate 50-200 ns (§7, E)
    inner_stride_penalty_bytes: int = 16  # stride > 16 B halves bandwidth (§3.2, D v2)
    inner_stride_penalty_factor: float = 2.0  # §3.2
    registers_per_sequencer: int = 64  # 64 x 32-bit, v2-v4 (§2.1)

    @property
    def hbm_bw_gbps_per_nc(self) -> float:
        """Device HBM bandwidth shared evenly by the NeuronCores (trainium-hw.md §1, Dv)."""
        return self.hbm_bw_gbps_device / self.ncs_per_device

    @property
    def dma_bw_gbps_per_nc(self) -> float:
        """Sustained aggregate of the NC's DMA engines (§6.2: 272 / 368 / 528 GB/s)."""
        return self.dma_bw_per_engine_bytes_per_ns * self.dma_engines


@dataclass(frozen=True, repr=False)
class Target:
    """One NeuronCore generation: capacities, tile limits, dtypes, features, perf numbers."""

    name: str  # "gen2" | "gen3" | "gen4" (nki.md §2.2 NEURON_PLATFORM_TARGET_OVERRIDE)
    aliases: tuple[str, ...]  # instance-family names accepted for the same core
    isa_version: int  # `nisa.nc_version` value (nki.md §8.3)
    sbuf_bytes_per_partition: int  # physical
    sbuf_usable_bytes_per_partition: int  # = tile_size["sbuf_fmax_bytes"]
    matmul_moving_fmax: Mapping[str, int]  # nc_matmul moving free size, keyed by dst dtype
    matmul_psum_dtypes: frozenset[str]  # allowed nc_matmul dst dtypes (non-transpose)
    matmul_input_dtypes: frozenset[str]  # nc_matmul stationary/moving dtypes
    matmul_mx_input_dtypes: frozenset[str]  # nc_matmul_mx / quantize_mx data (v4)
    matmul_mx_scale_dtypes: frozenset[str]  # nc_matmul_mx / quantize_mx scales (v4)
    dtypes: frozenset[str]  # NKI dtypes a tensor may have on this target
    tile_size: Mapping[str, int]  # every nl.tile_size constant (TILE_SIZE_KEYS)
    features: Features
    perf: Perf
    num_partitions: int = 128  # nki.md §3.1, trainium-hw.md §10
    psum_bytes_per_partition: int = 16 * 1024  # 16 KiB, all gens (nki.md §3.1)
    psum_banks: int = 8  # nki.md §3.1, §3.4
    psum_bank_bytes: int = 2048  # 2 KiB = 512 fp32 (nki.md §3.1); explicit PSUM address align
    matmul_stationary_max: tuple[int, int] = (128, 128)  # (contraction K, free M) nki.md §9.1
    bn_stats_fmax: int = 512  # nki.md §9.3, §3.3
    vector_transpose_max: tuple[int, int] = (32, 32)  # nc_transpose on Vector (nki.md §9.1)
    # Vector/Scalar free size per partition: 64 K elements from SBUF, 4 K from PSUM
    # (nki.md §3.2, trainium-hw.md §3.2); choice: "64 K" read as 65536.
    max_free_elems_sbuf: int = 65536
    max_free_elems_psum: int = 4096
    max_free_dims: int = 4  # access patterns: <= 4 free dims (nki.md §3.2)
    partition_quadrant: int = 32  # start-partition rule granularity (nki.md §3.2)
    top8_fmax: int = 16384  # max8 / nc_find_index8 / nc_match_replace8 N (nki.md §9.3)

    def __post_init__(self) -> None:
        # The tables are hand-written: fail at import, not in a check much later.
        ts = self.tile_size
        _require(set(ts) == set(TILE_SIZE_KEYS), self, f"tile_size keys {sorted(ts)}")
        _require(self.psum_banks * self.psum_bank_bytes == self.psum_bytes_per_partition, self,
                 "psum_banks * psum_bank_bytes != psum_bytes_per_partition")  # fmt: skip
        _require(ts["psum_bank_fmax"] * 4 == ts["psum_bank_fmax_bytes"] == self.psum_bank_bytes,
                 self, "psum bank size")  # fmt: skip
        _require(ts["pmax"] == self.num_partitions, self, "pmax != num_partitions")
        _require(ts["sbuf_fmax_bytes"] == self.sbuf_usable_bytes_per_partition, self,
                 "sbuf_fmax_bytes != sbuf_usable_bytes_per_partition")  # fmt: skip
        _require(self.sbuf_usable_bytes_per_partition <= self.sbuf_bytes_per_partition, self,
                 "usable SBUF exceeds physical SBUF")  # fmt: skip
        _require(set(self.matmul_moving_fmax) == self.matmul_psum_dtypes, self,
                 "matmul_moving_fmax keys != matmul_psum_dtypes")  # fmt: skip
        _require(self.matmul_input_dtypes | self.matmul_psum_dtypes <= self.dtypes, self,
                 "matmul dtypes not in dtypes")  # fmt: skip

    def __repr__(self) -> str:
        return f"Target({self.name!r})"

    def __hash__(self) -> int:  # the mappings are unhashable; a target is its name
        return hash(self.name)

    def moving_fmax(self, dst_dtype: str) -> int:
        """Max `nc_matmul` moving free size for a PSUM dst of `dst_dtype` (nki.md §3.4, §9.1)."""
        try:
            return self.matmul_moving_fmax[dst_dtype]
        except KeyError:
            allowed = ", ".join(sorted(self.matmul_psum_dtypes))
            raise KeyError(
                f"nc_matmul dst dtype {dst_dtype!r} not allowed on {self.name} (allowed: {allowed})"
            ) from None

    def has_instruction(self, name: str) -> bool:
        """Whether `nki.isa.<name>` exists on this target."""
        return name in self.features.instructions

    @property
    def sbuf_reserved_bytes_per_partition(self) -> int:
        """Compiler-reserved bytes (trainium-hw.md §11: 16384 on v2, 16392 on v3/v4, Dv)."""
        return self.sbuf_bytes_per_partition - self.sbuf_usable_bytes_per_partition

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# --------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------


def _instructions(isa_version: int) -> frozenset[str]:
    return frozenset(k for k, v in ISA_MIN_VERSION.items() if v <= isa_version)


def _tile_size(sbuf_fmax_bytes: int, sbuf_bytes_per_partition: int) -> Mapping[str, int]:
    return _ro(
        {
            "pmax": 128,  # nki.md §3.3
            "psum_bank_fmax": 512,  # fp32 elements per bank (nki.md §3.3)
            "psum_bank_fmax_bytes": 2048,  # nki.md §3.3
            "psum_fmax": 512,  # deprecated name of psum_bank_fmax (nki.md §3.3)
            "psum_fmax_bytes": 2048,  # SDK tile_size.rst spelling of the above
            # choice: 8; the SDK returns 7 only under NKI_DMA_TRANSPOSE_AS_PE_TRANSPOSE=true
            # (nki.md §3.3), an environment switch we do not model.
            "psum_num_banks": 8,
            "gemm_stationary_fmax": 128,  # nki.md §3.3
            # choice: 512 on every target. nki.md §3.3 documents the constant as 512 and says a
            # per-target change is undocumented; v4's larger nc_matmul limit (4096 fp32 /
            # 8192 bf16 dst) lives in Target.matmul_moving_fmax, so kernels tiling by the
            # constant trace the same shapes as with the real SDK.
            "gemm_moving_fmax": 512,
            "bn_stats_fmax": 512,  # nki.md §3.3
            "psum_min_align": 4,  # bytes; KLR kernel env (nki.md §3.3, trainium-hw.md §3.1)
            "sbuf_min_align": 1,  # bytes; same source
            "sbuf_fmax_bytes": sbuf_fmax_bytes,  # usable bytes/partition (nki.md §3.3)
            "total_available_sbuf_size": sbuf_fmax_bytes,  # deprecated alias (nki.md §3.3)
            "sbuf_fmax": sbuf_fmax_bytes // 4,  # fp32 elements (nki.md §3.3)
            # choice: physical total over 128 partitions. nki.md §3.3 calls the definition
            # undocumented; the SDK tile_size.rst says "Total SBUF capacity ... (all partitions
            # combined)" and the usable per-partition size already has sbuf_fmax_bytes.
            # = 24 / 28 / 32 MiB (trainium-hw.md §3.1).
            "sbuf_size_bytes": 128 * sbuf_bytes_per_partition,
        }
    )


def _te_tflops(**kw: float) -> Mapping[str, float]:
    return _ro(kw)


_NO_FAST: Mapping[str, float] = _ro(
    {
        "copy_or_tensor_scalar_16bit_sbuf_unit_stride": 1.0,
        "copy_or_tensor_scalar_16bit_strided_or_psum": 1.0,
        "tensor_tensor_16bit_sbuf": 1.0,
    }
)
# choice (trainium-hw.md §11 "256 for other dtypes"): only the per-instruction speedups the
# docs claim (§5.3, D A2) are modelled; other Vector cases stay 1x despite the wider datapath.
_VECTOR_FAST_V3: Mapping[str, float] = _ro(
    {
        "copy_or_tensor_scalar_16bit_sbuf_unit_stride": 4.0,  # §5.3 (D A2)
        "copy_or_tensor_scalar_16bit_strided_or_psum": 2.0,  # §5.3 (D A2)
        "tensor_tensor_16bit_sbuf": 2.0,  # §5.3 (D A2)
    }
)


GEN2 = Target(
    name="gen2",
    aliases=("trn1", "inf2"),  # nki.md §0.2 conventions, §2.2
    isa_version=2,  # nki.md §8.3
    sbuf_bytes_per_partition=192 * 1024,  # 196608 (nki.md §3.1, trainium-hw.md §3.1)
    # 180224 = 192 KiB - 16 KiB compiler reserve (nki.md §3.3; trainium-hw.md §3.1, §11 C2)
    sbuf_usable_bytes_per_partition=180224,
    matmul_moving_fmax=_ro({"float32": 512}),  # one PSUM bank of fp32 (nki.md §3.4, §9.1)
    matmul_psum_dtypes=frozenset({"float32"}),  # nki.md §9.1 "dst fp32 (v2/v3)"
    matmul_input_dtypes=_MATMUL_IN_V2,
    matmul_mx_input_dtypes=frozenset(),
    matmul_mx_scale_dtypes=frozenset(),
    dtypes=_DTYPES_V2,
    tile_size=_tile_size(180224, 192 * 1024),
    features=Features(
        instructions=_instructions(2),
        alu_ops=_ALU_OPS_V2,
        activation_functions=_ACT_FUNCS_V2,
        scalar_tensor_copy=False,  # nki.md §2.3: v2 uses activation(op=copy)
        scalar_tensor_scalar_ops=frozenset(),  # ScalarE add/mult "from v3" (nki.md §8.1)
        scalar_activation_scalar_bias=False,  # (P,1) bias only (nki.md §9.2)
        scalar_reciprocal_bias=False,  # nki.md §9.2
        tensor_scalar_square_relu=False,
        matmul_double_row=False,
        matmul_transpose_mode=False,  # only a profiler hint on v2 (nki.md §9.1)
        matmul_tile_sizes=(64, 128),  # nki.md §9.1
        matmul_tile_both_32=False,
        matmul_psum_banks=1,
        psum_accumulate_non_matmul_init=False,
        tensor_indirection=False,
        gpsimd_rng=False,
        vector_rand_state=False,
        hwdge=False,
        dma_priority=False,
        lnc_max=1,
    ),
    perf=Perf(
        tensor_clock_ghz=2.8,  # trainium-hw.md §2.1
        # choice: 1.12 GHz from the A1 engine table (§2.1, §10) over the "128 elem/cycle at
        # 1.4 GHz" read/write-interface figure of §3.2, which describes the SRAM port.
        vector_clock_ghz=1.12,
        scalar_clock_ghz=1.4,  # §2.1
        gpsimd_clock_ghz=1.4,  # §2.1
        # NC-level figures (§2.2); choice per §11: NC numbers + clocks, not chip TFLOPS / NCs.
        te_tflops=_te_tflops(bf16=92.0, fp8=92.0, fp32=23.0),  # cFP8 = BF16 rate on v2
        vector_fast_factor=_NO_FAST,  # base of §5.3
        scalar_fast_factor=_ro({"tensor_scalar_or_copy_16bit": 1.0}),
        vector_exp_factor_vs_scalar=0.0,
        quantize_mx_elems_per_cycle=0,
        matmul_fp8_double_row_factor=1,
        matmul_mx_factor=1,
        te_background_transpose=False,
        vector_gpsimd_sbuf_exclusive=True,  # §3.2 (D A1)
        vector_scalar_psum_exclusive=True,  # §3.2 (D A1)
        hbm_bw_gbps_device=820.0,  # §1 choice: 820 GB/s (A1) over "820 GiB/s" (H1)
        ncs_per_device=2,  # §1
        # choice (§11): 17 B/ns sustained (P2/P3 table) as the model rate; the 27.2 GB/s
        # (P3) / 27 GiB/s (A1) figure is kept as theoretical peak.
        dma_bw_per_engine_bytes_per_ns=17.0,
        dma_bw_per_engine_peak_gbps=27.2,
        dge_instances=0,  # HWDGE is v3+ (§6.1)
        hwdge_instr_ns=0.0,
    ),
)

GEN3 = Target(
    name="gen3",
    aliases=("trn2",),
    isa_version=3,  # nki.md §8.3
    sbuf_bytes_per_partition=224 * 1024,  # 229376 (nki.md §3.1, trainium-hw.md §3.1)
    # 212984 from KLR kernel env and nkipy HardwareConstants.h (nki.md §3.3, trainium-hw §3.1)
    sbuf_usable_bytes_per_partition=212984,
    matmul_moving_fmax=_ro({"float32": 512}),  # one PSUM bank (nki.md §3.4, §9.1)
    matmul_psum_dtypes=frozenset({"float32"}),  # nki.md §9.1
    matmul_input_dtypes=_MATMUL_IN_V2,  # e4m3fn matmul inputs are v4 (nki.md §9.1)
    matmul_mx_input_dtypes=frozenset(),
    matmul_mx_scale_dtypes=frozenset(),
    dtypes=_DTYPES_V2,
    tile_size=_tile_size(212984, 224 * 1024),
    features=Features(
        instructions=_instructions(3),
        alu_ops=_ALU_OPS_V2,
        activation_functions=_ACT_FUNCS_V2,
        scalar_tensor_copy=True,  # bit-exact from v3 (nki.md §7.2, §9.3)
        scalar_tensor_scalar_ops=_SCALAR_TENSOR_SCALAR_V3,  # nki.md §9.2
        scalar_activation_scalar_bias=True,  # nki.md §9.2
        scalar_reciprocal_bias=True,
        tensor_scalar_square_relu=False,
        matmul_double_row=True,  # nki.md §9.1
        matmul_transpose_mode=True,  # nki.md §9.1
        matmul_tile_sizes=(32, 64, 128),  # nki.md §9.1
        matmul_tile_both_32=True,
        matmul_psum_banks=1,  # nki.md §3.4
        psum_accumulate_non_matmul_init=False,  # UB on v2/v3 (nki.md §3.4)
        tensor_indirection=False,
        gpsimd_rng=True,  # nki.md §9.5
        vector_rand_state=False,
        hwdge=True,  # nki.md §9.6
        dma_priority=False,
        lnc_max=2,  # nki.md §2.2
    ),
    perf=Perf(
        tensor_clock_ghz=2.4,  # trainium-hw.md §2.1
        vector_clock_ghz=0.96,
        scalar_clock_ghz=1.2,
        gpsimd_clock_ghz=1.2,
        te_tflops=_te_tflops(bf16=79.0, fp8=158.0, fp32=20.0),  # §2.2; fp8 = double_row
        vector_fast_factor=_VECTOR_FAST_V3,  # §5.3
        scalar_fast_factor=_ro({"tensor_scalar_or_copy_16bit": 1.0}),  # not native on v3
        vector_exp_factor_vs_scalar=0.0,
        quantize_mx_elems_per_cycle=0,
        matmul_fp8_double_row_factor=2,  # §4 (D A2)
        matmul_mx_factor=1,
        te_background_transpose=False,
        vector_gpsimd_sbuf_exclusive=False,  # §3.2 (D A2)
        vector_scalar_psum_exclusive=False,
        # choice (§11): 3 TB/s from the NKI arch guide A2 over 2.9 TB/s (H1), keeping one
        # source family (A1-A3) for all per-NC numbers.
        hbm_bw_gbps_device=3000.0,
        ncs_per_device=8,  # §1
        dma_bw_per_engine_bytes_per_ns=23.0,  # §6.2 sustained; matches 32 KiB/1416 ns (§9)
        dma_bw_per_engine_peak_gbps=27.2,  # §6.2 theoretical
        dge_instances=2,  # §6.1, §10
        hwdge_instr_ns=600.0,  # §6.4 (D A2)
    ),
)

GEN4 = Target(
    name="gen4",
    aliases=("trn3",),
    isa_version=4,  # nki.md §8.3
    sbuf_bytes_per_partition=256 * 1024,  # 262144 (nki.md §3.1, trainium-hw.md §3.1)
    sbuf_usable_bytes_per_partition=245752,  # nki.md §3.3 (KLR, nkipy)
    # a v4 matmul may span all 8 PSUM banks (nki.md §3.4, §9.1; trainium-hw.md §10)
    matmul_moving_fmax=_ro({"float32": 4096, "bfloat16": 8192}),
    matmul_psum_dtypes=frozenset({"float32", "bfloat16"}),  # nki.md §9.1, §7.2 (NKI 0.5+)
    matmul_input_dtypes=_MATMUL_IN_V4,  # nki.md §9.1
    matmul_mx_input_dtypes=_MX_DATA_DTYPES,  # nki.md §9.1 nc_matmul_mx
    matmul_mx_scale_dtypes=_MX_SCALE_DTYPES,
    dtypes=_DTYPES_V4,
    tile_size=_tile_size(245752, 256 * 1024),
    features=Features(
        instructions=_instructions(4),
        alu_ops=_ALU_OPS_V4,
        activation_functions=_ACT_FUNCS_V4,
        scalar_tensor_copy=True,
        scalar_tensor_scalar_ops=None,  # native on v4 (nki.md §9.2)
        scalar_activation_scalar_bias=True,
        scalar_reciprocal_bias=True,
        tensor_scalar_square_relu=True,  # nki.md §8.1
        matmul_double_row=True,
        matmul_transpose_mode=True,
        matmul_tile_sizes=(32, 64, 128),
        matmul_tile_both_32=True,
        matmul_psum_banks=8,  # nki.md §3.4
        # nki.md §3.4 restricts the UB to v2/v3 (inferred: defined on v4)
        psum_accumulate_non_matmul_init=True,
        tensor_indirection=True,  # nki.md §4.3
        gpsimd_rng=True,
        vector_rand_state=True,  # nki.md §9.5
        hwdge=True,
        dma_priority=True,  # nki.md §9.6
        lnc_max=2,  # nki.md §2.2
    ),
    perf=Perf(
        tensor_clock_ghz=2.4,  # trainium-hw.md §2.1
        vector_clock_ghz=1.2,
        scalar_clock_ghz=1.2,
        gpsimd_clock_ghz=1.2,
        # §2.2: plain fp8 double_row rate on v4 is an estimate (= v3)
        te_tflops=_te_tflops(bf16=79.0, fp8=158.0, mx=315.0, fp32=20.0),
        vector_fast_factor=_VECTOR_FAST_V3,  # §5.3/§10: assumed = gen3 (E)
        scalar_fast_factor=_ro({"tensor_scalar_or_copy_16bit": 2.0}),  # §5.3 (D A3)
        vector_exp_factor_vs_scalar=4.0,  # §5.3
        quantize_mx_elems_per_cycle=4,  # §5.3, nki.md §9.3
        matmul_fp8_double_row_factor=2,  # §4
        matmul_mx_factor=4,  # §4 (D A3)
        te_background_transpose=True,  # §4 (D A3)
        vector_gpsimd_sbuf_exclusive=False,  # v3+ rule (§3.2), assumed to hold on v4
        vector_scalar_psum_exclusive=False,
        # choice (§11): 4.7 TB/s from the NKI arch guide A3 over 4.9 TB/s (H1), as for gen3.
        hbm_bw_gbps_device=4700.0,
        ncs_per_device=8,  # §1
        dma_bw_per_engine_bytes_per_ns=33.0,  # §6.2 sustained (choice per §11, as gen2)
        dma_bw_per_engine_peak_gbps=38.4,  # §6.2 theoretical
        dge_instances=2,  # v3+ rule (§6.1); not restated for v4 (E)
        hwdge_instr_ns=600.0,  # measured on v3 (§6.4); assumed for v4 (E)
    ),
)

TARGETS: Mapping[str, Target] = MappingProxyType({t.name: t for t in (GEN2, GEN3, GEN4)})

# choice: gen3 (Trn2). The references disagree: KLR Lean defaults to arch 2 (gen2), and
# `nki.simulate` uses the detected chip, else trn3 (nki.md §12.1). gen2 lacks what current
# (NKI >= 0.3) kernels use: ScalarE tensor_copy, range_select, LNC2, HWDGE (nki.md §2.3,
# §9). gen4 is the most permissive table (bf16 PSUM, 8-bank matmuls, MX, larger SBUF), so
# a kernel that passes gen4 checks may still fail on Trn2. Nothing the gen3 table accepts
# is rejected by gen4's, so passing gen3 checks means the kernel fits Trn2 and Trn3 alike.
# Callers choose another target explicitly (e.g. gen4 to match `nki.simulate`).
DEFAULT_TARGET: str = "gen3"

_BY_NAME: dict[str, Target] = {n.lower(): t for t in TARGETS.values() for n in t.all_names}


def get_target(name: str | Target) -> Target:
    """The target called `name` (a generation name or alias, case-insensitive)."""
    if isinstance(name, Target):
        return name
    try:
        return _BY_NAME[name.strip().lower()]
    except (KeyError, AttributeError):
        valid = "; ".join(f"{t.name} ({', '.join(t.aliases)})" for t in TARGETS.values())
        raise KeyError(f"unknown target {name!r}; valid targets: {valid}") from None
