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

// Step mode: the line each thread runs next, one colour per thread (`cm-thread-N`), with the
// threads' names at the end of the line.
const setThreadLines = StateEffect.define();
const threadLines = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    marks = marks.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (effect.is(setThreadLines)) {
        const doc = transaction.state.doc;
        // Several threads may be at one line: the first one's colour, every name.
        const byLine = new Map();
        for (const { line, colour, name } of effect.value) {
          if (line < 1 || line > doc.lines) continue;
          const entry = byLine.get(line) ?? { colour, names: [] };
          entry.names.push(name);
          byLine.set(line, entry);
        }
        const ranges = [...byLine.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([line, { colour, names }]) =>
            Decoration.line({
              class: `cm-thread-line cm-thread-${colour % 6}`,
              attributes: { "data-threads": names.join(", ") },
            }).range(doc.line(line).from));
        marks = Decoration.set(ranges);
      }
    }
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
          threadLines,
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
  // Takes the editor off the page and stops its listeners.
  destroy(view) {
    view.destroy();
  },
  setText(view, text) {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  },
  // Highlights line `line` (1-based), or clears the highlight with 0.
  markLine(view, line) {
    view.dispatch({ effects: setErrorLine.of(line > 0 ? line : null) });
  },
  // Marks where each thread is: `marks` is JSON, a list of {line, colour, name}; [] clears.
  markThreads(view, marks) {
    view.dispatch({ effects: setThreadLines.of(JSON.parse(marks)) });
  },
};
