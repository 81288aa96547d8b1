//! The one list of opcodes.
//!
//! Everything that knows about individual opcodes is generated from the table at the bottom of
//! this file: the [`Instruction`] enum, the [`CodeBuilder`](super::CodeBuilder) emit methods,
//! the VM's dispatch (`vm::dispatch`) and the disassembler's operand decoding. Adding an
//! opcode means adding one line here and one handler function in `vm/ops/<family>.rs`; the
//! compiler then gets `builder.<handler>(operand)` for free.
//!
//! Each entry reads `Name(operand: Kind) => handler`, where `Kind` says how `--dis` shows the
//! operand and `handler` names both the emit method and the function in `vm::ops::<family>`.
//! The doc comment states the stack effect, top of stack (TOS) last.

/// How an operand is interpreted, for the disassembler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    /// Index into `Code::constants`.
    Const,
    /// Index into `Code::names` (globals, attributes, imported names).
    Name,
    /// Index into `Code::varnames` (fast locals).
    Local,
    /// Index into the frame's cells: `Code::cellvars` then `Code::freevars`.
    Cell,
    /// Absolute instruction index.
    Jump,
    /// Index into `Code::children` (nested code objects).
    Code,
    /// A plain count.
    Count,
    /// A [`BinaryOperator`].
    BinaryOp,
    /// A [`UnaryOperator`].
    UnaryOp,
    /// A [`Comparison`].
    Compare,
    /// A bool: 1 inverts the test (`is not`, `not in`).
    Invert,
    /// Opcode-specific bit flags.
    Flags,
}

/// The operand type an emit method takes: jump targets are labels resolved when the code
/// object is finished; everything else is already a number.
macro_rules! operand_type {
    (Jump) => {
        super::Label
    };
    ($other:ident) => {
        u32
    };
}

macro_rules! define_opcodes {
    (
        $(
            $family:ident {
                $(
                    $(#[doc = $doc:literal])*
                    $name:ident $( ( $operand:ident : $kind:ident ) )? => $handler:ident;
                )*
            }
        )*
    ) => {
        /// One bytecode instruction: an opcode and at most one 32-bit operand.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Instruction {
            $( $(
                $(#[doc = $doc])*
                $name $( { $operand: u32 } )?,
            )* )*
        }

        impl Instruction {
            /// The opcode's name as `--dis` prints it.
            pub fn name(&self) -> &'static str {
                match self {
                    $( $( Instruction::$name { .. } => stringify!($name), )* )*
                }
            }

            /// The operand and how to read it, if the opcode has one.
            pub fn operand(&self) -> Option<(OperandKind, u32)> {
                match *self {
                    $( $(
                        Instruction::$name $( { $operand } )? => {
                            None $( .or(Some((OperandKind::$kind, $operand))) )?
                        }
                    )* )*
                }
            }

            /// Rewrites a jump's target; no-op for other opcodes.
            pub(crate) fn set_jump_target(&mut self, target: u32) {
                match self {
                    $( $( define_opcodes!(@jump_pattern $name $( $operand $kind )?) => {
                        define_opcodes!(@jump_assign target $( $operand $kind )?);
                    } )* )*
                }
            }
        }

        impl super::CodeBuilder {
            $( $(
                $(#[doc = $doc])*
                #[allow(dead_code, unused_variables)]
                pub fn $handler(&mut self $( , $operand: operand_type!($kind) )?) {
                    let at = self.next_index();
                    $( let $operand = super::EncodeOperand::encode($operand, self, at); )?
                    self.push_instruction(Instruction::$name $( { $operand } )?);
                }
            )* )*
        }

        /// Runs one instruction: the VM's whole dispatch, generated from the opcode table.
        #[inline(always)]
        pub(crate) fn dispatch(vm: &mut crate::vm::Vm, instruction: Instruction) -> crate::vm::OpResult {
            match instruction {
                $( $(
                    Instruction::$name $( { $operand } )? =>
                        crate::vm::ops::$family::$handler(vm $( , $operand )?),
                )* )*
            }
        }
    };

    (@jump_pattern $name:ident $operand:ident Jump) => { Instruction::$name { $operand } };
    (@jump_pattern $name:ident $( $operand:ident $kind:ident )?) => { Instruction::$name { .. } };
    (@jump_assign $target:ident $operand:ident Jump) => { *$operand = $target };
    (@jump_assign $target:ident $( $operand:ident $kind:ident )?) => { let _ = $target; };
}

define_opcodes! {
    stack {
        /// `[a] → []`
        PopTop => pop_top;
        /// `[a] → [a, a]`
        DupTop => dup_top;
        /// `[a, b] → [a, b, a, b]`
        DupTopTwo => dup_top_two;
        /// `[a, b] → [b, a]`
        RotTwo => rot_two;
        /// `[a, b, c] → [c, a, b]`
        RotThree => rot_three;
        /// `[a, b, c, d] → [d, a, b, c]`
        RotFour => rot_four;
    }
    load_store {
        /// `[] → [constant]`
        LoadConst(index: Const) => load_const;
        /// `[] → [local]`; `UnboundLocalError` if unset.
        LoadFast(slot: Local) => load_fast;
        /// `[v] → []`
        StoreFast(slot: Local) => store_fast;
        /// `[] → []`
        DeleteFast(slot: Local) => delete_fast;
        /// `[] → [global or builtin]`
        LoadGlobal(name: Name) => load_global;
        /// `[v] → []`
        StoreGlobal(name: Name) => store_global;
        /// `[] → []`
        DeleteGlobal(name: Name) => delete_global;
        /// Module and class bodies: namespace, then globals, then builtins. `[] → [v]`
        LoadName(name: Name) => load_name;
        /// `[v] → []`
        StoreName(name: Name) => store_name;
        /// `[] → []`
        DeleteName(name: Name) => delete_name;
        /// `[] → [cell contents]`
        LoadDeref(cell: Cell) => load_deref;
        /// `[v] → []`
        StoreDeref(cell: Cell) => store_deref;
        /// `[] → []`
        DeleteDeref(cell: Cell) => delete_deref;
        /// A class body reading a free variable: namespace first, then the cell. `[] → [v]`
        LoadClassDeref(cell: Cell) => load_class_deref;
        /// Pushes the cell itself, to build a closure. `[] → [cell]`
        LoadClosure(cell: Cell) => load_closure;
    }
    attributes {
        /// `[obj] → [obj.name]`
        LoadAttr(name: Name) => load_attr;
        /// `[v, obj] → []` sets `obj.name = v`
        StoreAttr(name: Name) => store_attr;
        /// `[obj] → []`
        DeleteAttr(name: Name) => delete_attr;
        /// `[obj] → [function, obj]` for a method, `[Null, obj.name]` otherwise; see `CallMethod`.
        LoadMethod(name: Name) => load_method;
    }
    subscript {
        /// `[container, key] → [container[key]]`
        BinarySubscr => binary_subscr;
        /// `[v, container, key] → []`
        StoreSubscr => store_subscr;
        /// `[container, key] → []`
        DeleteSubscr => delete_subscr;
        /// `[start, stop] → [slice]` (count 2) or `[start, stop, step] → [slice]` (count 3)
        BuildSlice(count: Count) => build_slice;
    }
    binary_ops {
        /// `[a, b] → [a op b]`; in-place operators try `__iop__` first.
        BinaryOp(operator: BinaryOp) => binary_op;
        /// `[a] → [op a]`
        UnaryOp(operator: UnaryOp) => unary_op;
    }
    compare {
        /// `[a, b] → [a cmp b]`
        CompareOp(comparison: Compare) => compare_op;
        /// `[a, b] → [a is b]` (or `is not`)
        IsOp(invert: Invert) => is_op;
        /// `[a, b] → [a in b]` (or `not in`)
        ContainsOp(invert: Invert) => contains_op;
        /// `[exc, type] → [exc, matches]`: does the exception match an `except` clause?
        CheckExcMatch => check_exc_match;
    }
    control_flow {
        /// Unconditional jump; a backward one is a scheduling point.
        Jump(target: Jump) => jump;
        /// `[v] → []`
        PopJumpIfFalse(target: Jump) => pop_jump_if_false;
        /// `[v] → []`
        PopJumpIfTrue(target: Jump) => pop_jump_if_true;
        /// `[v] → [v]` and jump if falsy, else `[v] → []`
        JumpIfFalseOrPop(target: Jump) => jump_if_false_or_pop;
        /// `[v] → [v]` and jump if truthy, else `[v] → []`
        JumpIfTrueOrPop(target: Jump) => jump_if_true_or_pop;
        /// `[v] → ` returns `v` to the caller.
        ReturnValue => return_value;
        /// `[v] → ` suspends the generator, handing `v` to whoever resumed it; on the next
        /// resume the sent value is pushed: `[] → [sent]`.
        YieldValue => yield_value;
        /// Does nothing; keeps a line visible in the line table.
        Nop => nop;
    }
    iteration {
        /// `[iterable] → [iterator]`
        GetIter => get_iter;
        /// `[iterator] → [iterator, next]`, or `[iterator] → []` and jump when exhausted.
        ForIter(target: Jump) => for_iter;
        /// `[seq] → [item_n-1, …, item_0]` (item 0 on top)
        UnpackSequence(count: Count) => unpack_sequence;
        /// `a, *b, c = seq`: operand is `before | after << 8`. Pushes like `UnpackSequence`.
        UnpackEx(counts: Flags) => unpack_ex;
    }
    build {
        /// `[a_1, …, a_n] → [(a_1, …, a_n)]`
        BuildTuple(count: Count) => build_tuple;
        /// `[a_1, …, a_n] → [[a_1, …, a_n]]`
        BuildList(count: Count) => build_list;
        /// `[a_1, …, a_n] → [{a_1, …, a_n}]`
        BuildSet(count: Count) => build_set;
        /// `[k_1, v_1, …, k_n, v_n] → [{k_1: v_1, …}]`
        BuildMap(count: Count) => build_map;
        /// Comprehensions: `[list, …(depth-1 items)…, v] → [list, …]` after `list.append(v)`
        ListAppend(depth: Count) => list_append;
        /// `[set, …, v] → [set, …]` after `set.add(v)`
        SetAdd(depth: Count) => set_add;
        /// `[dict, …, k, v] → [dict, …]` after `dict[k] = v`
        MapAdd(depth: Count) => map_add;
        /// `[list, …, iterable] → [list, …]` after `list.extend(iterable)` (`[*a, *b]`)
        ListExtend(depth: Count) => list_extend;
        /// `[set, …, iterable] → [set, …]` (`{*a}`)
        SetUpdate(depth: Count) => set_update;
        /// `[dict, …, mapping] → [dict, …]` (`{**a}`: later keys win)
        DictUpdate(depth: Count) => dict_update;
        /// `[callee, args, dict, mapping] → [callee, args, dict]` for a call's `**a` and the
        /// keywords after it: a repeated keyword is a `TypeError`, as in CPython.
        DictMerge(depth: Count) => dict_merge;
        /// `[list] → [tuple]`
        ListToTuple => list_to_tuple;
        /// f-strings: `[s_1, …, s_n] → [s_1 + … + s_n]`
        BuildString(count: Count) => build_string;
        /// f-string field: `[v] → [formatted]`, or `[v, spec] → [formatted]` when flag 4 is set;
        /// flags & 3: 0 none, 1 `!s`, 2 `!r`, 3 `!a`.
        FormatValue(flags: Flags) => format_value;
    }
    call {
        /// `[callable, a_1, …, a_n] → [result]`
        Call(count: Count) => call;
        /// `[callable, a_1, …, a_n, kwnames] → [result]`; the last `len(kwnames)` arguments
        /// are keywords.
        CallKw(count: Count) => call_kw;
        /// `[callable, args_tuple] → [result]`, or `[callable, args_tuple, kwargs_dict]` with
        /// flag 1: calls with `*args` / `**kwargs`.
        CallEx(flags: Flags) => call_ex;
        /// `[function, self, a_1, …, a_n] → [result]`, or `[Null, callable, a_1, …]`
        CallMethod(count: Count) => call_method;
        /// `CallMethod` with a trailing `kwnames` tuple, like `CallKw`.
        CallMethodKw(count: Count) => call_method_kw;
        /// `[defaults?, kwdefaults?, closure?] → [function]`; which of the three are present is
        /// recorded in the child code object's `function_flags`.
        MakeFunction(code: Code) => make_function;
    }
    exceptions {
        /// Pushes an exception handler: on an exception the stack is cut back to its current
        /// depth, the exception pushed, and execution continues at `target`.
        SetupExcept(target: Jump) => setup_except;
        /// Pops the innermost handler.
        PopBlock => pop_block;
        /// `[exc] → [exc]`, and `exc` becomes the exception being handled (`raise`, context).
        PushExcInfo => push_exc_info;
        /// Ends handling the innermost handled exception.
        PopExcept => pop_except;
        /// `raise` (0), `raise exc` (1), `raise exc from cause` (2).
        Raise(count: Count) => raise;
        /// `[exc] → ` re-raises `exc`, keeping its traceback.
        Reraise => reraise;
        /// `[] → [AssertionError]`
        LoadAssertionError => load_assertion_error;
        /// `[manager] → [manager, manager.__enter__()]`
        BeforeWith => before_with;
        /// `[manager] → []` after `manager.__exit__(None, None, None)`
        CallWithExitNone => call_with_exit_none;
        /// `[manager, exc] → [manager, exc, manager.__exit__(type, exc, tb)]`
        WithExceptStart => with_except_start;
    }
    class {
        /// `[body_function, name, base_1, …, base_n] → [class]`
        BuildClass(bases: Count) => build_class;
    }
    import {
        /// `[] → [module]`: imports the module named `name` (dotted) and pushes the top-level
        /// package, or the module itself when flag... see `ImportFrom`.
        ImportName(name: Name) => import_name;
        /// `[] → [module]`: imports `name` and pushes the module itself (for `from m import x`
        /// and `import a.b as c`).
        ImportModule(name: Name) => import_module;
        /// `[module] → [module, module.name]`
        ImportFrom(name: Name) => import_from;
    }
}

/// Binary operators, in the order of their operand numbers; `Inplace*` are the augmented
/// assignments (`x += 1`), which try `__iadd__` before `__add__`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BinaryOperator {
    Add,
    Subtract,
    Multiply,
    TrueDivide,
    FloorDivide,
    Modulo,
    Power,
    MatrixMultiply,
    LeftShift,
    RightShift,
    And,
    Or,
    Xor,
    InplaceAdd,
    InplaceSubtract,
    InplaceMultiply,
    InplaceTrueDivide,
    InplaceFloorDivide,
    InplaceModulo,
    InplacePower,
    InplaceMatrixMultiply,
    InplaceLeftShift,
    InplaceRightShift,
    InplaceAnd,
    InplaceOr,
    InplaceXor,
}

impl BinaryOperator {
    const ALL: [BinaryOperator; 26] = [
        BinaryOperator::Add,
        BinaryOperator::Subtract,
        BinaryOperator::Multiply,
        BinaryOperator::TrueDivide,
        BinaryOperator::FloorDivide,
        BinaryOperator::Modulo,
        BinaryOperator::Power,
        BinaryOperator::MatrixMultiply,
        BinaryOperator::LeftShift,
        BinaryOperator::RightShift,
        BinaryOperator::And,
        BinaryOperator::Or,
        BinaryOperator::Xor,
        BinaryOperator::InplaceAdd,
        BinaryOperator::InplaceSubtract,
        BinaryOperator::InplaceMultiply,
        BinaryOperator::InplaceTrueDivide,
        BinaryOperator::InplaceFloorDivide,
        BinaryOperator::InplaceModulo,
        BinaryOperator::InplacePower,
        BinaryOperator::InplaceMatrixMultiply,
        BinaryOperator::InplaceLeftShift,
        BinaryOperator::InplaceRightShift,
        BinaryOperator::InplaceAnd,
        BinaryOperator::InplaceOr,
        BinaryOperator::InplaceXor,
    ];

    // Always inlined, like `Comparison::from_operand`.
    #[inline(always)]
    pub fn from_operand(operand: u32) -> BinaryOperator {
        Self::ALL[operand as usize]
    }

    /// The plain operator behind an in-place one.
    pub fn base(self) -> BinaryOperator {
        let index = self as usize;
        if index >= 13 {
            Self::ALL[index - 13]
        } else {
            self
        }
    }

    pub fn is_inplace(self) -> bool {
        self as usize >= 13
    }

    pub fn inplace(self) -> BinaryOperator {
        Self::ALL[self.base() as usize + 13]
    }

    pub fn symbol(self) -> &'static str {
        const SYMBOLS: [&str; 13] = [
            "+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^",
        ];
        const INPLACE: [&str; 13] = [
            "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "<<=", ">>=", "&=", "|=", "^=",
        ];
        let base = self.base() as usize;
        if self.is_inplace() {
            INPLACE[base]
        } else {
            SYMBOLS[base]
        }
    }

    /// `(__add__, __radd__, __iadd__)`
    pub fn dunders(self) -> (&'static str, &'static str, &'static str) {
        const NAMES: [(&str, &str, &str); 13] = [
            ("__add__", "__radd__", "__iadd__"),
            ("__sub__", "__rsub__", "__isub__"),
            ("__mul__", "__rmul__", "__imul__"),
            ("__truediv__", "__rtruediv__", "__itruediv__"),
            ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
            ("__mod__", "__rmod__", "__imod__"),
            ("__pow__", "__rpow__", "__ipow__"),
            ("__matmul__", "__rmatmul__", "__imatmul__"),
            ("__lshift__", "__rlshift__", "__ilshift__"),
            ("__rshift__", "__rrshift__", "__irshift__"),
            ("__and__", "__rand__", "__iand__"),
            ("__or__", "__ror__", "__ior__"),
            ("__xor__", "__rxor__", "__ixor__"),
        ];
        NAMES[self.base() as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum UnaryOperator {
    Negative,
    Positive,
    Not,
    Invert,
}

impl UnaryOperator {
    // Always inlined, like `Comparison::from_operand`.
    #[inline(always)]
    pub fn from_operand(operand: u32) -> UnaryOperator {
        [
            UnaryOperator::Negative,
            UnaryOperator::Positive,
            UnaryOperator::Not,
            UnaryOperator::Invert,
        ][operand as usize]
    }

    pub fn symbol(self) -> &'static str {
        ["-", "+", "not", "~"][self as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Comparison {
    Less,
    LessEqual,
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
}

impl Comparison {
    // Always inlined: left as a call, it took 5% of a CPU-bound program in wasm.
    #[inline(always)]
    pub fn from_operand(operand: u32) -> Comparison {
        use Comparison::*;
        [Less, LessEqual, Equal, NotEqual, Greater, GreaterEqual][operand as usize]
    }

    pub fn symbol(self) -> &'static str {
        ["<", "<=", "==", "!=", ">", ">="][self as usize]
    }

    /// `(__lt__, reflected __gt__)`
    pub fn dunders(self) -> (&'static str, &'static str) {
        [
            ("__lt__", "__gt__"),
            ("__le__", "__ge__"),
            ("__eq__", "__eq__"),
            ("__ne__", "__ne__"),
            ("__gt__", "__lt__"),
            ("__ge__", "__le__"),
        ][self as usize]
    }
}
