"""The per-target hardware tables: lookup, internal consistency, spot values from nki.md."""

from __future__ import annotations

import dataclasses

import pytest

from klr.targets import DEFAULT_TARGET, TARGETS, Target, get_target
from klr.targets.tables import ISA_MIN_VERSION, TILE_SIZE_KEYS

ALL = list(TARGETS.values())
IDS = [t.name for t in ALL]


def test_names_and_versions() -> None:
    assert list(TARGETS) == ["gen2", "gen3", "gen4"]
    assert [t.isa_version for t in ALL] == [2, 3, 4]
    assert DEFAULT_TARGET in TARGETS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gen2", "gen2"),
        ("trn1", "gen2"),
        ("inf2", "gen2"),
        ("gen3", "gen3"),
        ("trn2", "gen3"),
        ("gen4", "gen4"),
        ("trn3", "gen4"),
        ("TRN2", "gen3"),
        ("Gen4", "gen4"),
        (" inf2 ", "gen2"),
    ],
)
def test_aliases_resolve(name: str, expected: str) -> None:
    assert get_target(name) is TARGETS[expected]


def test_get_target_passes_a_target_through() -> None:
    assert get_target(TARGETS["gen4"]) is TARGETS["gen4"]


def test_unknown_target_lists_valid_names() -> None:
    with pytest.raises(KeyError) as info:
        get_target("trn4")
    msg = str(info.value)
    assert "trn4" in msg
    for t in ALL:
        assert t.name in msg
        for alias in t.aliases:
            assert alias in msg


def test_targets_are_immutable_and_hashable() -> None:
    t = TARGETS["gen3"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.num_partitions = 64  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.tile_size["pmax"] = 64  # type: ignore[index]
    assert {t: 1}[get_target("trn2")] == 1
    assert repr(t) == "Target('gen3')"


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_documented_relations(t: Target) -> None:
    ts = t.tile_size
    assert set(ts) == set(TILE_SIZE_KEYS)
    assert t.psum_banks * t.psum_bank_bytes == t.psum_bytes_per_partition == 16 * 1024
    assert ts["psum_bank_fmax"] * 4 == t.psum_bank_bytes == ts["psum_bank_fmax_bytes"]
    assert ts["psum_fmax"] == ts["psum_bank_fmax"]
    assert ts["psum_fmax_bytes"] == ts["psum_bank_fmax_bytes"]
    assert ts["psum_num_banks"] == t.psum_banks == 8
    assert ts["pmax"] == t.num_partitions == 128
    assert t.sbuf_usable_bytes_per_partition <= t.sbuf_bytes_per_partition
    assert ts["sbuf_fmax_bytes"] == ts["total_available_sbuf_size"]
    assert ts["sbuf_fmax_bytes"] == t.sbuf_usable_bytes_per_partition
    assert ts["sbuf_fmax"] == ts["sbuf_fmax_bytes"] // 4
    assert ts["sbuf_size_bytes"] == t.num_partitions * t.sbuf_bytes_per_partition
    assert ts["bn_stats_fmax"] == t.bn_stats_fmax == 512
    assert ts["gemm_stationary_fmax"] == t.matmul_stationary_max[1] == 128
    assert t.matmul_stationary_max == (128, 128)
    assert t.vector_transpose_max == (32, 32)
    assert "float32" in t.matmul_psum_dtypes
    assert t.matmul_input_dtypes <= t.dtypes
    assert t.matmul_mx_input_dtypes | t.matmul_mx_scale_dtypes <= t.dtypes
    assert not t.features.gpsimd_can_access_psum
    assert not t.features.dma_can_access_psum
    assert t.features.instructions <= set(ISA_MIN_VERSION)


@pytest.mark.parametrize(
    ("name", "usable", "physical"),
    [("gen2", 180224, 196608), ("gen3", 212984, 229376), ("gen4", 245752, 262144)],
)
def test_sbuf_sizes_match_nki_md(name: str, usable: int, physical: int) -> None:
    t = TARGETS[name]
    assert t.tile_size["sbuf_fmax_bytes"] == usable
    assert t.sbuf_bytes_per_partition == physical
    assert t.tile_size["sbuf_size_bytes"] == {"gen2": 24, "gen3": 28, "gen4": 32}[name] << 20


def test_gen2_reserves_16_kib() -> None:
    assert TARGETS["gen2"].sbuf_reserved_bytes_per_partition == 16 * 1024


@pytest.mark.parametrize("name", ["gen2", "gen3"])
def test_matmul_limits_gen2_gen3(name: str) -> None:
    t = TARGETS[name]
    assert t.matmul_psum_dtypes == {"float32"}
    assert "bfloat16" not in t.matmul_psum_dtypes
    assert t.moving_fmax("float32") == 512
    assert t.tile_size["gemm_moving_fmax"] == 512
    with pytest.raises(KeyError, match="bfloat16"):
        t.moving_fmax("bfloat16")
    assert "float8_e4m3fn" not in t.matmul_input_dtypes
    assert not t.matmul_mx_input_dtypes


def test_matmul_limits_gen4() -> None:
    t = TARGETS["gen4"]
    assert t.matmul_psum_dtypes == {"float32", "bfloat16"}
    assert t.moving_fmax("float32") == 4096
    assert t.moving_fmax("bfloat16") == 8192
    assert t.moving_fmax("float32") * 4 == t.psum_bytes_per_partition  # all 8 banks
    assert "float8_e4m3fn" in t.matmul_input_dtypes
    assert {"float8_e8m0fnu", "float4_e2m1fn_x4"} <= t.dtypes


@pytest.mark.parametrize(
    ("instr", "first"),
    [
        ("nc_matmul", 2),
        ("range_select", 3),
        ("nonzero_with_count", 3),
        ("activate2", 4),
        ("exponential", 4),
        ("nc_matmul_mx", 4),
        ("quantize_mx", 4),
    ],
)
def test_instruction_availability(instr: str, first: int) -> None:
    for t in ALL:
        assert t.has_instruction(instr) == (t.isa_version >= first), (t.name, instr)


def test_feature_flags_by_generation() -> None:
    g2, g3, g4 = ALL
    assert not g2.features.scalar_tensor_copy
    assert g3.features.scalar_tensor_copy and g4.features.scalar_tensor_copy
    assert g2.features.lnc_max == 1 and g3.features.lnc_max == g4.features.lnc_max == 2
    assert g3.features.scalar_tensor_scalar_ops and g4.features.scalar_tensor_scalar_ops is None
    assert "abs_max" in g4.features.alu_ops and "abs_max" not in g3.features.alu_ops


def test_gen3_is_no_more_permissive_than_gen4() -> None:
    # The justification of DEFAULT_TARGET: whatever gen3 accepts, gen4 accepts too.
    g3, g4 = TARGETS["gen3"], TARGETS["gen4"]
    assert g3.dtypes <= g4.dtypes
    assert g3.matmul_input_dtypes <= g4.matmul_input_dtypes
    assert g3.matmul_psum_dtypes <= g4.matmul_psum_dtypes
    assert g3.features.instructions <= g4.features.instructions
    assert g3.features.alu_ops <= g4.features.alu_ops
    assert g3.sbuf_usable_bytes_per_partition <= g4.sbuf_usable_bytes_per_partition
    for dt in g3.matmul_psum_dtypes:
        assert g3.moving_fmax(dt) <= g4.moving_fmax(dt)


@pytest.mark.parametrize(
    ("name", "clocks", "dma_per_nc"),
    [
        ("gen2", (2.8, 1.12, 1.4, 1.4), 272.0),
        ("gen3", (2.4, 0.96, 1.2, 1.2), 368.0),
        ("gen4", (2.4, 1.2, 1.2, 1.2), 528.0),
    ],
)
def test_perf_numbers(name: str, clocks: tuple[float, ...], dma_per_nc: float) -> None:
    p = TARGETS[name].perf
    got = (p.tensor_clock_ghz, p.vector_clock_ghz, p.scalar_clock_ghz, p.gpsimd_clock_ghz)
    assert got == clocks
    assert p.pe_array == (128, 128)
    assert p.dma_engines == 16
    assert p.dma_bw_gbps_per_nc == dma_per_nc  # trainium-hw.md §6.2
    # NC-level bf16 peak ~= 128 * 128 * 2 * f (trainium-hw.md §2.2)
    assert p.te_tflops["bf16"] == pytest.approx(128 * 128 * 2 * p.tensor_clock_ghz / 1e3, rel=0.01)
