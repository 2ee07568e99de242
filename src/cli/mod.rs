//! The command line: clap arguments to a run of the library, and the one place where
//! outcomes become exit codes.
//!
//! Exit codes: 0 clean, 1 findings (the project has errors, or a check failed), 2 usage
//! or I/O error (bad arguments, a reference that does not resolve, a file or folder that
//! cannot be read or written). Every command builds its whole output before printing
//! it, so that an error never leaves a partial result on standard output; `build`
//! writes its bundle into a staging folder that becomes the bundle only when complete.

mod author;
mod check;
mod fmt;
mod inspect;
mod lint;
mod sql;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{self, Config};
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::graph::RevisionGraph;
use crate::inert;
use crate::pipeline;
use crate::plural;
use crate::project::{self, Project, Streamed};
use crate::render::script::Direction;
use crate::schema::{self, replay::Options, replay::Replay};
use crate::syntax::Depth;

/// strata: an offline compiler from `.mig` migrations to PostgreSQL bundles
#[derive(Parser, Debug)]
#[command(name = "strata", version, about, long_about = None)]
pub struct Cli {
    /// The migrations folder (default: `migrations`, or the configuration's)
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The configuration file (default: `strata.toml` in the working directory, else
    /// the nearest one from the migrations folder up to the repository's root)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The configuration, read once the arguments are parsed.
    #[arg(skip)]
    pub settings: Config,

    /// The file it was read from (`None`: the defaults).
    #[arg(skip)]
    pub settings_path: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse every revision, check the graph, and report every problem found
    Check {
        /// Fail when the graph has more than one head
        #[arg(long)]
        single_head: bool,
        /// Fail on any branch point or merge (implies --single-head)
        #[arg(long)]
        linear: bool,
        /// How to print the findings
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Fail when the project differs from strata.lock (or there is none)
        #[arg(long)]
        locked: bool,
        /// Also list, as notes, the statements of raw blocks the schema model does not
        /// follow
        #[arg(long, short)]
        verbose: bool,
    },
    /// Lint the upgrades: locks, rewrites, compatibility with running code, schema hygiene
    /// (docs/LINT.md)
    Lint {
        /// `[FROM:]TO`: lint the range as one script, in which a table it creates is new
        /// to the revisions after; without it, every revision on its own
        #[arg(value_name = "[FROM:]TO", allow_hyphen_values = true)]
        range: Option<String>,
        /// How to print the findings
        #[arg(long, value_enum, default_value_t = lint::LintFormat::Text)]
        format: lint::LintFormat,
        /// List the rules with their levels
        #[arg(long)]
        rules: bool,
    },
    /// Write strata.lock beside the migrations folder: every revision's source, parents
    /// and a chained hash
    Lock,
    /// List the revisions, newest first
    History {
        /// One block per revision with its parents, dependencies, file and message
        #[arg(long, short)]
        verbose: bool,
        /// Only the revisions from FROM to TO, both included, as Alembic's `history -r`
        /// lists them (`FROM:` runs to the heads, `:TO` from base)
        #[arg(long, short = 'r', value_name = "RANGE")]
        range: Option<String>,
    },
    /// List the heads and their files
    Heads,
    /// List the branch points and the revisions that follow them
    Branches,
    /// Describe one revision
    Show {
        /// The revision: an id, a prefix of 4+ characters, head, LABEL@head, LABEL@REV, REV~N,
        /// REV-N, REV+N (docs/TRAVERSAL.md)
        rev: String,
        /// Print the schema after the revision instead, as `create` statements (the
        /// same as `strata schema REV --format mig`)
        #[arg(long)]
        schema: bool,
    },
    /// Print the schema after a revision, without a database: SQL, JSON, or a diagram
    Schema {
        /// The revision (default: the single head)
        #[arg(default_value = "head")]
        rev: String,
        #[arg(long, value_enum, default_value_t = SchemaFormat::Sql)]
        format: SchemaFormat,
    },
    /// Lay out `.mig` files canonically, in place, keeping every comment (docs/FORMAT.md)
    Fmt {
        /// List the files that are not laid out canonically, change nothing, and exit 1
        /// when there are any
        #[arg(long)]
        check: bool,
        /// Files or folders (default: the migrations folder)
        #[arg(value_name = "FILES")]
        files: Vec<PathBuf>,
    },
    /// Print a shell's completions for strata (`strata completions bash > ...`)
    Completions {
        /// bash, zsh, fish, elvish or powershell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print strata's man page (roff), from the same definitions as `--help`
    Man,
    /// Print the graph for Graphviz or Mermaid
    Graph {
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Print the SQL that upgrades a database from FROM (default: base) to TO
    Upgrade {
        /// `TO` or `FROM:TO`: revision references, `heads`, `base`, or `+N` after FROM
        #[arg(value_name = "[FROM:]TO", allow_hyphen_values = true)]
        range: String,
    },
    /// Print the SQL that downgrades a database from FROM to TO: of what FROM has
    /// applied, the revisions that descend from TO are reverted
    Downgrade {
        /// `FROM:TO`, for example `head:base`, `heads:base`, `head:-1` or `heads:LABEL@base`
        #[arg(value_name = "FROM:TO", allow_hyphen_values = true)]
        range: String,
        /// Refuse a downgrade that reverts revisions beyond the branch it names (through
        /// a merge or `depends_on`) instead of listing them on standard error
        #[arg(long)]
        strict: bool,
    },
    /// Print a read-only script that tells where a database is and whether the range's
    /// upgrade would apply (psql exits 0 when it would)
    Status {
        /// `TO` or `FROM:TO`, as a bundle's range (default: `base:head`)
        #[arg(value_name = "[FROM:]TO", default_value = "head")]
        range: String,
    },
    /// Print the SQL that records a database as being at TO without changing its
    /// schema (for a database that has the schema already)
    Stamp {
        /// `TO` or `FROM:TO` (FROM defaults to `base`: a database without strata's tables)
        #[arg(value_name = "[FROM:]TO")]
        range: String,
    },
    /// Write a bundle: upgrade.sql, downgrade.sql, manifest.json, SHA256SUMS
    Build {
        /// Where the bundle starts
        #[arg(long, default_value = "base", value_name = "REV")]
        from: String,
        /// Where it ends
        #[arg(long, default_value = "head", value_name = "REV")]
        to: String,
        /// The folder bundles go in (default: `out`, or the configuration's)
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The bundle's folder name (default: FROM-TO)
        #[arg(long)]
        name: Option<String>,
        /// Refuse a range with an irreversible revision instead of writing a bundle
        /// without downgrade.sql
        #[arg(long)]
        require_downgrade: bool,
    },
    /// Rebuild a bundle from the sources and report every difference
    Verify {
        /// The bundle folder
        bundle: PathBuf,
    },
    /// Create a revision file after the current head
    New {
        /// The revision's message; its slug names the file
        #[arg(short, long)]
        message: String,
        /// The parent, when it is not the single head
        #[arg(long, value_name = "REV", conflicts_with = "root")]
        parent: Option<String>,
        /// Start a new root (a revision without parents: give it a label)
        #[arg(long)]
        root: bool,
        /// A label for the new revision (repeatable)
        #[arg(long = "label", value_name = "LABEL")]
        labels: Vec<String>,
        /// A revision the new one depends on (repeatable)
        #[arg(long = "depends-on", value_name = "REV")]
        depends_on: Vec<String>,
    },
    /// Create a merge revision that joins two or more revisions (`heads`: all heads)
    Merge {
        /// The revisions to join
        #[arg(required = true, num_args = 1.., value_name = "REV")]
        revisions: Vec<String>,
        /// The merge revision's message
        #[arg(short, long)]
        message: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// How `strata schema` writes the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    /// The SQL that makes it in an empty database
    Sql,
    /// The language's own `create` statements
    Mig,
    /// Tables, columns, constraints and the other objects, for tools
    Json,
    /// A Mermaid `erDiagram`
    Mermaid,
    /// A Graphviz digraph
    Dot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// The outcome of a command, mapped to an exit code in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report beyond warnings.
    Clean,
    /// The project has errors, or a requested check failed.
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

/// What an Alembic user typed, in strata's words: `--sql` (strata always prints SQL),
/// and the commands strata names otherwise (`current`, `revision`, `init`, ...).
fn alembic_spelling(args: &[String]) -> Option<String> {
    if args.iter().any(|a| a == "--sql") {
        return Some(
            "strata always prints SQL and never connects to a database: leave out `--sql` \
             (`strata upgrade head` prints the script; `strata build` writes it in a bundle)"
                .to_owned(),
        );
    }
    // The first word that is not an option or an option's value: the command.
    let mut words = args.iter();
    let command = loop {
        let word = words.next()?;
        if word == "--dir" || word == "--config" {
            words.next();
        } else if !word.starts_with('-') {
            break word.as_str();
        }
    };
    Some(
        match command {
            "current" => {
                "strata works offline and cannot ask the database where it is: \
                          `strata status` prints a read-only script that tells, for psql"
            }
            "revision" => "`strata new -m MESSAGE` writes a revision after the head",
            "init" => "`strata new -m MESSAGE` makes the migrations folder with its first revision",
            "ensure_version" => "the scripts make their version table themselves",
            "edit" => "a revision is a `.mig` file: edit it, then `strata lock`",
            _ => return None,
        }
        .to_owned(),
    )
}

/// Runs the command line with the process's arguments.
pub fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() => {
            // An Alembic habit gets strata's spelling of it, not only clap's usage.
            let args: Vec<String> = std::env::args().skip(1).collect();
            if let Some(help) = alembic_spelling(&args) {
                let _ = error.print();
                print_stderr(&format!("help: {help}\n"));
                return ExitCode::from(2);
            }
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
        Err(error) => {
            // clap prints help and version to standard output and usage errors to
            // standard error, and knows which exit code each deserves (2 for misuse).
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    // Without `--dir`, the search starts from the default folder, `migrations`.
    let dir = cli
        .dir
        .as_deref()
        .unwrap_or(std::path::Path::new("migrations"));
    match config::discover(cli.config.as_deref(), dir) {
        Ok(found) => {
            cli.settings = found.config;
            cli.settings_path = found.path;
        }
        Err(message) => return fail(&message).into(),
    }
    run(&cli).into()
}

/// `file` from the folder `from` (both absolute), `/`-separated, with `..` to go up:
/// the same text on every machine that has the project; `None` when no path leads
/// there (another drive).
fn relative(file: &std::path::Path, from: &std::path::Path) -> Option<String> {
    let file: Vec<_> = file.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = file.iter().zip(&from).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let ups = std::iter::repeat_n("..".to_owned(), from.len() - common);
    let downs = file[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    Some(ups.chain(downs).collect::<Vec<_>>().join("/"))
}

impl Cli {
    /// The migrations folder: `--dir`, else the configuration's.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.as_deref().unwrap_or(&self.settings.migrations)
    }

    /// The configuration file as summaries and manifests name it: from the project's
    /// folder (the migrations folder's parent) when it is in it, else as found; `None`
    /// for the defaults.
    pub fn config_name(&self) -> Option<String> {
        let path = self.settings_path.as_deref()?;
        let root = self.lock_path();
        let root = root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let (Ok(file), Ok(root)) = (std::path::absolute(path), std::path::absolute(root)) else {
            return Some(path.display().to_string());
        };
        Some(relative(&file, &root).unwrap_or_else(|| path.display().to_string()))
    }

    /// Where `strata.lock` lives: beside the migrations folder.
    pub fn lock_path(&self) -> std::path::PathBuf {
        match self.dir().parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.join(crate::lock::FILE),
            _ => std::path::PathBuf::from(crate::lock::FILE),
        }
    }

    /// The lint's settings from the configuration, for revisions in `scope`.
    fn lint_settings(&self, scope: crate::lint::Scope) -> crate::lint::Settings {
        // `0` (`0s`, `0ms`) turns the timeout off: it is then not in force.
        let timeout = self
            .settings
            .lock_timeout
            .as_deref()
            .is_some_and(crate::lint::timeout_in_force);
        crate::lint::Settings::new(&self.settings.lint, timeout, scope)
    }

    /// The schema model's options from the configuration.
    fn schema_options(&self) -> Options {
        Options {
            default_schema: self.settings.default_schema.clone(),
            verbose: matches!(self.command, Command::Check { verbose: true, .. }),
            ..Options::default()
        }
    }
}

pub fn run(cli: &Cli) -> Outcome {
    match &cli.command {
        Command::Check {
            single_head,
            linear,
            format,
            locked,
            verbose: _,
        } => check::run(
            cli,
            check::Gates {
                single_head: *single_head || *linear,
                linear: *linear,
                locked: *locked,
            },
            *format,
        ),
        Command::Lock => check::lock(cli),
        Command::Lint {
            range,
            format,
            rules,
        } => lint::run(cli, range.as_deref(), *format, *rules),
        Command::History { verbose, range } => inspect::history(cli, *verbose, range.as_deref()),
        Command::Heads => inspect::heads(cli),
        Command::Branches => inspect::branches(cli),
        Command::Show { rev, schema } if *schema => inspect::schema(cli, rev, SchemaFormat::Mig),
        Command::Show { rev, .. } => inspect::show(cli, rev),
        Command::Schema { rev, format } => inspect::schema(cli, rev, *format),
        Command::Graph { format } => inspect::graph(cli, *format),
        Command::Fmt { check, files } => fmt::run(cli, *check, files),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "strata",
                &mut out,
            );
            print_bytes(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out) {
                Ok(()) => print_bytes(&out),
                Err(e) => fail(&format!("cannot write the man page: {e}")),
            }
        }
        Command::Build {
            from,
            to,
            out,
            name,
            require_downgrade,
        } => sql::build(
            cli,
            from,
            to,
            out.as_deref().unwrap_or(&cli.settings.out),
            name.as_deref(),
            *require_downgrade,
        ),
        Command::Verify { bundle } => sql::verify(cli, bundle),
        Command::Upgrade { range } => sql::print(cli, range, Direction::Upgrade, false),
        Command::Stamp { range } => sql::stamp(cli, range),
        Command::Status { range } => sql::status(cli, range),
        Command::Downgrade { range, strict } => {
            sql::print(cli, range, Direction::Downgrade, *strict)
        }
        Command::New {
            message,
            parent,
            root,
            labels,
            depends_on,
        } => author::new(
            cli,
            message,
            author::Placement {
                parent: parent.as_deref(),
                root: *root,
                labels,
                depends_on,
            },
        ),
        Command::Merge { revisions, message } => author::merge(cli, revisions, message),
    }
}

/// A project read and checked through the graph stage.
struct Checked {
    project: Project,
    graph: RevisionGraph,
    /// The schema replay; statements are kept only when loaded with `record`.
    replay: Replay,
    diagnostics: Vec<Diagnostic>,
}

impl Checked {
    fn has_errors(&self) -> bool {
        diagnostic::has_errors(&self.diagnostics)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Ends a command with the project. The process exits right after, and freeing a
    /// project of many thousand revisions one allocation at a time would only delay it.
    fn release(self) {
        std::mem::forget(self);
    }

    /// The diagnostics, rendered, in report order ([`diagnostic::shown`]).
    fn rendered(&self) -> String {
        diagnostic::shown(&self.diagnostics)
            .iter()
            .map(|d| d.render(&self.project.sources))
            .collect()
    }
}

/// How much of the schema replay [`load`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Replaying {
    /// Headers only at first: the command streams the bodies through the replay itself
    /// ([`stream`]). A broken project is read in full at once, for its findings.
    Later,
    /// The whole project streamed through the replay, for its diagnostics only; the
    /// bodies are not kept.
    Stream,
    /// The whole project read, then replayed for its diagnostics; the trees are kept.
    Check,
    /// As `Check`, keeping every revision's resolved statements too.
    Record,
}

/// Loads and checks the project; an unreadable folder is reported here.
fn load(cli: &Cli, depth: Depth, replaying: Replaying) -> Result<Checked, Outcome> {
    let streamed =
        depth == Depth::Full && matches!(replaying, Replaying::Later | Replaying::Stream);
    let read = if streamed { Depth::Headers } else { depth };
    let project = project::load(cli.dir(), read).map_err(|error| fail(&error.to_string()))?;
    let mut checked = Checked::new(project);
    if streamed && checked.has_errors() {
        checked = checked.read_in_full();
    }
    // The schema model needs whole files and a sound graph; on a broken one its
    // findings would only echo the errors that matter.
    if checked.has_errors() || depth == Depth::Headers {
        return Ok(checked);
    }
    match replaying {
        Replaying::Later => {}
        Replaying::Stream => {
            let streamed = checked.project.take_for_stream();
            let lint = Some(cli.lint_settings(crate::lint::Scope::EachRevision));
            let run = stream(cli, &checked, streamed, lint, |_| Ok::<(), ()>(()));
            checked = checked.absorb(run.broken_file, run.diagnostics);
        }
        Replaying::Check | Replaying::Record => {
            let options = Options {
                record: replaying == Replaying::Record,
                ..cli.schema_options()
            };
            let (replay, schema_diagnostics) = crate::timings::stage("schema", || {
                schema::replay::replay(&checked.project, &checked.graph, &options)
            });
            checked.replay = replay;
            checked.diagnostics.extend(schema_diagnostics);
            diagnostic::sort(&mut checked.diagnostics, &checked.project.sources);
        }
    }
    Ok(checked)
}

/// Streams a project loaded with [`Replaying::Later`] through the replay into `sink`
/// ([`crate::pipeline`]). What it finds goes into the project with [`Checked::absorb`].
fn stream<E: Send>(
    cli: &Cli,
    checked: &Checked,
    streamed: Streamed,
    lint: Option<crate::lint::Settings>,
    sink: impl FnMut(&[pipeline::Step<'_>]) -> Result<(), E> + Send,
) -> pipeline::Run<E> {
    let options = Options {
        lint,
        ..cli.schema_options()
    };
    crate::timings::stage("stream", || {
        pipeline::run(&checked.project, streamed, &checked.graph, &options, sink)
    })
}

impl Checked {
    /// The project with its graph built and checked.
    fn new(project: Project) -> Checked {
        let (graph, graph_diagnostics) =
            crate::timings::stage("graph", || RevisionGraph::build(&project));
        let mut diagnostics = project.diagnostics.clone();
        diagnostics.extend(graph_diagnostics);
        diagnostic::sort(&mut diagnostics, &project.sources);
        Checked {
            project,
            graph,
            replay: Replay::default(),
            diagnostics,
        }
    }

    /// Takes in what a stream found. A body that did not parse makes the project be read
    /// in full, for the findings a whole load gives; otherwise the findings of the bodies
    /// join those of the headers.
    fn absorb(mut self, broken_file: bool, diagnostics: Vec<Diagnostic>) -> Checked {
        if broken_file {
            return self.read_in_full();
        }
        self.diagnostics.extend(diagnostics);
        diagnostic::sort(&mut self.diagnostics, &self.project.sources);
        self
    }

    /// Parses a project read for its headers again in full, and rebuilds its graph:
    /// the findings are then those of a whole load.
    fn read_in_full(self) -> Checked {
        let mut project = self.project;
        project.reparse();
        Checked::new(project)
    }

    /// Prints the diagnostics; with errors among them, says so and stops the command.
    fn report(&self, cli: &Cli) -> Result<(), Outcome> {
        print_stderr(&self.rendered());
        if self.has_errors() {
            print_stderr(&format!(
                "strata: {} in {}; fix them first\n",
                plural(self.count(Severity::Error), "error"),
                cli.dir().display()
            ));
            return Err(Outcome::Findings);
        }
        Ok(())
    }
}

/// Loads a project's headers for a command that streams its bodies itself
/// ([`Replaying::Later`]); a project broken already is reported, and stops the command.
fn load_for_stream(cli: &Cli) -> Result<Checked, Outcome> {
    let checked = load(cli, Depth::Full, Replaying::Later)?;
    // Only a broken project is reported now: the warnings come with the bodies' findings.
    if checked.has_errors() {
        checked.report(cli)?;
    }
    Ok(checked)
}

/// Loads a project for a command that needs it free of errors: with errors, prints
/// them and stops; with warnings only, prints them and goes on.
fn load_clean(cli: &Cli, depth: Depth, replaying: Replaying) -> Result<Checked, Outcome> {
    let checked = load(cli, depth, replaying)?;
    checked.report(cli)?;
    Ok(checked)
}

/// Reports a failure to run (exit code 2).
fn fail(message: &str) -> Outcome {
    print_stderr(&format!("strata: error: {message}\n"));
    Outcome::Failed
}

/// Writes text for a reader (not SQL) to standard output, every control and invisible
/// character escaped ([`inert::terminal_lines`]).
fn print_stdout(text: &str) {
    print_sql(&inert::terminal_lines(text));
}

/// Writes standard output in one piece, as it is: SQL, whose author text the renderer
/// has already quoted or escaped. A closed pipe (`strata history | head`) is not a
/// failure of the command.
fn print_sql(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Writes what clap generates from strata's own definitions (completions, the man
/// page): no author text is in it.
fn print_bytes(bytes: &[u8]) -> Outcome {
    print_sql(&String::from_utf8_lossy(bytes));
    Outcome::Clean
}

/// Writes standard error, every control and invisible character escaped.
fn print_stderr(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(inert::terminal_lines(text).as_bytes());
}
