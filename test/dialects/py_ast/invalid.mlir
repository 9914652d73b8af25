// Verifier rules of py_ast.
// RUN: klr-opt %s --split-input-file --verify-diagnostics | filecheck %s

py_ast.module "m" {
  %x = py_ast.name "x"
  %t = py_ast.tuple(%x, %x)
  py_ast.expr %t
}
// CHECK: 'py_ast.name' result must have exactly one use (py_ast is a syntax tree), found 2

// -----

py_ast.module "m" {
  %x = py_ast.name "x"
}
// CHECK: 'py_ast.name' result must have exactly one use (py_ast is a syntax tree), found 0

// -----

py_ast.module "m" {
  %k = py_ast.constant "k"
  %d = py_ast.dict(%k) : ()
  py_ast.expr %d
}
// CHECK: py_ast.dict needs one key per value that is not a '**' entry

// -----

py_ast.module "m" {
  %v = py_ast.name "v"
  %d = py_ast.dict() : (%v) unpack [3]
  py_ast.expr %d
}
// CHECK: py_ast.dict 'unpack' positions must be distinct value indices

// -----

py_ast.module "m" {
  %a = py_ast.name "a"
  %b = py_ast.name "b"
  %c = py_ast.compare %a [lt, lt](%b)
  py_ast.expr %c
}
// CHECK: py_ast.compare needs one operator per comparator, and at least one

// -----

py_ast.module "m" {
  %a = py_ast.name "a"
  %c = py_ast.bool_op and(%a)
  py_ast.expr %c
}
// CHECK: py_ast.bool_op needs at least two operands

// -----

py_ast.module "m" {
  %a = py_ast.name "a"
  %f = py_ast.formatted_value %a conversion "x"
  %j = py_ast.joined_str(%f)
  py_ast.expr %j
}
// CHECK: f-string conversion must be one of 's', 'r', 'a'

// -----

py_ast.module "m" {
  %a = py_ast.arg "a"
  %args = py_ast.arguments(%a) posonly 2
  py_ast.function_def "f" %args {
    py_ast.pass
  }
}
// CHECK: py_ast.arguments 'posonly' exceeds the parameter count

// -----

py_ast.module "m" {
  %a = py_ast.name "a"
  py_ast.if %a {
    py_ast.pass
  ^bb1:
    py_ast.pass
  } else {
  }
}
// CHECK: Operation py_ast.pass terminates block in multi-block region but is not a terminator

