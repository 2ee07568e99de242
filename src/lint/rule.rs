//! The rules: their ids, groups, levels and one-line summaries. A rule's check lives in
//! the file of its group under `rules/`; its page is `docs/lint/ID.md`.

/// What a rule guards against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Group {
    /// A lock that blocks other sessions, a table rewrite or a full scan.
    Locks,
    /// A change that code still running against the database may not survive.
    Compatibility,
    /// Column types and keys that cost later.
    Hygiene,
    /// What lets one role act with another's rights.
    Security,
    /// The suppressions themselves.
    Suppression,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Locks => "locks and rewrites",
            Group::Compatibility => "compatibility with running code",
            Group::Hygiene => "schema hygiene",
            Group::Security => "security",
            Group::Suppression => "suppressions",
        }
    }
}

/// How a finding of a rule is reported.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    /// Not reported.
    Allow,
    /// A warning: reported, and the command still succeeds.
    Warn,
    /// An error: the command fails (exit status 1), and `build` writes nothing.
    Deny,
}

impl Level {
    /// The level a configuration names.
    pub fn parse(text: &str) -> Option<Level> {
        [Level::Allow, Level::Warn, Level::Deny]
            .into_iter()
            .find(|l| l.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

macro_rules! rules {
    ($($variant:ident => $id:literal, $group:ident, $summary:literal, $fix:literal;)*) => {
        /// A lint rule.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every rule, in the order of the documentation.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The rule's id, as configured, suppressed and reported.
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }

            pub fn group(self) -> Group {
                match self {
                    $(Rule::$variant => Group::$group,)*
                }
            }

            /// What the rule finds, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$variant => $summary,)*
                }
            }

            /// The safe pattern, in one line (the finding's `help:` says it for the
            /// statement at hand).
            pub fn fix(self) -> &'static str {
                match self {
                    $(Rule::$variant => $fix,)*
                }
            }
        }
    };
}

rules! {
    CreateIndexBlocks => "create-index-blocks", Locks,
        "An index built without `concurrently` on an existing table blocks writes to it while it builds",
        "Build it with `create index concurrently`, which strata runs outside a transaction.";
    DropIndexBlocks => "drop-index-blocks", Locks,
        "An index dropped without `concurrently` takes an ACCESS EXCLUSIVE lock on its table",
        "Drop it with `drop index concurrently`, which strata runs outside a transaction.";
    ForeignKeyValidates => "foreign-key-validates", Locks,
        "A foreign key added without `not valid` scans the table while both tables are locked",
        "Add it `not valid`, then `validate constraint` in a later revision.";
    CheckValidates => "check-validates", Locks,
        "A check constraint added without `not valid` scans the table under an ACCESS EXCLUSIVE lock",
        "Add it `not valid`, then `validate constraint` in a later revision.";
    ValidateSameTransaction => "validate-same-transaction", Locks,
        "A constraint validated in the transaction that added it `not valid` holds the lock `not valid` meant to shorten",
        "Validate the constraint in a later revision than the one that adds it.";
    SetNotNullScans => "set-not-null-scans", Locks,
        "`set not null` scans the table under an ACCESS EXCLUSIVE lock unless a validated check constraint proves it",
        "Add `check (col IS NOT NULL) not valid`, validate it in a later revision, then `set not null` and drop the check.";
    TypeChangeRewrites => "type-change-rewrites", Locks,
        "A column type change that rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
        "Add a column of the new type, fill it in batches, move the application, drop the old column.";
    VolatileDefault => "volatile-default", Locks,
        "A column added with a volatile default (or one of its own per row) rewrites the table",
        "Add the column without the default, set the default after, fill existing rows in batches.";
    NotNullWithoutDefault => "not-null-without-default", Locks,
        "A `not null` column added without a default fails on a table that has rows",
        "Give the column a constant default, or add it nullable, fill it, then `set not null`.";
    UniqueBuildsIndex => "unique-builds-index", Locks,
        "A unique or primary key constraint added to an existing table builds its index under an ACCESS EXCLUSIVE lock",
        "Build a unique index concurrently first, then add the constraint `using index`.";
    ExclusionBuildsIndex => "exclusion-builds-index", Locks,
        "An exclusion constraint added to an existing table builds its index and checks every row under an ACCESS EXCLUSIVE lock",
        "Declare it when the table is created; on a table with rows, plan the lock and say so in a suppression.";
    SeveralExclusiveLocks => "several-exclusive-locks", Locks,
        "One transaction takes ACCESS EXCLUSIVE locks on several existing tables",
        "Change one existing table per revision.";
    DataChangeUnderLock => "data-change-under-lock", Locks,
        "An UPDATE or DELETE in the transaction that holds an ACCESS EXCLUSIVE lock",
        "Move the data change into a revision of its own.";
    MissingLockTimeout => "missing-lock-timeout", Locks,
        "A statement waits for a lock on an existing table with no `lock_timeout` in force",
        "Set `lock_timeout` in strata.toml, or `set lock_timeout = '5s';` at the start of the revision.";
    DropColumn => "drop-column", Compatibility,
        "Dropping a column breaks code that still reads or writes it",
        "Release code that no longer uses the column first; then suppress with the reason.";
    RenameColumn => "rename-column", Compatibility,
        "Renaming a column breaks code that still uses the old name",
        "Expand and contract: add the new column, write both, move reads, drop the old one later.";
    DropTable => "drop-table", Compatibility,
        "Dropping a table breaks code that still uses it",
        "Release code that no longer uses the table first; then suppress with the reason.";
    RenameTable => "rename-table", Compatibility,
        "Renaming a table breaks code that still uses the old name",
        "Expand and contract, or bridge the release with a view under the old name.";
    RenameEnumValue => "rename-enum-value", Compatibility,
        "Renaming an enum value breaks code that still writes the old value",
        "Add the new value, move the application and rows to it, stop using the old one.";
    DropDefault => "drop-default", Compatibility,
        "Dropping a default breaks code that relies on it to fill the column",
        "Release code that always writes the column first.";
    PreferBigintIdentity => "prefer-bigint-identity", Hygiene,
        "A primary or foreign key of `integer`, `smallint` or `serial` type runs out; prefer `bigint generated always as identity`",
        "Use `bigint generated always as identity` for keys, `bigint` for columns referencing them.";
    PreferText => "prefer-text", Hygiene,
        "`varchar(n)` makes a longer limit a type change; prefer `text` with a check constraint",
        "Use `text` with a `char_length` check constraint.";
    PreferTimestamptz => "prefer-timestamptz", Hygiene,
        "`timestamp` without time zone stores local times without saying whose",
        "Use `timestamptz`.";
    CharType => "char-type", Hygiene,
        "`char(n)` pads with blanks and is no faster than `text`",
        "Use `text`, with a check constraint for the length.";
    UnindexedForeignKey => "unindexed-foreign-key", Hygiene,
        "A foreign key without an index on its referencing columns makes deletes and updates of the referenced rows scan",
        "Create an index whose first columns are the foreign key's.";
    SecurityDefinerSearchPath => "security-definer-search-path", Security,
        "A `security definer` function without a `search_path` of its own runs what its caller's `search_path` finds with its owner's rights",
        "Add `set search_path = pg_catalog, pg_temp` to the function and schema-qualify the names its body uses.";
    UnusedSuppression => "unused-suppression", Suppression,
        "A `-- strata: allow(RULE)` comment that suppresses nothing",
        "Remove the suppression, or move it to the line before its statement.";
}

impl Rule {
    /// The rule of an id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }

    /// The documentation page of the rule, relative to the repository.
    pub fn page(self) -> String {
        format!("docs/lint/{}.md", self.id())
    }

    /// The id nearest to a mistyped one, for a "did you mean" (Jaro-Winkler, as cargo
    /// and clap judge nearness).
    pub fn nearest(id: &str) -> Option<Rule> {
        let near = crate::suggest::nearest(id, Rule::ALL.iter().map(|r| r.id()))?;
        Rule::from_id(near)
    }

    /// The level a rule has when the configuration says nothing of it.
    pub fn default_level(self) -> Level {
        Level::Warn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert!(ids
            .iter()
            .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
    }

    #[test]
    fn the_list_of_rules_is_in_their_declaration_order() {
        // `lint::Settings` keeps a level per rule at the rule's discriminant.
        for (i, &rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(rule as usize, i);
        }
    }

    #[test]
    fn a_mistyped_id_finds_its_rule() {
        assert_eq!(
            Rule::nearest("create-index-block"),
            Some(Rule::CreateIndexBlocks)
        );
        assert_eq!(Rule::nearest("prefer-txt"), Some(Rule::PreferText));
        assert_eq!(Rule::nearest("zzzz"), None);
    }
}
