"""The py_ast dialect's attributes and verifiers, in process."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.utils.exceptions import VerifyException

from klr.dialects import py_ast as p
from klr.printing import parse_ir, print_ir


def roundtrip_constant(ctx: Context, value: object) -> object:
    op = p.ConstantOp.create(
        properties={"value": p.ConstantAttr.of(value)},  # type: ignore[arg-type]
        result_types=[p.EXPR],
    )
    stmt = p.ExprStmtOp.create(operands=[op.res])
    text = print_ir(p.ModuleOp("m", _region(op, stmt)))
    parsed = parse_ir(ctx, text).body.block.first_op
    const = next(o for o in parsed.walk() if isinstance(o, p.ConstantOp))
    return const.value.value


def _region(*ops):  # type: ignore[no-untyped-def]
    from xdsl.ir import Block, Region

    return Region(Block(list(ops)))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
        st.binary(),
        st.complex_numbers(allow_nan=False, allow_infinity=False),
        st.just(...),
    )
)
def test_every_constant_value_prints_and_parses_back(value: object) -> None:
    from klr.context import make_context

    back = roundtrip_constant(make_context(), value)
    assert type(back) is type(value) and back == value


def test_nan_constant(ctx: Context) -> None:
    back = roundtrip_constant(ctx, float("nan"))
    assert isinstance(back, float) and back != back


def test_constant_attr_distinguishes_bool_from_int() -> None:
    assert p.ConstantAttr.of(True) != p.ConstantAttr.of(1)
    assert p.ConstantAttr.of(1.0) != p.ConstantAttr.of(1)


def test_identifier_strings_roundtrip(ctx: Context) -> None:
    for name in ["x", "π", "名前", 'q"uote', "back\\slash", "tab\there"]:
        op = p.GlobalOp.create(properties={"names": p.PyStrListAttr((name, "b"))})
        text = print_ir(p.ModuleOp(name, _region(op)))
        parsed = parse_ir(ctx, text).body.block.first_op
        assert isinstance(parsed, p.ModuleOp) and parsed.sym_name.data == name
        glob = parsed.body.block.first_op
        assert isinstance(glob, p.GlobalOp) and glob.names.data == (name, "b")


def test_single_use_is_verified() -> None:
    name = p.NameOp.create(properties={"id": p.PyStrAttr("x")}, result_types=[p.EXPR])
    module = p.ModuleOp("m", _region(name))
    with pytest.raises(VerifyException, match="exactly one use"):
        module.verify()


def test_new_op_matches_operation_create() -> None:
    from klr.frontend.to_py_ast import new_op

    name = p.NameOp.create(properties={"id": p.PyStrAttr("x")}, result_types=[p.EXPR])
    args = p.ArgumentsOp.build(operands=[[], [], [], []], result_types=[p.ArgumentsType()])
    fast_args = new_op(
        p.ArgumentsOp,
        [],
        p.ArgumentsType(),
        {"operandSegmentSizes": args.properties["operandSegmentSizes"]},
        [],
    )
    # defaults are filled in as IRDL does
    assert fast_args.properties == args.properties
    fast = new_op(p.NameOp, [], p.EXPR, {"id": p.PyStrAttr("x")}, [])
    assert set(vars(fast)) == set(vars(name))
    assert fast.properties == name.properties and fast.attributes == name.attributes
    assert fast.location == name.location and fast.regions == name.regions == ()
    assert [r.type for r in fast.results] == [r.type for r in name.results]
    assert fast.results[0].op is fast and fast.results[0].index == 0
    user = new_op(p.ExprStmtOp, [fast.results[0]], None, {}, [])
    assert fast.results[0].has_one_use() and next(iter(fast.results[0].uses)).operation is user
