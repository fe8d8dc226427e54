//! Benchmark: median wall time of `onechart render` against `helm template`
//! (helm3 and helm4, both needed on PATH) with the same values, and the ratio.
//!
//! Run with `cargo bench --bench render` (optionally `RUNS=51`).

mod support;

use std::path::Path;
use std::process::Command;

use support::{compare_with_helm, env_number, helm};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runs = env_number("RUNS", 21);
    let args = ["onecloud", "-n", "cloud", "-f", "values/production.yaml"];
    println!(
        "render benchmark: {} {}, {runs} interleaved runs each, median wall time",
        args[3], args[4]
    );
    compare_with_helm(
        runs,
        "render",
        "template",
        || {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_onechart"));
            cmd.current_dir(root).arg("render").args(args);
            cmd
        },
        |path, home| {
            let mut cmd = helm(path, home);
            cmd.current_dir(root)
                .arg("template")
                .arg(args[0])
                .arg("chart")
                .args(&args[1..]);
            cmd
        },
        || {},
        |_| {},
    );
}
