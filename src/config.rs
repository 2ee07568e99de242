//! `strata.toml`: the project's settings (BUNDLES.md 4). Every key is optional.
//!
//! ```toml
//! migrations = "migrations"       # the migrations folder
//! out = "out"                      # where `build` writes bundles
//! default_schema = "public"        # where unqualified names live
//! search_path = "public"           # rendered as SET search_path
//! lock_timeout = "5s"              # rendered as SET lock_timeout
//! statement_timeout = "15min"      # rendered as SET statement_timeout
//!
//! [version]
//! layout = "strata"                # or "alembic": alembic_version (version_num varchar(32))
//! table = "strata_version"         # the version table (strata layout)
//! history = "strata_history"       # the append-only log
//! progress = "strata_progress"     # a script's progress while it runs (resume)
//! check_sources = true             # the guard compares applied revisions' sources
//!
//! [lint]
//! postgres = 15                    # the PostgreSQL version the scripts target
//! all = "warn"                     # the level of every rule not named below
//! create-index-blocks = "deny"     # a rule's level: allow, warn or deny
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::lint::{Level, Rule};

/// The settings, with their defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub migrations: PathBuf,
    pub out: PathBuf,
    pub default_schema: String,
    pub search_path: Option<String>,
    pub lock_timeout: Option<String>,
    pub statement_timeout: Option<String>,
    pub version: VersionConfig,
    pub lint: LintConfig,
}

/// The oldest and newest PostgreSQL versions `[lint] postgres` may name.
pub const POSTGRES_VERSIONS: std::ops::RangeInclusive<u32> = 10..=18;

/// `[lint]`: the target PostgreSQL version and the level of each rule.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct LintConfig {
    /// The PostgreSQL major version the scripts will run on: some rules depend on it.
    pub postgres: u32,
    /// The level of every rule the configuration does not name.
    pub all: Option<String>,
    /// Levels by rule id, as written: checked against the rules and the levels by
    /// [`Config::check_lint`] (serde's own message for a bad one would point at
    /// `[lint]`, not at the key).
    #[serde(flatten)]
    pub levels: std::collections::BTreeMap<String, String>,
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            postgres: 15,
            all: None,
            levels: std::collections::BTreeMap::new(),
        }
    }
}

impl LintConfig {
    /// The level of a rule: its own, else `all`'s, else its default.
    pub fn level(&self, rule: Rule) -> Level {
        self.levels
            .get(rule.id())
            .or(self.all.as_ref())
            .and_then(|level| Level::parse(level))
            .unwrap_or_else(|| rule.default_level())
    }
}

/// Where the database records its position.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct VersionConfig {
    pub layout: Layout,
    pub table: String,
    pub history: String,
    /// Where a running script records the steps it has committed, so that a rerun
    /// after a failure resumes at the first step not done.
    pub progress: String,
    /// Whether a script's guard stops when a revision it builds on (or reverts) was
    /// applied from a source other than the project's (edited after it was applied).
    /// Off for projects that edit applied revisions on purpose.
    pub check_sources: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `strata_version (revision text primary key)`.
    Strata,
    /// Alembic's `alembic_version (version_num varchar(32))`, to take over a database
    /// Alembic managed, or hand one back.
    Alembic,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            migrations: PathBuf::from("migrations"),
            out: PathBuf::from("out"),
            default_schema: "public".to_owned(),
            search_path: None,
            lock_timeout: None,
            statement_timeout: None,
            version: VersionConfig::default(),
            lint: LintConfig::default(),
        }
    }
}

impl Default for VersionConfig {
    fn default() -> Self {
        VersionConfig {
            layout: Layout::Strata,
            table: "strata_version".to_owned(),
            history: "strata_history".to_owned(),
            progress: "strata_progress".to_owned(),
            check_sources: true,
        }
    }
}

impl VersionConfig {
    /// The version table and its column.
    pub fn table_and_column(&self) -> (&str, &str) {
        match self.layout {
            Layout::Strata => (&self.table, "revision"),
            Layout::Alembic => ("alembic_version", "version_num"),
        }
    }
}

/// The width of Alembic's `version_num` column.
pub const ALEMBIC_ID_WIDTH: usize = 32;

/// The file name strata looks for.
pub const FILE: &str = "strata.toml";

/// The configuration a command runs with, and the file it came from (`None`: the
/// defaults).
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub config: Config,
    pub path: Option<PathBuf>,
}

/// Finds the configuration: `--config FILE` (`explicit`); else `strata.toml` in the
/// working directory; else the nearest `strata.toml` from the migrations folder (`dir`:
/// `--dir`, or `migrations`) up to the repository's root (the first folder with
/// `.git`), as cargo finds `Cargo.toml`; else the defaults. When the working
/// directory's and the one found from the migrations folder are two files that
/// disagree, neither wins: an error. A file found from the migrations folder is that
/// folder's: its `migrations` key is the folder searched from, and its `out` is taken
/// from the file's own folder.
pub fn discover(explicit: Option<&Path>, dir: &Path) -> Result<Found, String> {
    if let Some(path) = explicit {
        return read(path);
    }
    let here = Path::new(FILE);
    let here = here.is_file().then(|| here.to_path_buf());
    let beside = nearest(dir);
    match (here, beside) {
        (None, None) => Ok(Found::default()),
        (Some(here), None) => read(&here),
        (None, Some(beside)) => {
            let mut found = read(&beside)?;
            found.config.migrations = dir.to_path_buf();
            if let Some(base) = beside.parent() {
                if found.config.out.is_relative() {
                    found.config.out = base.join(&found.config.out);
                }
            }
            Ok(found)
        }
        (Some(here), Some(beside)) => {
            let first = read(&here)?;
            if same_file(&here, &beside) || first.config == load(Some(&beside))? {
                return Ok(first);
            }
            Err(format!(
                "two configurations apply and disagree: `{}` (the working directory's) and \
                 `{}` (the migrations folder's); name the one to use with `--config FILE`",
                here.display(),
                beside.display()
            ))
        }
    }
}

/// The nearest `strata.toml` from `dir` upwards, stopping at the repository's root.
fn nearest(dir: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(dir).ok()?;
    for folder in start.ancestors() {
        let candidate = folder.join(FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if folder.join(".git").exists() {
            break;
        }
    }
    None
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn read(path: &Path) -> Result<Found, String> {
    Ok(Found {
        config: load(Some(path))?,
        path: Some(path.to_path_buf()),
    })
}

/// Reads a configuration file. `None` for the path: `strata.toml` if it exists, else
/// the defaults.
pub fn load(path: Option<&Path>) -> Result<Config, String> {
    let (path, required) = match path {
        Some(path) => (path.to_owned(), true),
        None => (PathBuf::from("strata.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Config::default())
        }
        Err(e) => return Err(format!("cannot read `{}`: {e}", path.display())),
    };
    toml::from_str::<Config>(&text)
        .map_err(|e| e.to_string())
        .and_then(|config| config.check_names().map(|()| config))
        .and_then(|config| config.check_lint().map(|()| config))
        .map_err(|e| format!("`{}`: {e}", path.display()))
}

impl Config {
    /// The names the settings give must be names PostgreSQL can hold: not empty, and
    /// without a NUL character (which the schema model also uses to join a schema and
    /// a name, `schema::model::ObjName`).
    fn check_names(&self) -> Result<(), String> {
        let names = [
            ("default_schema", Some(&self.default_schema)),
            ("search_path", self.search_path.as_ref()),
            ("version.table", Some(&self.version.table)),
            ("version.history", Some(&self.version.history)),
            ("version.progress", Some(&self.version.progress)),
        ];
        for (key, value) in names {
            match value {
                Some(v) if v.is_empty() => return Err(format!("`{key}` is empty")),
                Some(v) if v.contains('\0') => {
                    return Err(format!(
                        "`{key}` contains a NUL character, which no PostgreSQL name can hold"
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `[lint]` names rules that exist and a version the rules know.
    fn check_lint(&self) -> Result<(), String> {
        let lint = &self.lint;
        if !POSTGRES_VERSIONS.contains(&lint.postgres) {
            return Err(format!(
                "`lint.postgres` is {}; strata's rules know PostgreSQL {} to {}",
                lint.postgres,
                POSTGRES_VERSIONS.start(),
                POSTGRES_VERSIONS.end()
            ));
        }
        let levels = lint.all.iter().map(|l| ("all", l));
        for (key, level) in levels.chain(lint.levels.iter().map(|(k, l)| (k.as_str(), l))) {
            if Level::parse(level).is_none() {
                return Err(format!(
                    "`lint.{}` is `{}`; a level is `allow`, `warn` or `deny`",
                    crate::inert::terminal(key),
                    crate::inert::terminal(level)
                ));
            }
        }
        for id in lint.levels.keys() {
            if Rule::from_id(id).is_none() {
                let hint = Rule::nearest(id)
                    .map(|r| format!(" (did you mean `{}`?)", r.id()))
                    .unwrap_or_default();
                return Err(format!(
                    "`lint.{}` is not a lint rule{hint}; `strata lint --rules` lists them",
                    crate::inert::terminal(id)
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_optional_and_unknown_keys_are_refused() {
        assert_eq!(
            toml::from_str::<Config>("").expect("empty"),
            Config::default()
        );
        let config: Config =
            toml::from_str("lock_timeout = '5s'\n[version]\nlayout = 'alembic'\n").expect("parses");
        assert_eq!(config.lock_timeout.as_deref(), Some("5s"));
        assert_eq!(
            config.version.table_and_column(),
            ("alembic_version", "version_num")
        );
        assert!(toml::from_str::<Config>("lock_timout = '5s'").is_err());
    }

    #[test]
    fn names_must_be_names_postgresql_can_hold() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("strata.toml");
        let load_text = |text: &str| {
            std::fs::write(&path, text).expect("write");
            load(Some(&path))
        };
        assert!(load_text("default_schema = 'app'\n").is_ok());
        let shown = path.display();
        assert_eq!(
            load_text("default_schema = ''\n"),
            Err(format!("`{shown}`: `default_schema` is empty"))
        );
        assert_eq!(
            load_text("[version]\nhistory = \"a\\u0000b\"\n"),
            Err(format!(
                "`{shown}`: `version.history` contains a NUL character, which no PostgreSQL name can hold"
            ))
        );
    }
}
