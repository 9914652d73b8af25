"""First-generation NKI (`neuronxcc.nki`): single-head softmax(Q K^T / sqrt(d)) V.

Q and K are loaded already transposed, (d, S) with the head dimension on the
partitions, by swapping the roles of the `nl.arange` index vectors in `nl.load`
(a strided DMA). `nisa.nc_matmul` gives the scores in PSUM; the softmax reads them
straight from PSUM (`activation` with scale 1/sqrt(d) and bias -max/sqrt(d)); the
probabilities are transposed 128 keys at a time with `nisa.nc_transpose` and the
P @ V product accumulates over those key blocks with `+=` into a PSUM tile.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

KEY_BLOCK = 128


@nki.jit
def attention_kernel(q, k, v):
    seq_q, head = q.shape
    seq_k, head2 = k.shape
    assert head == head2 and v.shape == (seq_k, head), "shapes disagree"
    assert seq_q == nl.tile_size.pmax, "one 128-row query tile"
    out = nl.ndarray((seq_q, head), dtype=q.dtype, buffer=nl.shared_hbm)
    scale = 1.0 / head**0.5

    i_d = nl.arange(head)[:, None]
    i_sq = nl.arange(seq_q)[None, :]
    i_sk = nl.arange(seq_k)[None, :]
    q_t = nl.load(q[i_sq, i_d])  # (head, seq_q): partition = head dim
    k_t = nl.load(k[i_sk, i_d])  # (head, seq_k)

    scores = nisa.nc_matmul(q_t, k_t)  # (seq_q, seq_k) in PSUM
    row_max = nisa.tensor_reduce(np.max, scores, axis=(1,), keepdims=True)
    neg_max = nisa.tensor_scalar(row_max, np.multiply, -scale)
    exps = nisa.activation(op=np.exp, data=scores, bias=neg_max, scale=scale)
    total = nl.sum(exps, axis=1, keepdims=True)
    inv = nisa.reciprocal(total)
    probs = nisa.tensor_scalar(exps, np.multiply, inv)

    i_p = nl.arange(KEY_BLOCK)[:, None]
    i_k = nl.arange(KEY_BLOCK)[None, :]
    i_row = nl.arange(seq_q)[:, None]
    i_q = nl.arange(seq_q)[None, :]
    i_h = nl.arange(head)[None, :]
    acc = nl.zeros((seq_q, head), nl.float32, buffer=nl.psum)
    for kb in nl.affine_range(seq_k // KEY_BLOCK):
        keys = kb * KEY_BLOCK
        # (seq_q, 128 keys) -> (128 keys, seq_q): the keys become the contraction
        probs_t = nl.copy(nisa.nc_transpose(probs[i_row, keys + i_k]))
        v_blk = nl.load(v[keys + i_p, i_h])
        acc += nisa.nc_matmul(probs_t[i_p, i_q], v_blk)
    result = nl.copy(acc, dtype=out.dtype)
    nl.store(out[i_row, i_h], value=result)
    return out


def reference(q, k, v):
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[1])
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return (p @ v).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {
        "q": rng.standard_normal((128, 64)).astype(np.float32),
        "k": rng.standard_normal((256, 64)).astype(np.float32),
        "v": rng.standard_normal((256, 64)).astype(np.float32),
    }


KERNEL = "attention_kernel"
GRID = None
