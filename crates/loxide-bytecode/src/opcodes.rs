//! The instruction set, declared exactly once.
//!
//! Each opcode is listed with its operands, its stack effect and a one-line doc. The
//! `Op` enum, operand sizes, the disassembler, the verifier's stack analysis and the
//! opcode table of `docs/bytecode.md` are all generated from this list; a unit test
//! fails when the document and the list disagree.

/// The kind of an operand, which fixes its width and what the verifier checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A slot of the current frame (u8); must be below the current stack depth.
    Local,
    /// An index into the current closure's upvalues (u8).
    Upvalue,
    /// An argument count (u8).
    Argc,
    /// Any constant (u16).
    Const,
    /// A string constant used as a name (u16).
    Name,
    /// A function-prototype constant (u16).
    Func,
    /// A global variable slot (u16).
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
            Operand::Const | Operand::Name | Operand::Func | Operand::Global => 2,
            Operand::JumpForward | Operand::JumpBack => 4,
        }
    }

    pub const fn doc_name(self) -> &'static str {
        match self {
            Operand::Local => "slot:u8",
            Operand::Upvalue => "upvalue:u8",
            Operand::Argc => "argc:u8",
            Operand::Const => "const:u16",
            Operand::Name => "name:u16",
            Operand::Func => "function:u16",
            Operand::Global => "global:u16",
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

macro_rules! opcodes {
    ($( $(#[doc = $doc:literal])* $name:ident = $text:literal ( $($operand:ident),* ) pops $pops:ident($n:literal) pushes $push:literal; )*) => {
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
                match self { $( Op::$name => &[ $(Operand::$operand),* ], )* }
            }

            pub const fn pops(self) -> Pops {
                match self { $( Op::$name => Pops::$pops($n), )* }
            }

            pub const fn pushes(self) -> u8 {
                match self { $( Op::$name => $push, )* }
            }

            /// The one-line description.
            pub const fn doc(self) -> &'static str {
                match self { $( Op::$name => concat!($($doc),*), )* }
            }
        }
    };
}

opcodes! {
    /// Push a constant.
    Constant = "CONSTANT" (Const) pops Fixed(0) pushes 1;
    /// Push nil.
    Nil = "NIL" () pops Fixed(0) pushes 1;
    /// Push true.
    True = "TRUE" () pops Fixed(0) pushes 1;
    /// Push false.
    False = "FALSE" () pops Fixed(0) pushes 1;
    /// Discard the top of the stack.
    Pop = "POP" () pops Fixed(1) pushes 0;
    /// Push a local of the current frame.
    GetLocal = "GET_LOCAL" (Local) pops Fixed(0) pushes 1;
    /// Store the top of the stack (kept) into a local.
    SetLocal = "SET_LOCAL" (Local) pops Fixed(1) pushes 1;
    /// Push a global; a runtime error if it is undefined.
    GetGlobal = "GET_GLOBAL" (Global) pops Fixed(0) pushes 1;
    /// Pop a value into a global, defining it.
    DefineGlobal = "DEFINE_GLOBAL" (Global) pops Fixed(1) pushes 0;
    /// Store the top of the stack (kept) into an existing global.
    SetGlobal = "SET_GLOBAL" (Global) pops Fixed(1) pushes 1;
    /// Push a captured variable.
    GetUpvalue = "GET_UPVALUE" (Upvalue) pops Fixed(0) pushes 1;
    /// Store the top of the stack (kept) into a captured variable.
    SetUpvalue = "SET_UPVALUE" (Upvalue) pops Fixed(1) pushes 1;
    /// Replace an instance with its field or bound method.
    GetProperty = "GET_PROPERTY" (Name) pops Fixed(1) pushes 1;
    /// Store a value into an instance's field; leave the value.
    SetProperty = "SET_PROPERTY" (Name) pops Fixed(2) pushes 1;
    /// Pop a superclass and `this`; push the superclass method bound to `this`.
    GetSuper = "GET_SUPER" (Name) pops Fixed(2) pushes 1;
    /// Compare two values for equality.
    Equal = "EQUAL" () pops Fixed(2) pushes 1;
    /// Compare two numbers.
    Greater = "GREATER" () pops Fixed(2) pushes 1;
    /// Compare two numbers.
    Less = "LESS" () pops Fixed(2) pushes 1;
    /// Add two numbers or concatenate two strings.
    Add = "ADD" () pops Fixed(2) pushes 1;
    /// Subtract two numbers.
    Subtract = "SUBTRACT" () pops Fixed(2) pushes 1;
    /// Multiply two numbers.
    Multiply = "MULTIPLY" () pops Fixed(2) pushes 1;
    /// Divide two numbers.
    Divide = "DIVIDE" () pops Fixed(2) pushes 1;
    /// Logical negation of truthiness.
    Not = "NOT" () pops Fixed(1) pushes 1;
    /// Negate a number.
    Negate = "NEGATE" () pops Fixed(1) pushes 1;
    /// Pop and print a value and a newline.
    Print = "PRINT" () pops Fixed(1) pushes 0;
    /// Jump forward.
    Jump = "JUMP" (JumpForward) pops Fixed(0) pushes 0;
    /// Jump forward if the top of the stack (kept) is falsey.
    JumpIfFalse = "JUMP_IF_FALSE" (JumpForward) pops Fixed(1) pushes 1;
    /// Jump backward.
    Loop = "LOOP" (JumpBack) pops Fixed(0) pushes 0;
    /// Call the callee below the arguments.
    Call = "CALL" (Argc) pops ArgcPlus(1) pushes 1;
    /// Call a receiver's method by name: a property read and call in one.
    Invoke = "INVOKE" (Name, Argc) pops ArgcPlus(1) pushes 1;
    /// Call a superclass method on `this` (below the arguments; superclass on top).
    SuperInvoke = "SUPER_INVOKE" (Name, Argc) pops ArgcPlus(2) pushes 1;
    /// Create a closure of a function, capturing its upvalues.
    Closure = "CLOSURE" (Func) pops Fixed(0) pushes 1;
    /// Move the captured local on top of the stack to the heap, and pop it.
    CloseUpvalue = "CLOSE_UPVALUE" () pops Fixed(1) pushes 0;
    /// Return the top of the stack from the current function.
    Return = "RETURN" () pops Fixed(1) pushes 0;
    /// Create a class.
    Class = "CLASS" (Name) pops Fixed(0) pushes 1;
    /// Copy the superclass's methods into the class on top; pop the class.
    Inherit = "INHERIT" () pops Fixed(2) pushes 1;
    /// Pop a closure into a method of the class below it.
    Method = "METHOD" (Name) pops Fixed(1) pushes 0;
    /// Pop the condition; jump forward if it is falsey.
    JumpIfFalsePop = "JUMP_IF_FALSE_POP" (JumpForward) pops Fixed(1) pushes 0;
    /// Pop two numbers; jump forward unless the first is less than the second.
    JumpUnlessLess = "JUMP_UNLESS_LESS" (JumpForward) pops Fixed(2) pushes 0;
    /// Pop two numbers; jump forward unless the first is greater than the second.
    JumpUnlessGreater = "JUMP_UNLESS_GREATER" (JumpForward) pops Fixed(2) pushes 0;
    /// Pop two values; jump forward unless they are equal.
    JumpUnlessEqual = "JUMP_UNLESS_EQUAL" (JumpForward) pops Fixed(2) pushes 0;
    /// Pop two numbers; jump forward if the first is less than the second.
    JumpIfLess = "JUMP_IF_LESS" (JumpForward) pops Fixed(2) pushes 0;
    /// Pop two numbers; jump forward if the first is greater than the second.
    JumpIfGreater = "JUMP_IF_GREATER" (JumpForward) pops Fixed(2) pushes 0;
    /// Pop two values; jump forward if they are equal.
    JumpIfEqual = "JUMP_IF_EQUAL" (JumpForward) pops Fixed(2) pushes 0;
    /// Pop a value into a local.
    SetLocalPop = "SET_LOCAL_POP" (Local) pops Fixed(1) pushes 0;
    /// Pop a value into an existing global.
    SetGlobalPop = "SET_GLOBAL_POP" (Global) pops Fixed(1) pushes 0;
    /// Pop a value and an instance; store the value into the instance's field.
    SetPropertyPop = "SET_PROPERTY_POP" (Name) pops Fixed(2) pushes 0;
    /// Add a constant to the top of the stack (numbers, or strings joined).
    AddConstant = "ADD_CONSTANT" (Const) pops Fixed(1) pushes 1;
    /// Subtract a constant from the number on top of the stack.
    SubtractConstant = "SUBTRACT_CONSTANT" (Const) pops Fixed(1) pushes 1;
    /// Push a field or bound method of the instance in a local (`GET_LOCAL` then `GET_PROPERTY`).
    GetLocalProperty = "GET_LOCAL_PROPERTY" (Local, Name) pops Fixed(0) pushes 1;
    /// Push two locals, the first operand's first.
    GetLocal2 = "GET_LOCAL_2" (Local, Local) pops Fixed(0) pushes 2;
    /// Return nil from the current function.
    ReturnNil = "RETURN_NIL" () pops Fixed(0) pushes 0;
    /// Pop a number; jump forward unless it is less than the constant.
    JumpUnlessLessConstant = "JUMP_UNLESS_LESS_CONSTANT" (Const, JumpForward) pops Fixed(1) pushes 0;
    /// Pop a number; jump forward unless it is greater than the constant.
    JumpUnlessGreaterConstant = "JUMP_UNLESS_GREATER_CONSTANT" (Const, JumpForward) pops Fixed(1) pushes 0;
    /// Pop a value; jump forward unless it equals the constant.
    JumpUnlessEqualConstant = "JUMP_UNLESS_EQUAL_CONSTANT" (Const, JumpForward) pops Fixed(1) pushes 0;
    /// Push a local plus a constant (numbers, or strings joined).
    AddLocalConstant = "ADD_LOCAL_CONSTANT" (Local, Const) pops Fixed(0) pushes 1;
    /// Push a local minus a constant.
    SubtractLocalConstant = "SUBTRACT_LOCAL_CONSTANT" (Local, Const) pops Fixed(0) pushes 1;
    /// Return a local from the current function.
    ReturnLocal = "RETURN_LOCAL" (Local) pops Fixed(0) pushes 0;
}

/// The most operands an instruction has.
pub const MAX_OPERANDS: usize = 3;

impl Op {
    /// The encoded size of the instruction, opcode included.
    pub fn size(self) -> usize {
        1 + self.operands().iter().map(|o| o.width()).sum::<usize>()
    }

    /// True for instructions after which control never falls through.
    pub fn is_terminator(self) -> bool {
        matches!(
            self,
            Op::Return | Op::ReturnNil | Op::ReturnLocal | Op::Jump | Op::Loop
        )
    }

    /// The Markdown opcode table of `docs/bytecode.md`.
    pub fn markdown_table() -> String {
        let mut out = String::from("| byte | opcode | operands | pops | pushes | description |\n");
        out.push_str("|---:|---|---|---|---|---|\n");
        for (i, op) in Op::ALL.iter().enumerate() {
            let operands: Vec<&str> = op.operands().iter().map(|o| o.doc_name()).collect();
            let pops = match op.pops() {
                Pops::Fixed(n) => n.to_string(),
                Pops::ArgcPlus(n) => format!("argc+{n}"),
            };
            out.push_str(&format!(
                "| {i} | `{}` | {} | {pops} | {} | {} |\n",
                op.name(),
                if operands.is_empty() {
                    "—".to_string()
                } else {
                    operands.join(", ")
                },
                op.pushes(),
                op.doc()
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
            let jumps = op
                .operands()
                .iter()
                .filter(|o| matches!(o, Operand::JumpForward | Operand::JumpBack))
                .count();
            assert!(jumps <= 1, "{op:?} has more than one jump operand");
        }
    }
}
