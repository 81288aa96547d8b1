//! What the learner types in `threadlab step`: single keys on a terminal (crossterm's raw
//! mode, so a key acts without Enter), or one command per line when standard input is not a
//! terminal (a pipe, a script, a test, ssh without a tty).

use std::io::{self, BufRead, IsTerminal, Write};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal;

/// One command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Thread(u32),
    Expand,
    Undo,
    Finish,
    Restart,
    /// Save, to this file if one was typed after `s`.
    Save(Option<String>),
    Quit,
    /// Not a command; the text says what was typed.
    Unknown(String),
}

impl Key {
    pub fn parse(text: &str) -> Option<Key> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Ok(thread) = text.parse::<u32>() {
            return Some(Key::Thread(thread));
        }
        let (word, rest) = match text.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, Some(rest.trim().to_owned())),
            None => (text, None),
        };
        Some(match word {
            "e" | "expand" => Key::Expand,
            "u" | "undo" => Key::Undo,
            "f" | "finish" => Key::Finish,
            "r" | "restart" => Key::Restart,
            "s" | "save" => Key::Save(rest),
            "q" | "quit" | "exit" => Key::Quit,
            _ => Key::Unknown(text.to_owned()),
        })
    }
}

/// Where keys come from; restores the terminal when dropped.
pub enum Keys {
    Raw { digits: String },
    Lines(io::StdinLock<'static>),
}

impl Keys {
    /// Raw single keys when stdin and stdout are a terminal, else lines.
    pub fn open() -> Keys {
        if io::stdin().is_terminal()
            && io::stdout().is_terminal()
            && terminal::enable_raw_mode().is_ok()
        {
            return Keys::Raw {
                digits: String::new(),
            };
        }
        Keys::Lines(io::stdin().lock())
    }

    pub fn raw(&self) -> bool {
        matches!(self, Keys::Raw { .. })
    }

    /// Prints `text`; in raw mode a newline does not return the carriage by itself.
    pub fn show(&self, text: &str) {
        let mut out = io::stdout().lock();
        let _ = if self.raw() {
            out.write_all(text.replace('\n', "\r\n").as_bytes())
        } else {
            out.write_all(text.as_bytes())
        };
        let _ = out.flush();
    }

    /// The next command; `Quit` at the end of input. `threads` is how many thread numbers
    /// there are: with ten or more, numbers are typed whole and ended with Enter.
    pub fn next(&mut self, threads: usize) -> Key {
        match self {
            Keys::Lines(stdin) => loop {
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) | Err(_) => return Key::Quit,
                    Ok(_) => {
                        if let Some(key) = Key::parse(&line) {
                            return key;
                        }
                    }
                }
            },
            Keys::Raw { digits } => loop {
                let Ok(event) = event::read() else {
                    return Key::Quit;
                };
                let Event::Key(KeyEvent {
                    code,
                    modifiers,
                    kind: KeyEventKind::Press,
                    ..
                }) = event
                else {
                    continue;
                };
                match code {
                    KeyCode::Char('c' | 'd') if modifiers.contains(KeyModifiers::CONTROL) => {
                        return Key::Quit
                    }
                    KeyCode::Char(digit) if digit.is_ascii_digit() => {
                        digits.push(digit);
                        if threads <= 10 {
                            return Key::parse(&std::mem::take(digits)).unwrap_or(Key::Quit);
                        }
                    }
                    KeyCode::Enter if !digits.is_empty() => {
                        return Key::parse(&std::mem::take(digits)).unwrap_or(Key::Quit);
                    }
                    KeyCode::Esc => return Key::Quit,
                    KeyCode::Char(letter) => {
                        digits.clear();
                        return Key::parse(&letter.to_string()).unwrap_or(Key::Quit);
                    }
                    _ => {}
                }
            },
        }
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        if self.raw() {
            let _ = terminal::disable_raw_mode();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_from_lines() {
        assert_eq!(Key::parse(" 2\n"), Some(Key::Thread(2)));
        assert_eq!(Key::parse("u"), Some(Key::Undo));
        assert_eq!(
            Key::parse("s out.txt"),
            Some(Key::Save(Some("out.txt".into())))
        );
        assert_eq!(Key::parse("s"), Some(Key::Save(None)));
        assert_eq!(Key::parse(""), None);
        assert_eq!(Key::parse("x"), Some(Key::Unknown("x".into())));
        assert_eq!(Key::parse("-1"), Some(Key::Unknown("-1".into())));
    }
}
