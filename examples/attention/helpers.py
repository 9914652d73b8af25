"""Helpers for the attention kernel in `kernel.py`: tile-size constants, a
config object, a PE transpose and an unnormalised row softmax on a tile."""

import nki.language as nl
import nki.isa as nisa

# Query rows per tile: one query per partition of the score tile.
Q_TILE = 128
# Key/value rows per step: the contraction size of the P @ V matmul.
KV_TILE = 128
# Scores of one query tile must fit one PSUM bank (512 fp32) and one moving tile.
MAX_SEQLEN = 512
# The head dim is the contraction of Q @ K^T, so it lives on the partitions.
MAX_HEAD_DIM = 128


class AttnConfig(nl.NKIObject):
    """Static shape information of one attention call."""

    def __init__(self, seqlen, head_dim):
        self.seqlen = seqlen
        self.head_dim = head_dim
        self.scale = 1.0 / (head_dim ** 0.5)

    def validate(self):
        assert self.seqlen % Q_TILE == 0 and self.seqlen % KV_TILE == 0, (
            f"seqlen={self.seqlen} must be a multiple of {Q_TILE} and {KV_TILE}"
        )
        assert self.seqlen <= MAX_SEQLEN, f"seqlen={self.seqlen} exceeds {MAX_SEQLEN}"
        assert self.head_dim <= MAX_HEAD_DIM, f"head_dim={self.head_dim} exceeds {MAX_HEAD_DIM}"

    def num_q_tiles(self):
        return self.seqlen // Q_TILE

    def num_kv_tiles(self):
        return self.seqlen // KV_TILE


def pe_transpose(dst, src):
    """dst = src.T for an SBUF tile src of shape (p, f), p, f <= 128.

    The Tensor engine transposes into PSUM; the result is copied to dst
    (an SBUF tile or view of shape (f, p)) so it can feed another matmul.
    """
    parts, free = src.shape
    assert dst.shape == (free, parts), f"dst {dst.shape} must be {(free, parts)}"
    t_psum = nl.ndarray((free, parts), dtype=src.dtype, buffer=nl.psum)
    nisa.nc_transpose(dst=t_psum, data=src, engine=nisa.engine.tensor)
    nisa.tensor_copy(dst=dst, src=t_psum)


def softmax_rows_unnormalized(dst, scores, scale):
    """dst = exp(scale * (scores - rowmax(scores))); returns 1 / rowsum(dst).

    scores may be in SBUF or PSUM, shape (p, n). The normalisation is left to
    the caller: applying the returned (p, 1) factor after P @ V costs head_dim
    multiplies per row instead of n.
    """
    parts = scores.shape[0]
    row_max = nl.ndarray((parts, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_reduce(dst=row_max, op=nl.maximum, data=scores, axis=1, keepdims=True)

    # exp(scale*s - scale*max): scale > 0, so scale*max is the max of scale*s.
    neg_bias = nl.ndarray((parts, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_scalar(dst=neg_bias, data=row_max, op0=nl.multiply, operand0=-scale)
    nisa.activation(dst=dst, op=nl.exp, data=scores, bias=neg_bias, scale=scale)

    row_sum = nl.ndarray((parts, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_reduce(dst=row_sum, op=nl.add, data=dst, axis=1, keepdims=True)
    inv_sum = nl.ndarray((parts, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.reciprocal(dst=inv_sum, data=row_sum)
    return inv_sum
