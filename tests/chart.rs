//! The Helm chart itself, checked with real helm: it lints, its NOTES never
//! show a password, and a packaged chart keeps the `helm test` pod.

mod support;

use std::process::Command;

use support::{helm, helms, root, run, stdout_of};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("onechart-chart-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn chart_lints_with_defaults_and_every_example() {
    let home = temp_dir("lint");
    for (name, path) in helms() {
        let out = run(helm(&path, &home).args(["lint", "--strict", "chart"]));
        assert!(
            out.status.success(),
            "{name} lint: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for entry in std::fs::read_dir(root().join("values")).unwrap() {
            let file = entry.unwrap().path();
            let out = run(helm(&path, &home).args(["lint", "chart", "-f"]).arg(&file));
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
fn notes(home: &std::path::Path, set: &str) -> Vec<(&'static str, String)> {
    let mut all = Vec::new();
    for (name, path) in helms().into_iter().filter(|(n, _)| *n == "helm4") {
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
        let notes = out
            .split("NOTES:")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no NOTES in {out}"))
            .to_string();
        all.push((name, notes));
    }
    all
}

#[test]
fn notes_never_print_a_password() {
    let home = temp_dir("notes");
    let password = "Not-In-Notes-42";
    let encoded = "Tm90LUluLU5vdGVzLTQy";
    for (name, notes) in notes(
        &home,
        &format!(
            "opennebula.adminPassword={password},hypervisorService.enabled=true,\
             hypervisorService.loadBalancerIP=203.0.113.7"
        ),
    ) {
        assert!(
            notes.contains("get secret one-opennebula-credentials"),
            "{name}: {notes}"
        );
        assert!(
            notes.contains("one-opennebula-hypervisor"),
            "{name}: {notes}"
        );
        assert!(
            !notes.contains(password) && !notes.contains(encoded),
            "{name} NOTES show the password"
        );
    }
}

/// NOTES tell what hypervisors are given: oned.conf's HOSTNAME (with the
/// cluster domain), the monitord address and port they send to, the SSH port.
#[test]
fn notes_tell_where_hypervisors_send_monitoring() {
    let home = temp_dir("notes-monitoring");
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
        for (name, notes) in notes(&home, set) {
            for line in wanted {
                assert!(
                    notes.contains(line),
                    "{name} --set {set}: {line:?} not in\n{notes}"
                );
            }
        }
    }
}

#[test]
fn packaged_chart_keeps_the_test_pod() {
    let home = temp_dir("package");
    for (name, path) in helms() {
        let dest = home.join(name);
        stdout_of(
            helm(&path, &home)
                .args(["package", "chart", "-d"])
                .arg(&dest),
        );
        let archive = dest.join("opennebula-0.1.0.tgz");
        let listing = stdout_of(Command::new("tar").arg("tzf").arg(&archive));
        assert!(
            listing
                .lines()
                .any(|l| l == "opennebula/templates/tests/test-connection.yaml"),
            "{name}: test pod missing from the package:\n{listing}"
        );
        let shown = stdout_of(
            helm(&path, &home)
                .args(["template", "one"])
                .arg(&archive)
                .args(["-s", "templates/tests/test-connection.yaml"]),
        );
        assert!(shown.contains("helm.sh/hook: test"), "{shown}");
    }
}
