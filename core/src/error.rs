//! The error type of the fallible operations (configuration and explicit parsing;
//! extraction never fails, it reports [`Diagnostic`](crate::Diagnostic)s).

use std::fmt;

use crate::Code;

/// An error with a stable [`Code`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: Code,
    detail: String,
}

/// How much of the offending input an error message quotes.
const QUOTE_LIMIT: usize = 64;

impl Error {
    pub(crate) fn new(code: Code, input: &str) -> Self {
        let end = (0..=input.len().min(QUOTE_LIMIT))
            .rev()
            .find(|&i| input.is_char_boundary(i))
            .unwrap_or(0);
        Self {
            code,
            detail: input[..end].to_owned(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.code, self.detail)
    }
}

impl std::error::Error for Error {}
