//! Helpers for tests that run in wasm-bindgen-test's browser page, shared by core's and the
//! interpreter's `tests/wasm.rs` (the interpreter's includes this file by path). The page's
//! thread may never block, so a test waits by yielding to its event loop.

use std::sync::mpsc;

use threadlab_core::platform;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Lets the page's event loop run for `ms` milliseconds (workers start, messages arrive).
pub async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let set_timeout: js_sys::Function =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
                .expect("setTimeout")
                .unchecked_into();
        set_timeout
            .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms))
            .expect("setTimeout(resolve, ms)");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("a timer");
}

/// Runs `body` on a Web Worker, as the course runs a program, and awaits its result without
/// blocking the page. A worker that dies fails the test instead of leaving it waiting (the
/// runner's own timeout is the last resort).
pub async fn on_worker<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let failures = platform::worker_failures();
    let (sender, receiver) = mpsc::channel();
    platform::spawn(
        "test",
        0,
        Box::new(move || {
            let _ = sender.send(body());
        }),
    )
    .expect("a worker for the test");
    loop {
        match receiver.try_recv() {
            Ok(result) => return result,
            Err(mpsc::TryRecvError::Empty) => {
                assert_eq!(platform::worker_failures(), failures, "a worker died");
                pause(5).await;
            }
            Err(mpsc::TryRecvError::Disconnected) => panic!("the worker dropped its result"),
        }
    }
}
