//! `onechart show values` prints byte for byte what `helm show values`
//! prints for the chart (helm3 and helm4).

mod support;

use support::{helm, helms, onechart, root, stdout_of};

#[test]
fn show_values_prints_values_yaml() {
    let ours = stdout_of(onechart().args(["show", "values"]));
    let file = std::fs::read_to_string(root().join("chart/values.yaml")).unwrap();
    assert_eq!(ours, format!("{file}\n"), "helm adds one newline");
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn show_values_prints_what_helm_prints() {
    let ours = stdout_of(onechart().args(["show", "values"]));
    let tmp = tempfile::tempdir().unwrap();
    for (name, path) in helms() {
        let theirs = stdout_of(helm(&path, tmp.path()).args(["show", "values", "chart"]));
        assert!(ours == theirs, "{name} show values differs");
    }
}
