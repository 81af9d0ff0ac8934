//! The structure we keep, checked on the source: `src/core/` is pure (it names neither the page
//! nor the browser), its top-level modules import one another without cycles, only
//! `src/web/` keeps thread-local state, and the kernel crate (`src/kernel/`) stands alone under
//! the main crate's lints. Each check is a function that returns the problems it
//! finds, run on the real tree and on a made-up bad one (so that it is known to fail).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its test module and comment lines.
fn code(text: &str) -> String {
    let end = ["#[cfg(test)]\nmod ", "#[cfg(test)]\npub(crate) mod ", "#[cfg(test)]\npub mod "]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    text[..end].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Names core may not use: the page, the wasm boundary and the browser crates.
fn impure_names(files: &[(String, String)]) -> Vec<String> {
    let banned = ["crate::page", "crate::web", "wasm_bindgen", "web_sys", "js_sys", "thread_local!"];
    let mut problems = Vec::new();
    for (name, text) in files {
        for b in banned {
            if code(text).contains(b) {
                problems.push(format!("{name} uses {b}"));
            }
        }
    }
    problems
}

/// The top-level module a file of `src/core/` belongs to, and the core modules it imports.
fn imports(name: &str, text: &str, modules: &BTreeSet<String>) -> (String, BTreeSet<String>) {
    let top = name.split('/').next().unwrap_or(name).trim_end_matches(".rs").to_string();
    let code = code(text);
    let mut deps = BTreeSet::new();
    let depth = name.matches('/').count();
    let prefixes: Vec<String> = match depth {
        0 => vec!["crate::core::".into(), "super::".into()],
        1 => vec!["crate::core::".into(), "super::super::".into()],
        _ => vec!["crate::core::".into()],
    };
    for prefix in &prefixes {
        for (i, _) in code.match_indices(prefix.as_str()) {
            if prefix == "super::" && code[..i].ends_with("super::") {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            let module: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if modules.contains(&module) && module != top {
                deps.insert(module);
            }
        }
    }
    (top, deps)
}

/// Cycles between the top-level modules of core, as "a → b → … → a".
fn cycles(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(n, _)| n.split('/').next().unwrap_or(n).trim_end_matches(".rs").to_string())
        .filter(|m| m != "mod")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, text) in files {
        let (top, deps) = imports(name, text, &modules);
        if top != "mod" {
            graph.entry(top).or_default().extend(deps);
        }
    }
    // Depth-first search for a back edge.
    fn visit(node: &str, graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>, found: &mut Vec<String>) {
        if let Some(at) = path.iter().position(|p| p == node) {
            found.push(format!("{} → {node}", path[at..].join(" → ")));
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, found);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn read_tree(dir: &Path) -> Vec<(String, String)> {
    sources(dir)
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn core_is_pure_and_its_modules_form_no_cycle() {
    let core = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"));
    assert!(core.len() > 20, "src/core has only {} files", core.len());
    assert_eq!(impure_names(&core), Vec::<String>::new());
    assert_eq!(cycles(&core), Vec::<String>::new());
}

#[test]
fn only_the_web_boundary_keeps_thread_local_state() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let offenders: Vec<String> = read_tree(&src)
        .into_iter()
        .filter(|(name, text)| !name.starts_with("web/") && code(text).contains("thread_local!"))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(offenders, Vec::<String>::new());
}

/// The lints of the main crate that the kernel crate must declare too.
const KERNEL_LINTS: [&str; 2] =
    ["#![deny(missing_docs)]", "#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]"];

/// What is wrong with the kernel crate: a dependency on the main crate (in its manifest or its
/// code) or a missing lint.
fn kernel_problems(manifest: &str, files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let dependencies = manifest.split("[dependencies]").nth(1).unwrap_or("");
    if dependencies.lines().any(|l| l.trim_start().starts_with("scalecalc ") || l.trim_start().starts_with("scalecalc=")) {
        problems.push("Cargo.toml depends on scalecalc".to_string());
    }
    for (name, text) in files {
        if code(text).contains("scalecalc::") {
            problems.push(format!("{name} uses scalecalc::"));
        }
    }
    let lib = files.iter().find(|(n, _)| n == "lib.rs").map_or("", |(_, t)| t.as_str());
    for lint in KERNEL_LINTS {
        if !lib.contains(lint) {
            problems.push(format!("lib.rs lacks {lint}"));
        }
    }
    problems
}

#[test]
fn the_kernel_crate_stands_alone_under_the_same_lints() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/kernel");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"scalecalc-kernel\""));
    let main_lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for lint in KERNEL_LINTS {
        assert!(main_lib.contains(lint), "the main crate no longer declares {lint}: update KERNEL_LINTS");
    }
    assert_eq!(kernel_problems(&manifest, &read_tree(&dir)), Vec::<String>::new());
}

/// The checks find what they look for.
/// Public functions in core whose error is a bare `String` (signatures joined across lines).
fn string_errors(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, text) in files {
        let body = code(text);
        for (at, _) in body.match_indices("pub fn ") {
            let rest = body.get(at..).unwrap_or("");
            let signature: String = rest.split('{').next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
            let Some(ret) = signature.split("->").nth(1) else { continue };
            if ret.contains("Result<") && ret.trim_end().trim_end_matches(|c: char| c == '>' || c == ' ').ends_with(", String") {
                let fn_name = rest.get(7..).unwrap_or("").split(['(', '<']).next().unwrap_or("");
                found.push(format!("{name}: {fn_name}"));
            }
        }
    }
    found
}

#[test]
fn core_errors_are_typed_not_strings() {
    let core = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"));
    assert!(core.len() > 20);
    let found = string_errors(&core);
    assert!(found.is_empty(), "public functions in core with a String error (give them an error enum): {found:?}");
}

#[test]
fn the_checks_can_fail() {
    let strings = vec![(
        "x.rs".to_string(),
        "pub fn a(t: &str) -> Result<f64, ParseError> { x }\npub fn b(\n    t: &str,\n) -> Result<Vec<f64>,\n String> { y }\npub fn c() -> Option<String> { z }".to_string(),
    )];
    assert_eq!(string_errors(&strings), vec!["x.rs: b".to_string()]);
    let bad = vec![
        ("laws/x.rs".to_string(), "use crate::core::fit::model;\nuse crate::page::session::Session;".to_string()),
        ("fit/model.rs".to_string(), "use crate::core::laws::x;".to_string()),
        ("units.rs".to_string(), "// crate::web in a comment is fine\n#[cfg(test)]\nmod tests { use crate::core::laws; }".to_string()),
    ];
    assert_eq!(impure_names(&bad), vec!["laws/x.rs uses crate::page".to_string()]);
    let found = cycles(&bad);
    assert!(found.iter().any(|c| c.contains("fit → laws → fit") || c.contains("laws → fit → laws")), "{found:?}");
    let bad_kernel = vec![("lib.rs".to_string(), "#![deny(missing_docs)]\nuse scalecalc::core::fit;".to_string())];
    let manifest = "[package]\nname = \"scalecalc-kernel\"\n[dependencies]\nscalecalc = { path = \"../..\" }\n";
    assert_eq!(
        kernel_problems(manifest, &bad_kernel),
        vec![
            "Cargo.toml depends on scalecalc".to_string(),
            "lib.rs uses scalecalc::".to_string(),
            format!("lib.rs lacks {}", KERNEL_LINTS[1]),
        ]
    );
}
