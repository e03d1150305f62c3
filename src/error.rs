//! The one error type the commands return to `main`, which prints it in one place and exits
//! with [`Error::exit_code`].

use std::path::PathBuf;

use crate::check::CheckError;
use crate::config::ConfigError;
use crate::init::InitError;
use crate::lock::LockError;
use crate::lsp::LspError;
use crate::render::Colors;

#[derive(Debug)]
pub enum Error {
    NotADirectory(PathBuf),
    /// A configuration problem, drawn with the file's text (in colour when `colors` says so).
    Config {
        error: Box<ConfigError>,
        colors: Colors,
    },
    Check(CheckError),
    Lock(LockError),
    Init(InitError),
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    UnknownRule {
        name: String,
        closest: Option<&'static str>,
    },
    Lsp(LspError),
    /// The kept drawings could not be copied to the output (the file, checked whole moments
    /// before, could not be read again, or the output failed other than by being closed), so
    /// the output stopped short.
    KeptDrawings {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The kept output of the last run could not be copied to the output (the same ways), so
    /// the output stopped short.
    KeptOutput {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl Error {
    /// 1 for a language server that ended without a clean shutdown (what editors expect), 2 for
    /// every usage, configuration or input problem.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Lsp(_) => 1,
            _ => 2,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotADirectory(path) => {
                write!(formatter, "`{}` is not a directory", path.display())
            }
            Error::Config { error, .. } => error.fmt(formatter),
            Error::Check(error) => error.fmt(formatter),
            Error::Lock(error) => error.fmt(formatter),
            Error::Init(error) => error.fmt(formatter),
            Error::Write { path, error } => {
                write!(formatter, "cannot write {}: {error}", path.display())
            }
            Error::UnknownRule { name, closest } => {
                write!(formatter, "unknown rule `{name}`")?;
                if let Some(closest) = closest {
                    write!(formatter, "; did you mean `{closest}`?")?;
                }
                formatter.write_str(" (`speclint rules` lists them)")
            }
            Error::Lsp(error) => error.fmt(formatter),
            Error::KeptDrawings { path, error } => write!(
                formatter,
                "cannot copy the drawings kept in {} to the output ({error}), so the output above is incomplete; if the kept drawings are at fault, `--no-cache` draws every finding instead",
                path.display()
            ),
            Error::KeptOutput { path, error } => write!(
                formatter,
                "cannot copy the output kept in {} to the output ({error}), so the output above is incomplete; if the kept output is at fault, `--no-cache` checks the project instead",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<CheckError> for Error {
    fn from(error: CheckError) -> Error {
        Error::Check(error)
    }
}

impl From<LockError> for Error {
    fn from(error: LockError) -> Error {
        Error::Lock(error)
    }
}

impl From<InitError> for Error {
    fn from(error: InitError) -> Error {
        Error::Init(error)
    }
}

impl From<LspError> for Error {
    fn from(error: LspError) -> Error {
        Error::Lsp(error)
    }
}

/// What `main` prints for an error on stderr, ending with a newline.
pub fn message(error: &Error) -> String {
    match error {
        Error::Config { error, colors } => crate::render::full::render_config_error(error, *colors),
        Error::Lsp(error) => format!("speclint lsp: {error}\n"),
        other => format!("speclint: {other}\n"),
    }
}
