//! Uncaught exceptions, printed the way CPython prints them.

use super::Vm;
use crate::objects::Value;

/// `Traceback (most recent call last): …` for `exception`, with its causes and contexts first,
/// each followed by the sentence that links it to the next, as CPython does.
pub fn format_exception(vm: &mut Vm, exception: &Value) -> String {
    let mut chain = vec![(exception.clone(), None)];
    let mut seen = vec![exception.identity()];
    loop {
        let (current, _) = chain.last().expect("chain is never empty");
        let Value::Object(object) = current else {
            break;
        };
        let Some(data) = object.exception() else {
            break;
        };
        let (next, link) = if let Some(cause) = data.cause() {
            (
                cause,
                "The above exception was the direct cause of the following exception:",
            )
        } else if data.suppress_context() {
            break;
        } else if let Some(context) = data.context() {
            (
                context,
                "During handling of the above exception, another exception occurred:",
            )
        } else {
            break;
        };
        if next.is_none() || seen.contains(&next.identity()) {
            break;
        }
        seen.push(next.identity());
        chain.push((next, Some(link)));
    }

    let mut out = String::new();
    for (exception, link) in chain.iter().rev() {
        out.push_str(&format_one(vm, exception));
        if let Some(link) = link {
            out.push('\n');
            out.push_str(link);
            out.push_str("\n\n");
        }
    }
    out
}

fn format_one(vm: &mut Vm, exception: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(object) = exception {
        if let Some(data) = object.exception() {
            let entries = data.traceback();
            if !entries.is_empty() {
                out.push_str("Traceback (most recent call last):\n");
                // Like CPython, a run of identical entries (deep recursion) prints three times,
                // then a count of the rest.
                let mut last: Option<(u32, &str)> = None;
                let mut count = 0;
                for entry in entries.iter().rev() {
                    let code = &entry.code;
                    let line = code.line_of(entry.instruction as usize);
                    let here = (line, code.qualname.as_str());
                    if last != Some(here) {
                        push_repeated(&mut out, count);
                        last = Some(here);
                        count = 0;
                    }
                    count += 1;
                    if count > RECURSIVE_CUTOFF {
                        continue;
                    }
                    out.push_str(&format!(
                        "  File \"{}\", line {}, in {}\n",
                        code.source.name,
                        line,
                        code.name.as_str()
                    ));
                    let text = code.source.line_text(line).trim();
                    if !text.is_empty() {
                        out.push_str("    ");
                        out.push_str(text);
                        out.push('\n');
                    }
                }
                push_repeated(&mut out, count);
            }
        }
    }
    out.push_str(&exception_line(vm, exception));
    out.push('\n');
    out
}

/// Identical traceback entries CPython prints before summarising the rest.
const RECURSIVE_CUTOFF: usize = 3;

fn push_repeated(out: &mut String, count: usize) {
    if count > RECURSIVE_CUTOFF {
        let more = count - RECURSIVE_CUTOFF;
        out.push_str(&format!(
            "  [Previous line repeated {more} more time{}]\n",
            if more > 1 { "s" } else { "" }
        ));
    }
}

/// `ValueError: bad value`, `KeyError: 'k'`, `__main__.MyError: …`, or just the class name
/// when the message is empty.
pub fn exception_line(vm: &mut Vm, exception: &Value) -> String {
    let class = exception.class();
    let name = if matches!(class.module.as_str(), "builtins" | "__main__") {
        class.qualname.as_str().to_owned()
    } else {
        format!("{}.{}", class.module.as_str(), class.qualname.as_str())
    };
    let message = match vm.str(exception) {
        Ok(message) => message,
        Err(_) => "<exception str() failed>".to_owned(),
    };
    if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    }
}
