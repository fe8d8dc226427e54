//! `onechart render`: the chart's manifests from typed values, byte for byte
//! what `helm template` prints.
//!
//! Each chart template `chart/templates/X` has a minijinja twin
//! `templates/X` written line for line the same way, with Go's whitespace
//! control (`{{-`, `-}}`) and sprig's functions as filters (`quote`,
//! `b64enc`, `toyaml`, `nindent`). Names, labels and every other composite
//! string come from Rust ([`crate::release`]) so both sides agree by
//! construction. Auto-escaping is off: values are quoted explicitly, as in
//! the Go templates.

pub mod filters;
pub mod manifest;

use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use base64::Engine;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::chart::{self, Metadata};
use crate::kube_version;
use crate::lookup::Objects;
use crate::release::{go_quote, Names, Release};
use crate::values::{self, HypervisorServiceType, Values};
use crate::yaml::{load, Value};
use manifest::Rendered;

/// The minijinja templates, named as the chart's templates they mirror.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "backup-configmap.yaml",
        include_str!("../../templates/backup-configmap.yaml"),
    ),
    (
        "backup-cronjob.yaml",
        include_str!("../../templates/backup-cronjob.yaml"),
    ),
    (
        "backup-pvc.yaml",
        include_str!("../../templates/backup-pvc.yaml"),
    ),
    (
        "configmap.yaml",
        include_str!("../../templates/configmap.yaml"),
    ),
    (
        "grafana-dashboard.yaml",
        include_str!("../../templates/grafana-dashboard.yaml"),
    ),
    ("ingress.yaml", include_str!("../../templates/ingress.yaml")),
    (
        "mariadb-configmap.yaml",
        include_str!("../../templates/mariadb-configmap.yaml"),
    ),
    (
        "mariadb-networkpolicy.yaml",
        include_str!("../../templates/mariadb-networkpolicy.yaml"),
    ),
    (
        "mariadb-service.yaml",
        include_str!("../../templates/mariadb-service.yaml"),
    ),
    (
        "mariadb-statefulset.yaml",
        include_str!("../../templates/mariadb-statefulset.yaml"),
    ),
    (
        "networkpolicy.yaml",
        include_str!("../../templates/networkpolicy.yaml"),
    ),
    (
        "prometheusrule.yaml",
        include_str!("../../templates/prometheusrule.yaml"),
    ),
    (
        "secret-credentials.yaml",
        include_str!("../../templates/secret-credentials.yaml"),
    ),
    (
        "secret-external-db.yaml",
        include_str!("../../templates/secret-external-db.yaml"),
    ),
    (
        "secret-mariadb.yaml",
        include_str!("../../templates/secret-mariadb.yaml"),
    ),
    (
        "secret-ssh.yaml",
        include_str!("../../templates/secret-ssh.yaml"),
    ),
    (
        "service-headless.yaml",
        include_str!("../../templates/service-headless.yaml"),
    ),
    (
        "service-hypervisor.yaml",
        include_str!("../../templates/service-hypervisor.yaml"),
    ),
    ("service.yaml", include_str!("../../templates/service.yaml")),
    (
        "servicemonitor.yaml",
        include_str!("../../templates/servicemonitor.yaml"),
    ),
    (
        "serviceaccount.yaml",
        include_str!("../../templates/serviceaccount.yaml"),
    ),
    (
        "statefulset.yaml",
        include_str!("../../templates/statefulset.yaml"),
    ),
    (
        "tests/test-connection.yaml",
        include_str!("../../templates/tests/test-connection.yaml"),
    ),
];

/// The Secrets whose text `checksum/secret` hashes, in the chart's order.
const SECRET_TEMPLATES: &[&str] = &[
    "secret-credentials.yaml",
    "secret-external-db.yaml",
    "secret-mariadb.yaml",
    "secret-ssh.yaml",
];

/// The templates that print checksums of the others.
const CHECKSUMMED: &[&str] = &["mariadb-statefulset.yaml", "statefulset.yaml"];

/// What to render.
#[derive(Debug, Clone)]
pub struct Options {
    pub release_name: String,
    pub namespace: String,
    pub kube_version: Option<String>,
    pub sources: values::Sources,
    pub show_only: Vec<String>,
    pub objects: Objects,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            release_name: "release-name".into(),
            namespace: "default".into(),
            kube_version: None,
            sources: values::Sources::default(),
            show_only: Vec::new(),
            objects: Objects::none(),
        }
    }
}

/// Renders the embedded chart; the result is the complete output.
pub fn render(options: &Options) -> Result<String> {
    let chart = Metadata::embedded();
    let kube = kube_version::parse_flag(
        options
            .kube_version
            .as_deref()
            .unwrap_or(kube_version::DEFAULT),
    )?;
    if !chart.kube_version.is_empty() && !kube_version::satisfies(&chart.kube_version, &kube)? {
        bail!(
            "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
            chart.kube_version,
            kube.to_kube_string()
        );
    }
    let release = Release::new(&options.release_name, &options.namespace)?;
    // One thread: a second one costs more (its stack and malloc arena fault
    // in page by page) than the template compilation it would overlap.
    let values = load_values(&options.sources)?;
    let env = environment(Arc::new(options.objects.clone()), release.namespace.clone())?;

    let mut context = Context::new(&release, &chart, values);
    // The StatefulSets carry checksums of the ConfigMaps and Secrets, so those
    // render first and their text is hashed exactly as it is printed.
    // The context is converted to a template value once per phase, not per template.
    let values = minijinja::Value::from_serialize(&context);
    let mut outputs = Vec::with_capacity(TEMPLATES.len());
    for &(name, source) in TEMPLATES {
        let content = if CHECKSUMMED.contains(&name) {
            String::new()
        } else {
            render_one(&env, name, source, &values)?
        };
        outputs.push((name, content));
    }
    let text_of = |wanted: &str| -> &str {
        outputs
            .iter()
            .find(|(n, _)| *n == wanted)
            .map_or("", |(_, c)| c.as_str())
    };
    context.checksums = Checksums {
        config: sha256_hex(text_of("configmap.yaml")),
        mariadb_config: sha256_hex(text_of("mariadb-configmap.yaml")),
        secret: sha256_hex(
            &SECRET_TEMPLATES
                .iter()
                .map(|n| text_of(n))
                .collect::<String>(),
        ),
    };
    let values = minijinja::Value::from_serialize(&context);
    for (&(name, source), (_, content)) in TEMPLATES.iter().zip(outputs.iter_mut()) {
        if CHECKSUMMED.contains(&name) {
            *content = render_one(&env, name, source, &values)?;
        }
    }
    let files = outputs
        .into_iter()
        .map(|(name, content)| Rendered {
            path: format!("{}/templates/{name}", chart.name),
            content,
        })
        .collect();
    manifest::assemble(files, &options.show_only)
}

/// The chart's defaults combined with the user's values, typed and checked.
fn load_values(sources: &values::Sources) -> Result<Values> {
    let defaults =
        load::load_values(chart::DEFAULTS_YAML).map_err(|e| anyhow!("chart values.yaml: {e}"))?;
    let combined = values::combine(&defaults, sources)?;
    let values = values::typed(combined)?;
    validate(&values)?;
    Ok(values)
}

/// The checks the chart makes with `required` and `fail`
/// (`opennebula.validateValues`), in its order and with its messages.
fn validate(values: &Values) -> Result<()> {
    if !values.mariadb.enabled {
        let db = &values.external_database;
        if db.host.is_empty() {
            bail!("externalDatabase.host is required when mariadb.enabled is false");
        }
        if db.password.is_empty() && db.existing_secret.is_empty() {
            bail!("externalDatabase.password or externalDatabase.existingSecret is required when mariadb.enabled is false");
        }
    }
    if values.backup.enabled && values.backup.retention < 1 {
        bail!("backup.retention must be at least 1");
    }
    let metrics = &values.metrics;
    if !metrics.enabled {
        for (enabled, key) in [
            (metrics.service_monitor.enabled, "serviceMonitor"),
            (metrics.prometheus_rule.enabled, "prometheusRule"),
            (metrics.grafana_dashboard.enabled, "grafanaDashboard"),
        ] {
            if enabled {
                bail!("metrics.{key}.enabled needs metrics.enabled (the exporter it uses)");
            }
        }
    }
    // Hypervisors outside the cluster send monitoring to MONITOR_ADDRESS:PORT
    // (OpenNebula's src/im_mad/remotes/common.d/monitord-client.rb, release-7.0.0);
    // "auto" takes the address of their SSH client ($SSH_CLIENT): a node address after SNAT.
    let hypervisors = &values.hypervisor_service;
    if hypervisors.enabled {
        let explicit = |address: &str| !address.is_empty() && address != "auto";
        match hypervisors.kind {
            HypervisorServiceType::NodePort => {
                if !explicit(&values.opennebula.monitor_address)
                    || monitord_node_port(values).is_none()
                {
                    bail!("hypervisorService.type NodePort needs opennebula.monitorAddress (a node address the hypervisors reach, not auto) and hypervisorService.nodePorts.monitord (the port monitord listens on and advertises)");
                }
            }
            HypervisorServiceType::LoadBalancer => {
                if !explicit(&monitor_address(values)) {
                    bail!("hypervisorService.enabled needs an explicit address (not auto) hypervisors send monitoring to: set opennebula.monitorAddress or hypervisorService.loadBalancerIP");
                }
            }
        }
    }
    // oned refuses a password with a blank or over 256 bytes and then leaves a
    // half-bootstrapped database (User::pass_is_valid, src/um/User.cc, release-7.2.0).
    let password = &values.opennebula.admin_password;
    if password.len() > 256 || password.contains([' ', '\t', '\n', '\x0b', '\x0c', '\r']) {
        bail!("opennebula.adminPassword must have at most 256 bytes and no blank (space, tab, line break): oned refuses such a password");
    }
    Ok(())
}

/// `hypervisorService.nodePorts.monitord` when set (0 counts as unset, as in Go templates).
fn monitord_node_port(values: &Values) -> Option<u16> {
    values
        .hypervisor_service
        .node_ports
        .monitord
        .filter(|&port| port != 0)
}

/// `opennebula.monitorAddress`: the address hypervisors send monitoring data
/// to; empty leaves monitord's "auto".
fn monitor_address(values: &Values) -> String {
    let hypervisors = &values.hypervisor_service;
    if !values.opennebula.monitor_address.is_empty() {
        values.opennebula.monitor_address.clone()
    } else if hypervisors.enabled {
        hypervisors.load_balancer_ip.clone()
    } else {
        String::new()
    }
}

/// `opennebula.monitorPort`: the port monitord listens on and hypervisors send
/// to; with a NodePort hypervisor Service, its monitord node port.
fn monitor_port(values: &Values) -> u16 {
    let hypervisors = &values.hypervisor_service;
    if hypervisors.enabled && hypervisors.kind == HypervisorServiceType::NodePort {
        monitord_node_port(values).unwrap_or(0)
    } else {
        4124
    }
}

fn render_one(
    env: &Environment<'static>,
    name: &'static str,
    source: &'static str,
    context: &minijinja::Value,
) -> Result<String> {
    // Compiled when rendered and dropped after: each template's code
    // reuses the memory of the one before (fewer fresh pages to fault in).
    let template = env.template_from_named_str(name, source)?;
    template
        .render(context)
        .map_err(|err| anyhow!("rendering template {name}: {err:#}"))
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn environment(objects: Arc<Objects>, namespace: String) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("quote", filters::quote);
    env.add_filter("b64enc", filters::b64enc);
    env.add_filter("toyaml", filters::toyaml);
    env.add_filter("indent", filters::indent);
    env.add_filter("nindent", filters::nindent);
    env.add_function("storage_class", |class: String| {
        if class == "-" {
            "\"\"".to_string()
        } else {
            go_quote(&class)
        }
    });
    env.add_function(
        "secret_value",
        move |secret: String, key: String, value: String| {
            secret_value(&objects, &namespace, &secret, &key, &value)
        },
    );
    Ok(env)
}

/// The chart's `opennebula.secretValue`: the given value, else the value the
/// existing Secret holds, else 32 random alphanumerics; base64, quoted.
fn secret_value(
    objects: &Objects,
    namespace: &str,
    secret: &str,
    key: &str,
    value: &str,
) -> String {
    if !value.is_empty() {
        return go_quote(&base64::engine::general_purpose::STANDARD.encode(value));
    }
    let existing = objects.get("v1", "Secret", namespace, secret);
    if let Some(Value::Map(data)) = existing.get("data") {
        if let Some(v) = data.get(key) {
            return go_quote(&v.go_string());
        }
    }
    let random: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    go_quote(&base64::engine::general_purpose::STANDARD.encode(random))
}

/// Everything the templates read.
#[derive(Debug, Serialize)]
struct Context {
    release: Release,
    chart: ChartContext,
    values: Values,
    names: Names,
    labels: String,
    selector_labels: String,
    image: String,
    has_grpc: bool,
    database: Database,
    hostname: String,
    monitor_address: String,
    monitor_port: String,
    /// `opennebula.databaseEnv`: the env of the database step, one YAML list.
    database_env: String,
    onegate_endpoint: String,
    ingress_tls_secret: String,
    mariadb_image: String,
    tests_image: String,
    oned_url: String,
    fireedge_url: String,
    checksums: Checksums,
    backup: BackupContext,
    /// The PromQL label matchers of the main Service's scrape job (`job="…", namespace="…"`).
    metrics_selector: String,
    /// chart/files/grafana-dashboard.json without its final newline.
    grafana_dashboard: &'static str,
}

/// What the backup templates need beyond the values.
#[derive(Debug, Serialize)]
struct BackupContext {
    /// chart/files/backup.sh without its final newline.
    script: &'static str,
    /// The claim the backups are written to.
    claim: String,
    /// The backup job mounts the OpenNebula data volume (to save .one and .ssh): it is a
    /// PersistentVolumeClaim that a second pod may mount.
    mounts_data: bool,
    /// The job must then run on the OpenNebula pod's node (a ReadWriteOnce volume).
    follows_pod: bool,
}

#[derive(Debug, Serialize)]
struct ChartContext {
    name: String,
    version: String,
    app_version: String,
}

#[derive(Debug, Serialize)]
struct Database {
    host: String,
    port: String,
    name: String,
    user: String,
    secret_name: String,
    secret_key: String,
}

#[derive(Debug, Default, Serialize)]
struct Checksums {
    config: String,
    mariadb_config: String,
    secret: String,
}

impl Context {
    fn new(release: &Release, chart: &Metadata, values: Values) -> Context {
        let names = Names::new(release, chart, &values);
        let tag = if values.image.tag.is_empty() {
            chart.app_version.clone()
        } else {
            values.image.tag.clone()
        };
        let mariadb = values.mariadb.enabled;
        let db = &values.external_database;
        let database = Database {
            host: if mariadb {
                names.mariadb.clone()
            } else {
                db.host.clone()
            },
            port: if mariadb {
                "3306".into()
            } else {
                db.port.to_string()
            },
            name: if mariadb {
                values.mariadb.auth.database.clone()
            } else {
                db.database.clone()
            },
            user: if mariadb {
                values.mariadb.auth.username.clone()
            } else {
                db.username.clone()
            },
            secret_name: if mariadb {
                if values.mariadb.auth.existing_secret.is_empty() {
                    names.mariadb.clone()
                } else {
                    values.mariadb.auth.existing_secret.clone()
                }
            } else if !db.existing_secret.is_empty() {
                db.existing_secret.clone()
            } else {
                format!("{}-external-db", names.fullname)
            },
            secret_key: if !mariadb && !db.existing_secret.is_empty() {
                db.existing_secret_password_key.clone()
            } else {
                "mariadb-password".into()
            },
        };
        let lb_ip = if values.hypervisor_service.enabled {
            values.hypervisor_service.load_balancer_ip.clone()
        } else {
            String::new()
        };
        let monitor_address = monitor_address(&values);
        let database_env = database_env(&database);
        let onegate_endpoint = if !values.opennebula.onegate_endpoint.is_empty() {
            values.opennebula.onegate_endpoint.clone()
        } else if !lb_ip.is_empty() {
            format!("http://{lb_ip}:5030")
        } else {
            String::new()
        };
        let hostname = if values.opennebula.hostname.is_empty() {
            let domain = if values.cluster_domain.is_empty() {
                "cluster.local"
            } else {
                values.cluster_domain.as_str()
            };
            format!(
                "{}-0.{}.{}.svc.{domain}",
                names.statefulset, names.headless, release.namespace
            )
        } else {
            values.opennebula.hostname.clone()
        };
        let mounts_data = values.persistence.enabled
            && values.persistence.access_mode != values::AccessMode::ReadWriteOncePod;
        let backup = BackupContext {
            script: chart::text_file("files/backup.sh"),
            claim: if values.backup.persistence.existing_claim.is_empty() {
                names.backup.clone()
            } else {
                values.backup.persistence.existing_claim.clone()
            },
            mounts_data,
            follows_pod: mounts_data
                && values.persistence.access_mode == values::AccessMode::ReadWriteOnce,
        };
        Context {
            release: release.clone(),
            chart: ChartContext {
                name: chart.name.clone(),
                version: chart.version.clone(),
                app_version: chart.app_version.clone(),
            },
            labels: names.labels(release, chart),
            selector_labels: names.selector_labels(release),
            image: format!("{}:{tag}", values.image.repository),
            has_grpc: has_grpc(&tag),
            database,
            hostname,
            monitor_address,
            monitor_port: monitor_port(&values).to_string(),
            database_env,
            onegate_endpoint,
            ingress_tls_secret: if values.ingress.tls.secret_name.is_empty() {
                format!("{}-tls", names.fullname)
            } else {
                values.ingress.tls.secret_name.clone()
            },
            mariadb_image: format!(
                "{}:{}",
                values.mariadb.image.repository, values.mariadb.image.tag
            ),
            tests_image: format!(
                "{}:{}",
                values.tests.image.repository, values.tests.image.tag
            ),
            oned_url: format!("http://{}:2633/RPC2", names.fullname),
            fireedge_url: format!("http://{}:2616/", names.fullname),
            checksums: Checksums::default(),
            backup,
            metrics_selector: format!(
                "job={}, namespace={}",
                go_quote(&names.fullname),
                go_quote(&release.namespace)
            ),
            grafana_dashboard: chart::text_file("files/grafana-dashboard.json"),
            names,
            values,
        }
    }
}

/// `opennebula.databaseEnv`: the database and the password files, given to
/// the `database` init container and the OpenNebula container alike.
fn database_env(database: &Database) -> String {
    format!(
        "- name: ONEADMIN_PASSWORD_FILE\n  value: {SECRETS_DIR}/oneadmin-password\n\
         - name: DB_BACKEND\n  value: mysql\n\
         - name: DB_HOST\n  value: {}\n\
         - name: DB_PORT\n  value: {}\n\
         - name: DB_NAME\n  value: {}\n\
         - name: DB_USER\n  value: {}\n\
         - name: DB_PASSWORD_FILE\n  value: {SECRETS_DIR}/db-password",
        go_quote(&database.host),
        go_quote(&database.port),
        go_quote(&database.name),
        go_quote(&database.user),
    )
}

/// Where the projected `secrets` volume is mounted in both containers.
const SECRETS_DIR: &str = "/etc/onechart/secrets";

/// `opennebula.hasGrpc`: OpenNebula 7.2 and later serve gRPC on 2634; a tag
/// that does not start with a version counts as the newest line.
fn has_grpc(tag: &str) -> bool {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    let digits = |s: &str| -> Option<(u64, usize)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            None
        } else {
            s[..n].parse().ok().map(|v| (v, n))
        }
    };
    let Some((major, n)) = digits(t) else {
        return true;
    };
    let rest = &t[n..];
    let Some(rest) = rest.strip_prefix('.') else {
        return true;
    };
    let Some((minor, _)) = digits(rest) else {
        return true;
    };
    major > 7 || (major == 7 && minor >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_from_7_2() {
        assert!(!has_grpc("7.0.0"));
        assert!(!has_grpc("7.0.2-1"));
        assert!(has_grpc("7.2.0"));
        assert!(has_grpc("v7.4.1"));
        assert!(has_grpc("8.0"));
        assert!(has_grpc("latest"));
        assert!(has_grpc("7"));
    }

    #[test]
    fn external_database_needs_host_and_password() {
        let opts = |set: &[&str]| Options {
            sources: values::Sources {
                set: set.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            ..Default::default()
        };
        let err = render(&opts(&["mariadb.enabled=false"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "externalDatabase.host is required when mariadb.enabled is false"
        );
        let err = render(&opts(&[
            "mariadb.enabled=false",
            "externalDatabase.host=db",
        ]))
        .unwrap_err();
        assert!(err.to_string().starts_with("externalDatabase.password"));
        assert!(render(&opts(&[
            "mariadb.enabled=false",
            "externalDatabase.host=db",
            "externalDatabase.password=x"
        ]))
        .is_ok());
    }

    fn render_set(set: &[&str]) -> Result<String> {
        render(&Options {
            sources: values::Sources {
                set: set.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    /// The StatefulSet of the OpenNebula pod in a rendered output.
    fn statefulset(output: &str) -> &str {
        output
            .split("\n---\n")
            .find(|d| d.starts_with("# Source: opennebula/templates/statefulset.yaml"))
            .expect("the StatefulSet")
    }

    #[test]
    fn admin_passwords_oned_refuses_are_refused() {
        let message = "opennebula.adminPassword must have at most 256 bytes and no blank (space, tab, line break): oned refuses such a password";
        let long = format!("opennebula.adminPassword={}", "x".repeat(257));
        for set in [
            "opennebula.adminPassword=two words",
            "opennebula.adminPassword=tab\there",
            "opennebula.adminPassword=form\x0cfeed",
            long.as_str(),
        ] {
            let err = render_set(&[set]).unwrap_err().to_string();
            assert_eq!(err, message, "{set:?}");
            assert!(
                !err.contains("words") && !err.contains("xxx"),
                "no password in the message"
            );
        }
        let longest = format!("opennebula.adminPassword={}", "x".repeat(256));
        for set in [
            longest.as_str(),
            "opennebula.adminPassword=q'uo\"te$(id)#%;--",
        ] {
            render_set(&[set]).unwrap_or_else(|e| panic!("{set:?}: {e}"));
        }
    }

    #[test]
    fn hypervisors_outside_the_cluster_need_an_explicit_monitor_address() {
        let load_balancer = "hypervisorService.enabled needs an explicit address (not auto) hypervisors send monitoring to: set opennebula.monitorAddress or hypervisorService.loadBalancerIP";
        let node_port = "hypervisorService.type NodePort needs opennebula.monitorAddress (a node address the hypervisors reach, not auto) and hypervisorService.nodePorts.monitord (the port monitord listens on and advertises)";
        let refused: &[(&[&str], &str)] = &[
            (&["hypervisorService.enabled=true"], load_balancer),
            (
                &[
                    "hypervisorService.enabled=true",
                    "hypervisorService.loadBalancerIP=203.0.113.7",
                    "opennebula.monitorAddress=auto",
                ],
                load_balancer,
            ),
            (
                &[
                    "hypervisorService.enabled=true",
                    "hypervisorService.type=NodePort",
                    "opennebula.monitorAddress=192.0.2.20",
                ],
                node_port,
            ),
            (
                &[
                    "hypervisorService.enabled=true",
                    "hypervisorService.type=NodePort",
                    "hypervisorService.nodePorts.monitord=0",
                    "opennebula.monitorAddress=192.0.2.20",
                ],
                node_port,
            ),
            // A load balancer IP is no node address.
            (
                &[
                    "hypervisorService.enabled=true",
                    "hypervisorService.type=NodePort",
                    "hypervisorService.nodePorts.monitord=30124",
                    "hypervisorService.loadBalancerIP=203.0.113.7",
                ],
                node_port,
            ),
        ];
        for (set, message) in refused {
            let err = render_set(set).unwrap_err().to_string();
            assert_eq!(&err, message, "{set:?}");
        }
        for set in [
            &[
                "hypervisorService.enabled=true",
                "hypervisorService.loadBalancerIP=203.0.113.7",
            ][..],
            &[
                "hypervisorService.enabled=true",
                "opennebula.monitorAddress=one.example.com",
            ],
            &[
                "hypervisorService.enabled=true",
                "hypervisorService.type=NodePort",
                "hypervisorService.nodePorts.monitord=30124",
                "opennebula.monitorAddress=192.0.2.20",
            ],
            // In the cluster, "auto" is the pod's address.
            &[
                "hypervisorService.type=NodePort",
                "opennebula.monitorAddress=auto",
            ],
        ] {
            assert!(render_set(set).is_ok(), "{set:?}");
        }
    }

    #[test]
    fn monitord_listens_on_and_advertises_the_reachable_port() {
        let port_lines = |output: &str| -> Vec<String> {
            statefulset(output)
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .windows(2)
                .filter(|w| {
                    w[0].starts_with("- name: monitord-")
                        || w[0] == "- name: OPENNEBULA_MONITOR_PORT"
                })
                .map(|w| w[1].to_string())
                .collect()
        };
        let default = render_set(&[]).unwrap();
        assert_eq!(
            port_lines(&default),
            [
                "containerPort: 4124",
                "containerPort: 4124",
                "value: \"4124\""
            ]
        );
        let node_port = render_set(&[
            "hypervisorService.enabled=true",
            "hypervisorService.type=NodePort",
            "hypervisorService.nodePorts.monitord=30124",
            "opennebula.monitorAddress=192.0.2.20",
        ])
        .unwrap();
        assert_eq!(
            port_lines(&node_port),
            [
                "containerPort: 30124",
                "containerPort: 30124",
                "value: \"30124\""
            ]
        );
    }

    #[test]
    fn passwords_reach_the_pod_as_files_only() {
        let output = render_set(&[
            "opennebula.adminPassword=Secret-1",
            "mariadb.auth.password=Secret-2",
        ])
        .unwrap();
        let sts = statefulset(&output);
        assert!(!sts.contains("secretKeyRef"), "{sts}");
        assert!(!sts.contains("- name: ONEADMIN_PASSWORD\n"), "{sts}");
        assert!(!sts.contains("- name: DB_PASSWORD\n"), "{sts}");
        // Both containers: the database init container and OpenNebula.
        assert_eq!(sts.matches("- name: ONEADMIN_PASSWORD_FILE\n").count(), 2);
        assert_eq!(sts.matches("- name: DB_PASSWORD_FILE\n").count(), 2);
        assert_eq!(
            sts.matches("- name: secrets\n              mountPath: /etc/onechart/secrets\n              readOnly: true\n").count(),
            2
        );
        assert!(sts.contains(
            "\n        - name: secrets\n          projected:\n            defaultMode: 0400\n"
        ));
    }

    #[test]
    fn the_default_hostname_uses_the_cluster_domain() {
        let hostname = |set: &[&str]| {
            let output = render_set(set).unwrap();
            let sts = statefulset(&output);
            let at = sts.find("- name: OPENNEBULA_HOSTNAME\n").unwrap();
            sts[at..].lines().nth(1).unwrap().trim().to_string()
        };
        assert_eq!(
            hostname(&[]),
            "value: \"release-name-opennebula-0.release-name-opennebula-headless.default.svc.cluster.local\""
        );
        assert_eq!(
            hostname(&["clusterDomain=k8s.example"]),
            "value: \"release-name-opennebula-0.release-name-opennebula-headless.default.svc.k8s.example\""
        );
    }

    #[test]
    fn generated_passwords_are_32_alphanumerics() {
        let quoted = secret_value(&Objects::none(), "ns", "s", "k", "");
        let b64 = quoted.trim_matches('"');
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(raw.len(), 32);
        assert!(raw.iter().all(u8::is_ascii_alphanumeric));
    }
}
