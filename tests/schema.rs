//! chart/values.schema.json: it is exactly what `onechart schema` prints, it
//! is valid draft-07, and with it helm3 and helm4 (`template` and `lint`)
//! reject exactly the values onechart rejects, and accept the ones it
//! accepts.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{helm, helms, onechart, root, run, stdout_of, tool};

#[test]
fn schema_file_is_what_onechart_schema_prints() {
    let printed = stdout_of(onechart().arg("schema"));
    let file = std::fs::read_to_string(root().join("chart/values.schema.json")).unwrap();
    assert!(
        printed == file,
        "chart/values.schema.json is out of date; regenerate it with\n\n    \
         cargo run -- schema > chart/values.schema.json\n"
    );
}

#[test]
#[ignore = "needs check-jsonschema: run .ci/install-tools, then cargo test -- --include-ignored"]
fn schema_is_valid_draft_07_and_the_defaults_pass_it() {
    let check = tool("check-jsonschema");
    let out = run(Command::new(&check)
        .current_dir(root())
        .args(["--check-metaschema", "chart/values.schema.json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(Command::new(&check).current_dir(root()).args([
        "--schemafile",
        "chart/values.schema.json",
        "chart/values.yaml",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A values file written for one case in `dir`.
fn values_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Input given to both tools: `--set`, `--set-string` or a values file.
enum Input {
    Set(&'static str),
    SetString(&'static str),
    File(&'static str),
}

impl Input {
    /// The arguments; a values file is written in `dir`.
    fn args(&self, n: usize, dir: &Path) -> Vec<String> {
        match self {
            Input::Set(s) => vec!["--set".into(), (*s).into()],
            Input::SetString(s) => vec!["--set-string".into(), (*s).into()],
            Input::File(text) => vec![
                "-f".into(),
                values_file(dir, &format!("case-{n}"), text)
                    .display()
                    .to_string(),
            ],
        }
    }
}

/// Bad values, each with the message onechart prints for it.
const REJECTED: &[(Input, &str)] = &[
    (
        Input::Set("mariadb.enabeld=true"),
        "error: invalid values at `mariadb.enabeld`: unknown key, did you mean `mariadb.enabled`?",
    ),
    (
        Input::Set("imagee.tag=7.2"),
        "error: invalid values at `imagee`: unknown key, did you mean `image`?",
    ),
    (
        Input::Set("mariadb.auth.passwrd=x"),
        "error: invalid values at `mariadb.auth.passwrd`: unknown key, did you mean `mariadb.auth.password`?",
    ),
    (
        Input::Set("mariadb.primary.persistence.sise=1Gi"),
        "error: invalid values at `mariadb.primary.persistence.sise`: unknown key, did you mean `mariadb.primary.persistence.size`?",
    ),
    (
        Input::Set("hypervisorService.loadBalancerIp=10.0.0.1"),
        "error: invalid values at `hypervisorService.loadBalancerIp`: unknown key, did you mean `hypervisorService.loadBalancerIP`?",
    ),
    (
        Input::Set("hypervisorService.nodePorts.onedd=30633"),
        "error: invalid values at `hypervisorService.nodePorts.onedd`: unknown key, did you mean `hypervisorService.nodePorts.oned`?",
    ),
    (
        Input::Set("ingress.tls.secretname=tls"),
        "error: invalid values at `ingress.tls.secretname`: unknown key, did you mean `ingress.tls.secretName`?",
    ),
    (
        Input::Set("startupProbe.periodSecond=5"),
        "error: invalid values at `startupProbe.periodSecond`: unknown key, did you mean `startupProbe.periodSeconds`?",
    ),
    (
        Input::Set("opennebula.config.onedd.X=1"),
        "error: invalid values at `opennebula.config.onedd`: unknown key, did you mean `opennebula.config.oned`?",
    ),
    (
        Input::Set("tests.image.tagg=8"),
        "error: invalid values at `tests.image.tagg`: unknown key, did you mean `tests.image.tag`?",
    ),
    (
        Input::Set("replicaCount=2"),
        "error: invalid values at `replicaCount`: unknown key; the keys at the top are `nameOverride`,",
    ),
    (
        Input::File("serviceAccount:\n  create: true\n  automount: false\n"),
        "error: invalid values at `serviceAccount.automount`: unknown key; the keys of `serviceAccount` are `create`, `name`, `annotations`",
    ),
    (
        Input::SetString("persistence.enabled=yes please"),
        "error: invalid values at `persistence.enabled`: expected a boolean, found a string",
    ),
    (
        Input::File("persistence:\n  enabled: [true]\n"),
        "error: invalid values at `persistence.enabled`: expected a boolean, found a list",
    ),
    (
        Input::Set("externalDatabase.port=abc"),
        "error: invalid values at `externalDatabase.port`: expected an integer from 0 to 65535, found a string",
    ),
    (
        Input::Set("externalDatabase.port=70000"),
        "error: invalid values at `externalDatabase.port`: expected an integer from 0 to 65535, found the number 70000",
    ),
    (
        Input::SetString("externalDatabase.port=3306"),
        "error: invalid values at `externalDatabase.port`: expected an integer from 0 to 65535, found a string",
    ),
    (
        Input::File("externalDatabase:\n  port: 3306.5\n"),
        "error: invalid values at `externalDatabase.port`: expected an integer from 0 to 65535, found the number 3306.5",
    ),
    (
        Input::Set("hypervisorService.nodePorts.oned=true"),
        "error: invalid values at `hypervisorService.nodePorts.oned`: expected an integer from 0 to 65535, found the boolean true",
    ),
    (
        Input::Set("startupProbe.failureThreshold=-3"),
        "error: invalid values at `startupProbe.failureThreshold`: expected an integer from 0 to 4294967295, found the number -3",
    ),
    (
        Input::Set("image.tag=8"),
        "error: invalid values at `image.tag`: expected a string, found a number (quote it, or use --set-string)",
    ),
    (
        Input::Set("mariadb.auth.rootPassword=123456"),
        "error: invalid values at `mariadb.auth.rootPassword`: expected a string, found a number (quote it, or use --set-string)",
    ),
    (
        Input::Set("image=nginx"),
        "error: invalid values at `image`: expected a map, found a string",
    ),
    (
        Input::Set("tolerations=none"),
        "error: invalid values at `tolerations`: expected a list, found a string",
    ),
    (
        Input::Set("resources=small"),
        "error: invalid values at `resources`: expected a map, found a string",
    ),
    (
        Input::Set("podAnnotations.team=1"),
        "error: invalid values at `podAnnotations.team`: expected a string, found a number (quote it, or use --set-string)",
    ),
    (
        Input::Set("podAnnotations.team=null"),
        "error: invalid values at `podAnnotations.team`: expected a string, found null",
    ),
    (
        Input::Set("image.pullPolicy=Allways"),
        "error: invalid values at `image.pullPolicy`: expected one of `Always`, `IfNotPresent`, `Never` (did you mean `Always`?)",
    ),
    (
        Input::Set("service.type=Nodeport"),
        "error: invalid values at `service.type`: expected one of `ClusterIP`, `NodePort`, `LoadBalancer` (did you mean `NodePort`?)",
    ),
    (
        Input::Set("persistence.accessMode=RWO"),
        "error: invalid values at `persistence.accessMode`: expected one of `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`",
    ),
    (
        Input::Set("mariadb=null"),
        "error: invalid values at `mariadb`: the chart needs this key (a null deleted it; set the keys below it instead)",
    ),
    (
        Input::Set("hypervisorService.nodePorts=null"),
        "error: invalid values at `hypervisorService.nodePorts`: the chart needs this key (a null deleted it; set the keys below it instead)",
    ),
    (
        Input::Set("tests.enabled=false,tests.image=null"),
        "error: invalid values at `tests.image`: the chart needs this key (a null deleted it; set the keys below it instead)",
    ),
    (
        Input::Set("networkPolicy.hypervisorCidrs={10.0.0.0/8}"),
        "error: invalid values at `networkPolicy.hypervisorCidrs`: unknown key, did you mean `networkPolicy.hypervisorCIDRs`?",
    ),
    (
        Input::Set("metrics.serviceMonitor.intervall=30s"),
        "error: invalid values at `metrics.serviceMonitor.intervall`: unknown key, did you mean `metrics.serviceMonitor.interval`?",
    ),
    (
        Input::Set("backup.retention=-1"),
        "error: invalid values at `backup.retention`: expected an integer from 0 to 65535, found the number -1",
    ),
    (
        Input::SetString("backup.enabled=daily"),
        "error: invalid values at `backup.enabled`: expected a boolean, found a string",
    ),
    (
        Input::Set("metrics.grafanaDashboard=null"),
        "error: invalid values at `metrics.grafanaDashboard`: the chart needs this key (a null deleted it; set the keys below it instead)",
    ),
];

/// Values at the edges of what the types allow, accepted by all.
const ACCEPTED: &[Input] = &[
    Input::Set("hypervisorService.enabled=true,hypervisorService.type=NodePort,hypervisorService.nodePorts.oned=30633,hypervisorService.nodePorts.monitord=30124,opennebula.monitorAddress=192.0.2.20"),
    Input::Set("hypervisorService.nodePorts.oned=null"),
    Input::Set("image.tag=null,podAnnotations=null,tolerations=null"),
    Input::Set("opennebula.config.oned.DEFAULT_COST=null,opennebula.config.fireedge.a.b=1"),
    Input::SetString("image.tag=8,podAnnotations.team=1"),
    Input::Set("externalDatabase.port=0,startupProbe.failureThreshold=4294967295"),
    Input::File("externalDatabase:\n  port: 3307.0\npersistence:\n  enabled: no\ningress:\n  enabled: yes\n"),
    Input::File("resources:\n  limits: {cpu: 2}\naffinity: null\nextraEnv:\n  - {name: A, value: '1'}\n"),
    Input::File("backup:\n  enabled: true\n  retention: 65535\n  resources: null\nnetworkPolicy:\n  enabled: true\n  ingressFrom:\n    - ipBlock: {cidr: 10.0.0.0/8}\n"),
];

#[test]
fn onechart_rejects_bad_values_with_their_message() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (n, (input, message)) in REJECTED.iter().enumerate() {
        let args = input.args(n, tmp.path());
        let out = run(onechart().arg("render").args(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(1)
            || !out.stdout.is_empty()
            || stderr.lines().count() != 1
            || !stderr.starts_with(message)
        {
            failures.push(format!(
                "onechart {args:?}: exit {:?}, {} bytes on stdout, stderr {stderr:?}, want {message:?}",
                out.status.code(),
                out.stdout.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm_rejects_what_onechart_rejects() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("helm");
    let helms = helms();
    let mut failures = Vec::new();
    let mut helm_checks = 0;
    for (n, (input, _)) in REJECTED.iter().enumerate() {
        let args = input.args(n, tmp.path());
        for (name, path) in &helms {
            for command in ["template", "lint"] {
                let out = run(helm(path, &home).args([command, "chart"]).args(&args));
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                // The schema, not a template, must be what fails.
                let by_schema = match command {
                    "template" => {
                        text.contains("values don't meet the specifications of the schema")
                    }
                    _ => text.contains("[ERROR] values.yaml: "),
                };
                if out.status.success() || !by_schema {
                    failures.push(format!(
                        "{name} {command} {args:?} should fail on the schema:\n{text}"
                    ));
                }
                helm_checks += 1;
            }
        }
    }
    eprintln!(
        "schema: {} bad inputs, {helm_checks} helm runs rejected them",
        REJECTED.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn onechart_accepts_the_edge_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (n, input) in ACCEPTED.iter().enumerate() {
        let args = input.args(100 + n, tmp.path());
        let out = run(onechart().arg("render").args(&args));
        if !out.status.success() {
            failures.push(format!(
                "onechart {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let merge = merge_key_args(tmp.path());
    let out = run(onechart().arg("render").args(&merge));
    if !out.status.success() {
        failures.push(format!(
            "onechart {merge:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm_accepts_what_onechart_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("helm");
    let helms = helms();
    let mut failures = Vec::new();
    for (n, input) in ACCEPTED.iter().enumerate() {
        let args = input.args(100 + n, tmp.path());
        for (name, path) in &helms {
            for command in ["template", "lint"] {
                let out = run(helm(path, &home).args([command, "chart"]).args(&args));
                if !out.status.success() {
                    failures.push(format!(
                        "{name} {command} {args:?}: {}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A values file with an oned.conf attribute named `<<`.
fn merge_key_args(dir: &Path) -> Vec<String> {
    let file = values_file(
        dir,
        "merge-key",
        "opennebula:\n  config:\n    oned:\n      \"<<\": \"1.5\"\n",
    );
    vec!["-f".into(), file.display().to_string()]
}

/// Helm 3.17 validates the values after a trip through YAML, where a key
/// named `<<` (here an oned.conf attribute) turns into a merge key:
/// with any schema, helm3 refuses what helm4 and onechart accept
/// (`onechart_accepts_the_edge_cases`).
#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm3_alone_refuses_a_key_named_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("helm");
    let args = merge_key_args(tmp.path());
    for (name, path) in helms() {
        let out = run(helm(&path, &home).args(["template", "chart"]).args(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        match name {
            "helm3" => assert!(
                !out.status.success()
                    && stderr.contains("map merge requires map or sequence of maps"),
                "helm3 no longer refuses `<<`: {stderr}"
            ),
            _ => assert!(out.status.success(), "{name}: {stderr}"),
        }
    }
}
