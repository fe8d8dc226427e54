//! Shared helpers of the integration tests: the built binary and the
//! third-party tools (helm3, helm4, kubernetes-validate, ...) found on PATH.

#![allow(dead_code)]

pub mod kube_api;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A command running the onechart binary built for these tests.
pub fn onechart() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onechart"));
    cmd.current_dir(root());
    cmd
}

/// Whether missing tools must fail the tests (`ONECHART_REQUIRE_TOOLS=1`, set by `.ci/run`).
pub fn tools_required() -> bool {
    std::env::var("ONECHART_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// The path of a tool on PATH. When it is missing, prints
/// `skipped: <name> not found` and returns `None`, or panics when tools are
/// required.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !tools_required(),
            "{name} not found on PATH and ONECHART_REQUIRE_TOOLS=1"
        );
        eprintln!("skipped: {name} not found");
    }
    found
}

/// Runs a command with no standard input and returns its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"))
}

/// Runs a command that must succeed and returns its standard output.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The helm binaries on PATH (`helm3`, `helm4`) with their names; a missing
/// one is skipped as [`tool`] says.
pub fn helms() -> Vec<(&'static str, PathBuf)> {
    ["helm3", "helm4"]
        .into_iter()
        .filter_map(|n| tool(n).map(|p| (n, p)))
        .collect()
}

/// A helm command run from the repository root, with its cache, config and
/// data under `home` and no cluster to talk to.
pub fn helm(path: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(path);
    cmd.current_dir(root())
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("no-kubeconfig"));
    cmd
}
