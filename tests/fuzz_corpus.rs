//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`: seeds, the
//! inputs that found bugs, and a minimised sample of what the fuzzers
//! covered) through the same checks the cargo-fuzz targets run
//! (`fuzz/targets.rs`), so `cargo test` keeps every input the fuzzers ever
//! needed to find something. See fuzz/README.md to fuzz further.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::Path;

/// Runs `check` on every file of the target's corpus; there must be some.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{target}: {} fails", file.display());
    }
}

#[test]
fn tar() {
    replay("tar", targets::tar);
}

#[test]
fn tgz() {
    replay("tgz", targets::tgz);
}

#[test]
fn glob() {
    replay("glob", targets::glob);
}

#[test]
fn helmignore() {
    replay("helmignore", targets::helmignore);
}

#[test]
fn chart_yaml() {
    replay("chart_yaml", targets::chart_yaml);
}

#[test]
fn index_yaml() {
    replay("index_yaml", targets::index_yaml);
}

#[test]
fn kube_version() {
    replay("kube_version", targets::kube_version);
}
