//! The command line: clap arguments to a validated request, a run of the library, and
//! the one place where outcomes become exit codes.
//!
//! Exit codes: 0 clean, 1 findings (the project has errors), 2 usage or I/O error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostic::{self, Severity};
use crate::project;

/// strata: an offline compiler from `.mig` migrations to PostgreSQL bundles
#[derive(Parser, Debug)]
#[command(name = "strata", version, about, long_about = None)]
pub struct Cli {
    /// The migrations folder
    #[arg(long, global = true, default_value = "migrations", value_name = "DIR")]
    pub dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse every revision and report every problem found
    Check,
}

/// The outcome of a command, mapped to an exit code in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report beyond warnings.
    Clean,
    /// The project has errors.
    Findings,
    /// The command could not run: bad usage, or a file or folder could not be read.
    Failed,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(match outcome {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Failed => 2,
        })
    }
}

/// Runs the command line with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to standard output and usage errors to
            // standard error, and knows which exit code each deserves (2 for misuse).
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    run(&cli).into()
}

pub fn run(cli: &Cli) -> Outcome {
    match &cli.command {
        Command::Check => check(cli),
    }
}

fn check(cli: &Cli) -> Outcome {
    let mut project = match project::load(&cli.dir) {
        Ok(project) => project,
        Err(error) => {
            eprintln!("strata: error: {error}");
            return Outcome::Failed;
        }
    };
    diagnostic::sort(&mut project.diagnostics, &project.sources);
    let mut stderr = std::io::stderr().lock();
    for d in &project.diagnostics {
        let _ = write!(stderr, "{}", d.render(&project.sources));
    }
    let errors = count(&project.diagnostics, Severity::Error);
    let warnings = count(&project.diagnostics, Severity::Warning);
    let revisions = project.revisions.len();
    if errors > 0 {
        let _ = writeln!(
            stderr,
            "strata: {} and {} in {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            cli.dir.display()
        );
        return Outcome::Findings;
    }
    // A closed pipe is not a failure of the check.
    let _ = writeln!(
        std::io::stdout().lock(),
        "{}: {} checked, no errors, {}",
        cli.dir.display(),
        plural(revisions, "revision"),
        plural(warnings, "warning")
    );
    Outcome::Clean
}

fn count(diagnostics: &[diagnostic::Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
