//! Errors a blog author can act on: where (file, line, column), what, and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem in one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl AsRef<Path>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { path: path.as_ref().to_path_buf(), line: None, column: None, message: message.into(), hint: None }
    }
    pub fn at(mut self, line: usize, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
    pub fn line(mut self, line: usize) -> Diagnostic {
        self.line = Some(line);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in the author's inputs; all of them, not only the first.
    #[error("{}", format_diagnostics(.0))]
    Input(Vec<Diagnostic>),
    #[error("{action} {}: {source}", .path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
}

impl Error {
    pub fn io(action: &'static str, path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io { action, path: path.as_ref().to_path_buf(), source }
    }
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Input(d) => d,
            _ => &[],
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Input(vec![d])
    }
}

/// Every value, or else every problem of every failed item: an author fixes them all in one go
/// instead of one per build.
pub fn collect_all<T, E>(results: impl IntoIterator<Item = std::result::Result<T, E>>) -> Result<Vec<T>>
where
    E: IntoIterator<Item = Diagnostic>,
{
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok(v) => values.push(v),
            Err(e) => problems.extend(e),
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(Error::Input(problems))
    }
}

fn format_diagnostics(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    if diags.len() > 1 {
        out.push_str(&format!("{} problems in the site's sources:\n", diags.len()));
    }
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    out
}

/// 1-based line and column of byte offset `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
