//! Prints the rendered upgrade statements of a project (a development aid until the
//! `upgrade` command exists).
use strata::graph::RevisionGraph;
use strata::schema::replay::{self, Downgraded, Options};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "migrations".into());
    let project = strata::project::load(std::path::Path::new(&dir), strata::syntax::Depth::Full)
        .expect("loads");
    let (graph, _) = RevisionGraph::build(&project);
    let (replay, _) = replay::replay(&project, &graph, &Options::default());
    for &node in graph.replay_order() {
        let r = replay.revision(node).expect("replayed");
        println!("-- {}", graph.node(node).id);
        for s in &r.upgrade {
            println!("{}", strata::render::statement(&s.kind));
        }
        if let Downgraded::Statements(d) = &r.downgrade {
            println!("-- downgrade");
            for s in d {
                println!("{}", strata::render::statement(&s.statement.kind));
            }
        }
    }
}
