//! Lesson text to HTML. The markdown is ours (embedded at build time), not the learner's, so
//! its HTML can go into the page as it is.

use pulldown_cmark::{html, Options, Parser};

pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, Options::ENABLE_TABLES));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_code_and_tables_become_html() {
        let html = to_html("# Locks\n\nUse `with lock:`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Locks</h1>"), "{html}");
        assert!(html.contains("<code>with lock:</code>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }
}
