//! Stack depth for the recursive parts of the interpreter.

/// Runs `f` with enough stack for one more level of a deeply nested program or value: the
/// parser accepts `1 + 1 + … + 1` a thousand terms deep and `repr` meets tuples nested as deep
/// as memory allows, so the recursion in the compiler and in the object protocols must not
/// overflow the (small, on wasm workers) thread stack. ruff's parser grows its stack the same
/// way.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}
