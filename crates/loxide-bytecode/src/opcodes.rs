//! The instruction set, declared exactly once.
//!
//! `for_each_opcode!` holds the one list: each opcode with its operands (a name and a
//! kind each), its stack effect, its control flow and a one-line doc. The `Op` enum,
//! operand sizes, the decoder, the disassembler, the verifier's stack and flow
//! analysis, the compiler's IR instructions with their encoder and dump, and the
//! opcode table of `docs/bytecode.md` are all generated from it or driven by what it
//! generates; a unit test fails when the document and the list disagree. The
//! trade-off: the list is a macro, so other crates generate their code from it with a
//! callback macro of their own instead of reading plain data.
//!
//! Adding a fused opcode takes three edits: a line at the end of the list below (new
//! opcodes are only ever appended, so old files keep their meaning), its arm in the
//! interpreter loop (`loxide-vm`'s `interp.rs`), and the optimizer rule that makes it
//! (`loxide-compiler`'s `ir/optimize.rs`). The IR instruction, its encoding, its dump,
//! its verification and its disassembly follow from the line.

/// The kind of an operand, which fixes its width and what the verifier checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A slot of the current frame (u8); must be below the current stack depth.
    Local,
    /// An index into the current closure's upvalues (u8).
    Upvalue,
    /// An argument count (u8).
    Argc,
    /// Any constant (u24).
    Const,
    /// A string constant used as a name (u24).
    Name,
    /// A function-prototype constant (u24).
    Func,
    /// A global variable slot (u24).
    Global,
    /// A forward byte offset from the end of the instruction (u32).
    JumpForward,
    /// A backward byte offset from the end of the instruction (u32).
    JumpBack,
}

impl Operand {
    pub const fn width(self) -> usize {
        match self {
            Operand::Local | Operand::Upvalue | Operand::Argc => 1,
            Operand::Const | Operand::Name | Operand::Func | Operand::Global => 3,
            Operand::JumpForward | Operand::JumpBack => 4,
        }
    }

    /// True for the jump offsets.
    pub const fn is_jump(self) -> bool {
        matches!(self, Operand::JumpForward | Operand::JumpBack)
    }

    pub const fn doc_name(self) -> &'static str {
        match self {
            Operand::Local => "slot:u8",
            Operand::Upvalue => "upvalue:u8",
            Operand::Argc => "argc:u8",
            Operand::Const => "const:u24",
            Operand::Name => "name:u24",
            Operand::Func => "function:u24",
            Operand::Global => "global:u24",
            Operand::JumpForward => "+offset:u32",
            Operand::JumpBack => "-offset:u32",
        }
    }
}

/// How many values an instruction pops: a fixed number, or the instruction's
/// argument count plus a fixed number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pops {
    Fixed(u8),
    ArgcPlus(u8),
}

/// Where control goes after an instruction: what the verifier's walk, the optimizer's
/// dead-code pass and `Op::is_terminator` all read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// On to the next instruction.
    Next,
    /// To the jump operand's target or on to the next instruction.
    Branch,
    /// Always to the jump operand's target.
    Goto,
    /// Out of the function, closing the upvalues of its frame.
    Return,
}

impl Flow {
    /// True when control may continue with the next instruction.
    pub const fn falls_through(self) -> bool {
        matches!(self, Flow::Next | Flow::Branch)
    }

    /// True when control may go to the jump operand's target.
    pub const fn jumps(self) -> bool {
        matches!(self, Flow::Branch | Flow::Goto)
    }

    /// The name in the opcode table of `docs/bytecode.md`.
    pub const fn doc_name(self) -> &'static str {
        match self {
            Flow::Next => "next",
            Flow::Branch => "branch",
            Flow::Goto => "goto",
            Flow::Return => "return",
        }
    }
}

/// Calls the macro `$callback` with the list of opcodes, in encoding order, so that
/// other crates can generate code from the same list (the compiler's IR instructions).
///
/// Each entry is `Name = "TEXT" (field: Kind, ...) pops Fixed(n) | ArgcPlus(n) pushes n
/// flow Next | Branch | Goto | Return;`, after its `///` doc line. The operand list is
/// left out, parentheses and all, when the opcode has no operands; a field name names
/// the operand where code binds it, and `Kind` is a variant of `Operand`. A callback
/// matches it with
///
/// ```text
/// $( $(#[doc = $doc:literal])* $name:ident = $text:literal
///    $( ( $($field:ident : $kind:ident),+ ) )?
///    pops $pops:ident($n:literal) pushes $pushes:literal flow $flow:ident; )*
/// ```
///
/// Invoke it where items go (`for_each_opcode!(my_callback);`): the callback's
/// expansion must be items, such as an enum or a function built from the list.
#[macro_export]
macro_rules! for_each_opcode {
    ($callback:path) => {
        $callback! {
            /// Push a constant.
            Constant = "CONSTANT" (constant: Const) pops Fixed(0) pushes 1 flow Next;
            /// Push nil.
            Nil = "NIL" pops Fixed(0) pushes 1 flow Next;
            /// Push true.
            True = "TRUE" pops Fixed(0) pushes 1 flow Next;
            /// Push false.
            False = "FALSE" pops Fixed(0) pushes 1 flow Next;
            /// Discard the top of the stack.
            Pop = "POP" pops Fixed(1) pushes 0 flow Next;
            /// Push a local of the current frame.
            GetLocal = "GET_LOCAL" (slot: Local) pops Fixed(0) pushes 1 flow Next;
            /// Store the top of the stack (kept) into a local.
            SetLocal = "SET_LOCAL" (slot: Local) pops Fixed(1) pushes 1 flow Next;
            /// Push a global; a runtime error if it is undefined.
            GetGlobal = "GET_GLOBAL" (global: Global) pops Fixed(0) pushes 1 flow Next;
            /// Pop a value into a global, defining it.
            DefineGlobal = "DEFINE_GLOBAL" (global: Global) pops Fixed(1) pushes 0 flow Next;
            /// Store the top of the stack (kept) into an existing global.
            SetGlobal = "SET_GLOBAL" (global: Global) pops Fixed(1) pushes 1 flow Next;
            /// Push a captured variable.
            GetUpvalue = "GET_UPVALUE" (upvalue: Upvalue) pops Fixed(0) pushes 1 flow Next;
            /// Store the top of the stack (kept) into a captured variable.
            SetUpvalue = "SET_UPVALUE" (upvalue: Upvalue) pops Fixed(1) pushes 1 flow Next;
            /// Replace an instance with its field or bound method.
            GetProperty = "GET_PROPERTY" (name: Name) pops Fixed(1) pushes 1 flow Next;
            /// Store a value into an instance's field; leave the value.
            SetProperty = "SET_PROPERTY" (name: Name) pops Fixed(2) pushes 1 flow Next;
            /// Pop a superclass and `this`; push the superclass method bound to `this`.
            GetSuper = "GET_SUPER" (name: Name) pops Fixed(2) pushes 1 flow Next;
            /// Compare two values for equality.
            Equal = "EQUAL" pops Fixed(2) pushes 1 flow Next;
            /// Compare two numbers.
            Greater = "GREATER" pops Fixed(2) pushes 1 flow Next;
            /// Compare two numbers.
            Less = "LESS" pops Fixed(2) pushes 1 flow Next;
            /// Add two numbers or concatenate two strings.
            Add = "ADD" pops Fixed(2) pushes 1 flow Next;
            /// Subtract two numbers.
            Subtract = "SUBTRACT" pops Fixed(2) pushes 1 flow Next;
            /// Multiply two numbers.
            Multiply = "MULTIPLY" pops Fixed(2) pushes 1 flow Next;
            /// Divide two numbers.
            Divide = "DIVIDE" pops Fixed(2) pushes 1 flow Next;
            /// Logical negation of truthiness.
            Not = "NOT" pops Fixed(1) pushes 1 flow Next;
            /// Negate a number.
            Negate = "NEGATE" pops Fixed(1) pushes 1 flow Next;
            /// Pop and print a value and a newline.
            Print = "PRINT" pops Fixed(1) pushes 0 flow Next;
            /// Jump forward.
            Jump = "JUMP" (target: JumpForward) pops Fixed(0) pushes 0 flow Goto;
            /// Jump forward if the top of the stack (kept) is falsey.
            JumpIfFalse = "JUMP_IF_FALSE" (target: JumpForward) pops Fixed(1) pushes 1 flow Branch;
            /// Jump backward.
            Loop = "LOOP" (target: JumpBack) pops Fixed(0) pushes 0 flow Goto;
            /// Call the callee below the arguments.
            Call = "CALL" (argc: Argc) pops ArgcPlus(1) pushes 1 flow Next;
            /// Call a receiver's method by name: a property read and call in one.
            Invoke = "INVOKE" (name: Name, argc: Argc) pops ArgcPlus(1) pushes 1 flow Next;
            /// Call a superclass method on `this` (below the arguments; superclass on top).
            SuperInvoke = "SUPER_INVOKE" (name: Name, argc: Argc) pops ArgcPlus(2) pushes 1 flow Next;
            /// Create a closure of a function, capturing its upvalues.
            Closure = "CLOSURE" (function: Func) pops Fixed(0) pushes 1 flow Next;
            /// Move the captured local on top of the stack to the heap, and pop it.
            CloseUpvalue = "CLOSE_UPVALUE" pops Fixed(1) pushes 0 flow Next;
            /// Return the top of the stack from the current function.
            Return = "RETURN" pops Fixed(1) pushes 0 flow Return;
            /// Create a class.
            Class = "CLASS" (name: Name) pops Fixed(0) pushes 1 flow Next;
            /// Copy the superclass's methods into the class on top; pop the class.
            Inherit = "INHERIT" pops Fixed(2) pushes 1 flow Next;
            /// Pop a closure into a method of the class below it.
            Method = "METHOD" (name: Name) pops Fixed(1) pushes 0 flow Next;
            // clox's instruction set ends here; the rest are loxide's own, fused
            // instructions chosen from the benchmarks' opcode-pair profile.
            /// Pop the condition; jump forward if it is falsey.
            JumpIfFalsePop = "JUMP_IF_FALSE_POP" (target: JumpForward) pops Fixed(1) pushes 0 flow Branch;
            /// Pop two numbers; jump forward unless the first is less than the second.
            JumpUnlessLess = "JUMP_UNLESS_LESS" (target: JumpForward) pops Fixed(2) pushes 0 flow Branch;
            /// Pop two numbers; jump forward unless the first is greater than the second.
            JumpUnlessGreater = "JUMP_UNLESS_GREATER" (target: JumpForward) pops Fixed(2) pushes 0 flow Branch;
            /// Pop two values; jump forward unless they are equal.
            JumpUnlessEqual = "JUMP_UNLESS_EQUAL" (target: JumpForward) pops Fixed(2) pushes 0 flow Branch;
            /// Pop two numbers; jump forward if the first is less than the second.
            JumpIfLess = "JUMP_IF_LESS" (target: JumpForward) pops Fixed(2) pushes 0 flow Branch;
            /// Pop two numbers; jump forward if the first is greater than the second.
            JumpIfGreater = "JUMP_IF_GREATER" (target: JumpForward) pops Fixed(2) pushes 0 flow Branch;
            /// Pop two values; jump forward if they are equal.
            JumpIfEqual = "JUMP_IF_EQUAL" (target: JumpForward) pops Fixed(2) pushes 0 flow Branch;
            /// Pop a value into a local.
            SetLocalPop = "SET_LOCAL_POP" (slot: Local) pops Fixed(1) pushes 0 flow Next;
            /// Pop a value into an existing global.
            SetGlobalPop = "SET_GLOBAL_POP" (global: Global) pops Fixed(1) pushes 0 flow Next;
            /// Pop a value and an instance; store the value into the instance's field.
            SetPropertyPop = "SET_PROPERTY_POP" (name: Name) pops Fixed(2) pushes 0 flow Next;
            /// Add a constant to the top of the stack (numbers, or strings joined).
            AddConstant = "ADD_CONSTANT" (constant: Const) pops Fixed(1) pushes 1 flow Next;
            /// Subtract a constant from the number on top of the stack.
            SubtractConstant = "SUBTRACT_CONSTANT" (constant: Const) pops Fixed(1) pushes 1 flow Next;
            /// Push a field or bound method of the instance in a local (`GET_LOCAL` then `GET_PROPERTY`).
            GetLocalProperty = "GET_LOCAL_PROPERTY" (slot: Local, name: Name) pops Fixed(0) pushes 1 flow Next;
            /// Push two locals, the first operand's first.
            GetLocal2 = "GET_LOCAL_2" (first: Local, second: Local) pops Fixed(0) pushes 2 flow Next;
            /// Return nil from the current function.
            ReturnNil = "RETURN_NIL" pops Fixed(0) pushes 0 flow Return;
            /// Pop a number; jump forward unless it is less than the constant.
            JumpUnlessLessConstant = "JUMP_UNLESS_LESS_CONSTANT" (constant: Const, target: JumpForward) pops Fixed(1) pushes 0 flow Branch;
            /// Pop a number; jump forward unless it is greater than the constant.
            JumpUnlessGreaterConstant = "JUMP_UNLESS_GREATER_CONSTANT" (constant: Const, target: JumpForward) pops Fixed(1) pushes 0 flow Branch;
            /// Pop a value; jump forward unless it equals the constant.
            JumpUnlessEqualConstant = "JUMP_UNLESS_EQUAL_CONSTANT" (constant: Const, target: JumpForward) pops Fixed(1) pushes 0 flow Branch;
            /// Push a local plus a constant (numbers, or strings joined).
            AddLocalConstant = "ADD_LOCAL_CONSTANT" (slot: Local, constant: Const) pops Fixed(0) pushes 1 flow Next;
            /// Push a local minus a constant.
            SubtractLocalConstant = "SUBTRACT_LOCAL_CONSTANT" (slot: Local, constant: Const) pops Fixed(0) pushes 1 flow Next;
            /// Return a local from the current function.
            ReturnLocal = "RETURN_LOCAL" (slot: Local) pops Fixed(0) pushes 0 flow Return;
            /// Fail unless a global is defined: a global read whose value is dropped (the
            /// expression statement `name;`).
            CheckGlobal = "CHECK_GLOBAL" (global: Global) pops Fixed(0) pushes 0 flow Next;
            /// Add a constant to a local in place (numbers, or strings joined): `x = x + k;`.
            AddToLocal = "ADD_TO_LOCAL" (slot: Local, constant: Const) pops Fixed(0) pushes 0 flow Next;
            /// Subtract a constant from the number in a local, in place: `x = x - k;`.
            SubtractFromLocal = "SUBTRACT_FROM_LOCAL" (slot: Local, constant: Const) pops Fixed(0) pushes 0 flow Next;
            /// Jump forward unless two locals are equal.
            JumpUnlessLocalsEqual = "JUMP_UNLESS_LOCALS_EQUAL" (first: Local, second: Local, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward if two locals are equal.
            JumpIfLocalsEqual = "JUMP_IF_LOCALS_EQUAL" (first: Local, second: Local, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless the number in the first local is less than the second's.
            JumpUnlessLocalsLess = "JUMP_UNLESS_LOCALS_LESS" (first: Local, second: Local, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless the number in the first local is greater than the second's.
            JumpUnlessLocalsGreater = "JUMP_UNLESS_LOCALS_GREATER" (first: Local, second: Local, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless a local equals the constant.
            JumpUnlessLocalEqualConstant = "JUMP_UNLESS_LOCAL_EQUAL_CONSTANT" (slot: Local, constant: Const, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless the number in a local is less than the constant.
            JumpUnlessLocalLessConstant = "JUMP_UNLESS_LOCAL_LESS_CONSTANT" (slot: Local, constant: Const, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless the number in a local is greater than the constant.
            JumpUnlessLocalGreaterConstant = "JUMP_UNLESS_LOCAL_GREATER_CONSTANT" (slot: Local, constant: Const, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Multiply the number on top of the stack by a constant.
            MultiplyConstant = "MULTIPLY_CONSTANT" (constant: Const) pops Fixed(1) pushes 1 flow Next;
            /// Divide the number on top of the stack by a constant.
            DivideConstant = "DIVIDE_CONSTANT" (constant: Const) pops Fixed(1) pushes 1 flow Next;
            /// Jump forward if a local equals the constant.
            JumpIfLocalEqualConstant = "JUMP_IF_LOCAL_EQUAL_CONSTANT" (slot: Local, constant: Const, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward if a local is nil.
            JumpIfLocalNil = "JUMP_IF_LOCAL_NIL" (slot: Local, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless a local is nil.
            JumpUnlessLocalNil = "JUMP_UNLESS_LOCAL_NIL" (slot: Local, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Push the product of the numbers in two locals.
            MultiplyLocals = "MULTIPLY_LOCALS" (first: Local, second: Local) pops Fixed(0) pushes 1 flow Next;
            /// Copy a local into another: `x = y;`.
            CopyLocal = "COPY_LOCAL" (from: Local, to: Local) pops Fixed(0) pushes 0 flow Next;
            /// Pop a value and jump backward: the end of a loop body that declared a local.
            PopLoop = "POP_LOOP" (target: JumpBack) pops Fixed(1) pushes 0 flow Goto;
            /// Pop a value into a field of the instance in a local: `p.x = value;` when
            /// nothing in `value` can change `p`.
            SetLocalPropertyPop = "SET_LOCAL_PROPERTY_POP" (slot: Local, name: Name) pops Fixed(1) pushes 0 flow Next;
            /// Add a constant to a global in place (numbers, or strings joined): `g = g + k;`
            /// where `g` is surely defined. Fails like `GET_GLOBAL` if it is not.
            AddToGlobal = "ADD_TO_GLOBAL" (global: Global, constant: Const) pops Fixed(0) pushes 0 flow Next;
            /// Jump forward unless the number in a global is less than the constant. Fails
            /// like `GET_GLOBAL` if the global is not defined.
            JumpUnlessGlobalLessConstant = "JUMP_UNLESS_GLOBAL_LESS_CONSTANT" (global: Global, constant: Const, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Jump forward unless the number in a global is greater than the constant.
            /// Fails like `GET_GLOBAL` if the global is not defined.
            JumpUnlessGlobalGreaterConstant = "JUMP_UNLESS_GLOBAL_GREATER_CONSTANT" (global: Global, constant: Const, target: JumpForward) pops Fixed(0) pushes 0 flow Branch;
            /// Read a field or bound method of the instance in a local into a local:
            /// `x = y.f;`. Its slow path uses one stack slot above the top (`Op::scratch`).
            LoadLocalProperty = "LOAD_LOCAL_PROPERTY" (slot: Local, name: Name, to: Local) pops Fixed(0) pushes 0 flow Next;
            // The tests at the bottom of an inverted loop (`ir::optimize`'s
            // `invert_loops`): each is a forward test of the loop's exit turned into a
            // jump back to its top on the opposite outcome, in place of the `LOOP`, and
            // counts a step when it jumps back, as `LOOP` does.
            /// Pop the condition; jump backward unless it is falsey.
            LoopUnlessFalsePop = "LOOP_UNLESS_FALSE_POP" (target: JumpBack) pops Fixed(1) pushes 0 flow Branch;
            /// Pop two numbers; jump backward if the first is less than the second.
            LoopIfLess = "LOOP_IF_LESS" (target: JumpBack) pops Fixed(2) pushes 0 flow Branch;
            /// Pop two numbers; jump backward unless the first is greater than the second.
            LoopUnlessGreater = "LOOP_UNLESS_GREATER" (target: JumpBack) pops Fixed(2) pushes 0 flow Branch;
            /// Jump backward if the number in the first local is less than the second's.
            LoopIfLocalsLess = "LOOP_IF_LOCALS_LESS" (first: Local, second: Local, target: JumpBack) pops Fixed(0) pushes 0 flow Branch;
            /// Jump backward if the number in a local is less than the constant.
            LoopIfLocalLessConstant = "LOOP_IF_LOCAL_LESS_CONSTANT" (slot: Local, constant: Const, target: JumpBack) pops Fixed(0) pushes 0 flow Branch;
            /// Jump backward if the number in a local is greater than the constant.
            LoopIfLocalGreaterConstant = "LOOP_IF_LOCAL_GREATER_CONSTANT" (slot: Local, constant: Const, target: JumpBack) pops Fixed(0) pushes 0 flow Branch;
            /// Jump backward unless a local is nil.
            LoopUnlessLocalNil = "LOOP_UNLESS_LOCAL_NIL" (slot: Local, target: JumpBack) pops Fixed(0) pushes 0 flow Branch;
            /// Jump backward if the number in a global is less than the constant. Fails
            /// like `GET_GLOBAL` if the global is not defined.
            LoopIfGlobalLessConstant = "LOOP_IF_GLOBAL_LESS_CONSTANT" (global: Global, constant: Const, target: JumpBack) pops Fixed(0) pushes 0 flow Branch;
            /// Pop a number; jump forward if it is less than the constant (the first
            /// operand of an `or`: `x < 0 or ...`).
            JumpIfLessConstant = "JUMP_IF_LESS_CONSTANT" (constant: Const, target: JumpForward) pops Fixed(1) pushes 0 flow Branch;
            /// Pop a number; jump forward if it is greater than the constant.
            JumpIfGreaterConstant = "JUMP_IF_GREATER_CONSTANT" (constant: Const, target: JumpForward) pops Fixed(1) pushes 0 flow Branch;
            /// Pop a number; jump backward unless it is less than the constant (the
            /// bottom of an inverted `while (x >= k)`).
            LoopUnlessLessConstant = "LOOP_UNLESS_LESS_CONSTANT" (constant: Const, target: JumpBack) pops Fixed(1) pushes 0 flow Branch;
            /// Pop a number; jump backward unless it is greater than the constant (the
            /// bottom of an inverted `while (x <= k)`).
            LoopUnlessGreaterConstant = "LOOP_UNLESS_GREATER_CONSTANT" (constant: Const, target: JumpBack) pops Fixed(1) pushes 0 flow Branch;
        }
    };
}

/// The callback that generates `Op` and its tables.
macro_rules! define_op {
    ($( $(#[doc = $doc:literal])* $name:ident = $text:literal $( ( $($field:ident : $operand:ident),+ ) )? pops $pops:ident($n:literal) pushes $push:literal flow $flow:ident; )*) => {
        /// A bytecode opcode.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Op {
            $( $(#[doc = $doc])* $name, )*
        }

        /// Opcode bytes as constants, for `match` in the interpreter loop.
        #[allow(non_upper_case_globals)]
        pub mod byte {
            $( pub const $name: u8 = super::Op::$name as u8; )*
        }

        impl Op {
            /// Every opcode, in encoding order.
            pub const ALL: &'static [Op] = &[ $(Op::$name),* ];

            /// Decodes an opcode byte.
            #[inline]
            pub fn from_byte(byte: u8) -> Option<Op> {
                Op::ALL.get(byte as usize).copied()
            }

            /// The name shown by the disassembler.
            pub const fn name(self) -> &'static str {
                match self { $( Op::$name => $text, )* }
            }

            /// The operands, in encoding order.
            pub const fn operands(self) -> &'static [Operand] {
                match self { $( Op::$name => &[ $( $(Operand::$operand),+ )? ], )* }
            }

            pub const fn pops(self) -> Pops {
                match self { $( Op::$name => Pops::$pops($n), )* }
            }

            pub const fn pushes(self) -> u8 {
                match self { $( Op::$name => $push, )* }
            }

            /// Where control goes after the instruction.
            pub const fn flow(self) -> Flow {
                match self { $( Op::$name => Flow::$flow, )* }
            }

            /// The one-line description.
            pub const fn doc(self) -> &'static str {
                match self { $( Op::$name => concat!($($doc),*), )* }
            }
        }
    };
}

for_each_opcode!(define_op);

/// The most operands an instruction has.
pub const MAX_OPERANDS: usize = 3;

/// Each opcode's encoded size, opcode included, computed from the list at compile time
/// (the decoder asks for it at every instruction).
const SIZES: [u8; Op::ALL.len()] = {
    let mut sizes = [0; Op::ALL.len()];
    let mut i = 0;
    while i < Op::ALL.len() {
        let operands = Op::ALL[i].operands();
        let mut size = 1;
        let mut j = 0;
        while j < operands.len() {
            size += operands[j].width();
            j += 1;
        }
        sizes[i] = size as u8;
        i += 1;
    }
    sizes
};

impl Op {
    /// The stack slots an instruction may use above the depth it starts at, beyond
    /// what it pushes: `LOAD_LOCAL_PROPERTY` leaves the stack as it was, but its slow
    /// path (a cache miss, a method to bind) works on one value above the top. The
    /// verifier counts it into `max_stack`, so that slot exists.
    pub const fn scratch(self) -> u8 {
        match self {
            Op::LoadLocalProperty => 1,
            _ => 0,
        }
    }

    /// The encoded size of the instruction, opcode included.
    #[inline]
    pub const fn size(self) -> usize {
        SIZES[self as usize] as usize
    }

    /// False for the instructions that can never raise a runtime error (not even a
    /// limit's): the span table (`crate::spans`) records spans only for the others. An
    /// opcode is assumed to fail unless it is listed here.
    pub const fn may_fail(self) -> bool {
        use Op::*;
        !matches!(
            self,
            Constant
                | Nil
                | True
                | False
                | Pop
                | GetLocal
                | SetLocal
                | DefineGlobal
                | GetUpvalue
                | SetUpvalue
                | Equal
                | Not
                | Print
                | Jump
                | JumpIfFalse
                | JumpIfFalsePop
                | JumpUnlessEqual
                | JumpIfEqual
                | JumpUnlessEqualConstant
                | CloseUpvalue
                | Return
                | ReturnNil
                | ReturnLocal
                | SetLocalPop
                | GetLocal2
        )
    }

    /// True for instructions after which control never falls through.
    pub const fn is_terminator(self) -> bool {
        !self.flow().falls_through()
    }

    /// The Markdown opcode table of `docs/bytecode.md`.
    pub fn markdown_table() -> String {
        let mut out =
            String::from("| byte | opcode | operands | pops | pushes | flow | description |\n");
        out.push_str("|---:|---|---|---|---|---|---|\n");
        for (i, op) in Op::ALL.iter().enumerate() {
            let operands: Vec<&str> = op.operands().iter().map(|o| o.doc_name()).collect();
            let pops = match op.pops() {
                Pops::Fixed(n) => n.to_string(),
                Pops::ArgcPlus(n) => format!("argc+{n}"),
            };
            out.push_str(&format!(
                "| {i} | `{}` | {} | {pops} | {} | {} | {} |\n",
                op.name(),
                if operands.is_empty() {
                    "—".to_string()
                } else {
                    operands.join(", ")
                },
                op.pushes(),
                op.flow().doc_name(),
                op.doc().trim()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for (i, op) in Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
            assert_eq!(Op::from_byte(i as u8), Some(*op));
        }
        assert_eq!(Op::from_byte(Op::ALL.len() as u8), None);
    }

    #[test]
    fn operands_fit_the_verifier() {
        for op in Op::ALL {
            assert!(op.operands().len() <= MAX_OPERANDS, "{op:?}");
            let jumps = op.operands().iter().filter(|o| o.is_jump()).count();
            assert!(jumps <= 1, "{op:?} has more than one jump operand");
            if let Pops::ArgcPlus(_) = op.pops() {
                assert!(
                    op.operands().contains(&Operand::Argc),
                    "{op:?} pops its argument count but has none"
                );
            }
        }
    }

    /// The interpreter reads a 24-bit operand with a 4-byte load, which is in bounds
    /// only when another instruction follows: no instruction with one may end a
    /// function, so none may be a terminator.
    #[test]
    fn no_terminator_has_a_24_bit_operand() {
        for op in Op::ALL {
            let wide = op.operands().iter().any(|o| o.width() == 3);
            assert!(!(wide && op.is_terminator()), "{op:?}");
        }
    }

    /// The verifier follows a jump operand whatever the flow says, and the fall-through
    /// only when the flow says so: the two must tell the same story.
    #[test]
    fn flow_agrees_with_the_jump_operands() {
        for op in Op::ALL {
            let has_jump = op.operands().iter().any(|o| o.is_jump());
            assert_eq!(op.flow().jumps(), has_jump, "{op:?}");
        }
    }
}
