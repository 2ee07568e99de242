//! The graph as text: `history`, `heads`, `branches`, `show`, and `graph` in Graphviz
//! and Mermaid syntax. Every listing is in replay order (history newest first), so that
//! the output depends on nothing but the sources.

use std::fmt::Write as _;

use petgraph::graph::NodeIndex;

use super::RevisionGraph;
use crate::plural;
use crate::project::Project;
use crate::syntax::ast::{Downgrade, Revision};
use crate::syntax::Depth;

/// What a revision is in the graph, for markers such as `(head, merge)`.
fn markers(graph: &RevisionGraph, node: NodeIndex) -> Vec<&'static str> {
    let n = graph.node(node);
    let mut markers = Vec::new();
    if n.children().is_empty() {
        markers.push("head");
    }
    if n.children().len() > 1 {
        markers.push("branch point");
    }
    if n.parents().len() > 1 {
        markers.push("merge");
    }
    markers
}

fn marker_suffix(graph: &RevisionGraph, node: NodeIndex) -> String {
    let mut parts: Vec<String> = markers(graph, node)
        .into_iter()
        .map(str::to_owned)
        .collect();
    parts.extend(graph.labels(node).iter().map(|l| format!("label {l}")));
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn revision<'p>(project: &'p Project, graph: &RevisionGraph, node: NodeIndex) -> &'p Revision {
    &project.revisions[graph.node(node).revision()].revision
}

fn message<'p>(project: &'p Project, graph: &RevisionGraph, node: NodeIndex) -> &'p str {
    revision(project, graph, node)
        .header
        .message
        .as_ref()
        .map_or("", |m| &*m.value)
}

fn path<'p>(project: &'p Project, graph: &RevisionGraph, node: NodeIndex) -> &'p str {
    project.sources.file(graph.node(node).file).display_path()
}

fn list(graph: &RevisionGraph, nodes: &[NodeIndex]) -> String {
    if nodes.is_empty() {
        "(none)".to_owned()
    } else {
        graph.ids(nodes).join(", ")
    }
}

/// `history`: one line per revision, newest first, Alembic style:
/// `PARENTS -> ID (markers), message`.
pub fn history(
    project: &Project,
    graph: &RevisionGraph,
    verbose: bool,
    shown: Option<&[bool]>,
) -> String {
    let mut out = String::new();
    for &node in graph.replay_order().iter().rev() {
        if shown.is_some_and(|s| !s[node.index()]) {
            continue;
        }
        let n = graph.node(node);
        if verbose {
            let _ = writeln!(out, "Revision:   {}{}", n.id, marker_suffix(graph, node));
            let _ = writeln!(out, "Parents:    {}", list(graph, n.parents()));
            let _ = writeln!(out, "Depends on: {}", list(graph, n.depends_on()));
            let _ = writeln!(out, "Path:       {}", path(project, graph, node));
            let _ = writeln!(out, "Message:    {}", message(project, graph, node));
            out.push('\n');
        } else {
            let parents = match n.parents() {
                [] => "<base>".to_owned(),
                parents => graph.ids(parents).join(", "),
            };
            let message = message(project, graph, node);
            let separator = if message.is_empty() { "" } else { ", " };
            let depends = match n.depends_on() {
                [] => String::new(),
                nodes => format!(" (depends on {})", graph.ids(nodes).join(", ")),
            };
            let _ = writeln!(
                out,
                "{parents} -> {}{}{depends}{separator}{message}",
                n.id,
                marker_suffix(graph, node)
            );
        }
    }
    out
}

/// `heads`: each head and its file.
pub fn heads(project: &Project, graph: &RevisionGraph) -> String {
    let mut out = String::new();
    for node in graph.heads() {
        let _ = writeln!(
            out,
            "{}{} {}",
            graph.node(node).id,
            marker_suffix(graph, node),
            path(project, graph, node)
        );
    }
    out
}

/// `branches`: each branch point and the revisions that follow it.
pub fn branches(graph: &RevisionGraph) -> String {
    let mut out = String::new();
    for node in graph.branch_points() {
        let n = graph.node(node);
        let _ = writeln!(out, "{}{}", n.id, marker_suffix(graph, node));
        for &child in n.children() {
            let _ = writeln!(
                out,
                "  -> {}{}",
                graph.node(child).id,
                marker_suffix(graph, child)
            );
        }
    }
    out
}

/// `show REV`: everything the graph knows about one revision.
pub fn show(project: &Project, graph: &RevisionGraph, node: NodeIndex) -> String {
    debug_assert_eq!(project.depth, Depth::Full, "show counts statements");
    let n = graph.node(node);
    let revision = revision(project, graph, node);
    let upgrade = revision.upgrade().map_or(0, |b| b.statements.len());
    let downgrade = match revision.downgrade() {
        Downgrade::Derived => "derived from the upgrade".to_owned(),
        Downgrade::Explicit(block) => {
            format!("{}, explicit", plural(block.statements.len(), "statement"))
        }
        Downgrade::Irreversible { reason, .. } => format!("irreversible: {}", reason.value),
    };
    let labels = match graph.labels(node) {
        [] => "(none)".to_owned(),
        labels => labels.join(", "),
    };
    let mut out = String::new();
    let _ = writeln!(out, "Revision:   {}{}", n.id, marker_suffix(graph, node));
    let message = match message(project, graph, node) {
        "" => "(none)",
        message => message,
    };
    let _ = writeln!(out, "Message:    {message}");
    let _ = writeln!(out, "Path:       {}", path(project, graph, node));
    let _ = writeln!(out, "Parents:    {}", list(graph, n.parents()));
    let _ = writeln!(out, "Children:   {}", list(graph, n.children()));
    let _ = writeln!(out, "Depends on: {}", list(graph, n.depends_on()));
    let _ = writeln!(out, "Labels:     {labels}");
    let _ = writeln!(out, "Upgrade:    {}", plural(upgrade, "statement"));
    let _ = writeln!(out, "Downgrade:  {downgrade}");
    let _ = writeln!(
        out,
        "Replay:     {} of {}",
        graph.position(node) + 1,
        graph.replay_order().len()
    );
    out
}

/// Text inside a double-quoted Graphviz string.
fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A double-quoted Graphviz string.
fn dot_string(text: &str) -> String {
    format!("\"{}\"", dot_escape(text))
}

/// `graph --format dot`: heads drawn bold with a double border, merges as hexagons,
/// `depends_on` edges dashed.
pub fn dot(project: &Project, graph: &RevisionGraph) -> String {
    let mut out = String::from(
        "digraph strata {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for &node in graph.replay_order() {
        let n = graph.node(node);
        // `\n` is Graphviz's line break inside a label.
        let label = format!(
            "\"{}\\n{}\"",
            dot_escape(&n.id),
            dot_escape(message(project, graph, node))
        );
        let mut attributes = vec![format!("label={label}")];
        let markers = markers(graph, node);
        if markers.contains(&"head") {
            attributes.push("style=bold, peripheries=2".to_owned());
        }
        if markers.contains(&"merge") {
            attributes.push("shape=hexagon".to_owned());
        }
        let _ = writeln!(out, "  {} [{}];", dot_string(&n.id), attributes.join(", "));
    }
    for &node in graph.replay_order() {
        let n = graph.node(node);
        for &parent in n.parents() {
            let _ = writeln!(
                out,
                "  {} -> {};",
                dot_string(&graph.node(parent).id),
                dot_string(&n.id)
            );
        }
        for &dependency in n.depends_on() {
            let _ = writeln!(
                out,
                "  {} -> {} [style=dashed, label=\"depends_on\"];",
                dot_string(&graph.node(dependency).id),
                dot_string(&n.id)
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Text inside a Mermaid `["..."]` label: quotes and angle brackets as entities.
fn mermaid_text(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// `graph --format mermaid`: a flowchart; heads and merges get their own classes.
pub fn mermaid(project: &Project, graph: &RevisionGraph) -> String {
    let mut out = String::from("flowchart TD\n");
    // Node names are positions in the replay order: ids may hold characters that Mermaid
    // does not accept in a name, and the label carries the id anyway.
    let name = |node: NodeIndex| format!("r{}", graph.position(node));
    for &node in graph.replay_order() {
        let n = graph.node(node);
        let label = mermaid_text(&n.id);
        let message = mermaid_text(message(project, graph, node));
        let markers = markers(graph, node);
        let text = if message.is_empty() {
            label
        } else {
            format!("{label}<br/>{message}")
        };
        let (open, close) = if markers.contains(&"merge") {
            ("{{", "}}")
        } else {
            ("[", "]")
        };
        let class = if markers.contains(&"head") {
            ":::head"
        } else {
            ""
        };
        let _ = writeln!(out, "  {}{open}\"{text}\"{close}{class}", name(node));
    }
    for &node in graph.replay_order() {
        let n = graph.node(node);
        for &parent in n.parents() {
            let _ = writeln!(out, "  {} --> {}", name(parent), name(node));
        }
        for &dependency in n.depends_on() {
            let _ = writeln!(
                out,
                "  {} -.->|depends_on| {}",
                name(dependency),
                name(node)
            );
        }
    }
    out.push_str("  classDef head stroke-width:3px\n");
    out
}
