//! Syntax errors in plain words.
//!
//! pest reports the furthest position it reached and the rules it tried there. This
//! module names each rule as a reader would ("';' after the statement", "a type"), and
//! prefers the scanner's "unterminated string literal started here" when an unclosed
//! construct is the real cause.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::lexer;
use super::parser::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, SourceFile};

pub(crate) fn syntax_error(
    source: &SourceFile,
    file: FileId,
    text: &str,
    error: &Error<Rule>,
) -> Diagnostic {
    let position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    if let Err(open) = lexer::tokenize(text) {
        if open.start <= position {
            return Diagnostic::error(
                Code::Unterminated,
                source.span(file, open.start, open.end),
                format!("unterminated {} started here", open.what),
            );
        }
    }
    let (found, end) = found_at(text, position);
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        if let Some(diagnostic) = missing_end(source, file, text, position, end, &found, positives)
        {
            return diagnostic;
        }
    }
    let message = match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let expected = describe_all(positives);
            if !expected.is_empty() {
                format!("expected {expected}, found {found}")
            } else if !negatives.is_empty() {
                format!("unexpected {}", describe_all(negatives))
            } else {
                format!("unexpected {found}")
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let diagnostic = Diagnostic::error(Code::Syntax, source.span(file, position, end), message);
    let word = text.get(position..end).unwrap_or("");
    match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => match keyword_near(word, positives) {
            Some(near) => diagnostic.with_help(crate::suggest::did_you_mean(near)),
            None => diagnostic,
        },
        ErrorVariant::CustomError { .. } => diagnostic,
    }
}

/// The words a statement starts with.
const STATEMENT_WORDS: &[&str] = &[
    "create", "alter", "drop", "sql", "assume", "refresh", "set", "comment", "grant", "revoke",
];

/// The words an `alter table` action starts with.
const ALTER_TABLE_WORDS: &[&str] = &[
    "add", "drop", "rename", "alter", "validate", "enable", "disable", "force", "set", "reset",
];

/// The keyword nearest to a mistyped word (`creat`, `tabel`), of those that could stand
/// where it does.
fn keyword_near<'k>(word: &str, positives: &[Rule]) -> Option<&'k str> {
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') {
        return None;
    }
    let mut candidates: Vec<&'k str> = positives
        .iter()
        .filter(|&&r| is_token(r))
        .filter_map(|&r| {
            describe(r)
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .filter(|d| {
                    d.bytes()
                        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b' ')
                })
        })
        .collect();
    if positives.contains(&Rule::statement) {
        candidates.extend(STATEMENT_WORDS);
    }
    if positives.contains(&Rule::alter_action) {
        candidates.extend(ALTER_TABLE_WORDS);
    }
    let lower = word.to_ascii_lowercase();
    crate::suggest::nearest(&lower, candidates)
}

/// A statement's `;`, a header's `;` or a block's `}` missing at the end of a line: said
/// at the end of the token before it (where it is missing), with what the next line
/// starts with as a note, rather than at the next line's first token.
fn missing_end(
    source: &SourceFile,
    file: FileId,
    text: &str,
    position: usize,
    end: usize,
    found: &str,
    positives: &[Rule],
) -> Option<Diagnostic> {
    let (missing, what, whole) = if positives.contains(&Rule::stmt_end) {
        ("`;`", "after this statement", "the statement")
    } else if positives.contains(&Rule::header_end) {
        ("`;`", "at the end of the revision header", "the header")
    } else if positives.contains(&Rule::rbrace)
        && text
            .get(position..)
            .is_some_and(|rest| rest.trim().is_empty())
    {
        // At the end of the file only: before a word, the word is likelier the mistake.
        ("`}`", "to close the block", "the block")
    } else {
        return None;
    };
    let before = text.get(..position)?;
    let last = before.trim_end();
    // Only when the next token is on a later line: on the same line, the place found is
    // the place to say.
    if last.is_empty() || !before[last.len()..].contains('\n') {
        return None;
    }
    let at = last.len();
    let start = last.char_indices().next_back().map_or(at, |(i, _)| i);
    let others: Vec<Rule> = positives
        .iter()
        .copied()
        .filter(|r| !matches!(r, Rule::stmt_end | Rule::header_end | Rule::rbrace))
        .collect();
    let mut diagnostic = Diagnostic::error(
        Code::Syntax,
        source.span(file, start, at),
        format!("expected {missing} {what}"),
    );
    let next = if position >= text.len() {
        "the file ends here".to_owned()
    } else {
        format!("the next line starts with {found}")
    };
    diagnostic = diagnostic.with_note(source.span(file, position, end), next);
    if !others.is_empty() {
        diagnostic = diagnostic
            .with_explanation(format!("or {whole} goes on with {}", describe_all(&others)));
    }
    Some(diagnostic)
}

/// What stands at `position`, in words, and where it ends.
fn found_at(text: &str, position: usize) -> (String, usize) {
    let rest = text.get(position..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_owned(), position);
    };
    let word_len = rest
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        .count();
    if word_len > 0 {
        let word = &rest[..word_len];
        (format!("`{word}`"), position + word_len)
    } else if first == '\'' {
        ("a string literal".to_owned(), position + 1)
    } else if first.is_control() || first.is_whitespace() {
        (
            format!("the character U+{:04X}", first as u32),
            position + first.len_utf8(),
        )
    } else {
        (format!("`{first}`"), position + first.len_utf8())
    }
}

fn describe_all(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = rules.iter().map(|&r| describe(r)).collect();
    words.sort_unstable();
    words.dedup();
    // The end of the file is the least interesting expectation; name it last.
    if let Some(i) = words.iter().position(|w| *w == END_OF_FILE) {
        let end = words.remove(i);
        words.push(end);
    }
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

const END_OF_FILE: &str = "end of file";

/// Whether a rule is a keyword or punctuation, as opposed to a construct.
///
/// pest declares the rules in grammar order, where the keywords and then the punctuation
/// stand together from `k_action` to `header_end`; a test keeps this true. A range check
/// is used because the tree walk asks this of nearly every node.
pub(crate) fn is_token(rule: Rule) -> bool {
    let index = rule as usize;
    rule == Rule::EOI || (Rule::k_action as usize..=Rule::header_end as usize).contains(&index)
}

/// Whether a rule is a keyword (`k_WORD`): of the tokens, those before the punctuation,
/// which starts at `lbrace` (the same test keeps it true).
pub(crate) fn is_keyword(rule: Rule) -> bool {
    (Rule::k_action as usize..Rule::lbrace as usize).contains(&(rule as usize))
}

/// A rule in the words of an error message. The match is exhaustive on purpose: a new
/// grammar rule does not compile until it has a description.
fn describe(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI => END_OF_FILE,
        // Silent rules: pest never reports them, but they are rules all the same.
        WHITESPACE | line_comment | block_comment => "white space or a comment",
        ident_char => "a letter, digit, '_' or '$'",
        word_end => "the end of a word",
        k_action => "'action'",
        k_add => "'add'",
        k_after => "'after'",
        k_all => "'all'",
        k_alter => "'alter'",
        k_always => "'always'",
        k_as => "'as'",
        k_asc => "'asc'",
        k_assume => "'assume'",
        k_before => "'before'",
        k_bit => "'bit'",
        k_by => "'by'",
        k_cache => "'cache'",
        k_cascade => "'cascade'",
        k_character => "'character'",
        k_check => "'check'",
        k_collate => "'collate'",
        k_column => "'column'",
        k_comment => "'comment'",
        k_compression => "'compression'",
        k_concurrently => "'concurrently'",
        k_constraint => "'constraint'",
        k_create => "'create'",
        k_cycle => "'cycle'",
        k_data => "'data'",
        k_default => "'default'",
        k_deferrable => "'deferrable'",
        k_deferred => "'deferred'",
        k_definer => "'definer'",
        k_delete => "'delete'",
        k_depends_on => "'depends_on'",
        k_desc => "'desc'",
        k_disable => "'disable'",
        k_distinct => "'distinct'",
        k_double => "'double'",
        k_downgrade => "'downgrade'",
        k_drop => "'drop'",
        k_each => "'each'",
        k_enable => "'enable'",
        k_enum => "'enum'",
        k_execute => "'execute'",
        k_exists => "'exists'",
        k_extended => "'extended'",
        k_extension => "'extension'",
        k_exclude => "'exclude'",
        k_reset => "'reset'",
        k_external => "'external'",
        k_false => "'false'",
        k_first => "'first'",
        k_for => "'for'",
        k_force => "'force'",
        k_foreign => "'foreign'",
        k_from => "'from'",
        k_function => "'function'",
        k_generated => "'generated'",
        k_grant => "'grant'",
        k_hash => "'hash'",
        k_identity => "'identity'",
        k_if => "'if'",
        k_immediate => "'immediate'",
        k_immutable => "'immutable'",
        k_include => "'include'",
        k_increment => "'increment'",
        k_index => "'index'",
        k_initially => "'initially'",
        k_insert => "'insert'",
        k_instead => "'instead'",
        k_invoker => "'invoker'",
        k_irreversible => "'irreversible'",
        k_is => "'is'",
        k_key => "'key'",
        k_labels => "'labels'",
        k_language => "'language'",
        k_last => "'last'",
        k_level => "'level'",
        k_list => "'list'",
        k_main => "'main'",
        k_materialized => "'materialized'",
        k_maxvalue => "'maxvalue'",
        k_message => "'message'",
        k_minvalue => "'minvalue'",
        k_no => "'no'",
        k_none => "'none'",
        k_nontransactional => "'nontransactional'",
        k_not => "'not'",
        k_null => "'null'",
        k_nulls => "'nulls'",
        k_of => "'of'",
        k_on => "'on'",
        k_option => "'option'",
        k_or => "'or'",
        k_owned => "'owned'",
        k_parents => "'parents'",
        k_partition => "'partition'",
        k_permissive => "'permissive'",
        k_plain => "'plain'",
        k_policy => "'policy'",
        k_precision => "'precision'",
        k_primary => "'primary'",
        k_privileges => "'privileges'",
        k_procedure => "'procedure'",
        k_public => "'public'",
        k_range => "'range'",
        k_references => "'references'",
        k_refresh => "'refresh'",
        k_rename => "'rename'",
        k_replace => "'replace'",
        k_restart => "'restart'",
        k_restrict => "'restrict'",
        k_restrictive => "'restrictive'",
        k_returns => "'returns'",
        k_revision => "'revision'",
        k_revoke => "'revoke'",
        k_role => "'role'",
        k_row => "'row'",
        k_schema => "'schema'",
        k_security => "'security'",
        k_select => "'select'",
        k_sequence => "'sequence'",
        k_set => "'set'",
        k_setof => "'setof'",
        k_sql => "'sql'",
        k_stable => "'stable'",
        k_start => "'start'",
        k_statement => "'statement'",
        k_statistics => "'statistics'",
        k_storage => "'storage'",
        k_stored => "'stored'",
        k_strict => "'strict'",
        k_table => "'table'",
        k_time => "'time'",
        k_timestamp => "'timestamp'",
        k_to => "'to'",
        k_trigger => "'trigger'",
        k_true => "'true'",
        k_truncate => "'truncate'",
        k_type => "'type'",
        k_unique => "'unique'",
        k_update => "'update'",
        k_upgrade => "'upgrade'",
        k_usage => "'usage'",
        k_using => "'using'",
        k_valid => "'valid'",
        k_validate => "'validate'",
        k_value => "'value'",
        k_values => "'values'",
        k_varying => "'varying'",
        k_view => "'view'",
        k_volatile => "'volatile'",
        k_when => "'when'",
        k_where => "'where'",
        k_with => "'with'",
        k_without => "'without'",
        k_zone => "'zone'",
        lbrace => "'{'",
        rbrace => "'}'",
        lparen => "'('",
        rparen => "')'",
        lbracket => "'['",
        rbracket => "']'",
        comma => "','",
        dot => "'.'",
        stmt_end => "';' after the statement",
        header_end => "';' at the end of the revision header",
        bare_ident | quoted_ident | quoted_ident_text | name | qname => "a name",
        column_list => "a parenthesized list of columns",
        string | string_text => "a string literal",
        number => "a number",
        signed_int => "an integer",
        literal => "a literal (a string, a number, true, false or null)",
        sql_expr | sql_expr_text => "a backtick SQL expression",
        dollar_quoted | dollar_tag | dollar_body => "a dollar-quoted SQL block ($$ ... $$)",
        rev_id => "a revision id",
        label => "a label",
        file | item => "the revision header or an 'upgrade' or 'downgrade' block",
        header | header_prefix => "the revision header",
        header_clause | parents_clause | message_clause | labels_clause | depends_on_clause => {
            "a header clause ('parents', 'message', 'labels' or 'depends_on')"
        }
        upgrade_block => "an 'upgrade' block",
        downgrade_block | downgrade_irreversible => "a 'downgrade' block",
        statement
        | create_schema
        | drop_schema
        | create_enum
        | drop_type
        | alter_type_add_value
        | alter_type_rename_value
        | alter_type_rename
        | create_extension
        | drop_extension
        | create_table
        | create_partition
        | drop_table
        | assume_table
        | assume_type
        | assume_extension
        | assume_index
        | assume_constraint
        | alter_table
        | create_index
        | drop_index
        | alter_index
        | set_setting
        | create_sequence
        | assume_sequence
        | alter_sequence
        | drop_sequence
        | comment_on
        | create_view
        | assume_view
        | refresh_view
        | drop_view
        | alter_view
        | create_routine
        | assume_routine
        | drop_routine
        | alter_routine
        | set_schema
        | create_trigger
        | drop_trigger
        | grant_stmt
        | revoke_stmt
        | assume_role
        | create_policy
        | drop_policy
        | raw_sql => "a statement",
        with_grant_option => "'with grant option'",
        grant_option_for => "'grant option for'",
        privilege_list | all_privileges | privilege => {
            "a privilege (select, insert, update, delete, truncate, references, trigger, usage, create, execute or all)"
        }
        grant_object | grant_sequences | grant_schemas | grant_routine | grant_tables => {
            "what the privilege is on (a table, 'sequence', 'schema', 'function' or 'procedure')"
        }
        grantee_list => "a role",
        row_security_change => "'enable', 'disable', 'force' or 'no force'",
        policy_as => "'as permissive' or 'as restrictive'",
        policy_for => "'for' and a command",
        policy_to => "'to' and roles",
        policy_using => "'using'",
        policy_check => "'with check'",
        routine_kind => "'function' or 'procedure'",
        routine_args | routine_arg => "a parenthesized list of arguments (name and type)",
        returns_clause => "'returns'",
        setof_flag => "'setof'",
        routine_option | language_option | volatility | security_option | strict_flag
        | routine_set => {
            "a function option (language, immutable, stable, volatile, security, strict or set)"
        }
        trigger_timing => "'before', 'after' or 'instead of'",
        trigger_event => "'insert', 'update', 'delete' or 'truncate'",
        trigger_for => "'for each row' or 'for each statement'",
        trigger_when => "'when'",
        or_replace => "'or replace'",
        materialized_flag => "'materialized'",
        with_data => "'with data' or 'with no data'",
        no_flag => "'no'",
        comment_target | comment_column | comment_constraint | comment_schema | comment_object
        | comment_view | comment_routine | comment_trigger => {
            "what the comment is on (table, column, index, constraint, type, schema, sequence, view, function, procedure or trigger)"
        }
        rename_sequence => "'rename to'",
        sequence_option | seq_as | seq_increment | seq_minvalue | seq_maxvalue | seq_start
        | seq_restart | seq_cache | seq_cycle | seq_owned_by => {
            "a sequence option (as, increment, minvalue, maxvalue, start, restart, cache, cycle or owned by)"
        }
        enum_values => "a parenthesized list of values",
        value_position => "'before' or 'after'",
        table_elements => "a parenthesized list of columns and constraints",
        table_element => "a column or a table constraint",
        partition_by => "'partition by'",
        partition_strategy => "'range', 'list' or 'hash'",
        column_def => "a column definition",
        table_constraint_word => "a table constraint",
        column_constraint_word => "a column constraint",
        multi_word_start => "a type",
        constraint_name => "'constraint'",
        table_constraint | pk_constraint | unique_constraint | check_constraint | fk_constraint
        | exclude_constraint => "a table constraint",
        exclude_element => "an exclusion element (an index key, 'with' and an operator)",
        operator => "an operator",
        references => "'references'",
        deferrability | not_deferrable | initially => "'deferrable', 'not deferrable' or 'initially'",
        on_delete => "'on delete'",
        on_update => "'on update'",
        fk_action => "a referential action (cascade, restrict, no action, set null or set default)",
        column_constraint | not_null_c | null_c | primary_key_c | unique_c | default_c
        | check_c | identity_c | generated_c | collate_c => "a column constraint",
        identity_always | identity_by_default => "'always' or 'by default'",
        default_value => "a default value (a literal or a backtick SQL expression)",
        data_type | raw_type | double_precision | character_varying | bit_varying
        | timestamp_tz | time_tz | named_type => "a type",
        time_zone => "'with time zone' or 'without time zone'",
        type_modifiers => "type modifiers",
        array_suffix => "'[]'",
        alter_action | add_column | drop_column | rename_table | rename_column
        | rename_constraint | alter_column_type | set_not_null | drop_not_null | set_default
        | drop_default | add_constraint | add_constraint_using_index | validate_constraint
        | drop_constraint | add_identity
        | drop_identity | set_generated | row_security | set_column_option | statistics_option
        | storage_option | compression_option | set_storage | reset_storage => {
            "an 'alter table' action"
        }
        using_clause => "'using'",
        not_valid => "'not valid'",
        unique_flag => "'unique'",
        concurrently_flag => "'concurrently'",
        if_exists => "'if exists'",
        nulls_not_distinct => "'nulls not distinct'",
        index_method => "'using'",
        index_key => "an index key (a column or a backtick expression)",
        index_collate => "a collation ('collate' and its name)",
        index_opclass => "an operator class",
        sort_order => "'asc' or 'desc'",
        nulls_order => "'nulls first' or 'nulls last'",
        include_clause => "'include'",
        storage_params => "'with' and storage parameters",
        storage_list | storage_names => "a parenthesized list of storage parameters",
        storage_param | param_name => "a storage parameter (`fillfactor = 70`)",
        param_value => "a value (a number, a word or a string)",
        where_clause => "'where'",
        nontransactional_flag => "'nontransactional'",
        raw_made => "'assume' and what the block makes, in braces",
        raw_made_item => "what the block makes (`table t (...)`, `index i on t (...)`, ...)",
        data_flag => "'data'",
        equals => "'='",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_exactly_the_keywords_and_punctuation() {
        let punctuation = [
            "lbrace",
            "rbrace",
            "lparen",
            "rparen",
            "lbracket",
            "rbracket",
            "comma",
            "equals",
            "dot",
            "stmt_end",
            "header_end",
            "EOI",
        ];
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            let expected = name.starts_with("k_") || punctuation.contains(&name.as_str());
            assert_eq!(is_token(rule), expected, "{name}");
            assert_eq!(is_keyword(rule), name.starts_with("k_"), "{name}");
        }
    }

    #[test]
    fn keyword_descriptions_name_the_keyword() {
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            if let Some(word) = name.strip_prefix("k_") {
                assert_eq!(describe(rule), format!("'{word}'"));
            }
        }
    }

    #[test]
    fn expectations_read_as_a_list() {
        assert_eq!(describe_all(&[Rule::stmt_end]), "';' after the statement");
        assert_eq!(
            describe_all(&[Rule::EOI, Rule::rparen, Rule::comma, Rule::comma]),
            "')', ',' or end of file"
        );
    }
}
