//! What a view's query reads, by PostgreSQL's parser: the relations it names, the
//! column names it mentions, whether it takes every column (`*`), and the names of the
//! columns it gives.
//!
//! Without PostgreSQL's catalog a column cannot always be told apart from an alias or
//! tied to one of several relations: a column of a relation the query reads counts as
//! used when the query mentions its name anywhere, which errs towards protecting a
//! column a view does not use (a drop is refused that PostgreSQL would allow), never
//! the other way.

use pg_query::protobuf::node::Node as N;
use pg_query::NodeRef;

/// What a query reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reads {
    /// The relations of its FROM clauses (and subqueries), with their schema when
    /// written; the names of its own `WITH` queries left out.
    pub relations: Vec<(Option<String>, String)>,
    /// Every column name it mentions (the last part of each column reference).
    pub columns: Vec<String>,
    /// Whether it takes every column of a relation (`*` or `t.*`).
    pub star: bool,
    /// The names of the columns it gives, when each can be told (an alias or a plain
    /// column reference); `None` when one cannot (an expression without an alias, `*`).
    pub output: Option<Vec<String>>,
}

/// What `text` (one SELECT, checked by the syntax stage) reads; `None` when it does not
/// parse.
pub fn reads(text: &str) -> Option<Reads> {
    crate::pgsql::parse(text, |tree| {
        let mut reads = Reads::default();
        let mut ctes = Vec::new();
        for (node, ..) in tree.nodes() {
            match node {
                NodeRef::CommonTableExpr(cte) => ctes.push(cte.ctename.clone()),
                NodeRef::RangeVar(r) => {
                    let schema = (!r.schemaname.is_empty()).then(|| r.schemaname.clone());
                    let relation = (schema, r.relname.clone());
                    if !reads.relations.contains(&relation) {
                        reads.relations.push(relation);
                    }
                }
                NodeRef::ColumnRef(c) => match c.fields.last().and_then(|f| f.node.as_ref()) {
                    Some(N::String(s)) if !reads.columns.contains(&s.sval) => {
                        reads.columns.push(s.sval.clone());
                    }
                    Some(N::AStar(_)) => reads.star = true,
                    _ => {}
                },
                _ => {}
            }
        }
        reads
            .relations
            .retain(|(schema, name)| schema.is_some() || !ctes.contains(name));
        reads.output = output(tree);
        reads
    })
    .ok()
}

/// The names of the columns the top SELECT gives, as PostgreSQL names them, when each
/// can be told.
fn output(tree: &pg_query::protobuf::ParseResult) -> Option<Vec<String>> {
    let statement = tree.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let N::SelectStmt(select) = statement else {
        return None;
    };
    // A UNION's columns are named by its first branch.
    let mut select = select.as_ref();
    while let Some(left) = select.larg.as_deref() {
        select = left;
    }
    if select.target_list.is_empty() {
        return None;
    }
    select
        .target_list
        .iter()
        .map(|target| {
            let Some(N::ResTarget(t)) = &target.node else {
                return None;
            };
            if !t.name.is_empty() {
                return Some(t.name.clone());
            }
            match t.val.as_deref()?.node.as_ref()? {
                N::ColumnRef(c) => match c.fields.last()?.node.as_ref()? {
                    N::String(s) => Some(s.sval.clone()),
                    _ => None,
                },
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_columns_and_output_names_are_read() {
        let r = reads(
            "WITH recent AS (SELECT * FROM app.orders WHERE placed_at > now() - interval '1 day') \
             SELECT o.id, c.name AS customer, count(*) FROM recent o JOIN customers c ON c.id = o.customer_id \
             GROUP BY 1, 2",
        )
        .expect("parses");
        assert_eq!(
            r.relations,
            [
                (None, "customers".to_owned()),
                (Some("app".to_owned()), "orders".to_owned())
            ]
        );
        for column in ["id", "name", "customer_id", "placed_at"] {
            assert!(r.columns.contains(&column.to_owned()), "{column}");
        }
        assert!(r.star);
        // `count(*)` has no name of its own here.
        assert_eq!(r.output, None);
        let r = reads("SELECT id, total AS amount FROM orders UNION SELECT 1, 2").expect("parses");
        assert_eq!(r.output, Some(vec!["id".to_owned(), "amount".to_owned()]));
        assert!(!r.star);
        assert_eq!(reads("SELECT ("), None);
    }
}
