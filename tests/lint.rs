//! `onechart lint` through the built binary: findings one per line on
//! stdout, `error: lint: N findings` on stderr and exit 1; a clean chart
//! prints one summary line and exits 0.

mod support;

use std::path::Path;

use support::{onechart, root, run};

/// Runs `onechart lint ARGS`: (exit code, stdout, stderr).
fn lint(args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(onechart().arg("lint").args(args));
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn defaults_and_every_example_are_clean() {
    assert_eq!(
        lint(&[]),
        (
            Some(0),
            "lint: 11 documents, no findings\n".into(),
            String::new()
        )
    );
    for entry in std::fs::read_dir(root().join("values")).unwrap() {
        let file = entry.unwrap().path();
        let rel = file
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let (code, stdout, stderr) = lint(&["one", "-n", "cloud", "-f", &rel]);
        assert_eq!(code, Some(0), "{rel}: {stdout}{stderr}");
        assert!(
            stdout.ends_with(" documents, no findings\n"),
            "{rel}: {stdout}"
        );
    }
}

#[test]
fn service_names_must_be_dns_1035_labels() {
    let (code, stdout, stderr) = lint(&["--set", "fullnameOverride=1cloud"]);
    assert_eq!(code, Some(1));
    assert_eq!(stderr, "error: lint: 3 findings\n");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, (template, name)) in lines.iter().zip([
        ("mariadb-service", "1cloud-mariadb"),
        ("service-headless", "1cloud-headless"),
        ("service", "1cloud"),
    ]) {
        assert_eq!(
            *line,
            format!(
                "opennebula/templates/{template}.yaml: Service \"{name}\": metadata.name is not a valid \
                 DNS-1035 label: must consist of lowercase alphanumeric characters or '-', start with a \
                 lowercase letter and end with a lowercase letter or digit"
            )
        );
    }
}

#[test]
fn other_names_must_be_dns_1123_subdomains() {
    let (code, stdout, stderr) = lint(&["--set", "serviceAccount.name=Cloud_Admin"]);
    assert_eq!(
        (code, stderr.as_str()),
        (Some(1), "error: lint: 1 finding\n")
    );
    assert_eq!(
        stdout,
        "opennebula/templates/serviceaccount.yaml: ServiceAccount \"Cloud_Admin\": metadata.name is not \
         a valid DNS-1123 subdomain: must consist of lowercase alphanumeric characters or '-' or '.', \
         start with a lowercase letter or digit and end with a lowercase letter or digit\n"
    );
}

#[test]
fn render_failures_are_findings() {
    let (code, stdout, stderr) = lint(&["--set", "mariadb.enabeld=false"]);
    assert_eq!(
        (code, stderr.as_str()),
        (Some(1), "error: lint: 1 finding\n")
    );
    assert_eq!(
        stdout,
        "render: invalid values at `mariadb.enabeld`: unknown key, did you mean `mariadb.enabled`?\n"
    );
    let (code, stdout, _) = lint(&["--set", "mariadb.enabled=false"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stdout,
        "render: externalDatabase.host is required when mariadb.enabled is false\n"
    );
    let (code, stdout, _) = lint(&["--kube-version", "1.25.0"]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.starts_with("render: chart requires kubeVersion: "),
        "{stdout}"
    );
    let (code, stdout, _) = lint(&["--set", "image.tag"]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.starts_with("render: failed parsing --set data: --set #1: character 1: "),
        "{stdout}"
    );
}

#[test]
fn unusable_arguments_are_errors_not_findings() {
    let missing = Path::new("/nonexistent/objects.json");
    let out = run(onechart().arg("lint").arg("--lookup-file").arg(missing));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: reading lookup file /nonexistent/objects.json"),
        "{stderr}"
    );
}
