"""The engines' pseudo-random number generators (docs/semantics.md §4.31).

NKI documents the generator family (XORWOW, per lane, nki.md §9.5) but not its
parameters, lane mapping or seeding, so no simulator can match hardware bits. KLR's
model: Marsaglia's XORWOW (state x, y, z, w, v and the Weyl counter d, six uint32
words), one generator per partition on GpSimd, four per partition on Vector (the v4
engine draws four 32-bit values per lane per cycle; element e of a row uses generator
e mod 4). Seeds expand to states with SplitMix64. Reproducible: the same kernel, inputs
and seed give the same numbers on every machine.
"""

from __future__ import annotations

import numpy as np

WORDS = 6  # x, y, z, w, v, d
VECTOR_GENERATORS = 4
PARTITIONS = 128
DEFAULT_SEED = 0

_M64 = (1 << 64) - 1


def _splitmix64(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def seeded_states(seed: int, generators: int) -> np.ndarray:
    """[128, generators, 6] uint32 states expanded from a 32-bit seed; never all-zero
    in x..v (XORWOW's xorshift part would stay zero)."""
    n = PARTITIONS * generators * WORDS
    counter = (np.uint64(seed & 0xFFFFFFFF) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
    words = (_splitmix64(counter) >> np.uint64(32)).astype(np.uint32)
    states = words.reshape(PARTITIONS, generators, WORDS)
    dead = ~states[..., :5].any(axis=-1)
    states[..., 0][dead] = 1
    return states


def step(states: np.ndarray) -> np.ndarray:
    """Advance every generator in `states` ([..., 6] uint32, in place) once; the outputs."""
    x = states[..., 0].copy()
    v = states[..., 4].copy()
    t = x ^ (x >> np.uint32(2))
    states[..., 0:4] = states[..., 1:5]
    v = (v ^ (v << np.uint32(4))) ^ (t ^ (t << np.uint32(1)))
    states[..., 4] = v
    with np.errstate(over="ignore"):
        states[..., 5] += np.uint32(362437)
        return states[..., 5] + v


def draw(states: np.ndarray, p: int, n: int) -> np.ndarray:
    """[p, n] uint32 draws, row-major per partition, from the first p partitions' states
    ([128, g, 6]): element e of a row from generator e mod g (each advances ceil(n / g))."""
    g = states.shape[1]
    steps = -(-n // g)
    out = np.empty((p, steps * g), np.uint32)
    lanes = states[:p]
    for s in range(steps):
        out[:, s * g:(s + 1) * g] = step(lanes)
    return out[:, :n]


def uniform(bits: np.ndarray) -> np.ndarray:
    """Draws as float64 in [0, 1): bits / 2^32."""
    return bits.astype(np.float64) * (1.0 / 4294967296.0)
