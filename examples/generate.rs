//! Writes a synthetic strata project, for benchmarks and scale tests.
//!
//! ```sh
//! cargo run --release --example generate -- OUT_DIR REVISIONS [linear|branchy] [ALEMBIC_DIR]
//! ```
//!
//! With `ALEMBIC_DIR`, the same graph and the same schema changes are also written as an
//! Alembic project (`op.*` calls), for side-by-side benchmarks.
//!
//! The output depends only on the arguments. Every revision changes one table of its
//! own line of history, in a cycle of realistic statements: a table with constraints and
//! an index, added columns, an index, a rename, a type change, a dropped column, and raw
//! SQL with its explicit downgrade. The branchy shape forks every 20 revisions into two
//! branches of three revisions, one of which depends on the other, and merges them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The table a line of history works on, and how far through the cycle it is.
#[derive(Clone)]
struct Lineage {
    table: String,
    step: usize,
}

struct Generator {
    out: PathBuf,
    alembic: Option<PathBuf>,
    written: usize,
    last_id: Option<String>,
}

impl Generator {
    fn next_id(&mut self) -> String {
        format!("{:06}_r", self.written + 1)
    }

    /// Writes one revision and returns its id.
    fn write(
        &mut self,
        parents: &[String],
        depends_on: &[String],
        lineage: Option<&mut Lineage>,
    ) -> String {
        let id = self.next_id();
        let mut text = format!("revision {id}");
        if !parents.is_empty() {
            let _ = write!(text, "\n  parents {}", parents.join(", "));
        }
        if !depends_on.is_empty() {
            let _ = write!(text, "\n  depends_on {}", depends_on.join(", "));
        }
        let _ = write!(
            text,
            "\n  message 'Synthetic revision {}';\n",
            self.written + 1
        );
        let mut alembic_body = "    pass\n".to_owned();
        if let Some(lineage) = lineage {
            let step = lineage.step % 8;
            text.push_str(&body(&id, lineage));
            alembic_body = alembic(&id, step, &lineage.table);
        }
        if let Some(dir) = &self.alembic {
            let python_list = |ids: &[String]| match ids {
                [] => "None".to_owned(),
                [one] => format!("'{one}'"),
                many => format!(
                    "({},)",
                    many.iter()
                        .map(|i| format!("'{i}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let module = format!(
                "\"\"\"Synthetic revision {}\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
                 revision = '{id}'\ndown_revision = {}\nbranch_labels = None\ndepends_on = {}\n\n\
                 def upgrade():\n{alembic_body}\n\ndef downgrade():\n    pass\n",
                self.written + 1,
                python_list(parents),
                python_list(depends_on),
            );
            let versions = dir.join("versions");
            std::fs::create_dir_all(&versions).expect("create the Alembic folder");
            std::fs::write(versions.join(format!("{id}.py")), module)
                .expect("write an Alembic revision");
        }
        let dir = self.out.join(format!("{:03}", self.written / 1000));
        std::fs::create_dir_all(&dir).expect("create the output folder");
        std::fs::write(dir.join(format!("{id}.mig")), text).expect("write a revision");
        self.written += 1;
        self.last_id = Some(id.clone());
        id
    }
}

/// The same step as Alembic operations.
fn alembic(id: &str, step: usize, table: &str) -> String {
    let t = if step == 0 {
        format!("t_{id}")
    } else {
        table.to_owned()
    };
    match step {
        0 => format!(
            "    op.create_table('{t}',\n\
             \x20       sa.Column('id', sa.BigInteger(), sa.Identity(always=True), primary_key=True),\n\
             \x20       sa.Column('name', sa.Text(), nullable=False, server_default=''),\n\
             \x20       sa.Column('amount', sa.Numeric(12, 2), nullable=False, server_default='0'),\n\
             \x20       sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.text('now()')),\n\
             \x20       sa.CheckConstraint('amount >= 0'),\n\
             \x20       sa.UniqueConstraint('name'))\n\
             \x20   op.create_index('{t}_created_at_idx', '{t}', [sa.text('created_at DESC')])"
        ),
        1 => format!("    op.add_column('{t}', sa.Column('note', sa.Text()))"),
        2 => format!("    op.add_column('{t}', sa.Column('score', sa.Integer(), nullable=False, server_default='0'))"),
        3 => format!("    op.create_index('{t}_score_idx', '{t}', ['score'])"),
        4 => format!("    op.alter_column('{t}', 'note', new_column_name='remark')"),
        5 => format!("    op.alter_column('{t}', 'score', type_=sa.BigInteger())"),
        6 => format!("    op.drop_column('{t}', 'remark')"),
        _ => format!("    op.execute('UPDATE {t} SET score = score + 1')"),
    }
}

/// The statements of one revision: the next step of its lineage's cycle.
fn body(id: &str, lineage: &mut Lineage) -> String {
    let step = lineage.step % 8;
    if step == 0 {
        lineage.table = format!("t_{id}");
    }
    lineage.step += 1;
    let t = &lineage.table;
    match step {
        0 => format!(
            "\nupgrade {{\n  create table {t} (\n    id bigint generated always as identity primary key,\n    \
             name text not null default '',\n    amount numeric(12, 2) not null default 0 check `amount >= 0`,\n    \
             created_at timestamptz not null default `now()`,\n    unique (name)\n  );\n  \
             create index on {t} (created_at desc);\n}}\n"
        ),
        1 => format!("\nupgrade {{\n  alter table {t} add column note text;\n}}\n"),
        2 => format!("\nupgrade {{\n  alter table {t} add column score integer not null default 0;\n}}\n"),
        3 => format!("\nupgrade {{\n  create index {t}_score_idx on {t} (score);\n}}\n"),
        4 => format!("\nupgrade {{\n  alter table {t} rename column note to remark;\n}}\n"),
        5 => format!("\nupgrade {{\n  alter table {t} alter column score type bigint;\n}}\n"),
        6 => format!("\nupgrade {{\n  alter table {t} drop column remark;\n}}\n"),
        _ => format!(
            "\nupgrade {{\n  sql $$ UPDATE {t} SET score = score + 1 $$;\n}}\n\n\
             downgrade {{\n  sql $$ UPDATE {t} SET score = score - 1 $$;\n}}\n"
        ),
    }
}

fn generate(out: &Path, revisions: usize, branchy: bool, alembic: Option<PathBuf>) {
    if let Some(dir) = &alembic {
        std::fs::create_dir_all(dir).expect("create the Alembic folder");
        std::fs::write(
            dir.join("alembic.ini"),
            "[alembic]\nscript_location = %(here)s\n",
        )
        .expect("alembic.ini");
        std::fs::write(
            dir.join("env.py"),
            "from alembic import context\n\n\
             context.configure(url='postgresql://', literal_binds=True, dialect_opts={'paramstyle': 'named'})\n\
             with context.begin_transaction():\n    context.run_migrations()\n",
        )
        .expect("env.py");
        std::fs::write(dir.join("script.py.mako"), "").expect("script.py.mako");
    }
    let mut generator = Generator {
        out: out.to_owned(),
        alembic,
        written: 0,
        last_id: None,
    };
    let mut main = Lineage {
        table: String::new(),
        step: 0,
    };
    while generator.written < revisions {
        let left = revisions - generator.written;
        let parents: Vec<String> = generator.last_id.iter().cloned().collect();
        // A fork needs eight revisions: two branches of three and a merge, after a base.
        let fork = branchy && generator.written % 20 == 19 && left >= 8;
        if !fork {
            generator.write(&parents, &[], Some(&mut main));
            continue;
        }
        let base = parents;
        let mut a = Lineage {
            table: String::new(),
            step: 0,
        };
        let mut b = a.clone();
        let a1 = generator.write(&base, &[], Some(&mut a));
        let b1 = generator.write(&base, &[], Some(&mut b));
        let a2 = generator.write(std::slice::from_ref(&a1), &[], Some(&mut a));
        // Across branches: b2 must follow a1 without being its child.
        let b2 = generator.write(&[b1], &[a1], Some(&mut b));
        let a3 = generator.write(&[a2], &[], Some(&mut a));
        let b3 = generator.write(&[b2], &[], Some(&mut b));
        generator.write(&[a3, b3], &[], None);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: generate OUT_DIR REVISIONS [linear|branchy] [ALEMBIC_DIR]";
    let (Some(out), Some(count)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let branchy = match args.get(2).map(String::as_str) {
        None | Some("linear") => false,
        Some("branchy") => true,
        Some(_) => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let out = PathBuf::from(out);
    if out.exists() {
        eprintln!("{} exists; refusing to write into it", out.display());
        std::process::exit(2);
    }
    generate(&out, count, branchy, args.get(3).map(PathBuf::from));
}
