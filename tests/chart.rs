//! The Helm chart itself, checked with real helm: it lints, its NOTES never
//! show a password, and a packaged chart keeps the `helm test` pod.

mod support;

use std::io::Read;

use support::{helm, helms, root, run, stdout_of, tool};

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn chart_lints_with_defaults_and_every_example() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    for (name, path) in helms() {
        let out = run(helm(&path, home).args(["lint", "--strict", "chart"]));
        assert!(
            out.status.success(),
            "{name} lint: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for entry in std::fs::read_dir(root().join("values")).unwrap() {
            let file = entry.unwrap().path();
            let out = run(helm(&path, home).args(["lint", "chart", "-f"]).arg(&file));
            assert!(
                out.status.success(),
                "{name} lint -f {}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

/// The NOTES of `helm install one chart -n cloud --set SET`.
///
/// Helm 4 renders NOTES without a cluster (`install --dry-run=client`);
/// Helm 3.17 still asks the cluster for its version there, so it is left out.
fn notes(home: &std::path::Path, set: &str) -> String {
    let path = tool("helm4");
    let out = stdout_of(helm(&path, home).args([
        "install",
        "one",
        "chart",
        "-n",
        "cloud",
        "--dry-run=client",
        "--set",
        set,
    ]));
    out.split("NOTES:")
        .nth(1)
        .unwrap_or_else(|| panic!("helm4: no NOTES in {out}"))
        .to_string()
}

#[test]
#[ignore = "needs helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn notes_never_print_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let password = "Not-In-Notes-42";
    let encoded = "Tm90LUluLU5vdGVzLTQy";
    let notes = notes(
        tmp.path(),
        &format!(
            "opennebula.adminPassword={password},hypervisorService.enabled=true,\
             hypervisorService.loadBalancerIP=203.0.113.7,backup.enabled=true,metrics.enabled=true"
        ),
    );
    assert!(
        notes.contains("get secret one-opennebula-credentials"),
        "helm4: {notes}"
    );
    assert!(
        notes.contains("one-opennebula-hypervisor"),
        "helm4: {notes}"
    );
    assert!(
        !notes.contains(password) && !notes.contains(encoded),
        "helm4 NOTES show the password"
    );
}

/// NOTES tell what hypervisors are given: oned.conf's HOSTNAME (with the
/// cluster domain), the monitord address and port they send to, the SSH port.
#[test]
#[ignore = "needs helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn notes_tell_where_hypervisors_send_monitoring() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "clusterDomain=k8s.example",
            [
                "HOSTNAME: one-opennebula-0.one-opennebula-headless.cloud.svc.k8s.example\n",
                "(where hypervisors send monitoring): auto:4124\n",
                "SSH to the front-end: port 22.\n",
            ],
        ),
        (
            "hypervisorService.enabled=true,hypervisorService.loadBalancerIP=203.0.113.7",
            [
                "HOSTNAME: one-opennebula-0.one-opennebula-headless.cloud.svc.cluster.local\n",
                "(where hypervisors send monitoring): 203.0.113.7:4124\n",
                "SSH to the front-end: port 22.\n",
            ],
        ),
        (
            "hypervisorService.enabled=true,hypervisorService.type=NodePort,\
             hypervisorService.nodePorts.monitord=30124,hypervisorService.nodePorts.ssh=30022,\
             opennebula.monitorAddress=192.0.2.20",
            [
                "NodePort Service one-opennebula-hypervisor:",
                "(where hypervisors send monitoring): 192.0.2.20:30124\n",
                "SSH to the front-end: port 30022 of the nodes\n",
            ],
        ),
    ];
    for (set, wanted) in cases {
        let notes = notes(tmp.path(), set);
        for line in wanted {
            assert!(
                notes.contains(line),
                "helm4 --set {set}: {line:?} not in\n{notes}"
            );
        }
    }
}

/// The entry names of a chart archive.
fn listing(archive: &std::path::Path) -> Vec<String> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap())
        .read_to_end(&mut tar)
        .unwrap();
    let mut reader = onechart::tar::Reader::new(tar.as_slice());
    let mut names = Vec::new();
    while let Some(entry) = reader.next_file().unwrap() {
        names.push(entry.path);
    }
    names
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn packaged_chart_keeps_the_test_pod() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    for (name, path) in helms() {
        let dest = home.join(name);
        stdout_of(
            helm(&path, home)
                .args(["package", "chart", "-d"])
                .arg(&dest),
        );
        let archive = dest.join("opennebula-0.1.0.tgz");
        let listing = listing(&archive);
        assert!(
            listing
                .iter()
                .any(|l| l == "opennebula/templates/tests/test-connection.yaml"),
            "{name}: test pod missing from the package: {listing:?}"
        );
        let shown = stdout_of(
            helm(&path, home)
                .args(["template", "one"])
                .arg(&archive)
                .args(["-s", "templates/tests/test-connection.yaml"]),
        );
        assert!(shown.contains("helm.sh/hook: test"), "{shown}");
    }
}
