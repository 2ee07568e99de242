//! Types: enums created, assumed, dropped, their values added and renamed; the types a
//! column may have.

use std::collections::HashSet;

use super::*;
use crate::diagnostic::Code;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

/// Types that need no declaration.
pub(super) const BUILTIN_TYPES: &[&str] = &[
    "bigint",
    "bigserial",
    "bit",
    "bool",
    "boolean",
    "box",
    "bpchar",
    "bytea",
    "char",
    "character",
    "cidr",
    "circle",
    "date",
    "datemultirange",
    "daterange",
    "decimal",
    "float",
    "float4",
    "float8",
    "inet",
    "int",
    "int2",
    "int4",
    "int4multirange",
    "int4range",
    "int8",
    "int8multirange",
    "int8range",
    "integer",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "numeric",
    "nummultirange",
    "numrange",
    "oid",
    "path",
    "pg_lsn",
    "pg_snapshot",
    "point",
    "polygon",
    "real",
    "regclass",
    "regtype",
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallint",
    "smallserial",
    "text",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "uuid",
    "varbit",
    "varchar",
    "xid8",
    "xml",
];

/// Types that come with an extension, which the model accepts once it is created.
pub(super) const EXTENSION_TYPES: &[(&str, &str)] = &[
    ("citext", "citext"),
    ("cube", "cube"),
    ("hstore", "hstore"),
    ("isn", "ean13"),
    ("isn", "isbn"),
    ("isn", "issn"),
    ("ltree", "lquery"),
    ("ltree", "ltree"),
    ("postgis", "geography"),
    ("postgis", "geometry"),
    ("vector", "vector"),
];

impl Applier<'_> {
    /// An error for a type the model does not know.
    fn unknown_type(&mut self, name: &ObjName, span: Span) {
        let known = self.names_like(name, self.model.types.keys());
        self.unknown_object(Fated::Type(name.clone()), &known, span);
    }

    pub(super) fn drop_type(&mut self, d: &mut DropType, span: Span) -> Reversal {
        let name = self.obj(&d.name);
        let Some(ty) = self.model.types.get(&name).cloned() else {
            self.unknown_type(&name, d.name.span());
            return Ok(Vec::new());
        };
        let user = self.model.tables.iter().find_map(|(t, table)| {
            table
                .columns
                .iter()
                .find(|c| self.names_type(&c.data_type, &name))
                .map(|c| format!("{t}.{}", c.name))
        });
        if let Some(user) = user {
            self.error(
                Code::InUse,
                d.name.span(),
                format!("type `{name}` is still used by column `{user}`"),
            );
            return Ok(Vec::new());
        }
        self.model.types.remove(&name);
        let comments = self.take_comments(&[CommentOn::Type(name)], span);
        let values = ty.values_at(span);
        let mut reverse = vec![derived(
            S::CreateEnum(CreateEnum {
                name: d.name.clone(),
                values,
            }),
            span,
        )];
        reverse.extend(comments);
        Ok(reverse)
    }

    pub(super) fn alter_type_add_value(
        &mut self,
        a: &mut AlterTypeAddValue,
        span: Span,
    ) -> Reversal {
        let name = self.obj(&a.name);
        let Some(mut ty) = self.model.types.get(&name).cloned() else {
            self.unknown_type(&name, a.name.span());
            return Ok(Vec::new());
        };
        if ty.values.contains(&a.value.value) {
            self.error(
                Code::DuplicateObject,
                a.value.span,
                format!("type `{name}` has the value '{}' already", a.value.value),
            );
            return Ok(Vec::new());
        }
        let at = match &a.position {
            None => Some(ty.values.len()),
            Some((placement, other)) => {
                ty.values
                    .iter()
                    .position(|v| v == &other.value)
                    .map(|i| match placement {
                        ValuePlacement::Before => i,
                        ValuePlacement::After => i + 1,
                    })
            }
        };
        let Some(at) = at else {
            let other = a.position.as_ref().map_or(span, |(_, o)| o.span);
            self.error(
                Code::UnknownObject,
                other,
                format!("type `{name}` has no such value"),
            );
            return Ok(Vec::new());
        };
        ty.values.insert(at, a.value.value.clone());
        self.model.types.insert(name, ty);
        Err(ENUM_VALUE.to_owned())
    }

    pub(super) fn rename_type(&mut self, r: &mut RenameType, span: Span) -> Reversal {
        let Some(old) = self.type_or_error(&r.name) else {
            return Ok(Vec::new());
        };
        let new = ObjName::new(old.schema(), &r.new_name.value);
        // Types and tables share names (a table has a row type of its own name).
        let clash = if self.model.types.contains_key(&new) {
            Some("a type")
        } else if self.model.tables.contains_key(&new) {
            Some("a table")
        } else {
            None
        };
        if let Some(clash) = clash {
            self.error(
                Code::DuplicateObject,
                r.new_name.span,
                format!("cannot rename type to `{new}`: {clash} of that name already exists"),
            );
            return Ok(Vec::new());
        }
        self.move_type(&old, &new);
        Ok(vec![self.rename_back(
            &new,
            &old,
            span,
            |name, new_name| S::RenameType(RenameType { name, new_name }),
        )])
    }

    /// The enum type a statement names, or an error.
    pub(super) fn type_or_error(&mut self, q: &QualifiedName) -> Option<ObjName> {
        let name = self.obj(q);
        if self.model.types.contains_key(&name) {
            return Some(name);
        }
        self.unknown_type(&name, q.span());
        None
    }

    /// A type under another name (or in another schema), with its comment; its columns
    /// follow it (PostgreSQL keeps them by the type's identity).
    pub(super) fn move_type(&mut self, old: &ObjName, new: &ObjName) {
        let ty = self.model.types.remove(old);
        if let Some(ty) = ty {
            self.model.types.insert(new.clone(), ty);
        }
        self.move_comment(CommentOn::Type(old.clone()), CommentOn::Type(new.clone()));
        // The columns of the type follow it: a scan of the tables, as for a drop.
        let users: Vec<(ObjName, String)> = self
            .model
            .tables
            .iter()
            .flat_map(|(t, table)| {
                table
                    .columns
                    .iter()
                    .filter(|c| self.names_type(&c.data_type, old))
                    .map(|c| (t.clone(), c.name.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (table, column) in users {
            let Some(c) = self.model.table(&table).and_then(|t| t.column(&column)) else {
                continue;
            };
            let mut renamed = DataType::clone(&c.data_type);
            if let TypeKind::Named { name, .. } = &mut renamed.kind {
                let span = name.name.span;
                name.name = ident(new.name(), span);
                name.schema =
                    (new.schema() != self.default_schema).then(|| ident(new.schema(), span));
            }
            let renamed = self.shared.data_type(&renamed);
            self.update_column(&table, &column, |c| c.data_type = renamed);
        }
    }

    /// Whether a column's type is the type `name`.
    fn names_type(&self, data_type: &DataType, name: &ObjName) -> bool {
        matches!(&data_type.kind, TypeKind::Named { name: n, .. } if self.obj(n) == *name)
    }

    pub(super) fn alter_type_rename_value(
        &mut self,
        r: &mut AlterTypeRenameValue,
        span: Span,
    ) -> Reversal {
        let name = self.obj(&r.name);
        let Some(mut ty) = self.model.types.get(&name).cloned() else {
            self.unknown_type(&name, r.name.span());
            return Ok(Vec::new());
        };
        let Some(i) = ty.values.iter().position(|v| v == &r.from.value) else {
            self.error(
                Code::UnknownObject,
                r.from.span,
                format!("type `{name}` has no value '{}'", r.from.value),
            );
            return Ok(Vec::new());
        };
        if ty.values.contains(&r.to.value) {
            self.error(
                Code::DuplicateObject,
                r.to.span,
                format!("type `{name}` has the value '{}' already", r.to.value),
            );
            return Ok(Vec::new());
        }
        ty.values[i] = r.to.value.clone();
        self.model.types.insert(name, ty);
        Ok(vec![derived(
            S::AlterTypeRenameValue(AlterTypeRenameValue {
                name: r.name.clone(),
                from: r.to.clone(),
                to: r.from.clone(),
            }),
            span,
        )])
    }

    /// A string default of an enum column must be one of the enum's values: PostgreSQL
    /// refuses the statement otherwise (`invalid input value for enum`).
    /// False (with the error) when it is not.
    pub(super) fn check_enum_default(&mut self, t: &DataType, d: &DefaultValue) -> bool {
        let (TypeKind::Named { name, .. }, DefaultValue::Literal(Literal::String(value))) =
            (&t.kind, d)
        else {
            return true;
        };
        if t.array_dimensions > 0 {
            return true;
        }
        let obj = self.obj(name);
        let Some(ty) = self.model.types.get(&obj) else {
            return true;
        };
        if ty.values.contains(&value.value) {
            return true;
        }
        let values = ty.values.join("', '");
        self.error(
            Code::InvalidStatement,
            value.span,
            format!(
                "'{}' is not a value of enum `{obj}` (its values: '{values}'); PostgreSQL \
                 refuses the default",
                value.value
            ),
        );
        false
    }

    pub(super) fn check_type(&mut self, t: &DataType) {
        let TypeKind::Named { name, .. } = &t.kind else {
            return;
        };
        let obj = self.obj(name);
        if self.model.types.contains_key(&obj) {
            return;
        }
        if name.schema.is_none() || obj.schema() == "pg_catalog" {
            let n = name.name.value.as_str();
            if BUILTIN_TYPES.binary_search(&n).is_ok() {
                return;
            }
            if EXTENSION_TYPES
                .iter()
                .any(|(ext, ty)| *ty == n && self.model.extensions.contains_key(*ext))
            {
                return;
            }
        }
        self.error(
            Code::UnknownObject,
            name.span(),
            format!(
                "unknown type `{obj}`: not a built-in type, an enum of the project or a type of a \
                 created extension (declare it with `assume type`, or write it in backticks)"
            ),
        );
    }

    pub(super) fn create_enum(
        &mut self,
        name: &QualifiedName,
        values: &[Spanned<String>],
        assumed: bool,
    ) -> bool {
        let obj = self.obj(name);
        if !self.check_new_relation(&obj, name.span(), "type") {
            return false;
        }
        if self.model.types.contains_key(&obj) {
            self.error(
                Code::DuplicateObject,
                name.span(),
                format!("type `{obj}` exists already"),
            );
            return false;
        }
        let mut seen: HashSet<&str> = HashSet::with_capacity(values.len());
        for v in values {
            if !seen.insert(&v.value) {
                self.error(
                    Code::DuplicateObject,
                    v.span,
                    format!("the value '{}' is listed twice", v.value),
                );
                return false;
            }
        }
        self.model.types.insert(
            obj,
            EnumType {
                values: values.iter().map(|v| v.value.clone()).collect(),
                assumed,
            },
        );
        true
    }
}
