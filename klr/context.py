"""An xDSL context knowing builtin and every klr dialect (loaded lazily)."""

from __future__ import annotations

from xdsl.context import Context

from klr.dialects import get_all_dialects


def make_context() -> Context:
    """A context with `builtin` loaded and klr's dialects registered lazily."""
    from xdsl.dialects.builtin import Builtin

    ctx = Context()
    ctx.load_dialect(Builtin)
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx
