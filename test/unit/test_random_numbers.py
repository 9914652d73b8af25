"""The PRNG instructions and nl wrappers (docs/semantics.md §4.31) against a pure-Python
model of XORWOW and SplitMix64 seeding written from the spec, plus the statistics a user
relies on (dropout rate, uniform range) and reproducibility."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import klr

PRELUDE = "import nki\nimport nki.language as nl\nimport nki.isa as nisa\n\n"
M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1


def kernel(tmp_path: Path, body: str, params: str = "x") -> klr.LoadedKernel:
    f = tmp_path / "k.py"
    f.write_text(PRELUDE + f"@nki.jit\ndef fn({params}):\n" + textwrap.indent(textwrap.dedent(body), "    "))
    return klr.load(str(f), "fn")


class Xorwow:
    """Marsaglia's XORWOW on Python ints (state x, y, z, w, v, d)."""

    def __init__(self, words: list[int]):
        self.x, self.y, self.z, self.w, self.v, self.d = (int(v) & M32 for v in words)

    def next(self) -> int:
        t = self.x ^ (self.x >> 2)
        self.x, self.y, self.z, self.w = self.y, self.z, self.w, self.v
        self.v = (self.v ^ (self.v << 4) & M32) ^ (t ^ (t << 1) & M32)
        self.v &= M32
        self.d = (self.d + 362437) & M32
        return (self.d + self.v) & M32

    def words(self) -> list[int]:
        return [self.x, self.y, self.z, self.w, self.v, self.d]


def splitmix64(z: int) -> int:
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def seeded(seed: int, generators: int, partitions: int) -> list[list[Xorwow]]:
    """Word i of the expanded seed is the high half of splitmix64((seed << 32) + i)."""
    gens = []
    for p in range(partitions):
        row = []
        for g in range(generators):
            base = (p * generators + g) * 6
            words = [splitmix64(((seed & M32) << 32) + base + i) >> 32 for i in range(6)]
            if not any(words[:5]):
                words[0] = 1
            row.append(Xorwow(words))
        gens.append(row)
    return gens


def draws(gens: list[list[Xorwow]], n: int) -> np.ndarray:
    """Row-major draws; element e of a row from generator e mod g."""
    g = len(gens[0])
    steps = -(-n // g)
    out = np.array([[gen[j % g].next() for j in range(steps * g)] for gen in gens],
                   dtype=np.uint64)
    return out[:, :n]


def test_vector_rng_after_set_rng_seed_is_seeded_xorwow(tmp_path: Path) -> None:
    k = kernel(tmp_path, """
        s = nl.ndarray((1, 1), dtype=nl.int32, buffer=nl.sbuf)
        nisa.dma_copy(dst=s, src=x)
        nisa.set_rng_seed(src_seeds=s)
        b = nl.ndarray((16, 10), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.rng(dst=b)
        c = nl.ndarray((16, 10), dtype=nl.uint8, buffer=nl.sbuf)
        nisa.rng(dst=c)
        o1 = nl.ndarray((16, 10), dtype=nl.uint32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o1, src=b)
        o2 = nl.ndarray((16, 10), dtype=nl.uint8, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o2, src=c)
        return o1, o2
    """)
    seed = -123456789
    b, c = klr.simulate(k)(np.array([[seed]], np.int32))
    gens = seeded(seed & M32, 4, 16)
    np.testing.assert_array_equal(b, draws(gens, 10).astype(np.uint32))
    # the second instruction continues the same streams; uint8 keeps the low 8 bits
    np.testing.assert_array_equal(c, (draws(gens, 10) & 0xFF).astype(np.uint8))


def test_gpsimd_state_round_trip_and_draws(tmp_path: Path) -> None:
    k = kernel(tmp_path, """
        s = nl.ndarray((4, 6), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.dma_copy(dst=s, src=x)
        nisa.rand_set_state(src_seeds=s, engine=nisa.gpsimd_engine)
        b = nl.ndarray((4, 5), dtype=nl.int32, buffer=nl.sbuf)
        nisa.rng(dst=b, engine=nisa.gpsimd_engine)
        after = nl.ndarray((4, 6), dtype=nl.uint32, buffer=nl.sbuf)
        nisa.rand_get_state(dst=after)
        o1 = nl.ndarray((4, 5), dtype=nl.int32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o1, src=b)
        o2 = nl.ndarray((4, 6), dtype=nl.uint32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o2, src=after)
        return o1, o2
    """)
    states = np.random.default_rng(3).integers(0, 2**32, (4, 6), dtype=np.uint64).astype(np.uint32)
    bits, after = klr.simulate(k)(states)
    gens = [[Xorwow(list(row))] for row in states]
    want = draws(gens, 5)
    np.testing.assert_array_equal(bits, want.astype(np.uint32).view(np.int32))
    np.testing.assert_array_equal(after, np.array([g[0].words() for g in gens], np.uint32))


DROPOUT = """
    t = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x)
    s = nl.full((1, 1), seed, dtype=nl.int32)
    nl.random_seed(s)
    d = nl.dropout(t, rate)
    o = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=o, src=d)
    return o
"""


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_dropout_rate_and_kept_values(tmp_path: Path, rate: float) -> None:
    x = np.random.default_rng(1).standard_normal((128, 512)).astype(np.float32) + 10.0
    k = kernel(tmp_path, DROPOUT, "x, rate, seed")
    out = klr.simulate(k)(x, rate=rate, seed=7)
    dropped = out == 0
    kept = ~dropped
    np.testing.assert_array_equal(out[kept], x[kept])  # no rescaling, bit-exact
    n = x.size
    sd = np.sqrt(n * rate * (1 - rate))
    assert abs(dropped.sum() - n * rate) <= 5 * sd + 1e-9, dropped.mean()
    # reproducible; another seed gives another mask
    np.testing.assert_array_equal(klr.simulate(k)(x, rate=rate, seed=7), out)
    if 0 < rate < 1:
        assert not np.array_equal(klr.simulate(k)(x, rate=rate, seed=8) == 0, dropped)


def test_nl_rand_is_uniform_in_unit_interval(tmp_path: Path) -> None:
    body = """
        u = nl.rand((128, 512), dtype=nl.float32)
        o = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=u)
        return o
    """
    for target in ("gen2", "gen3", "gen4"):
        u = klr.simulate(kernel(tmp_path, body), target=target)(np.zeros(1, np.float32))
        assert u.min() >= 0.0 and u.max() < 1.0, target
        assert abs(u.mean() - 0.5) < 0.005, (target, u.mean())
        assert abs(u.var() - 1 / 12) < 0.002, (target, u.var())
        # partitions draw different streams
        assert len({u[p, :4].tobytes() for p in range(128)}) == 128


def test_rand2_bounds_per_partition(tmp_path: Path) -> None:
    k = kernel(tmp_path, """
        lo = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=lo, src=x)
        r = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.sbuf)
        nisa.rand2(dst=r, min=lo, max=5.0)
        o = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=r)
        return o
    """)
    lo = np.linspace(-4, 4, 128, dtype=np.float32).reshape(128, 1)
    r = klr.simulate(k, target="gen4")(lo)
    assert (r >= lo).all() and (r <= 5.0).all()
    mid = (lo[:, 0] + 5.0) / 2
    assert np.abs(r.mean(axis=1) - mid).max() < 0.15 * (5.0 - lo[:, 0]).max()
