# strip-py-ast-locations drops every `at L:C-L:C`, and nothing else.
# RUN: klr-opt %s -p strip-py-ast-locations | filecheck %s
# RUN: klr-opt %s | filecheck %s --check-prefix=KEEP
def f(x):
    return x + 1

# CHECK:      %[[X:.*]] = py_ast.arg "x"{{$}}
# CHECK-NEXT: %[[ARGS:.*]] = py_ast.arguments(%[[X]]){{$}}
# CHECK-NEXT: py_ast.function_def "f" %[[ARGS]] {
# CHECK-NEXT:   %[[N:.*]] = py_ast.name "x"{{$}}
# CHECK-NEXT:   %[[ONE:.*]] = py_ast.constant 1{{$}}
# CHECK-NEXT:   %[[SUM:.*]] = py_ast.bin_op add %[[N]], %[[ONE]]{{$}}
# CHECK-NEXT:   py_ast.return(%[[SUM]]){{$}}
# CHECK-NOT:  at {{[0-9]+}}:
# KEEP: py_ast.return(%{{.*}}) at 5:4-5:16
