//! Benchmark: median wall time of `onechart render` against `helm template`
//! (helm3 and helm4 when on PATH) with the same values, and the ratio.
//!
//! Run with `cargo bench --bench render` (optionally `RUNS=51`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_runs(runs: usize, mut make: impl FnMut() -> Command) -> Duration {
    // One warm-up run fills the page cache.
    let warm = make().stdout(Stdio::null()).status().expect("run");
    assert!(warm.success(), "{:?} failed", make());
    let samples = (0..runs)
        .map(|_| {
            let mut cmd = make();
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            let start = Instant::now();
            let status = cmd.status().expect("run");
            let elapsed = start.elapsed();
            assert!(status.success());
            elapsed
        })
        .collect();
    median(samples)
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(21);
    let args = ["onecloud", "-n", "cloud", "-f", "values/production.yaml"];
    let ours = time_runs(runs, || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_onechart"));
        cmd.current_dir(root).arg("render").args(args);
        cmd
    });
    println!(
        "render benchmark: {} {}, {runs} runs each, median wall time",
        args[3], args[4]
    );
    println!("  onechart render  {:>9.2} ms", ours.as_secs_f64() * 1e3);
    let mut found = false;
    for helm in ["helm3", "helm4"] {
        let Some(path) = on_path(helm) else {
            println!("  {helm}: skipped: {helm} not found");
            continue;
        };
        found = true;
        let home = std::env::temp_dir().join("onechart-bench-helm");
        let theirs = time_runs(runs, || {
            let mut cmd = Command::new(&path);
            cmd.current_dir(root)
                .arg("template")
                .arg(args[0])
                .arg("chart")
                .args(&args[1..])
                .env("HELM_CACHE_HOME", home.join("cache"))
                .env("HELM_CONFIG_HOME", home.join("config"))
                .env("HELM_DATA_HOME", home.join("data"));
            cmd
        });
        println!(
            "  {helm} template  {:>9.2} ms   onechart is {:.1}x faster",
            theirs.as_secs_f64() * 1e3,
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    if !found {
        println!("  no helm on PATH: nothing to compare with");
    }
}
