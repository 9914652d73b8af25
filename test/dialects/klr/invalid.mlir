// The NKI rules the klr verifiers enforce, one per case (target tables decide the limits).
// RUN: klr-opt %s --split-input-file --verify-diagnostics | filecheck %s

klr.kernel "k" target "gen3" args ["a"] {
^bb0(%a: !klr.tensor<128x4xfloat32, sbuf>):
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.kernel arguments are HBM tensors

// -----

klr.kernel "k" target "gen9" args [] {
  klr.return
}
// CHECK: gen9

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %v = klr.view %s[] offset 0 coeffs [] pattern [[4, 128], [1, 2]] : !klr.tensor<128x4xfloat32, sbuf> -> !klr.tensor<128x4xfloat32, sbuf>
  klr.memset %v, 0.0 : !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.view pattern sizes [128, 2] do not match the result shape [128, 4]

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %v = klr.view %s[] offset 0 coeffs [] pattern [[8, 64], [1, 4]] : !klr.tensor<128x4xfloat32, sbuf> -> !klr.tensor<64x4xfloat32, sbuf>
  klr.memset %v, 0.0 : !klr.tensor<64x4xfloat32, sbuf>
  klr.return
}
// CHECK: the partition step of an on-chip view must be the storage's free size 4, got 8

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %v = klr.view %s[] offset 0 coeffs [1] pattern [[4, 128], [1, 4]] : !klr.tensor<128x4xfloat32, sbuf> -> !klr.tensor<128x4xfloat32, sbuf>
  klr.memset %v, 0.0 : !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.view needs one coefficient per index

// -----

klr.kernel "k" target "gen3" args [] {
  klr.for affine 0 to 4 step 0 {
  ^bb0(%i: index):
  }
  klr.return
}
// CHECK: klr.for step must be positive

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %h = klr.alloc "h" : !klr.tensor<128x8xfloat32, hbm>
  klr.dma_copy %s, %h : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x8xfloat32, hbm>
  klr.return
}
// CHECK: klr.dma_copy: dst has 512 elements but src has 1024

// -----

klr.kernel "k" target "gen3" args [] {
  %p = klr.alloc "p" : !klr.tensor<128x4xfloat32, psum>
  %h = klr.alloc "h" : !klr.tensor<128x4xfloat32, hbm>
  klr.dma_copy %h, %p : !klr.tensor<128x4xfloat32, hbm>, !klr.tensor<128x4xfloat32, psum>
  klr.return
}
// CHECK: klr.dma_copy: DMA cannot access PSUM ('src')

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %t = klr.alloc "t" : !klr.tensor<64x8xfloat32, sbuf>
  klr.tensor_copy %s, %t : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<64x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_copy: 'src' has 64 partitions but 'dst' has 128

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<256x4xfloat32, sbuf>
  %t = klr.alloc "t" : !klr.tensor<256x4xfloat32, sbuf>
  klr.tensor_copy %s, %t : !klr.tensor<256x4xfloat32, sbuf>, !klr.tensor<256x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_copy: 'dst' has 256 partitions; the limit is 128

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %p = klr.alloc "p" : !klr.tensor<128x4xfloat32, psum>
  %q = klr.alloc "q" : !klr.tensor<128x4xfloat32, psum>
  klr.tensor_tensor add %s, %p, %q : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, psum>, !klr.tensor<128x4xfloat32, psum>
  klr.return
}
// CHECK: klr.tensor_tensor: 'data1' and 'data2' cannot both be in PSUM

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.tensor_tensor bitwise_or %s, %s, %s : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_tensor: bitwise operator 'bitwise_or' needs integer dtypes, but 'dst' is float32

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.tensor_tensor rsqrt %s, %s, %s : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_tensor: 'rsqrt' is a unary operator

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.tensor_scalar %s, %s, multiply : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_scalar: 'multiply' needs operand0

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %c = klr.alloc "c" : !klr.tensor<128x2xfloat32, sbuf>
  klr.tensor_scalar %s, %s, add %c : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf> operand0 !klr.tensor<128x2xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_scalar: 'operand0' must be a (128, 1) vector, got [128, 2]

// -----

klr.kernel "k" target "gen2" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.activation exp %s, %s bias_imm 1.0 : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.activation: a scalar bias needs gen3 or later (target gen2); use a (P, 1) bias tensor

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %c = klr.alloc "c" : !klr.tensor<128x1xfloat32, sbuf>
  klr.activation exp %s, %s scale %c scale_imm 2.0 : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf> scale !klr.tensor<128x1xfloat32, sbuf>
  klr.return
}
// CHECK: klr.activation: scale is a tensor or an immediate, not both

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  %c = klr.alloc "c" : !klr.tensor<128x1xfloat32, sbuf>
  klr.tensor_reduce add %c, %s axes [0, 1] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_reduce: axes [0, 1] must be the last free dimensions of a rank-2 tensor (never the partition axis 0)

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4x8xfloat32, sbuf>
  %c = klr.alloc "c" : !klr.tensor<128x1xfloat32, sbuf>
  klr.tensor_reduce add %c, %s axes [2] : !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x4x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_reduce: dst has 1 elements per partition, the reduction leaves 4

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x512xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x128xfloat32, sbuf>
  %m = klr.alloc "m" : !klr.tensor<128x512xfloat32, sbuf>
  klr.nc_matmul %d, %s, %m : !klr.tensor<128x512xfloat32, sbuf>, !klr.tensor<128x128xfloat32, sbuf>, !klr.tensor<128x512xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul: dst must be in PSUM

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x512xfloat32, psum>
  %s = klr.alloc "s" : !klr.tensor<128x256xfloat32, sbuf>
  %m = klr.alloc "m" : !klr.tensor<128x512xfloat32, sbuf>
  klr.nc_matmul %d, %s, %m : !klr.tensor<128x512xfloat32, psum>, !klr.tensor<128x256xfloat32, sbuf>, !klr.tensor<128x512xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul: stationary is 128x256; the limit is 128x128

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x1024xbfloat16, psum>
  %s = klr.alloc "s" : !klr.tensor<128x128xfloat32, sbuf>
  %m = klr.alloc "m" : !klr.tensor<128x1024xfloat32, sbuf>
  klr.nc_matmul %d, %s, %m : !klr.tensor<128x1024xbfloat16, psum>, !klr.tensor<128x128xfloat32, sbuf>, !klr.tensor<128x1024xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul: dst dtype bfloat16 is not a PSUM matmul output on gen3 (allowed: float32)

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x1024xfloat32, psum>
  %s = klr.alloc "s" : !klr.tensor<128x128xfloat32, sbuf>
  %m = klr.alloc "m" : !klr.tensor<128x1024xfloat32, sbuf>
  klr.nc_matmul %d, %s, %m : !klr.tensor<128x1024xfloat32, psum>, !klr.tensor<128x128xfloat32, sbuf>, !klr.tensor<128x1024xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul: the result needs 4096 bytes per partition; one matmul writes at most 2048 on gen3 (1 PSUM bank(s))

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x512xfloat32, psum>
  %s = klr.alloc "s" : !klr.tensor<64x128xfloat32, sbuf>
  %m = klr.alloc "m" : !klr.tensor<128x512xfloat32, sbuf>
  klr.nc_matmul %d, %s, %m : !klr.tensor<128x512xfloat32, psum>, !klr.tensor<64x128xfloat32, sbuf>, !klr.tensor<128x512xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul: contraction (partition) sizes differ: stationary 64, moving 128

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<64x512xfloat32, psum>
  %s = klr.alloc "s" : !klr.tensor<128x128xfloat32, sbuf>
  %m = klr.alloc "m" : !klr.tensor<128x512xfloat32, sbuf>
  klr.nc_matmul %d, %s, %m : !klr.tensor<64x512xfloat32, psum>, !klr.tensor<128x128xfloat32, sbuf>, !klr.tensor<128x512xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul: dst must be 128x512 (stationary free x moving free), got 64x512

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<64x64xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<64x64xfloat32, sbuf>
  klr.nc_transpose %d, %s engine vector : !klr.tensor<64x64xfloat32, sbuf>, !klr.tensor<64x64xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_transpose: the Vector engine transposes at most 32x32

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<4x128xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x4xbfloat16, sbuf>
  klr.nc_transpose %d, %s : !klr.tensor<4x128xfloat32, sbuf>, !klr.tensor<128x4xbfloat16, sbuf>
  klr.return
}
// CHECK: klr.nc_transpose: dst and data dtypes must match

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x6xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x1024xfloat32, sbuf>
  klr.bn_stats %d, %s : !klr.tensor<128x6xfloat32, sbuf>, !klr.tensor<128x1024xfloat32, sbuf>
  klr.return
}
// CHECK: klr.bn_stats: 1024 elements per partition exceed bn_stats_fmax=512

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x2xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x7xfloat32, sbuf>
  klr.bn_aggr %d, %s : !klr.tensor<128x2xfloat32, sbuf>, !klr.tensor<128x7xfloat32, sbuf>
  klr.return
}
// CHECK: klr.bn_aggr: data holds (count, mean, var*count) triples; 7 elements per partition is not a multiple of 3

// -----

klr.kernel "k" target "gen3" args [] {
  %p = klr.alloc "p" : !klr.tensor<128x4xfloat32, psum>
  klr.memset %p, 0.0 engine gpsimd : !klr.tensor<128x4xfloat32, psum>
  klr.return
}
// CHECK: klr.memset: the GpSimd engine cannot access PSUM ('dst')

// -----

klr.kernel "k" target "gen3" args [] {
  %h = klr.alloc "h" : !klr.tensor<128x4xfloat32, hbm>
  klr.memset %h, 0.0 : !klr.tensor<128x4xfloat32, hbm>
  klr.return
}
// CHECK: klr.memset: 'dst' must be in SBUF or PSUM, not hbm

// -----

klr.kernel "k" target "gen3" args [] {
  %h = klr.alloc "h" address [0, 0] : !klr.tensor<128x4xfloat32, hbm>
  klr.return
}
// CHECK: only SBUF and PSUM tensors take an address

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat8_e8m0fnu, sbuf>
  klr.memset %s, 0.0 : !klr.tensor<128x4xfloat8_e8m0fnu, sbuf>
  klr.return
}
// CHECK: klr.memset: dtype float8_e8m0fnu of 'dst' is not supported on gen3

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x64xint32, sbuf>
  klr.iota %d pattern [[1, 32]] offset 0 channel_multiplier 0 : !klr.tensor<128x64xint32, sbuf>
  klr.return
}
// CHECK: klr.iota: the pattern covers 32 elements per partition, dst has 64

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x64xfloat32, sbuf>
  klr.affine_select add %d, %d else 0.0 pattern [[1, 64]] offset 0 channel_multiplier 0 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
  klr.return
}
// CHECK: klr.affine_select: cmp_op must be a comparison, got 'add'

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<2x64xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x64xfloat32, sbuf>
  klr.tensor_partition_reduce add %d, %s : !klr.tensor<2x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_partition_reduce: dst must be (1, 64) elements, got [2, 64]

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x64xfloat32, sbuf>
  %p = klr.alloc "p" : !klr.tensor<128x64xfloat32, sbuf>
  klr.tensor_copy_predicated %d, %d if %p : !klr.tensor<128x64xfloat32, sbuf> src !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_copy_predicated: the predicate must be uint8/16/32

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x4xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x64xfloat32, sbuf>
  klr.max8 %d, %s : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>
  klr.return
}
// CHECK: klr.max8: dst must be (128, 8), got [128, 4]

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xint32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x64xfloat32, sbuf>
  %v = klr.alloc "v" : !klr.tensor<128x8xfloat32, sbuf>
  klr.nc_find_index8 %d, %s, %v : !klr.tensor<128x8xint32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_find_index8: dst must be uint32 or uint16

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<64x128xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x64xfloat32, hbm>
  klr.dma_transpose %d, %s axes [0, 1] : !klr.tensor<64x128xfloat32, sbuf>, !klr.tensor<128x64xfloat32, hbm>
  klr.return
}
// CHECK: klr.dma_transpose: a rank-2 transpose uses axes (1, 0), and dst has the rank of src; got axes [0, 1]

// -----

klr.kernel "k" target "gen3" args [] {
  %h = klr.alloc "h" : !klr.tensor<256x64xfloat32, hbm>
  klr.for affine 0 to 3 step 1 {
  ^bb0(%i: index):
    %v = klr.view %h[%i] offset 0 coeffs [8192] pattern [[64, 128], [1, 64]] : !klr.tensor<256x64xfloat32, hbm> -> !klr.tensor<128x64xfloat32, hbm>
    %s = klr.alloc "s" : !klr.tensor<128x64xfloat32, sbuf>
    klr.dma_copy %s, %v : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, hbm>
  }
  klr.return
}
// CHECK: klr.view reaches elements 0..24575 of a 16384-element tensor (checked over every iteration of the enclosing loops)

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<1x2xint32, sbuf>
  %r = klr.register_alloc
  klr.register_load %r, %s : !klr.tensor<1x2xint32, sbuf>
  klr.return
}
// CHECK: klr.register_load reads one element of at most 32 bits from SBUF or HBM

// -----

klr.kernel "k" target "gen3" args [] {
  %r = klr.register_alloc
  klr.register_move %r,
  klr.return
}
// CHECK: klr.register_move takes a register or an immediate

// -----

klr.kernel "k" target "gen3" args [] {
  klr.dynamic_for imm 0 to imm 4 step 1 {
  ^bb0(%i: index):
  }
  klr.return
}
// CHECK: klr.dynamic_for has one !klr.reg block argument

// -----

klr.kernel "k" target "gen2" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.tensor_copy %s, %s engine scalar : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_copy: the Scalar engine has no tensor_copy on gen2; use activation with op=copy

// -----

klr.kernel "k" target "gen3" args [] {
  %p = klr.alloc "p" : !klr.tensor<128x4xfloat32, psum>
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.tensor_tensor power %p, %s, %s : !klr.tensor<128x4xfloat32, psum>, !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_tensor: power runs on GpSimd, which cannot access PSUM ('dst')

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.tensor_tensor abs_max %s, %s, %s : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_tensor: ALU operator 'abs_max' is not available on gen3

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x4xfloat32, sbuf>
  klr.activation prelu %s, %s : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.activation: activation function 'prelu' is not available on gen3

// -----

klr.kernel "k" target "gen2" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x4xfloat32, sbuf>
  %b = klr.alloc "b" : !klr.tensor<128x1xfloat32, sbuf>
  klr.range_select %d, %d where greater %b and less %b start 0 else 0.0 : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
  klr.return
}
// CHECK: klr.range_select: the instruction does not exist on gen2

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x4xfloat32, sbuf>
  %b = klr.alloc "b" : !klr.tensor<128x1xfloat32, sbuf>
  klr.range_select %d, %d where not_equal %b and less %b start 0 else 0.0 : !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>, !klr.tensor<128x1xfloat32, sbuf>
  klr.return
}
// CHECK: klr.range_select: comp_op0 must be equal, less, less_equal, greater or greater_equal

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x64xfloat32, sbuf>
  %v = klr.alloc "v" : !klr.tensor<128x4xfloat32, sbuf>
  klr.nc_match_replace8 %d, %d, %v with 0.0 : !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x4xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nc_match_replace8: vals must be (128, 8)

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x64xfloat32, sbuf>
  %i = klr.alloc "i" : !klr.tensor<128x4xint32, sbuf>
  klr.local_gather %d, %s at %i elements 2 : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x64xfloat32, sbuf>, !klr.tensor<128x4xint32, sbuf>
  klr.return
}
// CHECK: klr.local_gather: index must be uint16

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.tensor_scalar_reduce %d, %d, add imm 1.0 reduce bitwise_or : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_scalar_reduce: reduce_op must be add, subtract, multiply, maximum or minimum, not 'bitwise_or'

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.tensor_scalar_reduce %d, %d, add reduce add : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_scalar_reduce: operand0 is a (P, 1) tensor or an immediate

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xint32, sbuf>
  klr.tensor_scalar_cumulative %d, %d, add imm 0.0 then add : !klr.tensor<128x8xint32, sbuf>, !klr.tensor<128x8xint32, sbuf>
  klr.return
}
// CHECK: klr.tensor_scalar_cumulative: 'dst' cannot be int32/uint32 (nki.md §9.3)

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.tensor_scalar_cumulative %d, %d, add imm 0.0 then add cmd load_reduce : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.tensor_scalar_cumulative: load_reduce starts from imm1, which is missing

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.exponential %d, %d : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.exponential: the instruction does not exist on gen3

// -----

klr.kernel "k" target "gen4" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.activate2 exp %d, %d, multiply then add imm 1.0 : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.activate2: imm0 is a (P, 1) tensor or an immediate

// -----

klr.kernel "k" target "gen4" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.activate2 exp %d, %d, bypass then bypass reduce multiply cmd reset_reduce : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.activate2: reduce_op must be add, maximum, minimum, abs_max or abs_min

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<64x4xfloat32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<64x16xfloat32, sbuf>
  %i = klr.alloc "i" : !klr.tensor<64x4xint32, sbuf>
  klr.nc_n_gather %d, %s at %i : !klr.tensor<64x4xfloat32, sbuf>, !klr.tensor<64x16xfloat32, sbuf>, !klr.tensor<64x4xint32, sbuf>
  klr.return
}
// CHECK: klr.nc_n_gather: indices must be uint32

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<2x2x16xint32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<2x16xint32, sbuf>
  klr.sequence_bounds %d, %s : !klr.tensor<2x2x16xint32, sbuf>, !klr.tensor<2x16xint32, sbuf>
  klr.return
}
// CHECK: klr.sequence_bounds: the partition dimension must be 1

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x16xint32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x16xfloat32, sbuf>
  klr.nonzero_with_count %d, %s offset 0 padding -1 : !klr.tensor<128x16xint32, sbuf>, !klr.tensor<128x16xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nonzero_with_count: dst has src's partitions and one more element (the count)

// -----

klr.kernel "k" target "gen2" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x17xint32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x16xfloat32, sbuf>
  klr.nonzero_with_count %d, %s offset 0 padding -1 : !klr.tensor<128x17xint32, sbuf>, !klr.tensor<128x16xfloat32, sbuf>
  klr.return
}
// CHECK: klr.nonzero_with_count: the instruction does not exist on gen2

// -----

klr.kernel "k" target "gen3" args ["t"] {
^bb0(%t: !klr.tensor<100x8xfloat32, hbm>):
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  klr.indirect_dma %d, %t : !klr.tensor<4x8xfloat32, sbuf>, !klr.tensor<100x8xfloat32, hbm>
  klr.return
}
// CHECK: klr.indirect_dma: exactly one side (dst or src) is indexed by an index tile

// -----

klr.kernel "k" target "gen3" args ["t"] {
^bb0(%t: !klr.tensor<100x8xfloat32, hbm>):
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  %ip = klr.alloc "ip" : !klr.tensor<4x1xint32, psum>
  klr.indirect_dma %d, %t[%ip] : !klr.tensor<4x8xfloat32, sbuf>, !klr.tensor<100x8xfloat32, hbm>[!klr.tensor<4x1xint32, psum>]
  klr.return
}
// CHECK: klr.indirect_dma: the index tile must be in SBUF

// -----

klr.kernel "k" target "gen3" args ["t"] {
^bb0(%t: !klr.tensor<100x8xfloat32, hbm>):
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  %if = klr.alloc "if" : !klr.tensor<4x1xfloat32, sbuf>
  klr.indirect_dma %d, %t[%if] : !klr.tensor<4x8xfloat32, sbuf>, !klr.tensor<100x8xfloat32, hbm>[!klr.tensor<4x1xfloat32, sbuf>]
  klr.return
}
// CHECK: klr.indirect_dma: the index tile must have an integer dtype, got float32

// -----

klr.kernel "k" target "gen3" args ["t"] {
^bb0(%t: !klr.tensor<100x8xfloat32, hbm>):
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  %i2 = klr.alloc "i2" : !klr.tensor<4x2xint32, sbuf>
  klr.indirect_dma %d, %t[%i2] : !klr.tensor<4x8xfloat32, sbuf>, !klr.tensor<100x8xfloat32, hbm>[!klr.tensor<4x2xint32, sbuf>]
  klr.return
}
// CHECK: klr.indirect_dma: the index tile must be (4, 1): one row index per partition, got [4, 2]

// -----

klr.kernel "k" target "gen3" args [] {
^bb0():
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  %i = klr.alloc "i" : !klr.tensor<4x1xint32, sbuf>
  %s = klr.alloc "s" : !klr.tensor<100x8xfloat32, sbuf>
  klr.indirect_dma %d, %s[%i] : !klr.tensor<4x8xfloat32, sbuf>, !klr.tensor<100x8xfloat32, sbuf>[!klr.tensor<4x1xint32, sbuf>]
  klr.return
}
// CHECK: klr.indirect_dma: the indexed tensor 'src' must be in HBM, not sbuf

// -----

klr.kernel "k" target "gen3" args ["t"] {
^bb0(%t: !klr.tensor<100x8xfloat32, hbm>):
  %i = klr.alloc "i" : !klr.tensor<4x1xint32, sbuf>
  %p = klr.alloc "p" : !klr.tensor<4x8xfloat32, psum>
  klr.indirect_dma %p, %t[%i] : !klr.tensor<4x8xfloat32, psum>, !klr.tensor<100x8xfloat32, hbm>[!klr.tensor<4x1xint32, sbuf>]
  klr.return
}
// CHECK: klr.indirect_dma: DMA cannot access PSUM ('dst')

// -----

klr.kernel "k" target "gen3" args ["t"] {
^bb0(%t: !klr.tensor<100x8xfloat32, hbm>):
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  %i8 = klr.alloc "i8" : !klr.tensor<8x1xint32, sbuf>
  klr.indirect_dma %t[%i8], %d : !klr.tensor<100x8xfloat32, hbm>[!klr.tensor<8x1xint32, sbuf>], !klr.tensor<4x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.indirect_dma: 'src' has 4 partitions but the index tile has 8

// -----

klr.kernel "k" target "gen3" args ["t16"] {
^bb0(%t16: !klr.tensor<100x16xfloat32, hbm>):
  %d = klr.alloc "d" : !klr.tensor<4x8xfloat32, sbuf>
  %i = klr.alloc "i" : !klr.tensor<4x1xint32, sbuf>
  klr.indirect_dma %d, %t16[%i] : !klr.tensor<4x8xfloat32, sbuf>, !klr.tensor<100x16xfloat32, hbm>[!klr.tensor<4x1xint32, sbuf>]
  klr.return
}
// CHECK: klr.indirect_dma: 'dst' has 8 elements per partition but a row of 'src' has 16

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.rng %d : !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.rng: dst must have an integer dtype

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x24xuint32, sbuf>
  klr.rand_set_state %s engine vector : !klr.tensor<128x24xuint32, sbuf>
  klr.return
}
// CHECK: klr.rand_set_state: the Vector PRNG state is accessible on gen4 only

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<128x8xuint32, sbuf>
  klr.rand_set_state %s : !klr.tensor<128x8xuint32, sbuf>
  klr.return
}
// CHECK: klr.rand_set_state: the gpsimd state is 6 uint32 words per partition

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<1x2xint32, sbuf>
  klr.set_rng_seed %s : !klr.tensor<1x2xint32, sbuf>
  klr.return
}
// CHECK: klr.set_rng_seed: the seed is a [1, 1] 32-bit value

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  %x = klr.alloc "x" : !klr.tensor<128x8xbfloat16, sbuf>
  klr.dropout %d, %x prob imm 0.5 : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xbfloat16, sbuf>
  klr.return
}
// CHECK: klr.dropout: dst has data's dtype

// -----

klr.kernel "k" target "gen4" args [] {
  %d = klr.alloc "d" : !klr.tensor<16x64xfloat32, psum>
  %a = klr.alloc "a" : !klr.tensor<48x16xfloat8_e4m3fn_x4, sbuf>
  %b = klr.alloc "b" : !klr.tensor<48x64xfloat8_e4m3fn_x4, sbuf>
  %s = klr.alloc "s" : !klr.tensor<128x16xuint8, sbuf>
  %t = klr.alloc "t" : !klr.tensor<128x64xuint8, sbuf>
  klr.nc_matmul_mx %d, %a scale %s, %b scale %t : !klr.tensor<16x64xfloat32, psum>, !klr.tensor<48x16xfloat8_e4m3fn_x4, sbuf>, !klr.tensor<128x16xuint8, sbuf>, !klr.tensor<48x64xfloat8_e4m3fn_x4, sbuf>, !klr.tensor<128x64xuint8, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul_mx: the contraction K = 48 must be a multiple of 32, <= 128

// -----

klr.kernel "k" target "gen4" args [] {
  %d = klr.alloc "d" : !klr.tensor<16x64xfloat32, psum>
  %a = klr.alloc "a" : !klr.tensor<32x16xbfloat16, sbuf>
  %b = klr.alloc "b" : !klr.tensor<32x64xfloat8_e4m3fn_x4, sbuf>
  %s = klr.alloc "s" : !klr.tensor<4x16xuint8, sbuf>
  %t = klr.alloc "t" : !klr.tensor<4x64xuint8, sbuf>
  klr.nc_matmul_mx %d, %a scale %s, %b scale %t : !klr.tensor<16x64xfloat32, psum>, !klr.tensor<32x16xbfloat16, sbuf>, !klr.tensor<4x16xuint8, sbuf>, !klr.tensor<32x64xfloat8_e4m3fn_x4, sbuf>, !klr.tensor<4x64xuint8, sbuf>
  klr.return
}
// CHECK: klr.nc_matmul_mx: stationary must be float8_e5m2_x4, float8_e4m3fn_x4 or float4_e2m1fn_x4, not bfloat16

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  %p = klr.alloc "p" : !klr.tensor<128x8xfloat32, psum>
  klr.dma_compute %d, %d, %p reduce add : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, psum>
  klr.return
}
// CHECK: klr.dma_compute: 'srcs' must be in HBM or SBUF, not PSUM

// -----

klr.kernel "k" target "gen3" args [] {
  %d = klr.alloc "d" : !klr.tensor<128x8xfloat32, sbuf>
  klr.dma_compute %d, %d reduce maximum : !klr.tensor<128x8xfloat32, sbuf>, !klr.tensor<128x8xfloat32, sbuf>
  klr.return
}
// CHECK: klr.dma_compute: the only reduce_op is add

// -----

klr.kernel "k" target "gen3" args [] {
  %t = klr.alloc "t" : !klr.tensor<128x3xbfloat16, sbuf>
  %v = klr.view %t[] offset 0 coeffs [] pattern [[1, 128], [1, 1]] : !klr.tensor<128x3xbfloat16, sbuf> -> !klr.tensor<128x1xfloat32, sbuf>
  klr.return
}
// CHECK: klr.view reinterprets bfloat16 as float32: 6 bytes per partition are not a multiple of 4

// -----

klr.kernel "k" target "gen3" args [] {
  %t = klr.alloc "t" : !klr.tensor<128x4xfloat32, sbuf>
  %v = klr.view %t[] offset 0 coeffs [] pattern [[4, 128], [1, 8]] : !klr.tensor<128x4xfloat32, sbuf> -> !klr.tensor<128x8xbfloat16, sbuf>
  klr.return
}
// CHECK: the partition step of an on-chip view must be the storage's free size 8, got 4

// -----

klr.kernel "k" target "gen3" args [] {
  %s = klr.alloc "s" : !klr.tensor<24x8xbfloat16, sbuf>
  %v = klr.alloc "v" : !klr.tensor<24x4xbfloat16, sbuf>
  %i = klr.alloc "i" : !klr.tensor<24x4xuint32, sbuf>
  klr.topk %v, %i, %s n 16 : !klr.tensor<24x4xbfloat16, sbuf>, !klr.tensor<24x4xuint32, sbuf>, !klr.tensor<24x8xbfloat16, sbuf>
  klr.return
}
// CHECK: klr.topk: src, val_dst and idx_dst share a multiple of 16 partitions
