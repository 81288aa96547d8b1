//! The course in the browser. `main` mounts the Leptos app on the page's main thread, which
//! must never block: Python runs on Web Workers (see `threadlab-core`'s platform module).

mod app;
mod check;
mod download;
mod editor;
mod markdown;
mod program;
mod runner;
mod step;
mod step_host;
mod timeline;
mod warm_up;

fn main() {
    console_error_panic_hook::set_once();
    // Workers take tens of milliseconds to start: have some ready before the first Run.
    threadlab_core::platform::prewarm();
    leptos::mount::mount_to_body(app::App);
    warm_up::start();
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
