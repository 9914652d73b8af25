"""`nl.rand`, `nl.random_seed`, `nl.dropout`: the language's random-number wrappers over
the nki.isa PRNG instructions (nki.md §9.5, §10.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klr.dialects import klr as k
from klr.tracer import isa
from klr.tracer.calls import ctx, describe, fail
from klr.tracer.values import Builtin, BufferValue, DtypeValue, OpValue, TensorView

if TYPE_CHECKING:
    from klr.targets import Target


def rand(shape: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    """Uniform values in [0, 1) (a value may round up to 1.0 in a narrow dtype).

    gen4: one `rand2` in [0, 1]. Earlier generations have no float generator: `rng` draws
    32 bits into a uint32 tile, `right_shift` by 8 keeps 24 bits (exact in float32), and a
    `multiply` by 2^-24 writes the result, so 1.0 is never produced in float32."""
    from klr.tracer.language import ndarray

    interp, _ = ctx()
    out = ndarray(shape, dtype, buffer, name)
    if not out.memory.on_chip:
        raise fail("err_bad_arguments", "nl.rand: the buffer must be SBUF or PSUM",
                   hint="generate in SBUF, then nl.store it")
    if interp.target.has_instruction("rand2"):
        isa.rand2(out, 0.0, 1.0)
        return out
    bits = ndarray(out.shape, DtypeValue(k.Dtype.UINT32), BufferValue(k.Memory.SBUF))
    isa.rng(bits)
    isa.tensor_scalar(bits, bits, OpValue("right_shift", alu=k.AluOp.RIGHT_SHIFT), 8)
    isa.tensor_scalar(out, bits, OpValue("multiply", alu=k.AluOp.MULTIPLY), 2.0**-24)
    return out


def random_seed(seed: Any) -> None:
    """Seed the Vector PRNG from a [1, 1] 32-bit tensor (`set_rng_seed`)."""
    if not isinstance(seed, TensorView):
        raise fail(
            "err_bad_arguments",
            f"nl.random_seed takes a [1, 1] int32 tensor, got {describe(seed)}",
            hint="s = nl.full((1, 1), 1234, dtype=nl.int32); nl.random_seed(s)",
        )
    isa.set_rng_seed(seed)


def dropout(x: Any, rate: Any, dtype: Any = None) -> TensorView:
    """`x` with each element zeroed with probability `rate` (no rescaling, nki.md §9.3)."""
    from klr.tracer.language import _new_tile, _out_dtype, _tile_arg

    t = _tile_arg("dropout", "x", x)
    out = _new_tile(t.shape, t.dtype)
    isa.dropout(out, t, rate)
    want = _out_dtype(dtype, t.dtype)
    if want == t.dtype:
        return out
    cast = _new_tile(t.shape, want)
    isa.tensor_copy(cast, out)
    return cast


def namespace_entries(target: Target) -> dict[str, Builtin]:
    return {fn.__name__: Builtin(f"nki.language.{fn.__name__}", fn)
            for fn in (rand, random_seed, dropout)}
