"""First-generation NKI (`neuronxcc.nki`): row softmax, 128 rows per tile.

NumPy ufuncs name the operators (`np.max`, `np.exp`, `np.add`), as kernels of this
generation did; every instruction returns its result tile.
"""

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def softmax_kernel(x):
    rows, cols = x.shape
    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(nl.tile_size.pmax)[:, None]
    i_f = nl.arange(cols)[None, :]
    for t in nl.affine_range(rows // nl.tile_size.pmax):
        rows_t = t * nl.tile_size.pmax + i_p
        tile = nl.load(x[rows_t, i_f])
        row_max = nisa.tensor_reduce(np.max, tile, axis=(1,), keepdims=True)
        neg_max = nisa.tensor_scalar(row_max, np.multiply, -1.0)
        # exp(x - max): the bias operand is added before the function is applied
        exps = nisa.activation(op=np.exp, data=tile, bias=neg_max)
        total = nl.sum(exps, axis=1, keepdims=True)
        inv = nisa.reciprocal(total)
        probs = nisa.tensor_scalar(exps, np.multiply, inv)
        nl.store(out[rows_t, i_f], value=probs)
    return out


def reference(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def example_inputs(rng: np.random.Generator) -> dict[str, object]:
    return {"x": rng.standard_normal((256, 384)).astype(np.float32)}


KERNEL = "softmax_kernel"
GRID = None
