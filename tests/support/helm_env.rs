//! The one place that keeps helm (and kubectl) away from the user's own
//! configuration; used by the tests (`tests/support`) and the benchmarks
//! (`benches/support`).

use std::path::Path;
use std::process::Command;

/// Gives `cmd` a private home under `home`: helm's cache, config and data
/// folders, `HOME` (kubectl's cache), and a `KUBECONFIG` that does not exist
/// (no cluster; set `KUBECONFIG` again afterwards to talk to one), with the
/// user's `HELM_KUBECONTEXT`, `HELM_NAMESPACE` and `HELM_DRIVER` removed.
pub fn helm_env<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    cmd.env("HOME", home)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("no-kubeconfig"))
        .env_remove("HELM_KUBECONTEXT")
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DRIVER")
}
