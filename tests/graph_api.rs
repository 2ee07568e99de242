//! The graph through the library: ranges and relative references, and the replay order
//! under any file layout and creation order.

use std::path::Path;

use pretty_assertions::assert_eq;
use strata::graph::RevisionGraph;
use strata::project::{self, Project};
use strata::syntax::Depth;

/// Writes `files` (relative path, text) below `dir/migrations`, in the given order.
fn write_project(dir: &Path, files: &[(String, String)]) {
    for (relative, text) in files {
        let path = dir.join("migrations").join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, text).expect("write");
    }
}

fn load(dir: &Path) -> (Project, RevisionGraph) {
    let project = project::load(&dir.join("migrations"), Depth::Full).expect("loads");
    assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
    let (graph, diagnostics) = RevisionGraph::build(&project);
    // Random graphs may hold a redundant depends_on: a warning, not an error.
    assert!(
        !strata::diagnostic::has_errors(&diagnostics),
        "{diagnostics:?}"
    );
    (project, graph)
}

fn revision(id: &str, parents: &[&str], depends_on: &[&str]) -> (String, String) {
    let mut text = format!("revision {id}");
    if !parents.is_empty() {
        text.push_str(&format!(" parents {}", parents.join(", ")));
    }
    if !depends_on.is_empty() {
        text.push_str(&format!(" depends_on {}", depends_on.join(", ")));
    }
    text.push_str(";\n");
    (format!("{id}.mig"), text)
}

/// root -> a -> b -> (c1 | c2); c1 -> d
fn branching_project() -> (tempfile::TempDir, Project, RevisionGraph) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_project(
        dir.path(),
        &[
            revision("0001_root", &[], &[]),
            revision("0002_a", &["0001_root"], &[]),
            revision("0003_b", &["0002_a"], &[]),
            revision("0004_c1", &["0003_b"], &[]),
            revision("0005_c2", &["0003_b"], &[]),
            revision("0006_d", &["0004_c1"], &[]),
        ],
    );
    let (project, graph) = load(dir.path());
    (dir, project, graph)
}

fn ids(graph: &RevisionGraph, nodes: &[petgraph::graph::NodeIndex]) -> Vec<String> {
    nodes
        .iter()
        .map(|&n| graph.node(n).id.to_string())
        .collect()
}

#[test]
fn ranges_resolve_every_form() {
    let (_dir, _project, graph) = branching_project();
    let range = |text: &str, default: Option<&str>| {
        graph
            .resolve_range(text, default)
            .map(|r| (ids(&graph, &r.from), ids(&graph, &r.to)))
            .map_err(|e| e.to_string())
    };
    let ok = |from: &[&str], to: &[&str]| -> Result<(Vec<String>, Vec<String>), String> {
        Ok((
            from.iter().map(|s| s.to_string()).collect(),
            to.iter().map(|s| s.to_string()).collect(),
        ))
    };
    assert_eq!(range("base:0006_d", None), ok(&[], &["0006_d"]));
    assert_eq!(range("0006", Some("base")), ok(&[], &["0006_d"]));
    assert_eq!(range("heads:base", None), ok(&["0005_c2", "0006_d"], &[]));
    assert_eq!(range("0002_a:+1", None), ok(&["0002_a"], &["0003_b"]));
    assert_eq!(range("0001_root:+2", None), ok(&["0001_root"], &["0003_b"]));
    assert_eq!(range("base:+1", None), ok(&[], &["0001_root"]));
    assert_eq!(range("0006_d:-2", None), ok(&["0006_d"], &["0003_b"]));
    assert_eq!(range("0002_a:-2", None), ok(&["0002_a"], &[]));
    assert_eq!(
        range("0006_d~1:0006_d", None),
        ok(&["0004_c1"], &["0006_d"])
    );
    assert_eq!(range("0005_c2 : base", None), ok(&["0005_c2"], &[]));
    assert_eq!(
        range("0002_a:+3", None),
        Err(
            "`0002_a:+3` is ambiguous: after 1 step the graph branches to 0004_c1, 0005_c2; \
             name the target instead"
                .to_owned()
        )
    );
    assert_eq!(
        range("0005_c2:+1", None),
        Err("`0005_c2:+1` goes past the head `0005_c2` after 0 steps".to_owned())
    );
    assert_eq!(
        range("0002_a:-3", None),
        Err("`0002_a:-3` goes back past `base` after 2 steps".to_owned())
    );
    assert_eq!(
        range("heads:-1", None),
        Err("`-1` is relative to `heads`, which names several revisions".to_owned())
    );
    assert_eq!(
        range("+1:head", None),
        Err("`+1` is relative: it needs a starting point, as in `FROM:+1`".to_owned())
    );
    assert_eq!(
        range("0002_a:+x", None),
        Err("`+x`: expected a number of steps, found `x`".to_owned())
    );
    assert_eq!(
        range("0006_d", None),
        Err(
            "`0006_d` is not a range: expected `FROM:TO` (Alembic's `downgrade 0006_d` starts \
             where the database is; strata works offline: name that position, as in \
             `head:0006_d`, `heads:0006_d` or `REV1,REV2:0006_d`)"
                .to_owned()
        )
    );
    assert_eq!(
        range("base:head", None),
        Err("`head` is ambiguous: the graph has 2 heads: 0005_c2, 0006_d (name one, or use `heads`)".to_owned())
    );
}

/// A small deterministic generator of revision graphs: each revision has one or two
/// parents among the earlier ones, and sometimes a `depends_on`. Ids are random, so that
/// their order differs from creation order and ties are really broken by id.
fn random_project(seed: u64, size: usize) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut revisions: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for i in 0..size {
        let id = format!("r{:03}_{i}", rng.u32(0..1000));
        let mut parents = Vec::new();
        let mut depends = Vec::new();
        if i > 0 {
            parents.push(revisions[rng.usize(..i)].0.clone());
        }
        if i > 2 && rng.u8(0..4) == 0 {
            let other = revisions[rng.usize(..i)].0.clone();
            if !parents.contains(&other) {
                parents.push(other);
            }
        }
        if i > 2 && rng.u8(0..5) == 0 {
            let other = revisions[rng.usize(..i)].0.clone();
            if !parents.contains(&other) {
                depends.push(other);
            }
        }
        revisions.push((id, parents, depends));
    }
    revisions
}

/// The replay order by definition: repeatedly take the smallest id whose parents and
/// dependencies are all taken. Quadratic, and obviously right.
fn reference_order(revisions: &[(String, Vec<String>, Vec<String>)]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    while taken.len() < revisions.len() {
        let next = revisions
            .iter()
            .filter(|(id, _, _)| !taken.contains(id))
            .filter(|(_, p, d)| p.iter().chain(d).all(|x| taken.contains(x)))
            .map(|(id, _, _)| id.clone())
            .min()
            .expect("acyclic");
        taken.push(next);
    }
    taken
}

#[test]
fn replay_order_is_the_smallest_id_first_topological_order_whatever_the_layout() {
    for seed in 0..20 {
        let revisions = random_project(seed, 40);
        let expected = reference_order(&revisions);
        let mut files: Vec<(String, String)> = revisions
            .iter()
            .map(|(id, parents, depends)| {
                let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
                let depends: Vec<&str> = depends.iter().map(String::as_str).collect();
                revision(id, &parents, &depends)
            })
            .collect();
        let mut rng = fastrand::Rng::with_seed(seed + 1000);
        for layout in 0..3 {
            // Another creation order, and files spread over other folders.
            rng.shuffle(&mut files);
            let placed: Vec<(String, String)> = files
                .iter()
                .map(|(name, text)| match layout {
                    0 => (name.clone(), text.clone()),
                    _ => (
                        format!("d{}/x{}/{name}", rng.u8(0..4), rng.u8(0..3)),
                        text.clone(),
                    ),
                })
                .collect();
            let dir = tempfile::tempdir().expect("temp dir");
            write_project(dir.path(), &placed);
            let (_project, graph) = load(dir.path());
            assert_eq!(
                ids(&graph, graph.replay_order()),
                expected,
                "seed {seed}, layout {layout}"
            );
        }
    }
}
