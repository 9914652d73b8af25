// Every klr op and attribute form: custom syntax round-trips, and so does the generic form.
// RUN: klr-opt %s | filecheck %s
// RUN: klr-opt %s --print-op-generic | klr-opt | filecheck %s

builtin.module {
  klr.kernel "forms" target "gen3" args ["x", "y"] {
  ^bb0(%x: !klr.tensor<256x128xfloat32, hbm>, %y: !klr.tensor<128x64xbfloat16, hbm>):
    %a = klr.alloc "a" : !klr.tensor<128x64xfloat32, sbuf>
    %b = klr.alloc "b" : !klr.tensor<128x64xbfloat16, sbuf>
    %col = klr.alloc "col" : !klr.tensor<128x1xfloat32, sbuf>
    %acc = klr.alloc "acc" : !klr.tensor<128x1xfloat32, sbuf>
    klr.memset %acc, 0.0 : !klr.tensor<128x1xfloat32, sbuf>
    %pst = klr.alloc "pst" : !klr.tensor<64x64xfloat32, psum>
    %0 = klr.view %a[] offset 0 coeffs [] pattern [[64, 1], [1, 64]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<1x64xfloat32, sbuf>
    %1 = klr.view %x[] offset 384 coeffs [] pattern [[1, 64]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<64xfloat32, hbm>
    klr.dma_copy %0, %1 : !klr.tensor<1x64xfloat32, sbuf>, !klr.tensor<64xfloat32, hbm>
    %2 = klr.view %a[] offset 0 coeffs [] pattern [[64, 128], [2, 32]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<128x32xfloat32, sbuf>
    %3 = klr.view %x[] offset 64 coeffs [] pattern [[128, 128], [1, 32]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<128x32xfloat32, hbm>
    klr.dma_copy %2, %3 : !klr.tensor<128x32xfloat32, sbuf>, !klr.tensor<128x32xfloat32, hbm>
    %4 = klr.view %x[] offset 16448 coeffs [] pattern [[128, 128], [1, 64]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<128x64xfloat32, hbm>
    klr.dma_copy %a, %4 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, hbm>
    klr.dma_copy %b, %y : !klr.tensor<128x64xbfloat16, sbuf>, !klr.tensor<128x64xbfloat16, hbm>
    klr.tensor_copy %a, %b engine vector : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
    klr.tensor_copy %b, %a engine gpsimd : !klr.tensor<128x64xbfloat16, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    klr.tensor_tensor maximum %a, %a, %b : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
    %bits = klr.alloc "bits" : !klr.tensor<128x64xint32, sbuf>
    klr.memset %bits, 7.0 : !klr.tensor<128x64xint32, sbuf>
    klr.tensor_tensor bitwise_and %bits, %bits, %bits engine vector : !klr.tensor<128x64xint32, sbuf>, !klr.tensor<128x64xint32, sbuf>, !klr.tensor<128x64xint32, sbuf>
    klr.tensor_scalar %a, %a, multiply imm 0.5 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    klr.tensor_scalar %a, %a, subtract reverse %col then add imm 2.0 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> operand0 !klr.tensor<128x1xfloat32, sbuf>
    klr.tensor_scalar %a, %a, rsqrt : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    klr.scalar_tensor_tensor %a, %a, add imm 1.0 then multiply %b : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
    klr.activation exp %a, %b : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
    klr.activation gelu %a, %a bias %col scale %col : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> bias !klr.tensor<128x1xfloat32, sbuf> scale !klr.tensor<128x1xfloat32, sbuf>
    klr.activation copy %a, %a bias_imm 0.25 scale_imm 2.0 reduce add cmd reduce into %acc : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
    klr.activation square %a, %a reduce add cmd reset_reduce into %acc : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
    klr.tensor_reduce add %col, %a axes [1] negate keepdims : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    %cube = klr.alloc "cube" : !klr.tensor<128x4x16xfloat32, sbuf>
    klr.tensor_reduce maximum %col, %cube axes [1, 2] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x4x16xfloat32, sbuf>
    klr.nc_matmul %pst, %a, %a accumulate 0 : !klr.tensor<64x64xfloat32, psum>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    klr.nc_matmul %pst, %a, %a accumulate 1 : !klr.tensor<64x64xfloat32, psum>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    %small = klr.alloc "small" : !klr.tensor<32x32xfloat32, sbuf>
    %5 = klr.view %a[] offset 0 coeffs [] pattern [[64, 32], [1, 32]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<32x32xfloat32, sbuf>
    klr.nc_transpose %small, %5 engine vector : !klr.tensor<32x32xfloat32, sbuf>, !klr.tensor<32x32xfloat32, sbuf>
    %pt = klr.alloc "pt" : !klr.tensor<64x128xfloat32, psum>
    klr.nc_transpose %pt, %a engine tensor : !klr.tensor<64x128xfloat32, psum>, !klr.tensor<128x64xfloat32, sbuf>
    klr.memset %b, 0.0 engine gpsimd : !klr.tensor<128x64xbfloat16, sbuf>
    klr.reciprocal %col, %col : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
    %stats = klr.alloc "stats" : !klr.tensor<128x6xfloat32, sbuf>
    klr.bn_stats %stats, %a : !klr.tensor<128x6xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    %mv = klr.alloc "mv" : !klr.tensor<128x2xfloat32, sbuf>
    klr.bn_aggr %mv, %stats : !klr.tensor<128x2xfloat32, sbuf>, !klr.tensor<128x6xfloat32, sbuf>
    %idx = klr.alloc "idx" : !klr.tensor<128x64xint32, sbuf>
    klr.iota %idx pattern [[1, 64]] offset 0 channel_multiplier 64 : !klr.tensor<128x64xint32, sbuf>
    klr.affine_select greater_equal %a, %a else -3.0e+38 pattern [[-1, 64]] offset 0 channel_multiplier 1 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    %row = klr.alloc "row" : !klr.tensor<1x64xfloat32, sbuf>
    klr.tensor_partition_reduce maximum %row, %a : !klr.tensor<1x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    %pred = klr.alloc "pred" : !klr.tensor<128x64xuint8, sbuf>
    klr.memset %pred, 1.0 : !klr.tensor<128x64xuint8, sbuf>
    klr.tensor_copy_predicated %a, %a if %pred : !klr.tensor<128x64xfloat32, sbuf> src !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xuint8, sbuf>
    klr.tensor_copy_predicated %a, imm 0.0 if %pred reversed : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xuint8, sbuf>
    klr.tensor_tensor_scan %a, %a, %a initial imm 0.0 ops multiply then add : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    klr.tensor_tensor_scan %a, %a, %a initial %col ops add reverse then add : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> initial !klr.tensor<128x1xfloat32, sbuf>
    klr.select_reduce %a, %a if %pred else imm -1.0 cmd reset_reduce into %acc : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xuint8, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
    %top = klr.alloc "top" : !klr.tensor<128x8xfloat32, sbuf>
    klr.max8 %top, %a : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
    %where = klr.alloc "where" : !klr.tensor<128x8xuint32, sbuf>
    klr.nc_find_index8 %where, %a, %top : !klr.tensor<128x8xuint32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
    %lo = klr.alloc "lo" : !klr.tensor<128x1xfloat32, sbuf>
    %hi = klr.alloc "hi" : !klr.tensor<128x1xfloat32, sbuf>
    klr.range_select %a, %a where greater_equal %lo and less %hi start 0 else -3.4028234663852886e+38 into %acc : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
    klr.nc_match_replace8 %a, %a, %top with -1000000000.0 indices %where : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf> indices !klr.tensor<128x8xuint32, sbuf>
    %gidx = klr.alloc "gidx" : !klr.tensor<128x4xuint16, sbuf>
    %gathered = klr.alloc "gathered" : !klr.tensor<128x8x2xfloat32, sbuf>
    klr.local_gather %gathered, %a at %gidx elements 2 valid 8 : !klr.tensor<128x8x2xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x4xuint16, sbuf>
    %xt = klr.alloc "xt" : !klr.tensor<64x128xfloat32, sbuf>
    %6 = klr.view %x[] offset 0 coeffs [] pattern [[128, 128], [1, 64]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<128x64xfloat32, hbm>
    klr.dma_transpose %xt, %6 axes [1, 0] : !klr.tensor<64x128xfloat32, sbuf>, !klr.tensor<128x64xfloat32, hbm>
    %out = klr.alloc "out" : !klr.tensor<128x64xfloat32, shared_hbm>
    klr.for sequential 0 to 2 step 1 {
    ^bb0(%i: index):
      %7 = klr.view %out[%i] offset 0 coeffs [4096] pattern [[64, 64], [1, 64]] : !klr.tensor<128x64xfloat32, shared_hbm> -> !klr.tensor<64x64xfloat32, shared_hbm>
      %8 = klr.view %a[%i] offset 0 coeffs [4096] pattern [[64, 64], [1, 64]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<64x64xfloat32, sbuf>
      klr.dma_copy %7, %8 : !klr.tensor<64x64xfloat32, shared_hbm>, !klr.tensor<64x64xfloat32, sbuf>
    }
    %9 = klr.view %a[] offset 0 coeffs [] pattern [[64, 128], [1, 1]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<128x1xfloat32, sbuf>
    klr.tensor_copy %9, %col : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
    %10 = klr.view %a[] offset 1 coeffs [] pattern [[64, 128], [1, 1]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<128x1xfloat32, sbuf>
    klr.tensor_copy %10, %col : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
    klr.return %out : !klr.tensor<128x64xfloat32, shared_hbm>
  }
}

// AUTOGENERATED CHECKS
// CHECK:      builtin.module {
// CHECK-NEXT: klr.kernel "forms" target "gen3" args ["x", "y"] {
// CHECK-NEXT: ^bb0(%[[V0:[A-Za-z0-9_.$-]+]]: !klr.tensor<256x128xfloat32, hbm>, %[[V1:[A-Za-z0-9_.$-]+]]: !klr.tensor<128x64xbfloat16, hbm>):
// CHECK-NEXT: %[[V2:[A-Za-z0-9_.$-]+]] = klr.alloc "a" : !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V3:[A-Za-z0-9_.$-]+]] = klr.alloc "b" : !klr.tensor<128x64xbfloat16, sbuf>
// CHECK-NEXT: %[[V4:[A-Za-z0-9_.$-]+]] = klr.alloc "col" : !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: %[[V5:[A-Za-z0-9_.$-]+]] = klr.alloc "acc" : !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.memset %[[V5]], 0.0 : !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: %[[V6:[A-Za-z0-9_.$-]+]] = klr.alloc "pst" : !klr.tensor<64x64xfloat32, psum>
// CHECK-NEXT: %[[V7:[A-Za-z0-9_.$-]+]] = klr.view %[[V2]][] offset 0 coeffs [] pattern [[64, 1], [1, 64]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<1x64xfloat32, sbuf>
// CHECK-NEXT: %[[V8:[A-Za-z0-9_.$-]+]] = klr.view %[[V0]][] offset 384 coeffs [] pattern [[1, 64]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<64xfloat32, hbm>
// CHECK-NEXT: klr.dma_copy %[[V7]], %[[V8]] : !klr.tensor<1x64xfloat32, sbuf>, !klr.tensor<64xfloat32, hbm>
// CHECK-NEXT: %[[V9:[A-Za-z0-9_.$-]+]] = klr.view %[[V2]][] offset 0 coeffs [] pattern [[64, 128], [2, 32]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<128x32xfloat32, sbuf>
// CHECK-NEXT: %[[V10:[A-Za-z0-9_.$-]+]] = klr.view %[[V0]][] offset 64 coeffs [] pattern [[128, 128], [1, 32]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<128x32xfloat32, hbm>
// CHECK-NEXT: klr.dma_copy %[[V9]], %[[V10]] : !klr.tensor<128x32xfloat32, sbuf>, !klr.tensor<128x32xfloat32, hbm>
// CHECK-NEXT: %[[V11:[A-Za-z0-9_.$-]+]] = klr.view %[[V0]][] offset 16448 coeffs [] pattern [[128, 128], [1, 64]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<128x64xfloat32, hbm>
// CHECK-NEXT: klr.dma_copy %[[V2]], %[[V11]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, hbm>
// CHECK-NEXT: klr.dma_copy %[[V3]], %[[V1]] : !klr.tensor<128x64xbfloat16, sbuf>, !klr.tensor<128x64xbfloat16, hbm>
// CHECK-NEXT: klr.tensor_copy %[[V2]], %[[V3]] engine vector : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
// CHECK-NEXT: klr.tensor_copy %[[V3]], %[[V2]] engine gpsimd : !klr.tensor<128x64xbfloat16, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_tensor maximum %[[V2]], %[[V2]], %[[V3]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
// CHECK-NEXT: %[[V12:[A-Za-z0-9_.$-]+]] = klr.alloc "bits" : !klr.tensor<128x64xint32, sbuf>
// CHECK-NEXT: klr.memset %[[V12]], 7.0 : !klr.tensor<128x64xint32, sbuf>
// CHECK-NEXT: klr.tensor_tensor bitwise_and %[[V12]], %[[V12]], %[[V12]] engine vector : !klr.tensor<128x64xint32, sbuf>, !klr.tensor<128x64xint32, sbuf>, !klr.tensor<128x64xint32, sbuf>
// CHECK-NEXT: klr.tensor_scalar %[[V2]], %[[V2]], multiply imm 0.5 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_scalar %[[V2]], %[[V2]], subtract reverse %[[V4]] then add imm 2.0 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> operand0 !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_scalar %[[V2]], %[[V2]], rsqrt : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: klr.scalar_tensor_tensor %[[V2]], %[[V2]], add imm 1.0 then multiply %[[V3]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
// CHECK-NEXT: klr.activation exp %[[V2]], %[[V3]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xbfloat16, sbuf>
// CHECK-NEXT: klr.activation gelu %[[V2]], %[[V2]] bias %[[V4]] scale %[[V4]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> bias !klr.tensor<128x1xfloat32, sbuf> scale !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.activation copy %[[V2]], %[[V2]] bias_imm 0.25 scale_imm 2.0 reduce add cmd reduce into %[[V5]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.activation square %[[V2]], %[[V2]] reduce add cmd reset_reduce into %[[V5]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_reduce add %[[V4]], %[[V2]] axes [1] negate keepdims : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V13:[A-Za-z0-9_.$-]+]] = klr.alloc "cube" : !klr.tensor<128x4x16xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_reduce maximum %[[V4]], %[[V13]] axes [1, 2] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x4x16xfloat32, sbuf>
// CHECK-NEXT: klr.nc_matmul %[[V6]], %[[V2]], %[[V2]] accumulate 0 : !klr.tensor<64x64xfloat32, psum>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: klr.nc_matmul %[[V6]], %[[V2]], %[[V2]] accumulate 1 : !klr.tensor<64x64xfloat32, psum>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V14:[A-Za-z0-9_.$-]+]] = klr.alloc "small" : !klr.tensor<32x32xfloat32, sbuf>
// CHECK-NEXT: %[[V15:[A-Za-z0-9_.$-]+]] = klr.view %[[V2]][] offset 0 coeffs [] pattern [[64, 32], [1, 32]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<32x32xfloat32, sbuf>
// CHECK-NEXT: klr.nc_transpose %[[V14]], %[[V15]] engine vector : !klr.tensor<32x32xfloat32, sbuf>, !klr.tensor<32x32xfloat32, sbuf>
// CHECK-NEXT: %[[V16:[A-Za-z0-9_.$-]+]] = klr.alloc "pt" : !klr.tensor<64x128xfloat32, psum>
// CHECK-NEXT: klr.nc_transpose %[[V16]], %[[V2]] engine tensor : !klr.tensor<64x128xfloat32, psum>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: klr.memset %[[V3]], 0.0 engine gpsimd : !klr.tensor<128x64xbfloat16, sbuf>
// CHECK-NEXT: klr.reciprocal %[[V4]], %[[V4]] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: %[[V17:[A-Za-z0-9_.$-]+]] = klr.alloc "stats" : !klr.tensor<128x6xfloat32, sbuf>
// CHECK-NEXT: klr.bn_stats %[[V17]], %[[V2]] : !klr.tensor<128x6xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V18:[A-Za-z0-9_.$-]+]] = klr.alloc "mv" : !klr.tensor<128x2xfloat32, sbuf>
// CHECK-NEXT: klr.bn_aggr %[[V18]], %[[V17]] : !klr.tensor<128x2xfloat32, sbuf>, !klr.tensor<128x6xfloat32, sbuf>
// CHECK-NEXT: %[[V19:[A-Za-z0-9_.$-]+]] = klr.alloc "idx" : !klr.tensor<128x64xint32, sbuf>
// CHECK-NEXT: klr.iota %[[V19]] pattern [[1, 64]] offset 0 channel_multiplier 64 : !klr.tensor<128x64xint32, sbuf>
// CHECK-NEXT: klr.affine_select greater_equal %[[V2]], %[[V2]] else -3.0e+38 pattern [[-1, 64]] offset 0 channel_multiplier 1 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V20:[A-Za-z0-9_.$-]+]] = klr.alloc "row" : !klr.tensor<1x64xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_partition_reduce maximum %[[V20]], %[[V2]] : !klr.tensor<1x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V21:[A-Za-z0-9_.$-]+]] = klr.alloc "pred" : !klr.tensor<128x64xuint8, sbuf>
// CHECK-NEXT: klr.memset %[[V21]], 1.0 : !klr.tensor<128x64xuint8, sbuf>
// CHECK-NEXT: klr.tensor_copy_predicated %[[V2]], %[[V2]] if %[[V21]] : !klr.tensor<128x64xfloat32, sbuf> src !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xuint8, sbuf>
// CHECK-NEXT: klr.tensor_copy_predicated %[[V2]], imm 0.0 if %[[V21]] reversed : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xuint8, sbuf>
// CHECK-NEXT: klr.tensor_tensor_scan %[[V2]], %[[V2]], %[[V2]] initial imm 0.0 ops multiply then add : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_tensor_scan %[[V2]], %[[V2]], %[[V2]] initial %[[V4]] ops add reverse then add : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf> initial !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.select_reduce %[[V2]], %[[V2]] if %[[V21]] else imm -1.0 cmd reset_reduce into %[[V5]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xuint8, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: %[[V22:[A-Za-z0-9_.$-]+]] = klr.alloc "top" : !klr.tensor<128x8xfloat32, sbuf>
// CHECK-NEXT: klr.max8 %[[V22]], %[[V2]] : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
// CHECK-NEXT: %[[V23:[A-Za-z0-9_.$-]+]] = klr.alloc "where" : !klr.tensor<128x8xuint32, sbuf>
// CHECK-NEXT: klr.nc_find_index8 %[[V23]], %[[V2]], %[[V22]] : !klr.tensor<128x8xuint32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
// CHECK-NEXT: %[[V24:[A-Za-z0-9_.$-]+]] = klr.alloc "lo" : !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: %[[V25:[A-Za-z0-9_.$-]+]] = klr.alloc "hi" : !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.range_select %[[V2]], %[[V2]] where greater_equal %[[V24]] and less %[[V25]] start 0 else -3.4028234663852886e+38 into %[[V5]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf> into !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.nc_match_replace8 %[[V2]], %[[V2]], %[[V22]] with -1000000000.0 indices %[[V23]] : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf> indices !klr.tensor<128x8xuint32, sbuf>
// CHECK-NEXT: %[[V26:[A-Za-z0-9_.$-]+]] = klr.alloc "gidx" : !klr.tensor<128x4xuint16, sbuf>
// CHECK-NEXT: %[[V27:[A-Za-z0-9_.$-]+]] = klr.alloc "gathered" : !klr.tensor<128x8x2xfloat32, sbuf>
// CHECK-NEXT: klr.local_gather %[[V27]], %[[V2]] at %[[V26]] elements 2 valid 8 : !klr.tensor<128x8x2xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x4xuint16, sbuf>
// CHECK-NEXT: %[[V28:[A-Za-z0-9_.$-]+]] = klr.alloc "xt" : !klr.tensor<64x128xfloat32, sbuf>
// CHECK-NEXT: %[[V29:[A-Za-z0-9_.$-]+]] = klr.view %[[V0]][] offset 0 coeffs [] pattern [[128, 128], [1, 64]] : !klr.tensor<256x128xfloat32, hbm> -> !klr.tensor<128x64xfloat32, hbm>
// CHECK-NEXT: klr.dma_transpose %[[V28]], %[[V29]] axes [1, 0] : !klr.tensor<64x128xfloat32, sbuf>, !klr.tensor<128x64xfloat32, hbm>
// CHECK-NEXT: %[[V30:[A-Za-z0-9_.$-]+]] = klr.alloc "out" : !klr.tensor<128x64xfloat32, shared_hbm>
// CHECK-NEXT: klr.for sequential 0 to 2 step 1 {
// CHECK-NEXT: ^bb0(%[[V31:[A-Za-z0-9_.$-]+]]: index):
// CHECK-NEXT: %[[V32:[A-Za-z0-9_.$-]+]] = klr.view %[[V30]][%[[V31]]] offset 0 coeffs [4096] pattern [[64, 64], [1, 64]] : !klr.tensor<128x64xfloat32, shared_hbm> -> !klr.tensor<64x64xfloat32, shared_hbm>
// CHECK-NEXT: %[[V33:[A-Za-z0-9_.$-]+]] = klr.view %[[V2]][%[[V31]]] offset 0 coeffs [4096] pattern [[64, 64], [1, 64]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<64x64xfloat32, sbuf>
// CHECK-NEXT: klr.dma_copy %[[V32]], %[[V33]] : !klr.tensor<64x64xfloat32, shared_hbm>, !klr.tensor<64x64xfloat32, sbuf>
// CHECK-NEXT: }
// CHECK-NEXT: %[[V34:[A-Za-z0-9_.$-]+]] = klr.view %[[V2]][] offset 0 coeffs [] pattern [[64, 128], [1, 1]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_copy %[[V34]], %[[V4]] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: %[[V35:[A-Za-z0-9_.$-]+]] = klr.view %[[V2]][] offset 1 coeffs [] pattern [[64, 128], [1, 1]] : !klr.tensor<128x64xfloat32, sbuf> -> !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.tensor_copy %[[V35]], %[[V4]] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
// CHECK-NEXT: klr.return %[[V30]] : !klr.tensor<128x64xfloat32, shared_hbm>
// CHECK-NEXT: }
// CHECK-NEXT: }
