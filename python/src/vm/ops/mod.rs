//! Opcode handlers, one file per family, named as in `bytecode/opcodes.rs`. Each handler is
//! small: the semantics live in the VM's protocol methods, which builtins share.

pub(crate) mod attributes;
pub(crate) mod binary_ops;
pub(crate) mod build;
pub(crate) mod call;
pub(crate) mod class;
pub(crate) mod compare;
pub(crate) mod control_flow;
pub(crate) mod exceptions;
pub(crate) mod import;
pub(crate) mod iteration;
pub(crate) mod load_store;
pub(crate) mod stack;
pub(crate) mod subscript;
