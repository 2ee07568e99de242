//! Column types as the rules see them: their family, whatever the spelling, and which
//! changes between them PostgreSQL makes without rewriting the table.

use crate::syntax::ast::{DataType, MultiWordType, TypeKind};

/// A type's family, with the modifiers that matter to the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// `smallint`, `integer`: 2 and 4 bytes.
    SmallInteger,
    /// `smallserial`, `serial`.
    SmallSerial,
    /// `bigserial`.
    BigSerial,
    Bigint,
    /// `varchar`, `character varying`, with its length.
    Varchar(Option<i64>),
    /// `char(n)`, `character`, `bpchar`.
    Char,
    Text,
    /// `timestamp`, `timestamp without time zone`.
    Timestamp,
    /// `numeric(p, s)`, `decimal`.
    Numeric(Option<(i64, i64)>),
    /// `varbit(n)`, `bit varying(n)`.
    VarBit(Option<i64>),
    Cidr,
    Inet,
    /// Anything else, by its spelling; an array of any type is one.
    Other,
}

pub(super) fn family(t: &DataType) -> Family {
    if t.array_dimensions > 0 {
        return Family::Other;
    }
    match &t.kind {
        TypeKind::Named { name, modifiers } => {
            if name
                .schema
                .as_ref()
                .is_some_and(|s| s.value != "pg_catalog")
            {
                return Family::Other;
            }
            let first = modifiers.first().copied();
            match name.name.value.as_str() {
                "int" | "integer" | "int4" | "smallint" | "int2" => Family::SmallInteger,
                "serial" | "serial4" | "smallserial" | "serial2" => Family::SmallSerial,
                "bigserial" | "serial8" => Family::BigSerial,
                "bigint" | "int8" => Family::Bigint,
                "varchar" => Family::Varchar(first),
                "char" | "character" | "bpchar" => Family::Char,
                "text" => Family::Text,
                "timestamp" => Family::Timestamp,
                "numeric" | "decimal" => Family::Numeric(match modifiers.as_slice() {
                    [] => None,
                    [p] => Some((*p, 0)),
                    [p, s, ..] => Some((*p, *s)),
                }),
                "varbit" => Family::VarBit(first),
                "cidr" => Family::Cidr,
                "inet" => Family::Inet,
                _ => Family::Other,
            }
        }
        TypeKind::MultiWord { name, modifiers } => match name {
            MultiWordType::CharacterVarying => Family::Varchar(modifiers.first().copied()),
            MultiWordType::BitVarying => Family::VarBit(modifiers.first().copied()),
            MultiWordType::TimestampWithoutTimeZone => Family::Timestamp,
            _ => Family::Other,
        },
        TypeKind::Raw(_) => Family::Other,
    }
}

/// Whether a key of this type runs out before a `bigint` would.
pub(super) fn is_small_key(family: &Family) -> bool {
    matches!(family, Family::SmallInteger | Family::SmallSerial)
}

/// Whether changing a column from `from` to `to` rewrites the table. PostgreSQL skips
/// the rewrite (since 9.2) when the old values are valid as they are under the new
/// type: a longer or unbounded `varchar`, `varchar` to `text` and back to an unbounded
/// one, a wider `numeric` of the same scale, a longer `bit varying`, `cidr` to `inet`.
/// A type strata cannot compare counts as a rewrite.
pub(super) fn rewrites(from: &DataType, to: &DataType) -> bool {
    if same(from, to) {
        return false;
    }
    use Family as F;
    let wider = |old: Option<i64>, new: Option<i64>| match (old, new) {
        (_, None) => true,
        (Some(o), Some(n)) => n >= o,
        (None, Some(_)) => false,
    };
    match (family(from), family(to)) {
        (F::Varchar(old), F::Varchar(new)) => !wider(old, new),
        (F::Varchar(_), F::Text) | (F::Text, F::Varchar(None)) => false,
        (F::Numeric(old), F::Numeric(new)) => match (old, new) {
            (_, None) => false,
            (Some((op, os)), Some((np, ns))) => !(ns == os && np >= op),
            (None, Some(_)) => true,
        },
        (F::VarBit(old), F::VarBit(new)) => !wider(old, new),
        (F::Cidr, F::Inet) => false,
        _ => true,
    }
}

/// The same type, however spelled (`int4` and `integer` are one).
fn same(a: &DataType, b: &DataType) -> bool {
    if a.kind == b.kind && a.array_dimensions == b.array_dimensions {
        return true;
    }
    let (fa, fb) = (family(a), family(b));
    fa != Family::Other && fa == fb && a.array_dimensions == b.array_dimensions && {
        // Families that lump types together are the same type only when one name is
        // an alias of the other.
        !matches!(fa, Family::SmallInteger | Family::SmallSerial) || size(a) == size(b)
    }
}

/// The byte size of an integer type, to tell `smallint` from `integer`.
fn size(t: &DataType) -> u8 {
    match &t.kind {
        TypeKind::Named { name, .. } => match name.name.value.as_str() {
            "smallint" | "int2" | "smallserial" | "serial2" => 2,
            _ => 4,
        },
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{Ident, QualifiedName};

    const SPAN: crate::source::Span = crate::source::Span {
        file: crate::source::FileId(0),
        start: 0,
        end: 0,
        line: 1,
        col: 1,
    };

    fn named(name: &str, modifiers: &[i64]) -> DataType {
        DataType {
            kind: TypeKind::Named {
                name: QualifiedName {
                    schema: None,
                    name: Ident {
                        value: name.to_owned(),
                        quoted: false,
                        span: SPAN,
                    },
                },
                modifiers: modifiers.to_vec(),
            },
            array_dimensions: 0,
            span: SPAN,
        }
    }

    #[test]
    fn widening_without_a_rewrite() {
        assert!(!rewrites(
            &named("varchar", &[20]),
            &named("varchar", &[40])
        ));
        assert!(!rewrites(&named("varchar", &[20]), &named("text", &[])));
        assert!(!rewrites(&named("varchar", &[20]), &named("varchar", &[])));
        assert!(!rewrites(&named("text", &[]), &named("varchar", &[])));
        assert!(!rewrites(
            &named("numeric", &[10, 2]),
            &named("numeric", &[12, 2])
        ));
        assert!(!rewrites(
            &named("numeric", &[10, 2]),
            &named("numeric", &[])
        ));
        assert!(!rewrites(&named("int4", &[]), &named("integer", &[])));
        assert!(!rewrites(&named("cidr", &[]), &named("inet", &[])));
    }

    #[test]
    fn changes_that_rewrite() {
        assert!(rewrites(&named("varchar", &[40]), &named("varchar", &[20])));
        assert!(rewrites(&named("text", &[]), &named("varchar", &[20])));
        assert!(rewrites(&named("integer", &[]), &named("bigint", &[])));
        assert!(rewrites(&named("smallint", &[]), &named("integer", &[])));
        assert!(rewrites(
            &named("numeric", &[10, 2]),
            &named("numeric", &[12, 3])
        ));
        assert!(rewrites(
            &named("timestamp", &[]),
            &named("timestamptz", &[])
        ));
        assert!(rewrites(&named("text", &[]), &named("jsonb", &[])));
    }
}
