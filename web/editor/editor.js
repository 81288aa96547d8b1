// The course's code editor: CodeMirror 6 with Python highlighting, line numbers, undo and tab
// indentation. Bundled by esbuild into one module (dist/editor.js) that the page loads before
// the app; the Rust side reaches it through `globalThis.threadlabEditor`.
import { basicSetup } from "codemirror";
import { EditorView, keymap, Decoration } from "@codemirror/view";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";

// Marking the line of a syntax error or of a traceback's last frame.
const setErrorLine = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    marks = marks.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (effect.is(setErrorLine)) {
        const line = effect.value;
        if (line === null || line < 1 || line > transaction.state.doc.lines) {
          marks = Decoration.none;
        } else {
          const from = transaction.state.doc.line(line).from;
          marks = Decoration.set([Decoration.line({ class: "cm-error-line" }).range(from)]);
        }
      }
    }
    // Editing clears the mark: it belonged to the code as it was.
    return transaction.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

globalThis.threadlabEditor = {
  // Makes an editor in `parent` holding `doc`; `onChange(text)` follows every edit, and
  // Ctrl/Cmd-Enter calls `onRun()`.
  create(parent, doc, onChange, onRun) {
    return new EditorView({
      parent,
      state: EditorState.create({
        doc,
        extensions: [
          basicSetup,
          python(),
          errorLine,
          keymap.of([
            { key: "Mod-Enter", run: () => { onRun(); return true; } },
            indentWithTab,
          ]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange(update.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ "aria-label": "Python program" }),
        ],
      }),
    });
  },
  text(view) {
    return view.state.doc.toString();
  },
  setText(view, text) {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  },
  // Highlights line `line` (1-based), or clears the highlight with 0.
  markLine(view, line) {
    view.dispatch({ effects: setErrorLine.of(line > 0 ? line : null) });
  },
};
