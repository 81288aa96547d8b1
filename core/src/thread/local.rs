//! Thread-local data: Python's `threading.local()`.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::runtime::Runtime;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A value of which every thread of a run sees its own copy, made by `init` on first use and
/// dropped when that thread finishes.
pub struct ThreadLocal<T: Send + 'static> {
    id: u64,
    runtime: Runtime,
    init: Box<dyn Fn() -> T + Send + Sync>,
    _values: PhantomData<fn() -> T>,
}

impl<T: Send + 'static> ThreadLocal<T> {
    pub fn new(runtime: &Runtime, init: impl Fn() -> T + Send + Sync + 'static) -> ThreadLocal<T> {
        ThreadLocal {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            runtime: runtime.clone(),
            init: Box::new(init),
            _values: PhantomData,
        }
    }

    /// Runs `f` on the calling thread's copy.
    ///
    /// The value is taken out of the thread's table while `f` runs, so `f` may use other
    /// thread-locals (or this one, which it then sees freshly initialised).
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let me = self.runtime.current();
        let mut value = me
            .take_local(self.id)
            .and_then(|boxed| boxed.downcast::<T>().ok())
            .unwrap_or_else(|| Box::new((self.init)()));
        let result = f(&mut value);
        me.put_local(self.id, value);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::Mode;
    use crate::thread::ThreadOptions;

    #[test]
    fn each_thread_sees_its_own_value() {
        let rt = Runtime::new(Mode::Parallel);
        let local = std::sync::Arc::new(ThreadLocal::new(&rt, || 0u32));
        local.with(|value| *value = 7);
        let (inner, seen) = (
            local.clone(),
            std::sync::Arc::new(std::sync::Mutex::new(None)),
        );
        let seen_in_thread = seen.clone();
        let thread = rt
            .spawn(ThreadOptions::default(), move || {
                let before = inner.with(|value| *value);
                inner.with(|value| *value = 99);
                *seen_in_thread.lock().unwrap() = Some(before);
            })
            .unwrap();
        thread.join(None).unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(0));
        assert_eq!(local.with(|value| *value), 7);
    }
}
