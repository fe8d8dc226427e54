//! `onechart show values` prints byte for byte what `helm show values`
//! prints for the chart (helm3 and helm4).

mod support;

use std::process::Command;

use support::{onechart, root, stdout_of, tool};

#[test]
fn show_values_prints_what_helm_prints() {
    let ours = stdout_of(onechart().args(["show", "values"]));
    let file = std::fs::read_to_string(root().join("chart/values.yaml")).unwrap();
    assert_eq!(ours, format!("{file}\n"), "helm adds one newline");
    let home = std::env::temp_dir().join("onechart-show-helm");
    for name in ["helm3", "helm4"] {
        let Some(helm) = tool(name) else { continue };
        let theirs = stdout_of(
            Command::new(helm)
                .current_dir(root())
                .args(["show", "values", "chart"])
                .env("HELM_CACHE_HOME", home.join("cache"))
                .env("HELM_CONFIG_HOME", home.join("config"))
                .env("HELM_DATA_HOME", home.join("data"))
                .env("KUBECONFIG", home.join("no-kubeconfig")),
        );
        assert!(ours == theirs, "{name} show values differs");
    }
}
