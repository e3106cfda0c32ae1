//! The shape of the code, checked: no import loop between the modules of `app` or of `server`, the four rooms of
//! `app` import only the rooms below them (ui → rpc → domain → api), the domain's infrastructure imports no rule,
//! and no source file of the workspace is longer than 500 lines outside its tests.
//!
//! Imports are read from the sources as text: `use crate::…` / `use super::…` trees and inline `crate::…` paths,
//! resolved to the longest module path that exists. A module's own `#[cfg(test)] mod tests` is not counted.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

const MAX_LINES: usize = 500;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source without comments and without a trailing `#[cfg(test)] mod tests { … }`.
fn code_of(src: &str) -> String {
    let without_tests = match src.find("#[cfg(test)]\nmod tests") {
        Some(i) => &src[..i],
        None => src,
    };
    without_tests
        .lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `crate::a::b` is module `a::b`; `src/a/mod.rs` and `src/a.rs` are both `a`; `lib.rs` / `main.rs` is the root.
fn module_name(src_dir: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(src_dir)
        .unwrap_or(file)
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Split a use tree's inside at top-level commas.
fn items(tree: &str) -> Vec<String> {
    let (mut out, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for ch in tree.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    for item in items(tree) {
        if let Some((head, rest)) = item.split_once('{') {
            let mut p = prefix.to_vec();
            p.extend(segments(head));
            expand(&p, rest.trim_end().trim_end_matches('}'), out);
        } else {
            let item = item.split(" as ").next().unwrap_or_default();
            let mut p = prefix.to_vec();
            p.extend(segments(item).into_iter().filter(|s| s != "self"));
            out.push(p);
        }
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every path a module names, relative to the crate root.
fn paths_named(code: &str, here: &[String]) -> Vec<Vec<String>> {
    // `super` of `a::b` (file a/b.rs or a/b/mod.rs) is `a`.
    let parent: Vec<String> = here[..here.len().saturating_sub(1)].to_vec();
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        let stmt = rest[..end].trim();
        let (base, body) = if let Some(b) = stmt.strip_prefix("crate::") {
            (Vec::new(), b)
        } else if let Some(b) = stmt.strip_prefix("super::") {
            (parent.clone(), b)
        } else {
            continue;
        };
        let body = body.trim();
        match body.strip_prefix('{') {
            Some(inner) => expand(&base, inner.trim_end_matches('}'), &mut out),
            None => expand(&base, body, &mut out),
        }
    }
    for (marker, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut rest = code;
        while let Some(i) = rest.find(marker) {
            let before = rest[..i].chars().last();
            rest = &rest[i + marker.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if path.is_empty() {
                continue; // `use crate::{…}`: read above
            }
            let mut p = base.clone();
            p.extend(segments(&path));
            out.push(p);
        }
    }
    out
}

struct Crate {
    /// module → the modules it imports
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn read_crate(src_dir: &Path) -> Crate {
    let mut files = Vec::new();
    rust_files(src_dir, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_name(src_dir, f), f.clone()))
        .collect();
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| modules.contains_key(m))
    };
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let code = code_of(&fs::read_to_string(file).unwrap_or_default());
        let mut to = BTreeSet::new();
        for path in paths_named(&code, module) {
            let Some(target) = resolve(&path) else {
                continue;
            };
            // A module naming itself or one of its ancestors (through `super::*`) is no dependency.
            if target == *module || module.starts_with(&target) {
                continue;
            }
            to.insert(target.join("::"));
        }
        edges.insert(module.join("::"), to);
    }
    Crate { edges }
}

/// Groups of modules that import each other, directly or around a loop (Tarjan's strongly connected components).
fn loops(c: &Crate) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.found.push(group);
            }
        }
    }
    let mut s = State {
        edges: &c.edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in c.edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_module_of_app_or_server_imports_itself_around_a_loop() {
    for krate in ["app", "server"] {
        let c = read_crate(&workspace().join(krate).join("src"));
        assert!(c.edges.len() > 10, "{krate}: too few modules found");
        let found = loops(&c);
        assert!(found.is_empty(), "{krate} has import loops: {found:?}");
    }
}

#[test]
fn the_rooms_of_app_import_only_the_rooms_below_them() {
    let c = read_crate(&workspace().join("app").join("src"));
    // Each room, and the rooms it must not import.
    let forbidden: [(&str, &[&str]); 4] = [
        ("api", &["domain", "rpc", "ui"]),
        ("domain", &["rpc", "ui"]),
        ("rpc", &["ui"]),
        ("ui", &["domain"]),
    ];
    let mut wrong = Vec::new();
    for (from, to) in &c.edges {
        let room = from.split("::").next().unwrap_or_default();
        for (r, banned) in forbidden {
            if r != room {
                continue;
            }
            for t in to {
                let target_room = t.split("::").next().unwrap_or_default();
                if banned.contains(&target_room) {
                    wrong.push(format!("{from} -> {t}"));
                }
            }
        }
        // The infrastructure and the data model stand below every rule.
        if from.starts_with("domain::infra") || from.starts_with("domain::entities") {
            for t in to {
                let below = t == "domain"
                    || t.starts_with("domain::infra")
                    || t.starts_with("domain::entities")
                    || t.starts_with("api");
                if !below {
                    wrong.push(format!("{from} -> {t}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
    // The check sees real imports (it would pass vacuously otherwise).
    assert!(c.edges["rpc::jobs"].contains("domain::jobs"));
    assert!(c.edges["domain::work"].iter().any(|t| t.starts_with("api")));
}

#[test]
fn no_source_file_is_longer_than_500_lines_outside_its_tests() {
    let root = workspace();
    let mut long = Vec::new();
    for krate in ["app", "server", "frontend", "migrations", "extension"] {
        for dir in ["src", "benches"] {
            let mut files = Vec::new();
            rust_files(&root.join(krate).join(dir), &mut files);
            for f in files {
                let src = fs::read_to_string(&f).unwrap_or_default();
                let code = match src.find("#[cfg(test)]\nmod tests") {
                    Some(i) => &src[..i],
                    None => &src,
                };
                let n = code.lines().count();
                if n > MAX_LINES {
                    long.push(format!("{} ({n} lines)", f.display()));
                }
            }
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:#?}");
}

#[test]
fn the_import_reader_finds_nested_use_trees_and_inline_paths() {
    let code = "use crate::{api::{jobs::Job, AppError}, domain::infra::events};\nfn f() { crate::rpc::run(); super::x::y(); }";
    let here = vec!["ui".to_string(), "pages".to_string()];
    let mut paths: Vec<String> = paths_named(code, &here)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(
        paths,
        [
            "api::AppError",
            "api::jobs::Job",
            "domain::infra::events",
            "rpc::run",
            "ui::x::y"
        ]
    );
}

#[test]
fn a_loop_is_found_however_long() {
    let edge = |pairs: &[(&str, &str)]| Crate {
        edges: pairs.iter().fold(BTreeMap::new(), |mut m, (a, b)| {
            m.entry(a.to_string())
                .or_insert_with(BTreeSet::new)
                .insert(b.to_string());
            m.entry(b.to_string()).or_insert_with(BTreeSet::new);
            m
        }),
    };
    let chain = edge(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
    assert_eq!(loops(&chain), vec![vec!["a", "b", "c"]]);
    let tree = edge(&[("a", "b"), ("b", "c"), ("a", "c")]);
    assert!(loops(&tree).is_empty());
}
