//! The virtual machine: one [`Vm`] per Python thread, all sharing one [`Interp`] per run.
//!
//! Frames live on a heap stack (`Vm::current` on top of `Vm::frames`): a Python→Python call
//! pushes a frame and the same
//! loop goes on, so deep Python recursion never grows the Rust stack (small on wasm workers).
//! Only calls from Rust back into Python (a `key=` function, `__init__`, a class body) run a
//! nested loop, and they count against the same recursion limit.

mod arithmetic;
mod attributes;
mod call;
mod error;
mod generator;
mod interp;
mod items;
mod iterate;
pub(crate) mod ops;
mod protocols;
mod traceback;

pub use error::{PyErr, PyResult};
pub use interp::{InputLine, Interp, Limits, OutputSink, Stream};
pub use traceback::format_exception;

use std::sync::Arc;

use crate::bytecode::{dispatch, Code, Instruction};
use crate::objects::{Cell, Dict, Function, Value};

/// What an opcode handler returns; `Err` starts unwinding.
pub type OpResult = PyResult<()>;

/// An exception handler pushed by `SetupExcept`.
#[derive(Clone, Copy)]
pub(crate) struct Block {
    handler: u32,
    stack_depth: u32,
    handled_depth: u32,
}

/// The fewest values a frame's operand stack and fast locals have room for: 256 bytes, so that
/// what a thread writes at every instruction never shares a cache line (or the line pair
/// Intel's prefetcher fetches together) with another thread's. In the browser every thread
/// allocates from one heap (dlmalloc in the shared wasm memory), and two threads' frames made
/// at the same time sat side by side: two CPU-bound threads ran 1.59× faster than one instead
/// of 1.90×. Natively each thread has its own malloc arena, so this costs only a little memory.
const HOT_BUFFER_VALUES: usize = 16;

/// One activation of a code object. Aligned to two cache lines, for the reason given at
/// [`HOT_BUFFER_VALUES`]: its `ip` and buffer pointers change at every instruction.
#[repr(align(128))]
pub struct Frame {
    pub code: Arc<Code>,
    /// `code`'s instructions, by address; see [`Instructions`].
    instructions: Instructions,
    /// Index of the next instruction.
    pub ip: usize,
    pub stack: Vec<Value>,
    /// Fast locals, by `varnames` slot; `None` is unbound.
    pub fast: Vec<Option<Value>>,
    /// `code.cellvars` then `code.freevars`.
    pub cells: Vec<Arc<Cell>>,
    pub globals: Arc<Dict>,
    /// The namespace `LoadName`/`StoreName` use: the module's globals or a class body's dict.
    pub namespace: Option<Arc<Dict>>,
    pub(crate) blocks: Vec<Block>,
    /// Handled-exception depth when the frame started; returning restores it.
    pub(crate) handled_base: usize,
    /// Distinguishes activations in tracebacks.
    pub id: u64,
}

/// A code object's instructions, held by address in its frame: the dispatch loop then reaches
/// the next instruction in two dependent loads (the frame, the instruction), not four (the
/// frame, its code, the code's vector, the instruction). In WebAssembly that chain was the
/// largest single cost of the loop (see docs/BENCHMARKS.md).
#[derive(Clone, Copy)]
pub(crate) struct Instructions {
    start: std::ptr::NonNull<Instruction>,
    len: usize,
}

// SAFETY: an `Instructions` is only read, and only while the frame holding it also holds the
// `Arc<Code>` that owns the instructions, which are never changed after compilation.
unsafe impl Send for Instructions {}
unsafe impl Sync for Instructions {}

impl Instructions {
    fn of(code: &Code) -> Instructions {
        Instructions {
            start: std::ptr::NonNull::from(code.instructions.as_slice()).cast(),
            len: code.instructions.len(),
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self, index: usize) -> Option<Instruction> {
        // SAFETY: in bounds, of a slice that outlives `self` (see above).
        (index < self.len).then(|| unsafe { *self.start.as_ptr().add(index) })
    }
}

impl Frame {
    /// Runs `code` from now on (a recycled frame).
    fn set_code(&mut self, code: Arc<Code>) {
        self.instructions = Instructions::of(&code);
        self.code = code;
    }

    /// The instruction at `ip`.
    #[inline(always)]
    pub(crate) fn instruction(&self, ip: usize) -> Option<Instruction> {
        self.instructions.get(ip)
    }

    #[inline]
    pub fn push(&mut self, value: Value) {
        self.stack.push(value);
    }

    #[inline]
    pub fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("operand stack underflow: compiler bug")
    }

    /// Pops a value the caller has just matched as inline (see [`Value::overwrite`] for why
    /// skipping its drop matters).
    #[inline(always)]
    pub(crate) fn pop_inline(&mut self) {
        let top = self.stack.pop();
        debug_assert!(top.as_ref().is_some_and(Value::is_inline));
        // Forgetting an inline value is dropping it: it owns nothing.
        std::mem::forget(top);
    }

    /// Replaces the top value, which the caller has just matched as inline.
    #[inline(always)]
    pub(crate) fn replace_inline_top(&mut self, value: Value) {
        if let Some(top) = self.stack.last_mut() {
            debug_assert!(top.is_inline());
            std::mem::forget(std::mem::replace(top, value));
        }
    }

    #[inline]
    pub fn top(&self) -> &Value {
        self.stack
            .last()
            .expect("operand stack underflow: compiler bug")
    }

    /// The `n` topmost values, in push order.
    pub fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// The 1-based source line being executed.
    pub fn line(&self) -> u32 {
        self.code.line_of(self.ip.saturating_sub(1))
    }
}

/// A Python thread's interpreter state.
pub struct Vm {
    pub interp: Arc<Interp>,
    /// The running frame, in a field of its own: the run loop reaches it with one load fewer
    /// than the top of a vector.
    pub(crate) current: Option<Box<Frame>>,
    /// The frames below `current` (its callers), innermost last. Boxed, so a call or a return
    /// moves a pointer rather than the whole frame.
    #[allow(clippy::vec_box)]
    frames: Vec<Box<Frame>>,
    /// Exceptions being handled (`except` blocks entered and not yet left), innermost last.
    pub(crate) handled: Vec<Value>,
    /// Set by `ReturnValue` when the frame a run loop started with returns.
    returned: Option<Value>,
    /// Frames below the innermost run loop's first frame.
    loop_base: usize,
    /// Set by `YieldValue`: the generator frame that just suspended, for `resume` to keep.
    suspended: Option<Box<Frame>>,
    /// Instructions until the next scheduler tick.
    countdown: u32,
    /// Instructions ticked past but not yet added to the run's count (see
    /// `Interp::count_batch`).
    uncounted: u64,
    /// Nested Rust→Python calls, which do use the Rust stack.
    native_depth: usize,
    /// Containers whose `repr` is being built, to print a cycle as `[...]`.
    pub(crate) repr_in_progress: Vec<usize>,
    /// Finished frames, emptied and reused by the next calls: a call then allocates nothing.
    #[allow(clippy::vec_box)]
    spare_frames: Vec<Box<Frame>>,
    /// This thread's prefix for frame ids, and its counter.
    frame_ids: (u64, u64),
    /// Recent method lookups on classes (`LoadMethod`), valid until a class dict changes.
    pub(crate) lookup_cache:
        Box<[crate::objects::class::LookupCacheEntry; crate::objects::class::LOOKUP_CACHE_SIZE]>,
    _learner_code: crate::LearnerCodeOnThisThread,
}

/// Frames worth keeping for reuse; deeper recursion allocates afresh.
const SPARE_FRAMES: usize = 64;

impl Vm {
    pub fn new(interp: Arc<Interp>) -> Vm {
        let countdown = interp.tick_interval;
        let serial = interp_vm_serial(&interp);
        Vm {
            interp,
            current: None,
            frames: Vec::new(),
            handled: Vec::new(),
            returned: None,
            loop_base: 0,
            suspended: None,
            countdown,
            uncounted: 0,
            native_depth: 0,
            repr_in_progress: Vec::new(),
            spare_frames: Vec::new(),
            frame_ids: (serial << 32, 0),
            lookup_cache: crate::objects::class::new_lookup_cache(),
            _learner_code: crate::LearnerCodeOnThisThread::enter(),
        }
    }

    fn next_frame_id(&mut self) -> u64 {
        self.frame_ids.1 += 1;
        self.frame_ids.0 | (self.frame_ids.1 & 0xffff_ffff)
    }

    /// An empty fast-locals buffer with room for `slots`, from a finished frame if possible.
    pub(crate) fn take_fast(&mut self, slots: usize) -> Vec<Option<Value>> {
        match self.spare_frames.last_mut() {
            Some(spare) => {
                let mut fast = std::mem::take(&mut spare.fast);
                fast.reserve(slots.max(HOT_BUFFER_VALUES));
                fast
            }
            None => Vec::with_capacity(slots.max(HOT_BUFFER_VALUES)),
        }
    }

    #[inline]
    pub fn frame(&mut self) -> &mut Frame {
        self.current.as_deref_mut().expect("no frame")
    }

    /// Frames on this thread's stack, the running one included.
    #[inline]
    fn depth(&self) -> usize {
        self.frames.len() + self.current.is_some() as usize
    }

    /// The current source line, for "internal error" reports.
    pub fn current_line(&self) -> Option<u32> {
        self.current.as_ref().map(|frame| frame.line())
    }

    /// Builds the frame for running `code` as a module body or class body.
    pub fn namespace_frame(
        &mut self,
        code: Arc<Code>,
        globals: Arc<Dict>,
        namespace: Arc<Dict>,
        closure: Vec<Arc<Cell>>,
    ) -> Box<Frame> {
        let mut cells: Vec<Arc<Cell>> = code.cellvars.iter().map(|_| Cell::new(None)).collect();
        cells.extend(closure);
        Box::new(Frame {
            fast: vec![None; code.varnames.len()],
            instructions: Instructions::of(&code),
            code,
            ip: 0,
            stack: Vec::with_capacity(HOT_BUFFER_VALUES),
            cells,
            globals,
            namespace: Some(namespace),
            blocks: Vec::new(),
            handled_base: self.handled.len(),
            id: self.next_frame_id(),
        })
    }

    /// The frame for a call of `function`, with its arguments already bound to slots.
    pub(crate) fn function_frame(
        &mut self,
        function: &Function,
        mut fast: Vec<Option<Value>>,
    ) -> Box<Frame> {
        let code = &function.code;
        let mut frame = match self.spare_frames.pop() {
            Some(mut frame) => {
                frame.set_code(code.clone());
                frame.globals = function.globals.clone();
                frame.ip = 0;
                frame
            }
            None => Box::new(Frame {
                instructions: Instructions::of(code),
                code: code.clone(),
                ip: 0,
                stack: Vec::with_capacity(HOT_BUFFER_VALUES),
                fast: Vec::new(),
                cells: Vec::new(),
                globals: function.globals.clone(),
                namespace: None,
                blocks: Vec::new(),
                handled_base: 0,
                id: 0,
            }),
        };
        for _ in 0..code.cellvars.len() {
            frame.cells.push(Cell::new(None));
        }
        for &(slot, cell) in &code.cell_parameters {
            frame.cells[cell as usize].set(fast[slot as usize].take());
        }
        frame.cells.extend(function.closure.iter().cloned());
        frame.fast = fast;
        frame.handled_base = self.handled.len();
        frame.id = self.next_frame_id();
        frame
    }

    /// Pushes a frame, failing with `RecursionError` past the limit.
    pub(crate) fn push_frame(&mut self, frame: Box<Frame>) -> PyResult<()> {
        if self.depth() >= self.interp.limits.recursion_limit {
            return Err(PyErr::new(
                crate::objects::types::ExcKind::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        if let Some(caller) = self.current.replace(frame) {
            self.frames.push(caller);
        }
        Ok(())
    }

    /// Runs `frame` to completion on a nested loop and returns its result: how Rust code
    /// calls into Python.
    pub fn run_frame(&mut self, frame: Box<Frame>) -> PyResult<Value> {
        if self.native_depth >= self.interp.limits.native_depth_limit {
            return Err(PyErr::new(
                crate::objects::types::ExcKind::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        self.push_frame(frame)?;
        let base = self.depth() - 1;
        let outer_base = std::mem::replace(&mut self.loop_base, base);
        self.native_depth += 1;
        let result = self.run_loop(base);
        self.native_depth -= 1;
        self.loop_base = outer_base;
        result
    }

    /// Executes until the frame at index `base` returns (its value) or an exception escapes it.
    fn run_loop(&mut self, base: usize) -> PyResult<Value> {
        loop {
            let frame = self
                .current
                .as_deref_mut()
                .expect("run loop without a frame");
            let instruction = frame
                .instruction(frame.ip)
                .expect("ran past the end of the code: compiler bug");
            frame.ip += 1;
            self.countdown -= 1;
            let outcome = if self.countdown == 0 {
                self.tick().and_then(|()| dispatch(self, instruction))
            } else {
                dispatch(self, instruction)
            };
            if let Err(error) = outcome {
                if error.is_returning() {
                    return Ok(self.returned.take().unwrap_or(Value::None));
                }
                self.unwind(error, base)?;
            }
        }
    }

    /// One step of a loop that runs in Rust rather than bytecode: it counts as an instruction.
    #[inline]
    pub(crate) fn native_step(&mut self) -> PyResult<()> {
        self.countdown -= 1;
        if self.countdown == 0 {
            self.tick()?;
        }
        Ok(())
    }

    /// Adds the instructions this thread ran and has not counted yet to the run's count (at
    /// a thread's end).
    pub fn flush_instruction_count(&mut self) {
        let ran = std::mem::take(&mut self.uncounted)
            + u64::from(self.interp.tick_interval - self.countdown);
        self.countdown = self.interp.tick_interval;
        let _ = self.interp.count_instructions(ran);
    }

    /// A scheduling point: lets the GIL change hands, the deterministic scheduler switch,
    /// and a Stop or an exhausted budget end the run.
    #[cold]
    fn tick(&mut self) -> PyResult<()> {
        self.countdown = self.interp.tick_interval;
        self.uncounted += u64::from(self.interp.tick_interval);
        if self.uncounted >= self.interp.count_batch {
            self.interp
                .count_instructions(std::mem::take(&mut self.uncounted))?;
        }
        if let (Some(probe), Some(frame)) = (self.interp.step_probe.get(), self.current.as_deref())
        {
            probe.publish(&self.interp.runtime.current(), frame);
        }
        self.interp.runtime.tick().map_err(PyErr::from)
    }

    /// Finds a handler for `error` in the frames above `base`, popping the frames it leaves.
    /// Returns the error if it escapes the frame at `base` (which is then popped too).
    fn unwind(&mut self, mut error: PyErr, base: usize) -> Result<(), PyErr> {
        self.attach_context(&error);
        loop {
            let frame = self
                .current
                .as_deref_mut()
                .expect("unwinding without a frame");
            if !error.is_stop() {
                error.add_traceback(frame);
                if let Some(block) = frame.blocks.pop() {
                    frame.stack.truncate(block.stack_depth as usize);
                    frame.ip = block.handler as usize;
                    let exception = error.into_exception();
                    frame.stack.push(exception);
                    self.handled.truncate(block.handled_depth as usize);
                    return Ok(());
                }
            }
            self.pop_frame();
            if self.depth() == base {
                return Err(error);
            }
        }
    }

    /// A new exception raised while another is handled remembers it as `__context__`.
    fn attach_context(&self, error: &PyErr) {
        let (Some(data), Some(handled)) = (error.data(), self.handled.last()) else {
            return;
        };
        if data.context().is_none() && !handled.is(error.exception()) {
            data.set_context(Some(handled.clone()));
        }
    }

    pub(crate) fn pop_frame(&mut self) {
        if let Some(mut frame) = self.current.take() {
            self.current = self.frames.pop();
            self.handled.truncate(frame.handled_base);
            if self.spare_frames.len() < SPARE_FRAMES {
                frame.stack.clear();
                frame.fast.clear();
                frame.cells.clear();
                frame.blocks.clear();
                frame.namespace = None;
                self.spare_frames.push(frame);
            }
        }
    }

    /// Enters a called function's frame: runs it on this loop, or, for a generator
    /// function, pushes the generator object that will run it.
    pub(crate) fn enter_frame(&mut self, frame: Box<Frame>) -> PyResult<()> {
        if frame.code.is_generator {
            let generator = generator::new_generator(frame);
            self.frame().push(generator);
            return Ok(());
        }
        self.push_frame(frame)
    }

    /// Called by `YieldValue`. A generator always runs as the first frame of its own loop
    /// (see `Vm::resume`), so suspending is handing that frame back through the same
    /// channel a return uses.
    pub(crate) fn yield_value(&mut self, value: Value) -> PyResult<()> {
        if self.depth() != self.loop_base + 1 {
            return Err(PyErr::runtime_error("yield outside a running generator"));
        }
        let frame = self.current.take().expect("a generator frame");
        self.current = self.frames.pop();
        self.handled.truncate(frame.handled_base);
        self.suspended = Some(frame);
        self.returned = Some(value);
        Err(PyErr::returning())
    }

    /// Called by `ReturnValue`: a Python caller gets the value on its stack; the Rust caller
    /// of a run loop gets it through the error channel, which the hot path already checks.
    pub(crate) fn return_value(&mut self, value: Value) -> PyResult<()> {
        self.pop_frame();
        if self.depth() == self.loop_base {
            self.returned = Some(value);
            return Err(PyErr::returning());
        }
        self.frame().push(value);
        Ok(())
    }

    pub(crate) fn push_block(&mut self, handler: u32) {
        let handled_depth = self.handled.len() as u32;
        let frame = self.frame();
        let stack_depth = frame.stack.len() as u32;
        frame.blocks.push(Block {
            handler,
            stack_depth,
            handled_depth,
        });
    }

    /// The exception a bare `raise` re-raises and new exceptions get as `__context__`.
    pub fn current_exception(&self) -> Option<&Value> {
        self.handled.last()
    }
}

/// A number for each `Vm` of the run, so frame ids are unique across threads (an exception
/// may travel from a worker to the thread that waits for its result).
fn interp_vm_serial(interp: &Interp) -> u64 {
    interp.next_frame_id()
}
