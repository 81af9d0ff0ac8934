//! Standard output for a tool used in pipelines: a reader that goes away early
//! (`scalecalc … | head`) ends the command quietly instead of with a panic.

use std::fmt;
use std::io::{self, Write};

/// Why a command stopped early.
#[derive(Debug)]
pub enum Failure {
    /// Something the user should read: printed on stderr, exit code 2.
    Message(String),
    /// The reader of our output has closed it: nothing more to say, exit code 0.
    ReaderGone,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Message(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Message(message.to_string())
    }
}

/// Writes one line to standard output.
///
/// # Errors
/// [`Failure::ReaderGone`] when the pipe is closed, a message for any other write error.
pub fn line(args: fmt::Arguments<'_>) -> Result<(), Failure> {
    writeln!(io::stdout().lock(), "{args}").map_err(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::ReaderGone
        } else {
            Failure::Message(format!("cannot write the output: {e}"))
        }
    })
}

/// `println!` that returns a [`Failure`] instead of panicking when output cannot be written.
macro_rules! say {
    ($($arg:tt)*) => { $crate::out::line(format_args!($($arg)*))? };
}
pub(crate) use say;
