//! The code editor: CodeMirror 6 (bundled from npm by esbuild, see `web/editor/`), which the
//! page loads before the app as `globalThis.threadlabEditor`.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A CodeMirror `EditorView`.
    #[derive(Clone)]
    type EditorView;

    #[wasm_bindgen(js_namespace = threadlabEditor, js_name = create)]
    fn create_editor(
        parent: &web_sys::HtmlElement,
        doc: &str,
        on_change: &Closure<dyn FnMut(String)>,
        on_run: &Closure<dyn FnMut()>,
    ) -> EditorView;

    #[wasm_bindgen(js_namespace = threadlabEditor, js_name = destroy)]
    fn destroy_editor(view: &EditorView);

    #[wasm_bindgen(js_namespace = threadlabEditor, js_name = setText)]
    fn set_text(view: &EditorView, text: &str);

    #[wasm_bindgen(js_namespace = threadlabEditor, js_name = markLine)]
    fn mark_line(view: &EditorView, line: u32);

    #[wasm_bindgen(js_namespace = threadlabEditor, js_name = markThreads)]
    fn mark_threads(view: &EditorView, marks: &str);
}

/// Where one thread is, for [`EditorHandle::mark_threads`].
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadMark {
    /// 1-based.
    pub line: u32,
    /// The thread's colour, an index into the style's palette.
    pub colour: usize,
    pub name: String,
}

/// The editor's change and run callbacks, which live as long as it does.
type EditorCallbacks = (Closure<dyn FnMut(String)>, Closure<dyn FnMut()>);

/// What the rest of the page may do to an editor once it exists.
#[derive(Clone, Copy)]
pub struct EditorHandle(StoredValue<Option<EditorView>, LocalStorage>);

impl EditorHandle {
    /// Replaces the whole text (Reset); the change reaches `on_change` like an edit.
    pub fn set_text(&self, text: &str) {
        self.0.with_value(|view| {
            if let Some(view) = view {
                set_text(view, text);
            }
        });
    }

    /// Highlights line `line` (1-based); 0 clears it. An edit clears it too.
    pub fn mark_line(&self, line: u32) {
        self.0.with_value(|view| {
            if let Some(view) = view {
                mark_line(view, line);
            }
        });
    }
}

impl EditorHandle {
    /// Shows the line each thread runs next, in its colour; an empty list clears them, and so
    /// does an edit.
    pub fn mark_threads(&self, marks: &[ThreadMark]) {
        let marks: Vec<serde_json::Value> = marks
            .iter()
            .map(|mark| serde_json::json!({"line": mark.line, "colour": mark.colour, "name": mark.name}))
            .collect();
        let json = serde_json::Value::Array(marks).to_string();
        self.0.with_value(|view| {
            if let Some(view) = view {
                mark_threads(view, &json);
            }
        });
    }
}

/// An editor holding `initial`. `on_change` gets the text after every edit, `on_run` is
/// Ctrl/Cmd-Enter.
#[component]
pub fn CodeEditor(
    initial: String,
    on_change: Callback<String>,
    on_run: Callback<()>,
    handle: EditorHandle,
) -> impl IntoView {
    let parent = NodeRef::<html::Div>::new();
    let callbacks = StoredValue::new_local(None::<EditorCallbacks>);
    Effect::new(move |_| {
        let Some(element) = parent.get() else {
            return;
        };
        if handle.0.with_value(Option::is_some) {
            return;
        }
        let changed = Closure::<dyn FnMut(String)>::new(move |text| on_change.run(text));
        let run = Closure::<dyn FnMut()>::new(move || on_run.run(()));
        let view = create_editor(&element, &initial, &changed, &run);
        callbacks.set_value(Some((changed, run)));
        handle.0.set_value(Some(view));
    });
    // Another lesson's page is built in place of this one, reusing its elements (Leptos
    // rebuilds a view of the same shape rather than replacing it): the editor must leave with
    // its component, or it would stay in the reused element beside the next program's.
    on_cleanup(move || {
        if let Some(view) = handle.0.try_update_value(Option::take).flatten() {
            destroy_editor(&view);
        }
        callbacks.try_update_value(Option::take);
    });
    view! { <div class="editor" node_ref=parent></div> }
}

impl EditorHandle {
    pub fn new() -> EditorHandle {
        EditorHandle(StoredValue::new_local(None))
    }
}
