//! Shared helpers of the integration tests: the built binary, the external
//! tools (helm3, helm4, kubernetes-validate, ...) and helm's environment.
//!
//! Plain `cargo test` needs no tool. A test that runs an external tool is
//! marked `#[ignore = "needs TOOLS: run .ci/install-tools, then cargo test
//! -- --include-ignored"]`; it finds its tools with [`tool`] or [`helms`],
//! which fail it with one line naming the missing tool, never skip it.

#![allow(dead_code)]

mod helm_env;
pub mod kube_api;

pub use helm_env::helm_env;

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

/// The path of the external tool `name` on PATH; a missing tool fails the
/// test with one line saying how to install it.
#[track_caller]
pub fn tool(name: &str) -> PathBuf {
    find(name).unwrap_or_else(|| {
        panic!(
            "{name} not found on PATH: install the test tools with .ci/install-tools \
             and put the bin folder it prints on PATH"
        )
    })
}

/// The path of `name` on PATH, if any.
fn find(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
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

/// helm3 and helm4 with their names (both must be on PATH, see [`tool`]).
#[track_caller]
pub fn helms() -> Vec<(&'static str, PathBuf)> {
    ["helm3", "helm4"]
        .into_iter()
        .map(|n| (n, tool(n)))
        .collect()
}

/// A helm command run from the repository root, with its cache, config and
/// data under `home` and no cluster to talk to ([`helm_env`]).
pub fn helm(path: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(path);
    cmd.current_dir(root());
    helm_env(&mut cmd, home);
    cmd
}
