//! The backend's layers point one way, and no crate's modules go in a circle.
//!
//! A module is a top-level item of a crate (`src/ask/` or `src/ask.rs` is
//! `ask`); it uses another when one of its files names `crate::other` (in a
//! `use`, a group `use crate::{a::X, b::Y}`, or a path). This reads the
//! sources the way `../shared/tools/layers.py` does, so the two agree, and
//! fails CI on what that script only prints:
//! - a circle among the modules of the backend, the extension's crates or
//!   shared-types;
//! - a backend module that uses one of a higher layer than its own
//!   ([`BACKEND_LAYERS`], which every module must be listed in);
//! - a backend source file over [`MAX_LINES`] lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The backend's layers, lowest first. A module may use modules of its own
/// layer (without a circle) or of lower ones, never of a higher one.
const BACKEND_LAYERS: &[(&str, &[&str])] = &[
    // Below every domain: the database, and pieces that know no domain.
    (
        "foundation",
        &["db", "skills", "rate_limit", "telemetry", "client_ip"],
    ),
    // The rules of each capability, each with its own settings type and
    // error; no HTTP, no `ApiError`, no `config`.
    (
        "domains",
        &[
            "ai",
            "audit",
            "mail",
            "quota",
            "metrics",
            "resumes",
            "conversations",
            "jobs",
            "notices",
            "keys",
            "live",
            "auth",
            "usage",
            "billing",
            "ask",
            "lifecycle",
            "admin",
            "maintenance",
            "skills_upgrade",
        ],
    ),
    // Settings read from the environment into the domains' types, the
    // mapping of every domain's error to a response, and what handlers share.
    (
        "settings and HTTP",
        &["security_headers", "config", "error", "state", "extractors"],
    ),
    ("routes", &["routes"]),
    ("startup", &["startup"]),
];

/// The longest a backend source file may be.
const MAX_LINES: usize = 600;

/// Which module uses which, with the names that travel along each arrow.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds the backend")
        .to_path_buf()
}

/// Every `.rs` file under `src`, as (path relative to `src`, text).
fn sources(src: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, src: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, src, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).expect("under src");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                out.push((rel.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(src, src, &mut out);
    out
}

/// The module a file belongs to: `ask/run.rs` and `ask.rs` are `ask`.
fn module_of(rel: &str) -> &str {
    let head = rel.split('/').next().unwrap_or(rel);
    head.strip_suffix(".rs").unwrap_or(head)
}

/// The code of a Rust file without its comments and the insides of its
/// string and character literals, so that neither can name a module.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // r"...", r#"..."#: ends at the quote followed by as many #s.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{..}'.
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The `crate::` paths a file's code names, as (module, last name).
fn crate_paths(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = code[from..].find("crate::") {
        let at = from + found;
        from = at + "crate::".len();
        if code[..at].chars().next_back().is_some_and(is_ident) {
            continue; // `my_crate::`, not `crate::`
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            // use crate::{a::X, b::{Y, Z}};
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let mut depth = 0;
            let mut part = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let part = std::mem::take(&mut part);
                        let part = part.trim();
                        if !part.is_empty() {
                            out.extend(path_parts(part));
                        }
                        continue;
                    }
                    _ => {}
                }
                part.push(c);
            }
        } else {
            let end = rest
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(rest.len());
            out.extend(path_parts(&rest[..end]));
        }
    }
    out
}

/// `ask::run::MAX_ANSWER` as [(`ask`, `MAX_ANSWER`)], `db` as [(`db`, `db`)],
/// and `b::{Y, z::W}` as [(`b`, `Y`), (`b`, `W`)].
fn path_parts(path: &str) -> Vec<(String, String)> {
    let path = path.trim().trim_end_matches(':');
    let head: String = path.chars().take_while(|&c| is_ident(c)).collect();
    let last_of = |p: &str| {
        let last = p.rsplit("::").next().unwrap_or(p).trim();
        if last.is_empty() || last == "self" {
            head.clone()
        } else {
            last.to_string()
        }
    };
    let names = match (path.find('{'), path.rfind('}')) {
        (Some(open), Some(close)) if open < close => path[open + 1..close]
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| last_of(p.trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace())))
            .collect(),
        _ => vec![last_of(path)],
    };
    names.into_iter().map(|name| (head.clone(), name)).collect()
}

/// The module graph of a crate's sources.
fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<&str> = files
        .iter()
        .map(|(rel, _)| module_of(rel))
        .filter(|m| !matches!(*m, "lib" | "main"))
        .collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.to_string(), BTreeMap::new()))
        .collect();
    for (rel, text) in files {
        let me = module_of(rel);
        if !modules.contains(me) {
            continue;
        }
        for (target, name) in crate_paths(&code_only(text)) {
            if target != me && modules.contains(target.as_str()) {
                graph
                    .get_mut(me)
                    .expect("listed")
                    .entry(target)
                    .or_default()
                    .insert(name);
            }
        }
    }
    graph
}

/// The circles of `graph` (strongly connected sets of two or more modules),
/// each described by the arrows that close it.
fn circles(graph: &Graph) -> Vec<String> {
    // Tarjan's algorithm.
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<&'g str>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph[v].keys() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
        .iter()
        .map(|component| {
            let mut text = format!("circle: {}", component.join(", "));
            for a in component {
                for (b, names) in &graph[*a] {
                    if component.contains(&b.as_str()) {
                        let names: Vec<&str> = names.iter().map(String::as_str).collect();
                        text.push_str(&format!("\n  {a} -> {b}: {}", names.join(", ")));
                    }
                }
            }
            text
        })
        .collect()
}

/// Arrows from a module to one of a higher layer, and modules in no layer.
fn layer_breaches(graph: &Graph, layers: &[(&str, &[&str])]) -> Vec<String> {
    let layer_of = |m: &str| layers.iter().position(|(_, ms)| ms.contains(&m));
    let mut out = Vec::new();
    for (module, uses) in graph {
        let Some(mine) = layer_of(module) else {
            out.push(format!(
                "{module} is in no layer: add it to BACKEND_LAYERS in backend/tests/layers.rs"
            ));
            continue;
        };
        for (used, names) in uses {
            if let Some(theirs) = layer_of(used).filter(|&theirs| theirs > mine) {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                out.push(format!(
                    "{module} ({}) uses {used} ({}): {}",
                    layers[mine].0,
                    layers[theirs].0,
                    names.join(", ")
                ));
            }
        }
    }
    out
}

#[test]
fn the_backend_modules_form_no_circle() {
    let graph = graph(&sources(&root().join("backend/src")));
    let circles = circles(&graph);
    assert!(circles.is_empty(), "\n{}", circles.join("\n"));
}

#[test]
fn each_backend_module_uses_only_its_own_layer_and_those_below() {
    let graph = graph(&sources(&root().join("backend/src")));
    let breaches = layer_breaches(&graph, BACKEND_LAYERS);
    assert!(breaches.is_empty(), "\n{}", breaches.join("\n"));
}

#[test]
fn no_backend_source_file_is_over_the_line_limit() {
    let long: Vec<String> = sources(&root().join("backend/src"))
        .iter()
        .map(|(rel, text)| (rel, text.lines().count()))
        .filter(|&(_, lines)| lines > MAX_LINES)
        .map(|(rel, lines)| format!("backend/src/{rel}: {lines} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines; split along a seam:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_extension_crates_and_shared_types_form_no_circle() {
    let mut crates = vec![root().join("shared-types/src")];
    let extension = std::fs::read_dir(root().join("extension")).expect("extension/");
    for entry in extension {
        let src = entry.expect("an entry").path().join("src");
        if src.is_dir() {
            crates.push(src);
        }
    }
    assert!(crates.len() > 5, "found only {crates:?}");
    let mut found = Vec::new();
    for src in &crates {
        for circle in circles(&graph(&sources(src))) {
            found.push(format!("{}: {circle}", src.display()));
        }
    }
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

// The check itself, on sources made up for it.

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(rel, text)| (rel.to_string(), text.to_string()))
        .collect()
}

#[test]
fn a_circle_through_a_group_use_is_found_with_the_names_that_close_it() {
    let graph = graph(&files(&[
        ("lib.rs", "pub mod a; pub mod b; pub mod c;"),
        ("a/mod.rs", "use crate::{b::{Thing, Other}, c};"),
        ("b.rs", "fn f() -> crate::a::deep::Name { todo!() }"),
        ("c.rs", "pub struct C;"),
    ]));
    assert_eq!(
        circles(&graph),
        ["circle: a, b\n  a -> b: Other, Thing\n  b -> a: Name"]
    );
}

#[test]
fn comments_strings_and_other_crates_name_no_module() {
    let graph = graph(&files(&[
        ("a.rs", "pub struct A;"),
        (
            "b.rs",
            "// crate::a\n/* crate::a */ const S: &str = \"crate::a\";\n\
             const R: &str = r#\"crate::a\"#; const Q: char = '\"'; use my_crate::a;",
        ),
    ]));
    assert!(graph["b"].is_empty(), "{graph:?}");
}

#[test]
fn a_lower_layer_using_a_higher_one_is_a_breach_and_an_unlisted_module_too() {
    let graph = graph(&files(&[
        ("db.rs", "use crate::error::ApiError;"),
        ("error.rs", "use crate::db::DbError;"),
        ("new_thing.rs", ""),
    ]));
    let layers: &[(&str, &[&str])] = &[("low", &["db"]), ("high", &["error"])];
    assert_eq!(
        layer_breaches(&graph, layers),
        [
            "db (low) uses error (high): ApiError",
            "new_thing is in no layer: add it to BACKEND_LAYERS in backend/tests/layers.rs"
        ]
    );
}
