//! The progress bar, and how rank 0 draws it through mpiexec's pipe.

use std::io::{IsTerminal, Write as _};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// A progress bar on standard error, drawn only on a terminal, or when
/// `force`d (`--progress`); otherwise hidden, so files and pipes get no
/// control characters.
///
/// Under `mpiexec` no rank has a terminal: mpiexec reads each rank's output
/// from a pipe and copies it to its own, byte by byte. So with `--progress`
/// rank 0 draws into the pipe anyway ([`ForwardedTerminal`]), and mpiexec
/// passes the drawing on to the learner's terminal.
pub fn progress_bar(len: usize, label: &str, force: bool) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else if force {
        ProgressDrawTarget::term_like_with_hz(Box::new(ForwardedTerminal), 5)
    } else {
        return ProgressBar::hidden();
    };
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
        .expect("valid template")
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(len as u64), target)
        .with_style(style)
        .with_message(label.to_owned())
}

/// Standard error taken to be an 80-column terminal that understands ANSI
/// escapes (the learner's terminal, at the other end of mpiexec's pipe).
#[derive(Debug)]
pub struct ForwardedTerminal;

impl ForwardedTerminal {
    fn write(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().write_all(s.as_bytes())
    }

    /// `ESC [ n letter` moves the cursor n steps (A up, B down, C right, D left).
    fn move_cursor(&self, n: usize, letter: char) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}{letter}"))
    }
}

impl TermLike for ForwardedTerminal {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'A')
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'B')
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'C')
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'D')
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.write(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.write("\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
