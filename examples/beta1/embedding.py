"""First-generation NKI (`neuronxcc.nki`): an embedding lookup, out[t] = table[ids[t]].

Token ids are loaded 128 at a time (one per partition); the rows they name are gathered
from HBM by indexing the table with the id tile (an indirect DMA); `mask=` cuts the last,
ragged block of tokens.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def embedding_kernel(table, ids):
    n_tokens = ids.shape[0]
    dim = table.shape[1]
    tile_p = nl.tile_size.pmax
    out = nl.ndarray((n_tokens, dim), dtype=table.dtype, buffer=nl.shared_hbm)

    i_p = nl.arange(tile_p)[:, None]
    i_f = nl.arange(dim)[None, :]
    i_0 = nl.arange(1)[None, :]
    for t in nl.affine_range((n_tokens + tile_p - 1) // tile_p):
        token = t * tile_p + i_p
        idx = nl.load(ids[token, i_0], mask=(token < n_tokens))
        rows = nl.load(table[idx, i_f], mask=(token < n_tokens))
        nl.store(out[token, i_f], value=rows, mask=(token < n_tokens))
    return out


def reference(table, ids):
    return table[ids[:, 0]]


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    vocab, dim, n_tokens = 1000, 64, 300
    return {
        "table": rng.standard_normal((vocab, dim)).astype(np.float32),
        "ids": rng.integers(0, vocab, (n_tokens, 1)).astype(np.int32),
    }


KERNEL = "embedding_kernel"
GRID = None
