"""A Python side effect in a first-generation loop body: it happens once."""

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

@nki.jit
def k(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    count = 0
    names = []
    for i in nl.affine_range(x.shape[0] // 128):
        count += 1
        names.append(i)
        t = nl.load(x[nl.ds(i * 128, 128), :])
        nl.store(out[nl.ds(i * 128, 128), :], value=nl.multiply(t, 2.0))
    assert count == 1 and len(names) == 1
    return out
