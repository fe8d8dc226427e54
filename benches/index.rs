//! Benchmark: median wall time of `onechart index` against `helm repo index`
//! (helm3 and helm4, both needed on PATH) over the same folder of 600 chart
//! archives (the embedded chart at versions 0.1.0 to 0.1.599), and the
//! ratio. index.yaml is removed before every run, so each tool reads every
//! archive.
//!
//! Run with `cargo bench --bench index` (optionally `RUNS=11 ARCHIVES=1000`).

mod support;

use std::process::Command;

use support::{compare_with_helm, env_number, helm};

fn main() {
    let runs = env_number("RUNS", 5);
    let archives = env_number("ARCHIVES", 600);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let files = onechart::package::source::embedded().expect("the embedded chart");
    let mut chart = onechart::package::Chart::load(files).expect("the embedded chart loads");
    let mut bytes = 0;
    for n in 0..archives {
        chart.metadata.version = format!("0.1.{n}");
        let archive = chart
            .archive(onechart::package::FIXED_EPOCH)
            .expect("packaging");
        bytes += archive.len();
        std::fs::write(repo.join(format!("opennebula-0.1.{n}.tgz")), archive).unwrap();
    }
    let url = "https://example.com/charts";
    let index = repo.join("index.yaml");
    // index.yaml is removed before every run, so each run reads every archive.
    let fresh = || {
        let _ = std::fs::remove_file(&index);
    };
    println!(
        "index benchmark: {archives} archives ({:.1} MB), {runs} interleaved runs each, median wall time",
        bytes as f64 / 1e6
    );
    compare_with_helm(
        runs,
        "index",
        "repo index",
        || {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_onechart"));
            cmd.arg("index").arg(&repo).args(["--url", url]);
            cmd
        },
        |path, home| {
            let mut cmd = helm(path, home);
            cmd.args(["repo", "index"]).arg(&repo).args(["--url", url]);
            cmd
        },
        fresh,
        |label| assert!(index.is_file(), "{label} wrote no index.yaml"),
    );
}
