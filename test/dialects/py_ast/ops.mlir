// Every py_ast op in custom syntax, without locations: parse -> print is the identity,
// and the generic form parses back to the same IR.
// RUN: klr-opt %s | filecheck %s
// RUN: klr-opt %s --print-op-generic | klr-opt | filecheck %s

builtin.module {
  py_ast.module "__main__" file "all.py" {
    %n = py_ast.name "n"
    %0 = py_ast.constant none
    py_ast.assign(%n) = %0
    %t = py_ast.name "t"
    %1 = py_ast.constant true
    py_ast.assign(%t) = %1
    %f = py_ast.name "f"
    %2 = py_ast.constant false
    py_ast.assign(%f) = %2
    %e = py_ast.name "e"
    %3 = py_ast.constant ellipsis
    py_ast.assign(%e) = %3
    %i = py_ast.name "i"
    %4 = py_ast.constant 42
    py_ast.assign(%i) = %4
    %big = py_ast.name "big"
    %5 = py_ast.constant 123456789012345678901234567890
    py_ast.assign(%big) = %5
    %h = py_ast.name "h"
    %6 = py_ast.constant 255
    py_ast.assign(%h) = %6
    %fl = py_ast.name "fl"
    %7 = py_ast.constant 1.5
    py_ast.assign(%fl) = %7
    %small = py_ast.name "small"
    %8 = py_ast.constant float "1e-05"
    py_ast.assign(%small) = %8
    %huge = py_ast.name "huge"
    %9 = py_ast.constant float "1e+100"
    py_ast.assign(%huge) = %9
    %inf = py_ast.name "inf"
    %10 = py_ast.constant float "inf"
    py_ast.assign(%inf) = %10
    %c = py_ast.name "c"
    %11 = py_ast.constant complex "2j"
    py_ast.assign(%c) = %11
    %s = py_ast.name "s"
    %12 = py_ast.constant "a\"b\n\t\\ é ☃"
    py_ast.assign(%s) = %12
    %u = py_ast.name "u"
    %13 = py_ast.constant "legacy" kind "u"
    py_ast.assign(%u) = %13
    %b = py_ast.name "b"
    %14 = py_ast.constant bytes "\00\FF'\22"
    py_ast.assign(%b) = %14
    %a = py_ast.name "a"
    %b_1 = py_ast.name "b"
    %15 = py_ast.constant 1
    py_ast.assign(%a, %b_1) = %15
    %x = py_ast.name "x"
    %y = py_ast.name "y"
    %rest = py_ast.name "rest"
    %16 = py_ast.starred %rest
    %17 = py_ast.tuple(%y, %16)
    %18 = py_ast.tuple(%x, %17)
    %19 = py_ast.constant 1
    %20 = py_ast.constant 2
    %21 = py_ast.constant 3
    %22 = py_ast.tuple(%20, %21)
    %23 = py_ast.list(%19, %22)
    py_ast.assign(%18) = %23
    %obj = py_ast.name "obj"
    %24 = py_ast.attribute %obj "attr"
    %t_1 = py_ast.name "t"
    %25 = py_ast.constant 0
    %26 = py_ast.subscript %t_1[%25]
    %v = py_ast.name "v"
    py_ast.assign(%24, %26) = %v
    %a_1 = py_ast.name "a"
    %27 = py_ast.constant 1
    py_ast.aug_assign %a_1 add %27
    %a_2 = py_ast.name "a"
    %28 = py_ast.constant 1
    py_ast.aug_assign %a_2 sub %28
    %a_3 = py_ast.name "a"
    %29 = py_ast.constant 2
    py_ast.aug_assign %a_3 mult %29
    %a_4 = py_ast.name "a"
    %m = py_ast.name "m"
    py_ast.aug_assign %a_4 matmult %m
    %a_5 = py_ast.name "a"
    %30 = py_ast.constant 2
    py_ast.aug_assign %a_5 div %30
    %a_6 = py_ast.name "a"
    %31 = py_ast.constant 2
    py_ast.aug_assign %a_6 floordiv %31
    %a_7 = py_ast.name "a"
    %32 = py_ast.constant 3
    py_ast.aug_assign %a_7 mod %32
    %a_8 = py_ast.name "a"
    %33 = py_ast.constant 2
    py_ast.aug_assign %a_8 pow %33
    %a_9 = py_ast.name "a"
    %34 = py_ast.constant 1
    py_ast.aug_assign %a_9 lshift %34
    %a_10 = py_ast.name "a"
    %35 = py_ast.constant 1
    py_ast.aug_assign %a_10 rshift %35
    %a_11 = py_ast.name "a"
    %36 = py_ast.constant 1
    py_ast.aug_assign %a_11 bitor %36
    %a_12 = py_ast.name "a"
    %37 = py_ast.constant 1
    py_ast.aug_assign %a_12 bitxor %37
    %a_13 = py_ast.name "a"
    %38 = py_ast.constant 1
    py_ast.aug_assign %a_13 bitand %38
    %n_1 = py_ast.name "n"
    %int = py_ast.name "int"
    %39 = py_ast.constant 5
    py_ast.ann_assign simple %n_1 : %int = %39
    %p = py_ast.name "p"
    %float = py_ast.name "float"
    py_ast.ann_assign %p : %float
    %obj_1 = py_ast.name "obj"
    %40 = py_ast.attribute %obj_1 "field"
    %41 = py_ast.constant "T"
    py_ast.ann_assign %40 : %41
    %a_14 = py_ast.name "a"
    %t_2 = py_ast.name "t"
    %42 = py_ast.constant 0
    %43 = py_ast.subscript %t_2[%42]
    %obj_2 = py_ast.name "obj"
    %44 = py_ast.attribute %obj_2 "attr"
    py_ast.delete(%a_14, %43, %44)
    py_ast.pass
    %x_1 = py_ast.name "x"
    %45 = py_ast.constant 0
    %46 = py_ast.compare %x_1 [gt](%45)
    %47 = py_ast.constant "bad "
    %x_2 = py_ast.name "x"
    %48 = py_ast.formatted_value %x_2
    %49 = py_ast.joined_str(%47, %48)
    py_ast.assert %46, %49
    %ValueError = py_ast.name "ValueError"
    %50 = py_ast.constant "no"
    %51 = py_ast.call %ValueError(%50)
    %err = py_ast.name "err"
    py_ast.raise(%51) from %err
    py_ast.raise()
    %print = py_ast.name "print"
    %a_15 = py_ast.name "a"
    %52 = py_ast.call %print(%a_15)
    py_ast.expr %52
    %53 = py_ast.arguments()
    py_ast.function_def "outer" %53 {
      py_ast.global ["g"]
      %v_1 = py_ast.name "v"
      %54 = py_ast.constant 0
      py_ast.assign(%v_1) = %54
      %55 = py_ast.arguments()
      py_ast.function_def "inner" %55 {
        py_ast.nonlocal ["v"]
        %v_2 = py_ast.name "v"
        %56 = py_ast.constant 1
        py_ast.aug_assign %v_2 add %56
      }
      %inner = py_ast.name "inner"
      py_ast.return(%inner)
    }
    %a_16 = py_ast.name "a"
    %b_2 = py_ast.name "b"
    %57 = py_ast.bin_op add %a_16, %b_2
    %c_1 = py_ast.name "c"
    %d = py_ast.name "d"
    %58 = py_ast.bin_op mult %c_1, %d
    %e_1 = py_ast.name "e"
    %59 = py_ast.bin_op matmult %58, %e_1
    %f_1 = py_ast.name "f"
    %60 = py_ast.bin_op div %59, %f_1
    %g = py_ast.name "g"
    %61 = py_ast.bin_op floordiv %60, %g
    %h_1 = py_ast.name "h"
    %i_1 = py_ast.name "i"
    %62 = py_ast.bin_op pow %h_1, %i_1
    %63 = py_ast.bin_op mod %61, %62
    %64 = py_ast.bin_op sub %57, %63
    %j = py_ast.name "j"
    %65 = py_ast.bin_op lshift %64, %j
    %k = py_ast.name "k"
    %66 = py_ast.bin_op rshift %65, %k
    %l = py_ast.name "l"
    %m_1 = py_ast.name "m"
    %n_2 = py_ast.name "n"
    %67 = py_ast.bin_op bitand %m_1, %n_2
    %68 = py_ast.bin_op bitxor %l, %67
    %69 = py_ast.bin_op bitor %66, %68
    py_ast.expr %69
    %x_3 = py_ast.name "x"
    %70 = py_ast.unary_op usub %x_3
    %x_4 = py_ast.name "x"
    %71 = py_ast.unary_op uadd %x_4
    %x_5 = py_ast.name "x"
    %72 = py_ast.unary_op invert %x_5
    %x_6 = py_ast.name "x"
    %73 = py_ast.unary_op not %x_6
    %74 = py_ast.tuple(%70, %71, %72, %73)
    py_ast.expr %74
    %p_1 = py_ast.name "p"
    %q = py_ast.name "q"
    %r = py_ast.name "r"
    %75 = py_ast.bool_op and(%p_1, %q, %r)
    %s_1 = py_ast.name "s"
    %76 = py_ast.bool_op or(%75, %s_1)
    py_ast.expr %76
    %77 = py_ast.constant 0
    %x_7 = py_ast.name "x"
    %78 = py_ast.constant 10
    %y_1 = py_ast.name "y"
    %z = py_ast.name "z"
    %w = py_ast.name "w"
    %v_3 = py_ast.name "v"
    %u_1 = py_ast.name "u"
    %t_3 = py_ast.name "t"
    %s_2 = py_ast.name "s"
    %r_1 = py_ast.name "r"
    %79 = py_ast.compare %77 [lt, lte, noteq, eq, gt, gte, is, isnot, in, notin](%x_7, %78, %y_1, %z, %w, %v_3, %u_1, %t_3, %s_2, %r_1)
    py_ast.expr %79
    %f_2 = py_ast.name "f"
    %80 = py_ast.constant 1
    %args = py_ast.name "args"
    %81 = py_ast.starred %args
    %82 = py_ast.constant 2
    %83 = py_ast.keyword name "k" = %82
    %kw = py_ast.name "kw"
    %84 = py_ast.keyword %kw
    %85 = py_ast.call %f_2(%80, %81) keywords(%83, %84)
    py_ast.expr %85
    %t_4 = py_ast.name "t"
    %86 = py_ast.constant 1
    %87 = py_ast.constant 2
    %88 = py_ast.slice lower %86 upper %87
    %89 = py_ast.constant 3
    %90 = py_ast.slice step %89
    %91 = py_ast.constant ellipsis
    %92 = py_ast.constant none
    %93 = py_ast.constant 1
    %94 = py_ast.unary_op usub %93
    %95 = py_ast.tuple(%88, %90, %91, %92, %94)
    %96 = py_ast.subscript %t_4[%95]
    py_ast.expr %96
    %t_5 = py_ast.name "t"
    %97 = py_ast.slice
    %98 = py_ast.subscript %t_5[%97]
    py_ast.expr %98
    %m_2 = py_ast.name "m"
    %99 = py_ast.attribute %m_2 "attr"
    %100 = py_ast.attribute %99 "sub"
    py_ast.expr %100
    %101 = py_ast.constant 1
    %102 = py_ast.constant 2
    %103 = py_ast.tuple(%101, %102)
    %104 = py_ast.constant 3
    %105 = py_ast.constant 4
    %106 = py_ast.list(%104, %105)
    %107 = py_ast.constant 5
    %108 = py_ast.constant 6
    %109 = py_ast.set(%107, %108)
    %110 = py_ast.constant "k"
    %111 = py_ast.constant 1
    %extra = py_ast.name "extra"
    %112 = py_ast.dict(%110) : (%111, %extra) unpack [1]
    %113 = py_ast.tuple()
    %114 = py_ast.list()
    %115 = py_ast.dict() : ()
    %116 = py_ast.tuple(%103, %106, %109, %112, %113, %114, %115)
    py_ast.expr %116
    %y_2 = py_ast.name "y"
    %cond = py_ast.name "cond"
    %z_1 = py_ast.name "z"
    %117 = py_ast.if_exp %y_2 if %cond else %z_1
    py_ast.expr %117
    %n_3 = py_ast.name "n"
    %118 = py_ast.constant 10
    %119 = py_ast.named_expr %n_3 = %118
    py_ast.expr %119
    %120 = py_ast.arguments()
    %121 = py_ast.constant 0
    %122 = py_ast.lambda %120 : %121
    py_ast.expr %122
    %first = py_ast.name "first"
    %others = py_ast.name "others"
    %123 = py_ast.starred %others
    %124 = py_ast.tuple(%first, %123)
    %seq = py_ast.name "seq"
    py_ast.assign(%124) = %seq
    %nki = py_ast.name "nki"
    %125 = py_ast.attribute %nki "jit"
    %deco = py_ast.name "deco"
    %126 = py_ast.constant 1
    %127 = py_ast.call %deco(%126)
    %128 = py_ast.arg "a"
    %int_1 = py_ast.name "int"
    %129 = py_ast.arg "b" : %int_1
    %130 = py_ast.constant 1
    %131 = py_ast.arg "c" = %130
    %132 = py_ast.constant "A"
    %133 = py_ast.arg "args" : %132
    %134 = py_ast.arg "d"
    %float_1 = py_ast.name "float"
    %135 = py_ast.constant 2.0
    %136 = py_ast.arg "e" : %float_1 = %135
    %137 = py_ast.arg "kwargs"
    %138 = py_ast.arguments(%128, %129, %131) posonly 1 vararg %133 kwonly(%134, %136) kwarg %137
    %139 = py_ast.constant "R"
    py_ast.function_def "kernel" %138 decorators(%125, %127) returns %139 {
      %140 = py_ast.constant "Docstring."
      py_ast.expr %140
      %a_17 = py_ast.name "a"
      py_ast.return(%a_17)
    }
    %141 = py_ast.arg "x"
    %142 = py_ast.constant none
    %143 = py_ast.arg "y" = %142
    %144 = py_ast.arguments(%141, %143)
    py_ast.function_def "plain" %144 {
      py_ast.pass
    }
    %145 = py_ast.arg "key"
    %146 = py_ast.arguments() kwonly(%145)
    py_ast.function_def "only_star" %146 {
      py_ast.return()
    }
    %147 = py_ast.constant 1
    %148 = py_ast.arg "p" = %147
    %149 = py_ast.constant 2
    %150 = py_ast.arg "q" = %149
    %151 = py_ast.arguments(%148, %150) posonly 1
    py_ast.function_def "posonly_defaults" %151 {
      %p_2 = py_ast.name "p"
      %152 = py_ast.yield(%p_2)
      py_ast.expr %152
      %q_1 = py_ast.name "q"
      %153 = py_ast.yield_from %q_1
      py_ast.expr %153
    }
    %dataclass = py_ast.name "dataclass"
    %nl = py_ast.name "nl"
    %154 = py_ast.attribute %nl "NKIObject"
    %Meta = py_ast.name "Meta"
    %155 = py_ast.keyword name "metaclass" = %Meta
    py_ast.class_def "Config"(%154) keywords(%155) decorators(%dataclass) {
      %tile = py_ast.name "tile"
      %int_2 = py_ast.name "int"
      %156 = py_ast.constant 128
      py_ast.ann_assign simple %tile : %int_2 = %156
      %name = py_ast.name "name"
      %157 = py_ast.constant "cfg"
      py_ast.assign(%name) = %157
      %158 = py_ast.arg "self"
      %159 = py_ast.arguments(%158)
      py_ast.function_def "__post_init__" %159 {
        %self = py_ast.name "self"
        %160 = py_ast.attribute %self "size"
        %self_1 = py_ast.name "self"
        %161 = py_ast.attribute %self_1 "tile"
        %162 = py_ast.constant 2
        %163 = py_ast.bin_op mult %161, %162
        py_ast.assign(%160) = %163
      }
      %164 = py_ast.arg "self"
      %165 = py_ast.arg "x"
      %166 = py_ast.arguments(%164, %165)
      py_ast.function_def "__call__" %166 {
        %x_8 = py_ast.name "x"
        py_ast.return(%x_8)
      }
    }
    %Enum = py_ast.name "Enum"
    py_ast.class_def "Mode"(%Enum) {
      %FAST = py_ast.name "FAST"
      %167 = py_ast.constant 1
      py_ast.assign(%FAST) = %167
      %SLOW = py_ast.name "SLOW"
      %168 = py_ast.constant 2
      py_ast.assign(%SLOW) = %168
    }
    %a_18 = py_ast.name "a"
    py_ast.if %a_18 {
      %x_9 = py_ast.name "x"
      %169 = py_ast.constant 1
      py_ast.assign(%x_9) = %169
    } else {
      %b_3 = py_ast.name "b"
      py_ast.if %b_3 {
        %x_10 = py_ast.name "x"
        %170 = py_ast.constant 2
        py_ast.assign(%x_10) = %170
      } else {
        %x_11 = py_ast.name "x"
        %171 = py_ast.constant 3
        py_ast.assign(%x_11) = %171
      }
    }
    %i_2 = py_ast.name "i"
    %j_1 = py_ast.name "j"
    %172 = py_ast.tuple(%i_2, %j_1)
    %enumerate = py_ast.name "enumerate"
    %nl_1 = py_ast.name "nl"
    %173 = py_ast.attribute %nl_1 "affine_range"
    %174 = py_ast.constant 4
    %175 = py_ast.call %173(%174)
    %176 = py_ast.call %enumerate(%175)
    py_ast.for %172 in %176 {
      %i_3 = py_ast.name "i"
      py_ast.if %i_3 {
        py_ast.continue
      } else {
      }
      py_ast.break
    } else {
      py_ast.pass
    }
    %n_4 = py_ast.name "n"
    %177 = py_ast.constant 0
    %178 = py_ast.compare %n_4 [gt](%177)
    py_ast.while %178 {
      %n_5 = py_ast.name "n"
      %179 = py_ast.constant 1
      py_ast.aug_assign %n_5 sub %179
    } else {
      %done = py_ast.name "done"
      %180 = py_ast.constant true
      py_ast.assign(%done) = %180
    }
    %nl_2 = py_ast.name "nl"
    %181 = py_ast.attribute %nl_2 "no_reorder"
    %182 = py_ast.call %181()
    %183 = py_ast.withitem %182
    %open = py_ast.name "open"
    %p_3 = py_ast.name "p"
    %184 = py_ast.call %open(%p_3)
    %fh = py_ast.name "fh"
    %other = py_ast.name "other"
    %185 = py_ast.tuple(%fh, %other)
    %186 = py_ast.withitem %184 as %185
    py_ast.with(%183, %186) {
      py_ast.pass
    }
    py_ast.try {
      %risky = py_ast.name "risky"
      %187 = py_ast.call %risky()
      py_ast.expr %187
    } except {
      %ValueError_1 = py_ast.name "ValueError"
      py_ast.except_handler %ValueError_1 as "e" {
        %handle = py_ast.name "handle"
        %e_2 = py_ast.name "e"
        %188 = py_ast.call %handle(%e_2)
        py_ast.expr %188
      }
      %TypeError = py_ast.name "TypeError"
      %KeyError = py_ast.name "KeyError"
      %189 = py_ast.tuple(%TypeError, %KeyError)
      py_ast.except_handler %189 {
        py_ast.pass
      }
      py_ast.except_handler {
        py_ast.raise()
      }
    } else {
      %ok = py_ast.name "ok"
      %190 = py_ast.call %ok()
      py_ast.expr %190
    } finally {
      %cleanup = py_ast.name "cleanup"
      %191 = py_ast.call %cleanup()
      py_ast.expr %191
    }
    py_ast.try_star {
      %group = py_ast.name "group"
      %192 = py_ast.call %group()
      py_ast.expr %192
    } except {
      %OSError = py_ast.name "OSError"
      py_ast.except_handler %OSError as "eg" {
        py_ast.pass
      }
    } else {
    } finally {
    }
    %x_12 = py_ast.name "x"
    %193 = py_ast.constant 2
    %194 = py_ast.bin_op mult %x_12, %193
    %x_13 = py_ast.name "x"
    %xs = py_ast.name "xs"
    %x_14 = py_ast.name "x"
    %x_15 = py_ast.name "x"
    %195 = py_ast.constant 1
    %196 = py_ast.compare %x_15 [gt](%195)
    %197 = py_ast.comprehension %x_13 in %xs if(%x_14, %196)
    %198 = py_ast.list_comp %194 for(%197)
    py_ast.expr %198
    %x_16 = py_ast.name "x"
    %x_17 = py_ast.name "x"
    %xs_1 = py_ast.name "xs"
    %199 = py_ast.comprehension %x_17 in %xs_1
    %200 = py_ast.set_comp %x_16 for(%199)
    py_ast.expr %200
    %k_1 = py_ast.name "k"
    %v_4 = py_ast.name "v"
    %k_2 = py_ast.name "k"
    %v_5 = py_ast.name "v"
    %201 = py_ast.tuple(%k_2, %v_5)
    %items = py_ast.name "items"
    %202 = py_ast.comprehension %201 in %items
    %203 = py_ast.name "_"
    %range = py_ast.name "range"
    %204 = py_ast.constant 2
    %205 = py_ast.call %range(%204)
    %206 = py_ast.comprehension %203 in %205
    %207 = py_ast.dict_comp %k_1 : %v_4 for(%202, %206)
    py_ast.expr %207
    %sum = py_ast.name "sum"
    %x_18 = py_ast.name "x"
    %x_19 = py_ast.name "x"
    %xs_2 = py_ast.name "xs"
    %208 = py_ast.comprehension %x_19 in %xs_2
    %209 = py_ast.generator_exp %x_18 for(%208)
    %210 = py_ast.call %sum(%209)
    py_ast.expr %210
    %211 = py_ast.constant "tile "
    %i_4 = py_ast.name "i"
    %212 = py_ast.formatted_value %i_4
    %213 = py_ast.constant ": "
    %x_20 = py_ast.name "x"
    %214 = py_ast.formatted_value %x_20 conversion "r"
    %215 = py_ast.constant " "
    %y_3 = py_ast.name "y"
    %216 = py_ast.formatted_value %y_3 conversion "s"
    %217 = py_ast.constant " "
    %z_2 = py_ast.name "z"
    %218 = py_ast.formatted_value %z_2 conversion "a"
    %219 = py_ast.constant " "
    %v_6 = py_ast.name "v"
    %220 = py_ast.constant ">10"
    %221 = py_ast.joined_str(%220)
    %222 = py_ast.formatted_value %v_6 spec %221
    %223 = py_ast.constant " "
    %w_1 = py_ast.name "w"
    %width = py_ast.name "width"
    %224 = py_ast.formatted_value %width
    %225 = py_ast.constant "."
    %prec = py_ast.name "prec"
    %226 = py_ast.formatted_value %prec
    %227 = py_ast.constant "f"
    %228 = py_ast.joined_str(%224, %225, %226, %227)
    %229 = py_ast.formatted_value %w_1 spec %228
    %230 = py_ast.joined_str(%211, %212, %213, %214, %215, %216, %217, %218, %219, %222, %223, %229)
    py_ast.expr %230
    %231 = py_ast.alias "nki"
    py_ast.import(%231)
    %232 = py_ast.alias "nki.language" as "nl"
    %233 = py_ast.alias "numpy" as "np"
    py_ast.import(%232, %233)
    %234 = py_ast.alias "isa" as "nisa"
    py_ast.import_from module "nki"(%234)
    %235 = py_ast.alias "helpers"
    py_ast.import_from level 1(%235)
    %236 = py_ast.alias "y" as "z"
    %237 = py_ast.alias "w"
    py_ast.import_from module "utils.x" level 2(%236, %237)
    %238 = py_ast.alias "*"
    py_ast.import_from module "os.path"(%238)
    %239 = py_ast.arg "it"
    %240 = py_ast.arguments(%239)
    py_ast.async_function_def "coro" %240 {
      %x_21 = py_ast.name "x"
      %it = py_ast.name "it"
      py_ast.async_for %x_21 in %it {
        %x_22 = py_ast.name "x"
        %241 = py_ast.await %x_22
        py_ast.expr %241
      } else {
      }
      %lock = py_ast.name "lock"
      %l_1 = py_ast.name "l"
      %242 = py_ast.withitem %lock as %l_1
      py_ast.async_with(%242) {
        py_ast.pass
      }
      %y_4 = py_ast.name "y"
      %y_5 = py_ast.name "y"
      %it_1 = py_ast.name "it"
      %243 = py_ast.comprehension async %y_5 in %it_1
      %244 = py_ast.list_comp %y_4 for(%243)
      py_ast.expr %244
    }
    %cmd = py_ast.name "cmd"
    py_ast.match %cmd {
      %245 = py_ast.constant 0
      %246 = py_ast.match_value %245
      %247 = py_ast.constant 1
      %248 = py_ast.match_value %247
      %249 = py_ast.match_or(%246, %248)
      py_ast.match_case %249 {
        py_ast.pass
      }
      %250 = py_ast.match_singleton none
      py_ast.match_case %250 {
        py_ast.pass
      }
      %251 = py_ast.match_as() as "first"
      %252 = py_ast.match_star name "rest"
      %253 = py_ast.match_sequence(%251, %252)
      py_ast.match_case %253 {
        py_ast.pass
      }
      %254 = py_ast.constant "k"
      %255 = py_ast.match_as() as "v"
      %256 = py_ast.match_mapping(%254) : (%255) rest "others"
      py_ast.match_case %256 {
        py_ast.pass
      }
      %Point = py_ast.name "Point"
      %257 = py_ast.match_as() as "x"
      %258 = py_ast.constant 0
      %259 = py_ast.match_value %258
      %260 = py_ast.match_class %Point(%257) keywords ["y"](%259)
      %x_23 = py_ast.name "x"
      %261 = py_ast.constant 0
      %262 = py_ast.compare %x_23 [gt](%261)
      py_ast.match_case %260 if %262 {
        py_ast.pass
      }
      %Color = py_ast.name "Color"
      %263 = py_ast.attribute %Color "RED"
      %264 = py_ast.match_value %263
      %265 = py_ast.match_as(%264) as "c"
      py_ast.match_case %265 {
        py_ast.pass
      }
      %266 = py_ast.match_star
      %267 = py_ast.match_sequence(%266)
      py_ast.match_case %267 {
        py_ast.pass
      }
      %268 = py_ast.match_as()
      py_ast.match_case %268 {
        py_ast.pass
      }
    }
  }
}

// AUTOGENERATED CHECKS
// CHECK:      builtin.module {
// CHECK-NEXT: py_ast.module "__main__" file "{{.*}}all.py" {
// CHECK-NEXT: %[[V0:[A-Za-z0-9_.$-]+]] = py_ast.name "n"
// CHECK-NEXT: %[[V1:[A-Za-z0-9_.$-]+]] = py_ast.constant none
// CHECK-NEXT: py_ast.assign(%[[V0]]) = %[[V1]]
// CHECK-NEXT: %[[V2:[A-Za-z0-9_.$-]+]] = py_ast.name "t"
// CHECK-NEXT: %[[V3:[A-Za-z0-9_.$-]+]] = py_ast.constant true
// CHECK-NEXT: py_ast.assign(%[[V2]]) = %[[V3]]
// CHECK-NEXT: %[[V4:[A-Za-z0-9_.$-]+]] = py_ast.name "f"
// CHECK-NEXT: %[[V5:[A-Za-z0-9_.$-]+]] = py_ast.constant false
// CHECK-NEXT: py_ast.assign(%[[V4]]) = %[[V5]]
// CHECK-NEXT: %[[V6:[A-Za-z0-9_.$-]+]] = py_ast.name "e"
// CHECK-NEXT: %[[V7:[A-Za-z0-9_.$-]+]] = py_ast.constant ellipsis
// CHECK-NEXT: py_ast.assign(%[[V6]]) = %[[V7]]
// CHECK-NEXT: %[[V8:[A-Za-z0-9_.$-]+]] = py_ast.name "i"
// CHECK-NEXT: %[[V9:[A-Za-z0-9_.$-]+]] = py_ast.constant 42
// CHECK-NEXT: py_ast.assign(%[[V8]]) = %[[V9]]
// CHECK-NEXT: %[[V10:[A-Za-z0-9_.$-]+]] = py_ast.name "big"
// CHECK-NEXT: %[[V11:[A-Za-z0-9_.$-]+]] = py_ast.constant 123456789012345678901234567890
// CHECK-NEXT: py_ast.assign(%[[V10]]) = %[[V11]]
// CHECK-NEXT: %[[V12:[A-Za-z0-9_.$-]+]] = py_ast.name "h"
// CHECK-NEXT: %[[V13:[A-Za-z0-9_.$-]+]] = py_ast.constant 255
// CHECK-NEXT: py_ast.assign(%[[V12]]) = %[[V13]]
// CHECK-NEXT: %[[V14:[A-Za-z0-9_.$-]+]] = py_ast.name "fl"
// CHECK-NEXT: %[[V15:[A-Za-z0-9_.$-]+]] = py_ast.constant 1.5
// CHECK-NEXT: py_ast.assign(%[[V14]]) = %[[V15]]
// CHECK-NEXT: %[[V16:[A-Za-z0-9_.$-]+]] = py_ast.name "small"
// CHECK-NEXT: %[[V17:[A-Za-z0-9_.$-]+]] = py_ast.constant float "1e-05"
// CHECK-NEXT: py_ast.assign(%[[V16]]) = %[[V17]]
// CHECK-NEXT: %[[V18:[A-Za-z0-9_.$-]+]] = py_ast.name "huge"
// CHECK-NEXT: %[[V19:[A-Za-z0-9_.$-]+]] = py_ast.constant float "1e+100"
// CHECK-NEXT: py_ast.assign(%[[V18]]) = %[[V19]]
// CHECK-NEXT: %[[V20:[A-Za-z0-9_.$-]+]] = py_ast.name "inf"
// CHECK-NEXT: %[[V21:[A-Za-z0-9_.$-]+]] = py_ast.constant float "inf"
// CHECK-NEXT: py_ast.assign(%[[V20]]) = %[[V21]]
// CHECK-NEXT: %[[V22:[A-Za-z0-9_.$-]+]] = py_ast.name "c"
// CHECK-NEXT: %[[V23:[A-Za-z0-9_.$-]+]] = py_ast.constant complex "2j"
// CHECK-NEXT: py_ast.assign(%[[V22]]) = %[[V23]]
// CHECK-NEXT: %[[V24:[A-Za-z0-9_.$-]+]] = py_ast.name "s"
// CHECK-NEXT: %[[V25:[A-Za-z0-9_.$-]+]] = py_ast.constant "a\"b\n\t\\ é ☃"
// CHECK-NEXT: py_ast.assign(%[[V24]]) = %[[V25]]
// CHECK-NEXT: %[[V26:[A-Za-z0-9_.$-]+]] = py_ast.name "u"
// CHECK-NEXT: %[[V27:[A-Za-z0-9_.$-]+]] = py_ast.constant "legacy" kind "u"
// CHECK-NEXT: py_ast.assign(%[[V26]]) = %[[V27]]
// CHECK-NEXT: %[[V28:[A-Za-z0-9_.$-]+]] = py_ast.name "b"
// CHECK-NEXT: %[[V29:[A-Za-z0-9_.$-]+]] = py_ast.constant bytes "\00\FF'\22"
// CHECK-NEXT: py_ast.assign(%[[V28]]) = %[[V29]]
// CHECK-NEXT: %[[V30:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V31:[A-Za-z0-9_.$-]+]] = py_ast.name "b"
// CHECK-NEXT: %[[V32:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.assign(%[[V30]], %[[V31]]) = %[[V32]]
// CHECK-NEXT: %[[V33:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V34:[A-Za-z0-9_.$-]+]] = py_ast.name "y"
// CHECK-NEXT: %[[V35:[A-Za-z0-9_.$-]+]] = py_ast.name "rest"
// CHECK-NEXT: %[[V36:[A-Za-z0-9_.$-]+]] = py_ast.starred %[[V35]]
// CHECK-NEXT: %[[V37:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V34]], %[[V36]])
// CHECK-NEXT: %[[V38:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V33]], %[[V37]])
// CHECK-NEXT: %[[V39:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V40:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V41:[A-Za-z0-9_.$-]+]] = py_ast.constant 3
// CHECK-NEXT: %[[V42:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V40]], %[[V41]])
// CHECK-NEXT: %[[V43:[A-Za-z0-9_.$-]+]] = py_ast.list(%[[V39]], %[[V42]])
// CHECK-NEXT: py_ast.assign(%[[V38]]) = %[[V43]]
// CHECK-NEXT: %[[V44:[A-Za-z0-9_.$-]+]] = py_ast.name "obj"
// CHECK-NEXT: %[[V45:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V44]] "attr"
// CHECK-NEXT: %[[V46:[A-Za-z0-9_.$-]+]] = py_ast.name "t"
// CHECK-NEXT: %[[V47:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V48:[A-Za-z0-9_.$-]+]] = py_ast.subscript %[[V46]][%[[V47]]]
// CHECK-NEXT: %[[V49:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: py_ast.assign(%[[V45]], %[[V48]]) = %[[V49]]
// CHECK-NEXT: %[[V50:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V51:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V50]] add %[[V51]]
// CHECK-NEXT: %[[V52:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V53:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V52]] sub %[[V53]]
// CHECK-NEXT: %[[V54:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V55:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: py_ast.aug_assign %[[V54]] mult %[[V55]]
// CHECK-NEXT: %[[V56:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V57:[A-Za-z0-9_.$-]+]] = py_ast.name "m"
// CHECK-NEXT: py_ast.aug_assign %[[V56]] matmult %[[V57]]
// CHECK-NEXT: %[[V58:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V59:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: py_ast.aug_assign %[[V58]] div %[[V59]]
// CHECK-NEXT: %[[V60:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V61:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: py_ast.aug_assign %[[V60]] floordiv %[[V61]]
// CHECK-NEXT: %[[V62:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V63:[A-Za-z0-9_.$-]+]] = py_ast.constant 3
// CHECK-NEXT: py_ast.aug_assign %[[V62]] mod %[[V63]]
// CHECK-NEXT: %[[V64:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V65:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: py_ast.aug_assign %[[V64]] pow %[[V65]]
// CHECK-NEXT: %[[V66:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V67:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V66]] lshift %[[V67]]
// CHECK-NEXT: %[[V68:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V69:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V68]] rshift %[[V69]]
// CHECK-NEXT: %[[V70:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V71:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V70]] bitor %[[V71]]
// CHECK-NEXT: %[[V72:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V73:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V72]] bitxor %[[V73]]
// CHECK-NEXT: %[[V74:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V75:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V74]] bitand %[[V75]]
// CHECK-NEXT: %[[V76:[A-Za-z0-9_.$-]+]] = py_ast.name "n"
// CHECK-NEXT: %[[V77:[A-Za-z0-9_.$-]+]] = py_ast.name "int"
// CHECK-NEXT: %[[V78:[A-Za-z0-9_.$-]+]] = py_ast.constant 5
// CHECK-NEXT: py_ast.ann_assign simple %[[V76]] : %[[V77]] = %[[V78]]
// CHECK-NEXT: %[[V79:[A-Za-z0-9_.$-]+]] = py_ast.name "p"
// CHECK-NEXT: %[[V80:[A-Za-z0-9_.$-]+]] = py_ast.name "float"
// CHECK-NEXT: py_ast.ann_assign %[[V79]] : %[[V80]]
// CHECK-NEXT: %[[V81:[A-Za-z0-9_.$-]+]] = py_ast.name "obj"
// CHECK-NEXT: %[[V82:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V81]] "field"
// CHECK-NEXT: %[[V83:[A-Za-z0-9_.$-]+]] = py_ast.constant "T"
// CHECK-NEXT: py_ast.ann_assign %[[V82]] : %[[V83]]
// CHECK-NEXT: %[[V84:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V85:[A-Za-z0-9_.$-]+]] = py_ast.name "t"
// CHECK-NEXT: %[[V86:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V87:[A-Za-z0-9_.$-]+]] = py_ast.subscript %[[V85]][%[[V86]]]
// CHECK-NEXT: %[[V88:[A-Za-z0-9_.$-]+]] = py_ast.name "obj"
// CHECK-NEXT: %[[V89:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V88]] "attr"
// CHECK-NEXT: py_ast.delete(%[[V84]], %[[V87]], %[[V89]])
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: %[[V90:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V91:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V92:[A-Za-z0-9_.$-]+]] = py_ast.compare %[[V90]] [gt](%[[V91]])
// CHECK-NEXT: %[[V93:[A-Za-z0-9_.$-]+]] = py_ast.constant "bad "
// CHECK-NEXT: %[[V94:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V95:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V94]]
// CHECK-NEXT: %[[V96:[A-Za-z0-9_.$-]+]] = py_ast.joined_str(%[[V93]], %[[V95]])
// CHECK-NEXT: py_ast.assert %[[V92]], %[[V96]]
// CHECK-NEXT: %[[V97:[A-Za-z0-9_.$-]+]] = py_ast.name "ValueError"
// CHECK-NEXT: %[[V98:[A-Za-z0-9_.$-]+]] = py_ast.constant "no"
// CHECK-NEXT: %[[V99:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V97]](%[[V98]])
// CHECK-NEXT: %[[V100:[A-Za-z0-9_.$-]+]] = py_ast.name "err"
// CHECK-NEXT: py_ast.raise(%[[V99]]) from %[[V100]]
// CHECK-NEXT: py_ast.raise()
// CHECK-NEXT: %[[V101:[A-Za-z0-9_.$-]+]] = py_ast.name "print"
// CHECK-NEXT: %[[V102:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V103:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V101]](%[[V102]])
// CHECK-NEXT: py_ast.expr %[[V103]]
// CHECK-NEXT: %[[V104:[A-Za-z0-9_.$-]+]] = py_ast.arguments()
// CHECK-NEXT: py_ast.function_def "outer" %[[V104]] {
// CHECK-NEXT: py_ast.global ["g"]
// CHECK-NEXT: %[[V105:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: %[[V106:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: py_ast.assign(%[[V105]]) = %[[V106]]
// CHECK-NEXT: %[[V107:[A-Za-z0-9_.$-]+]] = py_ast.arguments()
// CHECK-NEXT: py_ast.function_def "inner" %[[V107]] {
// CHECK-NEXT: py_ast.nonlocal ["v"]
// CHECK-NEXT: %[[V108:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: %[[V109:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V108]] add %[[V109]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V110:[A-Za-z0-9_.$-]+]] = py_ast.name "inner"
// CHECK-NEXT: py_ast.return(%[[V110]])
// CHECK-NEXT: }
// CHECK-NEXT: %[[V111:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: %[[V112:[A-Za-z0-9_.$-]+]] = py_ast.name "b"
// CHECK-NEXT: %[[V113:[A-Za-z0-9_.$-]+]] = py_ast.bin_op add %[[V111]], %[[V112]]
// CHECK-NEXT: %[[V114:[A-Za-z0-9_.$-]+]] = py_ast.name "c"
// CHECK-NEXT: %[[V115:[A-Za-z0-9_.$-]+]] = py_ast.name "d"
// CHECK-NEXT: %[[V116:[A-Za-z0-9_.$-]+]] = py_ast.bin_op mult %[[V114]], %[[V115]]
// CHECK-NEXT: %[[V117:[A-Za-z0-9_.$-]+]] = py_ast.name "e"
// CHECK-NEXT: %[[V118:[A-Za-z0-9_.$-]+]] = py_ast.bin_op matmult %[[V116]], %[[V117]]
// CHECK-NEXT: %[[V119:[A-Za-z0-9_.$-]+]] = py_ast.name "f"
// CHECK-NEXT: %[[V120:[A-Za-z0-9_.$-]+]] = py_ast.bin_op div %[[V118]], %[[V119]]
// CHECK-NEXT: %[[V121:[A-Za-z0-9_.$-]+]] = py_ast.name "g"
// CHECK-NEXT: %[[V122:[A-Za-z0-9_.$-]+]] = py_ast.bin_op floordiv %[[V120]], %[[V121]]
// CHECK-NEXT: %[[V123:[A-Za-z0-9_.$-]+]] = py_ast.name "h"
// CHECK-NEXT: %[[V124:[A-Za-z0-9_.$-]+]] = py_ast.name "i"
// CHECK-NEXT: %[[V125:[A-Za-z0-9_.$-]+]] = py_ast.bin_op pow %[[V123]], %[[V124]]
// CHECK-NEXT: %[[V126:[A-Za-z0-9_.$-]+]] = py_ast.bin_op mod %[[V122]], %[[V125]]
// CHECK-NEXT: %[[V127:[A-Za-z0-9_.$-]+]] = py_ast.bin_op sub %[[V113]], %[[V126]]
// CHECK-NEXT: %[[V128:[A-Za-z0-9_.$-]+]] = py_ast.name "j"
// CHECK-NEXT: %[[V129:[A-Za-z0-9_.$-]+]] = py_ast.bin_op lshift %[[V127]], %[[V128]]
// CHECK-NEXT: %[[V130:[A-Za-z0-9_.$-]+]] = py_ast.name "k"
// CHECK-NEXT: %[[V131:[A-Za-z0-9_.$-]+]] = py_ast.bin_op rshift %[[V129]], %[[V130]]
// CHECK-NEXT: %[[V132:[A-Za-z0-9_.$-]+]] = py_ast.name "l"
// CHECK-NEXT: %[[V133:[A-Za-z0-9_.$-]+]] = py_ast.name "m"
// CHECK-NEXT: %[[V134:[A-Za-z0-9_.$-]+]] = py_ast.name "n"
// CHECK-NEXT: %[[V135:[A-Za-z0-9_.$-]+]] = py_ast.bin_op bitand %[[V133]], %[[V134]]
// CHECK-NEXT: %[[V136:[A-Za-z0-9_.$-]+]] = py_ast.bin_op bitxor %[[V132]], %[[V135]]
// CHECK-NEXT: %[[V137:[A-Za-z0-9_.$-]+]] = py_ast.bin_op bitor %[[V131]], %[[V136]]
// CHECK-NEXT: py_ast.expr %[[V137]]
// CHECK-NEXT: %[[V138:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V139:[A-Za-z0-9_.$-]+]] = py_ast.unary_op usub %[[V138]]
// CHECK-NEXT: %[[V140:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V141:[A-Za-z0-9_.$-]+]] = py_ast.unary_op uadd %[[V140]]
// CHECK-NEXT: %[[V142:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V143:[A-Za-z0-9_.$-]+]] = py_ast.unary_op invert %[[V142]]
// CHECK-NEXT: %[[V144:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V145:[A-Za-z0-9_.$-]+]] = py_ast.unary_op not %[[V144]]
// CHECK-NEXT: %[[V146:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V139]], %[[V141]], %[[V143]], %[[V145]])
// CHECK-NEXT: py_ast.expr %[[V146]]
// CHECK-NEXT: %[[V147:[A-Za-z0-9_.$-]+]] = py_ast.name "p"
// CHECK-NEXT: %[[V148:[A-Za-z0-9_.$-]+]] = py_ast.name "q"
// CHECK-NEXT: %[[V149:[A-Za-z0-9_.$-]+]] = py_ast.name "r"
// CHECK-NEXT: %[[V150:[A-Za-z0-9_.$-]+]] = py_ast.bool_op and(%[[V147]], %[[V148]], %[[V149]])
// CHECK-NEXT: %[[V151:[A-Za-z0-9_.$-]+]] = py_ast.name "s"
// CHECK-NEXT: %[[V152:[A-Za-z0-9_.$-]+]] = py_ast.bool_op or(%[[V150]], %[[V151]])
// CHECK-NEXT: py_ast.expr %[[V152]]
// CHECK-NEXT: %[[V153:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V154:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V155:[A-Za-z0-9_.$-]+]] = py_ast.constant 10
// CHECK-NEXT: %[[V156:[A-Za-z0-9_.$-]+]] = py_ast.name "y"
// CHECK-NEXT: %[[V157:[A-Za-z0-9_.$-]+]] = py_ast.name "z"
// CHECK-NEXT: %[[V158:[A-Za-z0-9_.$-]+]] = py_ast.name "w"
// CHECK-NEXT: %[[V159:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: %[[V160:[A-Za-z0-9_.$-]+]] = py_ast.name "u"
// CHECK-NEXT: %[[V161:[A-Za-z0-9_.$-]+]] = py_ast.name "t"
// CHECK-NEXT: %[[V162:[A-Za-z0-9_.$-]+]] = py_ast.name "s"
// CHECK-NEXT: %[[V163:[A-Za-z0-9_.$-]+]] = py_ast.name "r"
// CHECK-NEXT: %[[V164:[A-Za-z0-9_.$-]+]] = py_ast.compare %[[V153]] [lt, lte, noteq, eq, gt, gte, is, isnot, in, notin](%[[V154]], %[[V155]], %[[V156]], %[[V157]], %[[V158]], %[[V159]], %[[V160]], %[[V161]], %[[V162]], %[[V163]])
// CHECK-NEXT: py_ast.expr %[[V164]]
// CHECK-NEXT: %[[V165:[A-Za-z0-9_.$-]+]] = py_ast.name "f"
// CHECK-NEXT: %[[V166:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V167:[A-Za-z0-9_.$-]+]] = py_ast.name "args"
// CHECK-NEXT: %[[V168:[A-Za-z0-9_.$-]+]] = py_ast.starred %[[V167]]
// CHECK-NEXT: %[[V169:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V170:[A-Za-z0-9_.$-]+]] = py_ast.keyword name "k" = %[[V169]]
// CHECK-NEXT: %[[V171:[A-Za-z0-9_.$-]+]] = py_ast.name "kw"
// CHECK-NEXT: %[[V172:[A-Za-z0-9_.$-]+]] = py_ast.keyword %[[V171]]
// CHECK-NEXT: %[[V173:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V165]](%[[V166]], %[[V168]]) keywords(%[[V170]], %[[V172]])
// CHECK-NEXT: py_ast.expr %[[V173]]
// CHECK-NEXT: %[[V174:[A-Za-z0-9_.$-]+]] = py_ast.name "t"
// CHECK-NEXT: %[[V175:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V176:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V177:[A-Za-z0-9_.$-]+]] = py_ast.slice lower %[[V175]] upper %[[V176]]
// CHECK-NEXT: %[[V178:[A-Za-z0-9_.$-]+]] = py_ast.constant 3
// CHECK-NEXT: %[[V179:[A-Za-z0-9_.$-]+]] = py_ast.slice step %[[V178]]
// CHECK-NEXT: %[[V180:[A-Za-z0-9_.$-]+]] = py_ast.constant ellipsis
// CHECK-NEXT: %[[V181:[A-Za-z0-9_.$-]+]] = py_ast.constant none
// CHECK-NEXT: %[[V182:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V183:[A-Za-z0-9_.$-]+]] = py_ast.unary_op usub %[[V182]]
// CHECK-NEXT: %[[V184:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V177]], %[[V179]], %[[V180]], %[[V181]], %[[V183]])
// CHECK-NEXT: %[[V185:[A-Za-z0-9_.$-]+]] = py_ast.subscript %[[V174]][%[[V184]]]
// CHECK-NEXT: py_ast.expr %[[V185]]
// CHECK-NEXT: %[[V186:[A-Za-z0-9_.$-]+]] = py_ast.name "t"
// CHECK-NEXT: %[[V187:[A-Za-z0-9_.$-]+]] = py_ast.slice
// CHECK-NEXT: %[[V188:[A-Za-z0-9_.$-]+]] = py_ast.subscript %[[V186]][%[[V187]]]
// CHECK-NEXT: py_ast.expr %[[V188]]
// CHECK-NEXT: %[[V189:[A-Za-z0-9_.$-]+]] = py_ast.name "m"
// CHECK-NEXT: %[[V190:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V189]] "attr"
// CHECK-NEXT: %[[V191:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V190]] "sub"
// CHECK-NEXT: py_ast.expr %[[V191]]
// CHECK-NEXT: %[[V192:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V193:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V194:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V192]], %[[V193]])
// CHECK-NEXT: %[[V195:[A-Za-z0-9_.$-]+]] = py_ast.constant 3
// CHECK-NEXT: %[[V196:[A-Za-z0-9_.$-]+]] = py_ast.constant 4
// CHECK-NEXT: %[[V197:[A-Za-z0-9_.$-]+]] = py_ast.list(%[[V195]], %[[V196]])
// CHECK-NEXT: %[[V198:[A-Za-z0-9_.$-]+]] = py_ast.constant 5
// CHECK-NEXT: %[[V199:[A-Za-z0-9_.$-]+]] = py_ast.constant 6
// CHECK-NEXT: %[[V200:[A-Za-z0-9_.$-]+]] = py_ast.set(%[[V198]], %[[V199]])
// CHECK-NEXT: %[[V201:[A-Za-z0-9_.$-]+]] = py_ast.constant "k"
// CHECK-NEXT: %[[V202:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V203:[A-Za-z0-9_.$-]+]] = py_ast.name "extra"
// CHECK-NEXT: %[[V204:[A-Za-z0-9_.$-]+]] = py_ast.dict(%[[V201]]) : (%[[V202]], %[[V203]]) unpack [1]
// CHECK-NEXT: %[[V205:[A-Za-z0-9_.$-]+]] = py_ast.tuple()
// CHECK-NEXT: %[[V206:[A-Za-z0-9_.$-]+]] = py_ast.list()
// CHECK-NEXT: %[[V207:[A-Za-z0-9_.$-]+]] = py_ast.dict() : ()
// CHECK-NEXT: %[[V208:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V194]], %[[V197]], %[[V200]], %[[V204]], %[[V205]], %[[V206]], %[[V207]])
// CHECK-NEXT: py_ast.expr %[[V208]]
// CHECK-NEXT: %[[V209:[A-Za-z0-9_.$-]+]] = py_ast.name "y"
// CHECK-NEXT: %[[V210:[A-Za-z0-9_.$-]+]] = py_ast.name "cond"
// CHECK-NEXT: %[[V211:[A-Za-z0-9_.$-]+]] = py_ast.name "z"
// CHECK-NEXT: %[[V212:[A-Za-z0-9_.$-]+]] = py_ast.if_exp %[[V209]] if %[[V210]] else %[[V211]]
// CHECK-NEXT: py_ast.expr %[[V212]]
// CHECK-NEXT: %[[V213:[A-Za-z0-9_.$-]+]] = py_ast.name "n"
// CHECK-NEXT: %[[V214:[A-Za-z0-9_.$-]+]] = py_ast.constant 10
// CHECK-NEXT: %[[V215:[A-Za-z0-9_.$-]+]] = py_ast.named_expr %[[V213]] = %[[V214]]
// CHECK-NEXT: py_ast.expr %[[V215]]
// CHECK-NEXT: %[[V216:[A-Za-z0-9_.$-]+]] = py_ast.arguments()
// CHECK-NEXT: %[[V217:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V218:[A-Za-z0-9_.$-]+]] = py_ast.lambda %[[V216]] : %[[V217]]
// CHECK-NEXT: py_ast.expr %[[V218]]
// CHECK-NEXT: %[[V219:[A-Za-z0-9_.$-]+]] = py_ast.name "first"
// CHECK-NEXT: %[[V220:[A-Za-z0-9_.$-]+]] = py_ast.name "others"
// CHECK-NEXT: %[[V221:[A-Za-z0-9_.$-]+]] = py_ast.starred %[[V220]]
// CHECK-NEXT: %[[V222:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V219]], %[[V221]])
// CHECK-NEXT: %[[V223:[A-Za-z0-9_.$-]+]] = py_ast.name "seq"
// CHECK-NEXT: py_ast.assign(%[[V222]]) = %[[V223]]
// CHECK-NEXT: %[[V224:[A-Za-z0-9_.$-]+]] = py_ast.name "nki"
// CHECK-NEXT: %[[V225:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V224]] "jit"
// CHECK-NEXT: %[[V226:[A-Za-z0-9_.$-]+]] = py_ast.name "deco"
// CHECK-NEXT: %[[V227:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V228:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V226]](%[[V227]])
// CHECK-NEXT: %[[V229:[A-Za-z0-9_.$-]+]] = py_ast.arg "a"
// CHECK-NEXT: %[[V230:[A-Za-z0-9_.$-]+]] = py_ast.name "int"
// CHECK-NEXT: %[[V231:[A-Za-z0-9_.$-]+]] = py_ast.arg "b" : %[[V230]]
// CHECK-NEXT: %[[V232:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V233:[A-Za-z0-9_.$-]+]] = py_ast.arg "c" = %[[V232]]
// CHECK-NEXT: %[[V234:[A-Za-z0-9_.$-]+]] = py_ast.constant "A"
// CHECK-NEXT: %[[V235:[A-Za-z0-9_.$-]+]] = py_ast.arg "args" : %[[V234]]
// CHECK-NEXT: %[[V236:[A-Za-z0-9_.$-]+]] = py_ast.arg "d"
// CHECK-NEXT: %[[V237:[A-Za-z0-9_.$-]+]] = py_ast.name "float"
// CHECK-NEXT: %[[V238:[A-Za-z0-9_.$-]+]] = py_ast.constant 2.0
// CHECK-NEXT: %[[V239:[A-Za-z0-9_.$-]+]] = py_ast.arg "e" : %[[V237]] = %[[V238]]
// CHECK-NEXT: %[[V240:[A-Za-z0-9_.$-]+]] = py_ast.arg "kwargs"
// CHECK-NEXT: %[[V241:[A-Za-z0-9_.$-]+]] = py_ast.arguments(%[[V229]], %[[V231]], %[[V233]]) posonly 1 vararg %[[V235]] kwonly(%[[V236]], %[[V239]]) kwarg %[[V240]]
// CHECK-NEXT: %[[V242:[A-Za-z0-9_.$-]+]] = py_ast.constant "R"
// CHECK-NEXT: py_ast.function_def "kernel" %[[V241]] decorators(%[[V225]], %[[V228]]) returns %[[V242]] {
// CHECK-NEXT: %[[V243:[A-Za-z0-9_.$-]+]] = py_ast.constant "Docstring."
// CHECK-NEXT: py_ast.expr %[[V243]]
// CHECK-NEXT: %[[V244:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: py_ast.return(%[[V244]])
// CHECK-NEXT: }
// CHECK-NEXT: %[[V245:[A-Za-z0-9_.$-]+]] = py_ast.arg "x"
// CHECK-NEXT: %[[V246:[A-Za-z0-9_.$-]+]] = py_ast.constant none
// CHECK-NEXT: %[[V247:[A-Za-z0-9_.$-]+]] = py_ast.arg "y" = %[[V246]]
// CHECK-NEXT: %[[V248:[A-Za-z0-9_.$-]+]] = py_ast.arguments(%[[V245]], %[[V247]])
// CHECK-NEXT: py_ast.function_def "plain" %[[V248]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V249:[A-Za-z0-9_.$-]+]] = py_ast.arg "key"
// CHECK-NEXT: %[[V250:[A-Za-z0-9_.$-]+]] = py_ast.arguments() kwonly(%[[V249]])
// CHECK-NEXT: py_ast.function_def "only_star" %[[V250]] {
// CHECK-NEXT: py_ast.return()
// CHECK-NEXT: }
// CHECK-NEXT: %[[V251:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V252:[A-Za-z0-9_.$-]+]] = py_ast.arg "p" = %[[V251]]
// CHECK-NEXT: %[[V253:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V254:[A-Za-z0-9_.$-]+]] = py_ast.arg "q" = %[[V253]]
// CHECK-NEXT: %[[V255:[A-Za-z0-9_.$-]+]] = py_ast.arguments(%[[V252]], %[[V254]]) posonly 1
// CHECK-NEXT: py_ast.function_def "posonly_defaults" %[[V255]] {
// CHECK-NEXT: %[[V256:[A-Za-z0-9_.$-]+]] = py_ast.name "p"
// CHECK-NEXT: %[[V257:[A-Za-z0-9_.$-]+]] = py_ast.yield(%[[V256]])
// CHECK-NEXT: py_ast.expr %[[V257]]
// CHECK-NEXT: %[[V258:[A-Za-z0-9_.$-]+]] = py_ast.name "q"
// CHECK-NEXT: %[[V259:[A-Za-z0-9_.$-]+]] = py_ast.yield_from %[[V258]]
// CHECK-NEXT: py_ast.expr %[[V259]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V260:[A-Za-z0-9_.$-]+]] = py_ast.name "dataclass"
// CHECK-NEXT: %[[V261:[A-Za-z0-9_.$-]+]] = py_ast.name "nl"
// CHECK-NEXT: %[[V262:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V261]] "NKIObject"
// CHECK-NEXT: %[[V263:[A-Za-z0-9_.$-]+]] = py_ast.name "Meta"
// CHECK-NEXT: %[[V264:[A-Za-z0-9_.$-]+]] = py_ast.keyword name "metaclass" = %[[V263]]
// CHECK-NEXT: py_ast.class_def "Config"(%[[V262]]) keywords(%[[V264]]) decorators(%[[V260]]) {
// CHECK-NEXT: %[[V265:[A-Za-z0-9_.$-]+]] = py_ast.name "tile"
// CHECK-NEXT: %[[V266:[A-Za-z0-9_.$-]+]] = py_ast.name "int"
// CHECK-NEXT: %[[V267:[A-Za-z0-9_.$-]+]] = py_ast.constant 128
// CHECK-NEXT: py_ast.ann_assign simple %[[V265]] : %[[V266]] = %[[V267]]
// CHECK-NEXT: %[[V268:[A-Za-z0-9_.$-]+]] = py_ast.name "name"
// CHECK-NEXT: %[[V269:[A-Za-z0-9_.$-]+]] = py_ast.constant "cfg"
// CHECK-NEXT: py_ast.assign(%[[V268]]) = %[[V269]]
// CHECK-NEXT: %[[V270:[A-Za-z0-9_.$-]+]] = py_ast.arg "self"
// CHECK-NEXT: %[[V271:[A-Za-z0-9_.$-]+]] = py_ast.arguments(%[[V270]])
// CHECK-NEXT: py_ast.function_def "__post_init__" %[[V271]] {
// CHECK-NEXT: %[[V272:[A-Za-z0-9_.$-]+]] = py_ast.name "self"
// CHECK-NEXT: %[[V273:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V272]] "size"
// CHECK-NEXT: %[[V274:[A-Za-z0-9_.$-]+]] = py_ast.name "self"
// CHECK-NEXT: %[[V275:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V274]] "tile"
// CHECK-NEXT: %[[V276:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V277:[A-Za-z0-9_.$-]+]] = py_ast.bin_op mult %[[V275]], %[[V276]]
// CHECK-NEXT: py_ast.assign(%[[V273]]) = %[[V277]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V278:[A-Za-z0-9_.$-]+]] = py_ast.arg "self"
// CHECK-NEXT: %[[V279:[A-Za-z0-9_.$-]+]] = py_ast.arg "x"
// CHECK-NEXT: %[[V280:[A-Za-z0-9_.$-]+]] = py_ast.arguments(%[[V278]], %[[V279]])
// CHECK-NEXT: py_ast.function_def "__call__" %[[V280]] {
// CHECK-NEXT: %[[V281:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: py_ast.return(%[[V281]])
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: %[[V282:[A-Za-z0-9_.$-]+]] = py_ast.name "Enum"
// CHECK-NEXT: py_ast.class_def "Mode"(%[[V282]]) {
// CHECK-NEXT: %[[V283:[A-Za-z0-9_.$-]+]] = py_ast.name "FAST"
// CHECK-NEXT: %[[V284:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.assign(%[[V283]]) = %[[V284]]
// CHECK-NEXT: %[[V285:[A-Za-z0-9_.$-]+]] = py_ast.name "SLOW"
// CHECK-NEXT: %[[V286:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: py_ast.assign(%[[V285]]) = %[[V286]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V287:[A-Za-z0-9_.$-]+]] = py_ast.name "a"
// CHECK-NEXT: py_ast.if %[[V287]] {
// CHECK-NEXT: %[[V288:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V289:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.assign(%[[V288]]) = %[[V289]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[V290:[A-Za-z0-9_.$-]+]] = py_ast.name "b"
// CHECK-NEXT: py_ast.if %[[V290]] {
// CHECK-NEXT: %[[V291:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V292:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: py_ast.assign(%[[V291]]) = %[[V292]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[V293:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V294:[A-Za-z0-9_.$-]+]] = py_ast.constant 3
// CHECK-NEXT: py_ast.assign(%[[V293]]) = %[[V294]]
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: %[[V295:[A-Za-z0-9_.$-]+]] = py_ast.name "i"
// CHECK-NEXT: %[[V296:[A-Za-z0-9_.$-]+]] = py_ast.name "j"
// CHECK-NEXT: %[[V297:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V295]], %[[V296]])
// CHECK-NEXT: %[[V298:[A-Za-z0-9_.$-]+]] = py_ast.name "enumerate"
// CHECK-NEXT: %[[V299:[A-Za-z0-9_.$-]+]] = py_ast.name "nl"
// CHECK-NEXT: %[[V300:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V299]] "affine_range"
// CHECK-NEXT: %[[V301:[A-Za-z0-9_.$-]+]] = py_ast.constant 4
// CHECK-NEXT: %[[V302:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V300]](%[[V301]])
// CHECK-NEXT: %[[V303:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V298]](%[[V302]])
// CHECK-NEXT: py_ast.for %[[V297]] in %[[V303]] {
// CHECK-NEXT: %[[V304:[A-Za-z0-9_.$-]+]] = py_ast.name "i"
// CHECK-NEXT: py_ast.if %[[V304]] {
// CHECK-NEXT: py_ast.continue
// CHECK-NEXT: } else {
// CHECK-NEXT: }
// CHECK-NEXT: py_ast.break
// CHECK-NEXT: } else {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V305:[A-Za-z0-9_.$-]+]] = py_ast.name "n"
// CHECK-NEXT: %[[V306:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V307:[A-Za-z0-9_.$-]+]] = py_ast.compare %[[V305]] [gt](%[[V306]])
// CHECK-NEXT: py_ast.while %[[V307]] {
// CHECK-NEXT: %[[V308:[A-Za-z0-9_.$-]+]] = py_ast.name "n"
// CHECK-NEXT: %[[V309:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: py_ast.aug_assign %[[V308]] sub %[[V309]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[V310:[A-Za-z0-9_.$-]+]] = py_ast.name "done"
// CHECK-NEXT: %[[V311:[A-Za-z0-9_.$-]+]] = py_ast.constant true
// CHECK-NEXT: py_ast.assign(%[[V310]]) = %[[V311]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V312:[A-Za-z0-9_.$-]+]] = py_ast.name "nl"
// CHECK-NEXT: %[[V313:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V312]] "no_reorder"
// CHECK-NEXT: %[[V314:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V313]]()
// CHECK-NEXT: %[[V315:[A-Za-z0-9_.$-]+]] = py_ast.withitem %[[V314]]
// CHECK-NEXT: %[[V316:[A-Za-z0-9_.$-]+]] = py_ast.name "open"
// CHECK-NEXT: %[[V317:[A-Za-z0-9_.$-]+]] = py_ast.name "p"
// CHECK-NEXT: %[[V318:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V316]](%[[V317]])
// CHECK-NEXT: %[[V319:[A-Za-z0-9_.$-]+]] = py_ast.name "fh"
// CHECK-NEXT: %[[V320:[A-Za-z0-9_.$-]+]] = py_ast.name "other"
// CHECK-NEXT: %[[V321:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V319]], %[[V320]])
// CHECK-NEXT: %[[V322:[A-Za-z0-9_.$-]+]] = py_ast.withitem %[[V318]] as %[[V321]]
// CHECK-NEXT: py_ast.with(%[[V315]], %[[V322]]) {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: py_ast.try {
// CHECK-NEXT: %[[V323:[A-Za-z0-9_.$-]+]] = py_ast.name "risky"
// CHECK-NEXT: %[[V324:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V323]]()
// CHECK-NEXT: py_ast.expr %[[V324]]
// CHECK-NEXT: } except {
// CHECK-NEXT: %[[V325:[A-Za-z0-9_.$-]+]] = py_ast.name "ValueError"
// CHECK-NEXT: py_ast.except_handler %[[V325]] as "e" {
// CHECK-NEXT: %[[V326:[A-Za-z0-9_.$-]+]] = py_ast.name "handle"
// CHECK-NEXT: %[[V327:[A-Za-z0-9_.$-]+]] = py_ast.name "e"
// CHECK-NEXT: %[[V328:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V326]](%[[V327]])
// CHECK-NEXT: py_ast.expr %[[V328]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V329:[A-Za-z0-9_.$-]+]] = py_ast.name "TypeError"
// CHECK-NEXT: %[[V330:[A-Za-z0-9_.$-]+]] = py_ast.name "KeyError"
// CHECK-NEXT: %[[V331:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V329]], %[[V330]])
// CHECK-NEXT: py_ast.except_handler %[[V331]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: py_ast.except_handler {
// CHECK-NEXT: py_ast.raise()
// CHECK-NEXT: }
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[V332:[A-Za-z0-9_.$-]+]] = py_ast.name "ok"
// CHECK-NEXT: %[[V333:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V332]]()
// CHECK-NEXT: py_ast.expr %[[V333]]
// CHECK-NEXT: } finally {
// CHECK-NEXT: %[[V334:[A-Za-z0-9_.$-]+]] = py_ast.name "cleanup"
// CHECK-NEXT: %[[V335:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V334]]()
// CHECK-NEXT: py_ast.expr %[[V335]]
// CHECK-NEXT: }
// CHECK-NEXT: py_ast.try_star {
// CHECK-NEXT: %[[V336:[A-Za-z0-9_.$-]+]] = py_ast.name "group"
// CHECK-NEXT: %[[V337:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V336]]()
// CHECK-NEXT: py_ast.expr %[[V337]]
// CHECK-NEXT: } except {
// CHECK-NEXT: %[[V338:[A-Za-z0-9_.$-]+]] = py_ast.name "OSError"
// CHECK-NEXT: py_ast.except_handler %[[V338]] as "eg" {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: } else {
// CHECK-NEXT: } finally {
// CHECK-NEXT: }
// CHECK-NEXT: %[[V339:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V340:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V341:[A-Za-z0-9_.$-]+]] = py_ast.bin_op mult %[[V339]], %[[V340]]
// CHECK-NEXT: %[[V342:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V343:[A-Za-z0-9_.$-]+]] = py_ast.name "xs"
// CHECK-NEXT: %[[V344:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V345:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V346:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V347:[A-Za-z0-9_.$-]+]] = py_ast.compare %[[V345]] [gt](%[[V346]])
// CHECK-NEXT: %[[V348:[A-Za-z0-9_.$-]+]] = py_ast.comprehension %[[V342]] in %[[V343]] if(%[[V344]], %[[V347]])
// CHECK-NEXT: %[[V349:[A-Za-z0-9_.$-]+]] = py_ast.list_comp %[[V341]] for(%[[V348]])
// CHECK-NEXT: py_ast.expr %[[V349]]
// CHECK-NEXT: %[[V350:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V351:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V352:[A-Za-z0-9_.$-]+]] = py_ast.name "xs"
// CHECK-NEXT: %[[V353:[A-Za-z0-9_.$-]+]] = py_ast.comprehension %[[V351]] in %[[V352]]
// CHECK-NEXT: %[[V354:[A-Za-z0-9_.$-]+]] = py_ast.set_comp %[[V350]] for(%[[V353]])
// CHECK-NEXT: py_ast.expr %[[V354]]
// CHECK-NEXT: %[[V355:[A-Za-z0-9_.$-]+]] = py_ast.name "k"
// CHECK-NEXT: %[[V356:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: %[[V357:[A-Za-z0-9_.$-]+]] = py_ast.name "k"
// CHECK-NEXT: %[[V358:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: %[[V359:[A-Za-z0-9_.$-]+]] = py_ast.tuple(%[[V357]], %[[V358]])
// CHECK-NEXT: %[[V360:[A-Za-z0-9_.$-]+]] = py_ast.name "items"
// CHECK-NEXT: %[[V361:[A-Za-z0-9_.$-]+]] = py_ast.comprehension %[[V359]] in %[[V360]]
// CHECK-NEXT: %[[V362:[A-Za-z0-9_.$-]+]] = py_ast.name "_"
// CHECK-NEXT: %[[V363:[A-Za-z0-9_.$-]+]] = py_ast.name "range"
// CHECK-NEXT: %[[V364:[A-Za-z0-9_.$-]+]] = py_ast.constant 2
// CHECK-NEXT: %[[V365:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V363]](%[[V364]])
// CHECK-NEXT: %[[V366:[A-Za-z0-9_.$-]+]] = py_ast.comprehension %[[V362]] in %[[V365]]
// CHECK-NEXT: %[[V367:[A-Za-z0-9_.$-]+]] = py_ast.dict_comp %[[V355]] : %[[V356]] for(%[[V361]], %[[V366]])
// CHECK-NEXT: py_ast.expr %[[V367]]
// CHECK-NEXT: %[[V368:[A-Za-z0-9_.$-]+]] = py_ast.name "sum"
// CHECK-NEXT: %[[V369:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V370:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V371:[A-Za-z0-9_.$-]+]] = py_ast.name "xs"
// CHECK-NEXT: %[[V372:[A-Za-z0-9_.$-]+]] = py_ast.comprehension %[[V370]] in %[[V371]]
// CHECK-NEXT: %[[V373:[A-Za-z0-9_.$-]+]] = py_ast.generator_exp %[[V369]] for(%[[V372]])
// CHECK-NEXT: %[[V374:[A-Za-z0-9_.$-]+]] = py_ast.call %[[V368]](%[[V373]])
// CHECK-NEXT: py_ast.expr %[[V374]]
// CHECK-NEXT: %[[V375:[A-Za-z0-9_.$-]+]] = py_ast.constant "tile "
// CHECK-NEXT: %[[V376:[A-Za-z0-9_.$-]+]] = py_ast.name "i"
// CHECK-NEXT: %[[V377:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V376]]
// CHECK-NEXT: %[[V378:[A-Za-z0-9_.$-]+]] = py_ast.constant ": "
// CHECK-NEXT: %[[V379:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V380:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V379]] conversion "r"
// CHECK-NEXT: %[[V381:[A-Za-z0-9_.$-]+]] = py_ast.constant " "
// CHECK-NEXT: %[[V382:[A-Za-z0-9_.$-]+]] = py_ast.name "y"
// CHECK-NEXT: %[[V383:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V382]] conversion "s"
// CHECK-NEXT: %[[V384:[A-Za-z0-9_.$-]+]] = py_ast.constant " "
// CHECK-NEXT: %[[V385:[A-Za-z0-9_.$-]+]] = py_ast.name "z"
// CHECK-NEXT: %[[V386:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V385]] conversion "a"
// CHECK-NEXT: %[[V387:[A-Za-z0-9_.$-]+]] = py_ast.constant " "
// CHECK-NEXT: %[[V388:[A-Za-z0-9_.$-]+]] = py_ast.name "v"
// CHECK-NEXT: %[[V389:[A-Za-z0-9_.$-]+]] = py_ast.constant ">10"
// CHECK-NEXT: %[[V390:[A-Za-z0-9_.$-]+]] = py_ast.joined_str(%[[V389]])
// CHECK-NEXT: %[[V391:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V388]] spec %[[V390]]
// CHECK-NEXT: %[[V392:[A-Za-z0-9_.$-]+]] = py_ast.constant " "
// CHECK-NEXT: %[[V393:[A-Za-z0-9_.$-]+]] = py_ast.name "w"
// CHECK-NEXT: %[[V394:[A-Za-z0-9_.$-]+]] = py_ast.name "width"
// CHECK-NEXT: %[[V395:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V394]]
// CHECK-NEXT: %[[V396:[A-Za-z0-9_.$-]+]] = py_ast.constant "."
// CHECK-NEXT: %[[V397:[A-Za-z0-9_.$-]+]] = py_ast.name "prec"
// CHECK-NEXT: %[[V398:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V397]]
// CHECK-NEXT: %[[V399:[A-Za-z0-9_.$-]+]] = py_ast.constant "f"
// CHECK-NEXT: %[[V400:[A-Za-z0-9_.$-]+]] = py_ast.joined_str(%[[V395]], %[[V396]], %[[V398]], %[[V399]])
// CHECK-NEXT: %[[V401:[A-Za-z0-9_.$-]+]] = py_ast.formatted_value %[[V393]] spec %[[V400]]
// CHECK-NEXT: %[[V402:[A-Za-z0-9_.$-]+]] = py_ast.joined_str(%[[V375]], %[[V377]], %[[V378]], %[[V380]], %[[V381]], %[[V383]], %[[V384]], %[[V386]], %[[V387]], %[[V391]], %[[V392]], %[[V401]])
// CHECK-NEXT: py_ast.expr %[[V402]]
// CHECK-NEXT: %[[V403:[A-Za-z0-9_.$-]+]] = py_ast.alias "nki"
// CHECK-NEXT: py_ast.import(%[[V403]])
// CHECK-NEXT: %[[V404:[A-Za-z0-9_.$-]+]] = py_ast.alias "nki.language" as "nl"
// CHECK-NEXT: %[[V405:[A-Za-z0-9_.$-]+]] = py_ast.alias "numpy" as "np"
// CHECK-NEXT: py_ast.import(%[[V404]], %[[V405]])
// CHECK-NEXT: %[[V406:[A-Za-z0-9_.$-]+]] = py_ast.alias "isa" as "nisa"
// CHECK-NEXT: py_ast.import_from module "nki"(%[[V406]])
// CHECK-NEXT: %[[V407:[A-Za-z0-9_.$-]+]] = py_ast.alias "helpers"
// CHECK-NEXT: py_ast.import_from level 1(%[[V407]])
// CHECK-NEXT: %[[V408:[A-Za-z0-9_.$-]+]] = py_ast.alias "y" as "z"
// CHECK-NEXT: %[[V409:[A-Za-z0-9_.$-]+]] = py_ast.alias "w"
// CHECK-NEXT: py_ast.import_from module "utils.x" level 2(%[[V408]], %[[V409]])
// CHECK-NEXT: %[[V410:[A-Za-z0-9_.$-]+]] = py_ast.alias "*"
// CHECK-NEXT: py_ast.import_from module "os.path"(%[[V410]])
// CHECK-NEXT: %[[V411:[A-Za-z0-9_.$-]+]] = py_ast.arg "it"
// CHECK-NEXT: %[[V412:[A-Za-z0-9_.$-]+]] = py_ast.arguments(%[[V411]])
// CHECK-NEXT: py_ast.async_function_def "coro" %[[V412]] {
// CHECK-NEXT: %[[V413:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V414:[A-Za-z0-9_.$-]+]] = py_ast.name "it"
// CHECK-NEXT: py_ast.async_for %[[V413]] in %[[V414]] {
// CHECK-NEXT: %[[V415:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V416:[A-Za-z0-9_.$-]+]] = py_ast.await %[[V415]]
// CHECK-NEXT: py_ast.expr %[[V416]]
// CHECK-NEXT: } else {
// CHECK-NEXT: }
// CHECK-NEXT: %[[V417:[A-Za-z0-9_.$-]+]] = py_ast.name "lock"
// CHECK-NEXT: %[[V418:[A-Za-z0-9_.$-]+]] = py_ast.name "l"
// CHECK-NEXT: %[[V419:[A-Za-z0-9_.$-]+]] = py_ast.withitem %[[V417]] as %[[V418]]
// CHECK-NEXT: py_ast.async_with(%[[V419]]) {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V420:[A-Za-z0-9_.$-]+]] = py_ast.name "y"
// CHECK-NEXT: %[[V421:[A-Za-z0-9_.$-]+]] = py_ast.name "y"
// CHECK-NEXT: %[[V422:[A-Za-z0-9_.$-]+]] = py_ast.name "it"
// CHECK-NEXT: %[[V423:[A-Za-z0-9_.$-]+]] = py_ast.comprehension async %[[V421]] in %[[V422]]
// CHECK-NEXT: %[[V424:[A-Za-z0-9_.$-]+]] = py_ast.list_comp %[[V420]] for(%[[V423]])
// CHECK-NEXT: py_ast.expr %[[V424]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[V425:[A-Za-z0-9_.$-]+]] = py_ast.name "cmd"
// CHECK-NEXT: py_ast.match %[[V425]] {
// CHECK-NEXT: %[[V426:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V427:[A-Za-z0-9_.$-]+]] = py_ast.match_value %[[V426]]
// CHECK-NEXT: %[[V428:[A-Za-z0-9_.$-]+]] = py_ast.constant 1
// CHECK-NEXT: %[[V429:[A-Za-z0-9_.$-]+]] = py_ast.match_value %[[V428]]
// CHECK-NEXT: %[[V430:[A-Za-z0-9_.$-]+]] = py_ast.match_or(%[[V427]], %[[V429]])
// CHECK-NEXT: py_ast.match_case %[[V430]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V431:[A-Za-z0-9_.$-]+]] = py_ast.match_singleton none
// CHECK-NEXT: py_ast.match_case %[[V431]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V432:[A-Za-z0-9_.$-]+]] = py_ast.match_as() as "first"
// CHECK-NEXT: %[[V433:[A-Za-z0-9_.$-]+]] = py_ast.match_star name "rest"
// CHECK-NEXT: %[[V434:[A-Za-z0-9_.$-]+]] = py_ast.match_sequence(%[[V432]], %[[V433]])
// CHECK-NEXT: py_ast.match_case %[[V434]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V435:[A-Za-z0-9_.$-]+]] = py_ast.constant "k"
// CHECK-NEXT: %[[V436:[A-Za-z0-9_.$-]+]] = py_ast.match_as() as "v"
// CHECK-NEXT: %[[V437:[A-Za-z0-9_.$-]+]] = py_ast.match_mapping(%[[V435]]) : (%[[V436]]) rest "others"
// CHECK-NEXT: py_ast.match_case %[[V437]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V438:[A-Za-z0-9_.$-]+]] = py_ast.name "Point"
// CHECK-NEXT: %[[V439:[A-Za-z0-9_.$-]+]] = py_ast.match_as() as "x"
// CHECK-NEXT: %[[V440:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V441:[A-Za-z0-9_.$-]+]] = py_ast.match_value %[[V440]]
// CHECK-NEXT: %[[V442:[A-Za-z0-9_.$-]+]] = py_ast.match_class %[[V438]](%[[V439]]) keywords ["y"](%[[V441]])
// CHECK-NEXT: %[[V443:[A-Za-z0-9_.$-]+]] = py_ast.name "x"
// CHECK-NEXT: %[[V444:[A-Za-z0-9_.$-]+]] = py_ast.constant 0
// CHECK-NEXT: %[[V445:[A-Za-z0-9_.$-]+]] = py_ast.compare %[[V443]] [gt](%[[V444]])
// CHECK-NEXT: py_ast.match_case %[[V442]] if %[[V445]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V446:[A-Za-z0-9_.$-]+]] = py_ast.name "Color"
// CHECK-NEXT: %[[V447:[A-Za-z0-9_.$-]+]] = py_ast.attribute %[[V446]] "RED"
// CHECK-NEXT: %[[V448:[A-Za-z0-9_.$-]+]] = py_ast.match_value %[[V447]]
// CHECK-NEXT: %[[V449:[A-Za-z0-9_.$-]+]] = py_ast.match_as(%[[V448]]) as "c"
// CHECK-NEXT: py_ast.match_case %[[V449]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V450:[A-Za-z0-9_.$-]+]] = py_ast.match_star
// CHECK-NEXT: %[[V451:[A-Za-z0-9_.$-]+]] = py_ast.match_sequence(%[[V450]])
// CHECK-NEXT: py_ast.match_case %[[V451]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: %[[V452:[A-Za-z0-9_.$-]+]] = py_ast.match_as()
// CHECK-NEXT: py_ast.match_case %[[V452]] {
// CHECK-NEXT: py_ast.pass
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: }
