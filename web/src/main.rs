//! The course in the browser. `main` mounts the Leptos app on the page's main thread, which
//! must never block: Python runs on Web Workers (see `threadlab-core`'s platform module).

mod app;
mod check;
mod download;
mod editor;
mod markdown;
mod output;
mod program;
mod runner;
mod single_worker;
mod step;
mod step_host;
mod timeline;
mod warm_up;

fn main() {
    console_error_panic_hook::set_once();
    // wasm-bindgen runs `main` on the first thread of each instance: on the page, and on the
    // single worker (see `single_worker`), which has an instance of its own and no page.
    if web_sys::window().is_none() {
        return;
    }
    // Without isolation, each run gets a worker of its own (`single_worker`), and a worker of
    // the shared-memory kind could not even start.
    let isolated = single_worker::isolated();
    if isolated {
        // Workers take tens of milliseconds to start: have some ready before the first Run.
        threadlab_core::platform::prewarm();
    }
    leptos::mount::mount_to_body(app::App);
    if isolated {
        warm_up::start();
    }
    // When the course became usable, on the page's clock: the browser benchmark reads it.
    let _ = js_sys::Reflect::set(
        &js_sys::global(),
        &"threadlabReadyAt".into(),
        &web_sys::window()
            .and_then(|window| window.performance())
            .map_or(0.0, |performance| performance.now())
            .into(),
    );
}
