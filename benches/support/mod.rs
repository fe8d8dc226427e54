//! Shared by the benchmarks: timing commands, finding helm, printing the
//! comparison.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A number from the environment (`RUNS=51`), else `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

/// The median wall time of `runs` runs of the command `make` builds, after
/// one warm-up run (which fills the page cache); `before` runs ahead of
/// every run, untimed. Every run must succeed.
pub fn time_runs(
    runs: usize,
    mut before: impl FnMut(),
    mut make: impl FnMut() -> Command,
) -> Duration {
    let mut once = || {
        before();
        let mut cmd = make();
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let start = Instant::now();
        let status = cmd.status().expect("run");
        let elapsed = start.elapsed();
        assert!(status.success(), "{:?} failed", make());
        elapsed
    };
    once();
    let mut samples: Vec<Duration> = (0..runs).map(|_| once()).collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Prints onechart's median (`onechart <ours_what>`), then times helm3 and
/// helm4 (those on PATH) with `time_helm(path, helm_home)` and prints each
/// median (`helmN <helm_what>`) and the ratio.
pub fn compare_with_helm(
    ours_what: &str,
    helm_what: &str,
    ours: Duration,
    mut time_helm: impl FnMut(&Path, &Path) -> Duration,
) {
    println!("  onechart {ours_what:<11} {:>9.2} ms", ms(ours));
    let mut found = false;
    for helm in ["helm3", "helm4"] {
        let Some(path) = on_path(helm) else {
            println!("  {helm}: skipped: {helm} not found");
            continue;
        };
        found = true;
        let home = std::env::temp_dir().join(format!("onechart-bench-{helm}"));
        let theirs = time_helm(&path, &home);
        println!(
            "  {helm} {helm_what:<14} {:>9.2} ms   onechart is {:.1}x faster",
            ms(theirs),
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    if !found {
        println!("  no helm on PATH: nothing to compare with");
    }
}

/// A helm command with its cache, config and data under `home`.
pub fn helm(path: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(path);
    cmd.env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    cmd
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
