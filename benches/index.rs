//! Benchmark: median wall time of `onechart index` against `helm repo index`
//! (helm3 and helm4 when on PATH) over the same folder of 600 chart
//! archives (the embedded chart at versions 0.1.0 to 0.1.599), and the
//! ratio. index.yaml is removed before every run, so each tool reads every
//! archive.
//!
//! Run with `cargo bench --bench index` (optionally `RUNS=11 ARCHIVES=1000`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_runs(runs: usize, dir: &Path, mut make: impl FnMut() -> Command) -> Duration {
    let index = dir.join("index.yaml");
    let mut once = || {
        let _ = std::fs::remove_file(&index);
        let mut cmd = make();
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let start = Instant::now();
        let status = cmd.status().expect("run");
        let elapsed = start.elapsed();
        assert!(status.success(), "{:?} failed", make());
        assert!(index.is_file(), "{:?} wrote no index.yaml", make());
        elapsed
    };
    // One warm-up run fills the page cache.
    once();
    median((0..runs).map(|_| once()).collect())
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

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
    let ours = time_runs(runs, &repo, || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_onechart"));
        cmd.arg("index").arg(&repo).args(["--url", url]);
        cmd
    });
    println!(
        "index benchmark: {archives} archives ({:.1} MB), {runs} runs each, median wall time",
        bytes as f64 / 1e6
    );
    println!("  onechart index     {:>9.2} ms", ours.as_secs_f64() * 1e3);
    let mut found = false;
    for helm in ["helm3", "helm4"] {
        let Some(path) = on_path(helm) else {
            println!("  {helm}: skipped: {helm} not found");
            continue;
        };
        found = true;
        let home = tmp.path().join(helm);
        let theirs = time_runs(runs, &repo, || {
            let mut cmd = Command::new(&path);
            cmd.args(["repo", "index"])
                .arg(&repo)
                .args(["--url", url])
                .env("HELM_CACHE_HOME", home.join("cache"))
                .env("HELM_CONFIG_HOME", home.join("config"))
                .env("HELM_DATA_HOME", home.join("data"));
            cmd
        });
        println!(
            "  {helm} repo index  {:>9.2} ms   onechart is {:.1}x faster",
            theirs.as_secs_f64() * 1e3,
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    if !found {
        println!("  no helm on PATH: nothing to compare with");
    }
}
