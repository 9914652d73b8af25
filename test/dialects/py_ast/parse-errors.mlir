// Malformed py_ast text is rejected with a located parse error.
// RUN: klr-opt %s --split-input-file --parsing-diagnostics | filecheck %s

%a = py_ast.name "a"
%c = py_ast.bin_op power %a, %a
// CHECK: power
// CHECK: Expected `add`, `sub`

// -----

%c = py_ast.compare %a [less](%b)
// CHECK: unknown comparison operator 'less'

// -----

%c = py_ast.constant float "not a float"
// CHECK: invalid float literal 'not a float'

// -----

%c = py_ast.constant complex "2x"
// CHECK: invalid complex literal '2x'
