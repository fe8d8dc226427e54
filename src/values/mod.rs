//! The chart's values: where they come from (defaults, `-f` files, `--set`),
//! how they combine (as in Helm), and their shape.
//!
//! The structs below are the single source of the values' shape (and of
//! chart/values.schema.json): they deny unknown keys, so a misspelt or
//! mistyped key fails before anything renders. Scalars, lists and free-form
//! maps have a default (a `null` deletes them, as in Helm); keys holding a
//! struct are required, because the chart's templates read below them.
//! Free-form Kubernetes fragments (resources, affinity, extra volumes, ...)
//! stay [`Value`]s and are printed with Helm's `toYaml`.

mod check;
pub mod merge;
pub mod set;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fsutil;
use crate::yaml::{load, Map, Value};

pub use check::{closest, shown, typed};

/// Where the user's values come from, in Helm's order of precedence.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// `-f` files (`-` is standard input), merged in order.
    pub files: Vec<PathBuf>,
    /// `--set` arguments.
    pub set: Vec<String>,
    /// `--set-string` arguments (applied after every `--set`, as Helm does).
    pub set_string: Vec<String>,
}

/// Reads and combines the values as `helm template` does: the user's values
/// (files, then `--set`, then `--set-string`) coalesced over the defaults.
pub fn combine(defaults: &Map, sources: &Sources) -> Result<Map> {
    let mut user = Map::new();
    for path in &sources.files {
        let text = read_source(path)?;
        let map =
            load::load_values(&text).with_context(|| format!("values file {}", path.display()))?;
        merge::merge_maps(&mut user, map);
    }
    // Errors name the argument by its number, never by its text (a
    // password is a value of --set).
    for (i, arg) in sources.set.iter().enumerate() {
        set::parse_into(arg, &mut user, false)
            .with_context(|| format!("failed parsing --set data: --set #{}", i + 1))?;
    }
    for (i, arg) in sources.set_string.iter().enumerate() {
        set::parse_into(arg, &mut user, true).with_context(|| {
            format!("failed parsing --set-string data: --set-string #{}", i + 1)
        })?;
    }
    Ok(merge::coalesce(user, defaults))
}

/// A values file's text (`-` is standard input), at most
/// [`fsutil::INPUT_LIMIT`] bytes.
fn read_source(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        return fsutil::read_to_string(std::io::stdin(), fsutil::INPUT_LIMIT)
            .context("reading values from standard input");
    }
    fsutil::read_file_to_string(path, fsutil::INPUT_LIMIT)
        .with_context(|| format!("reading values file {}", path.display()))
}

/// A map of strings (labels, annotations, node selectors).
pub type StringMap = indexmap::IndexMap<String, String>;

/// The values of the opennebula chart (chart/values.yaml documents each key).
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Values {
    /// Replaces the chart name ("opennebula") in resource names and labels.
    #[serde(default)]
    pub name_override: String,
    /// Replaces the generated "<release>-opennebula" prefix of every resource name.
    #[serde(default)]
    pub fullname_override: String,
    /// The cluster's DNS domain, the suffix of the default opennebula.hostname
    /// (`<statefulset>-0.<headless Service>.<namespace>.svc.<clusterDomain>`). Empty:
    /// cluster.local.
    #[serde(default)]
    pub cluster_domain: String,
    /// The all-in-one OpenNebula image (oned, scheduler, monitord, FireEdge, OneFlow, OneGate,
    /// HEM, guacd under supervisord) built from this repository's Dockerfile. An empty tag is the
    /// chart's appVersion; tags of the 7.0, 7.2 and 7.4 lines are supported.
    pub image: Image,
    /// Secrets (`- name: regcred`) used to pull the images of every pod.
    #[serde(default)]
    pub image_pull_secrets: Vec<Value>,
    /// The OpenNebula front-end: admin password, hostnames and configuration files.
    pub opennebula: OpenNebula,
    /// The chart's own MariaDB (official `mariadb` image).
    pub mariadb: MariaDb,
    /// The MySQL/MariaDB server used when mariadb.enabled is false.
    pub external_database: ExternalDatabase,
    /// The /var/lib/one volume (datastores, keys, remotes).
    pub persistence: Persistence,
    /// The main Service (oned, FireEdge, OneFlow, OneGate, monitord).
    pub service: Service,
    /// `<fullname>-hypervisor`, the Service external KVM hosts and their VMs reach: oned,
    /// monitord (TCP and UDP), OneGate and the front-end's SSH.
    pub hypervisor_service: HypervisorService,
    /// An Ingress for FireEdge (the Sunstone web UI).
    pub ingress: Ingress,
    /// oneadmin's SSH key pair.
    pub ssh: Ssh,
    /// The ServiceAccount of the pods.
    pub service_account: ServiceAccount,
    /// Annotations added to the OpenNebula pod.
    #[serde(default)]
    pub pod_annotations: StringMap,
    /// Labels added to the OpenNebula pod.
    #[serde(default)]
    pub pod_labels: StringMap,
    /// The priorityClassName of the OpenNebula and MariaDB pods.
    #[serde(default)]
    pub priority_class_name: String,
    /// Seconds the OpenNebula pod gets to stop after SIGTERM before the kubelet kills it. It must
    /// exceed the image's worst-case ordered stop: supervisord stops its groups one after the
    /// other, each for at most its largest `stopwaitsecs` (image/supervisord.conf).
    #[serde(default)]
    pub termination_grace_period_seconds: u32,
    /// The securityContext of the OpenNebula pod; fsGroup 9869 is oneadmin's group.
    #[serde(default)]
    pub pod_security_context: Map,
    /// The securityContext of the OpenNebula containers.
    #[serde(default)]
    pub security_context: Map,
    /// The requests and limits of the OpenNebula container and of its `database` init container.
    #[serde(default)]
    pub resources: Map,
    /// The nodeSelector of the OpenNebula pod.
    #[serde(default)]
    pub node_selector: StringMap,
    /// The tolerations of the OpenNebula pod.
    #[serde(default)]
    pub tolerations: Vec<Value>,
    /// The affinity of the OpenNebula pod.
    #[serde(default)]
    pub affinity: Map,
    /// Environment variables (`- name: X` / `value: y`) added to the OpenNebula container.
    #[serde(default)]
    pub extra_env: Vec<Value>,
    /// Volumes added to the OpenNebula pod.
    #[serde(default)]
    pub extra_volumes: Vec<Value>,
    /// Volume mounts added to the OpenNebula container.
    #[serde(default)]
    pub extra_volume_mounts: Vec<Value>,
    /// Lets oned start (its first start bootstraps the database) before the liveness probe counts;
    /// database upgrades run before, in the `database` init container, which no probe watches.
    /// Every probe runs `onechart-healthcheck oned`, a call to oned's XML-RPC as oneadmin.
    pub startup_probe: Probe,
    /// Restarts the pod when oned stops answering.
    pub liveness_probe: Probe,
    /// Marks the pod ready when oned answers (FireEdge is not needed: hypervisors and VMs keep
    /// reaching monitord and OneGate when the web UI fails).
    pub readiness_probe: Probe,
    /// The `helm test` pod (one.system.version on oned, then FireEdge).
    pub tests: Tests,
    /// Scheduled backups of the OpenNebula database and of the state files of /var/lib/one (see
    /// chart/README.md, "Backups", for the restore).
    pub backup: Backup,
    /// OpenNebula's Prometheus exporter and what uses it: ServiceMonitor, alerts, dashboard.
    pub metrics: Metrics,
    /// NetworkPolicies of the OpenNebula and MariaDB pods.
    pub network_policy: NetworkPolicy,
}

/// A container image.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    /// The image repository.
    #[serde(default)]
    pub repository: String,
    /// The image tag.
    #[serde(default)]
    pub tag: String,
    /// The Kubernetes image pull policy.
    #[serde(default)]
    pub pull_policy: PullPolicy,
}

/// A Kubernetes image pull policy.
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
pub enum PullPolicy {
    Always,
    #[default]
    IfNotPresent,
    Never,
}

/// The OpenNebula front-end.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OpenNebula {
    /// The oneadmin password. Empty: the password already stored in the credentials Secret is
    /// kept, else 32 random alphanumerics are generated on first install. Changing it later does
    /// not change the password inside OpenNebula (use `oneuser passwd`). At most 256 bytes and no
    /// blank (space, tab, line break): oned refuses those.
    #[serde(default)]
    pub admin_password: String,
    /// A Secret with the key `oneadmin-password` to use instead of the chart's
    /// `<fullname>-credentials` Secret.
    #[serde(default)]
    pub existing_secret: String,
    /// oned.conf's HOSTNAME, the name hypervisors use to reach the front-end. Empty: the pod's
    /// FQDN through the headless Service; "auto": leave oned.conf unchanged.
    #[serde(default)]
    pub hostname: String,
    /// monitord.conf's MONITOR_ADDRESS, the address hypervisors send monitoring data to. Empty:
    /// hypervisorService.loadBalancerIP when set, else "auto" (the address the hypervisors' SSH
    /// connections come from: only right for hypervisors inside the cluster). Required with
    /// hypervisorService type NodePort (a node address the hypervisors reach).
    #[serde(default)]
    pub monitor_address: String,
    /// oned.conf's ONEGATE_ENDPOINT, the OneGate URL given to VMs. Empty:
    /// http://<hypervisorService.loadBalancerIP>:5030 when that IP is set, else unset.
    #[serde(default)]
    pub onegate_endpoint: String,
    /// Settings the image's entrypoint applies to OpenNebula's configuration files on every start
    /// (see chart/README.md for the exact rules).
    pub config: OpenNebulaConfig,
}

/// Settings the image's entrypoint applies to each configuration file.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenNebulaConfig {
    /// Attributes of /etc/one/oned.conf, e.g. `DEFAULT_COST: {CPU_COST: 0}`.
    #[serde(default)]
    pub oned: Map,
    /// Attributes of /etc/one/monitord.conf.
    #[serde(default)]
    pub monitord: Map,
    /// Keys deep-merged into /etc/one/fireedge-server.conf.
    #[serde(default)]
    pub fireedge: Map,
    /// Keys deep-merged into /etc/one/oneflow-server.conf.
    #[serde(default)]
    pub oneflow: Map,
    /// Keys deep-merged into /etc/one/onegate-server.conf.
    #[serde(default)]
    pub onegate: Map,
}

/// The chart's own MariaDB.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDb {
    /// Deploys the chart's own MariaDB (official `mariadb` image). Set it to false to use
    /// externalDatabase instead.
    #[serde(default)]
    pub enabled: bool,
    /// The official MariaDB image; the tag pins a MariaDB LTS release.
    pub image: Image,
    /// The database, its user and the passwords.
    pub auth: MariaDbAuth,
    /// The MariaDB server's volume and resources.
    pub primary: MariaDbPrimary,
}

/// MariaDB's database, user and passwords.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDbAuth {
    /// The database OpenNebula uses.
    #[serde(default)]
    pub database: String,
    /// The database user OpenNebula connects as.
    #[serde(default)]
    pub username: String,
    /// That user's password. Empty: kept from the existing Secret, else generated.
    #[serde(default)]
    pub password: String,
    /// MariaDB's root password. Empty: kept from the existing Secret, else generated.
    #[serde(default)]
    pub root_password: String,
    /// A Secret with the keys `mariadb-password` and `mariadb-root-password` to use instead of the
    /// chart's `<fullname>-mariadb` Secret.
    #[serde(default)]
    pub existing_secret: String,
}

/// The MariaDB server.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDbPrimary {
    /// The database volume.
    pub persistence: MariaDbPersistence,
    /// The MariaDB container's requests and limits.
    #[serde(default)]
    pub resources: Map,
}

/// The database volume.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDbPersistence {
    /// Keeps the database on a PersistentVolumeClaim; false uses an emptyDir (data lost with the
    /// pod).
    #[serde(default)]
    pub enabled: bool,
    /// The size of the database volume.
    #[serde(default)]
    pub size: String,
    /// The storage class of the database volume ("" = cluster default, "-" = no storage class).
    #[serde(default)]
    pub storage_class: String,
}

/// An external MySQL/MariaDB server.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalDatabase {
    /// The MySQL/MariaDB server, required when mariadb.enabled is false.
    #[serde(default)]
    pub host: String,
    /// The server's port.
    #[serde(default)]
    pub port: u16,
    /// The database name.
    #[serde(default)]
    pub database: String,
    /// The user OpenNebula connects as.
    #[serde(default)]
    pub username: String,
    /// That user's password (required unless existingSecret is set).
    #[serde(default)]
    pub password: String,
    /// A Secret that holds the password.
    #[serde(default)]
    pub existing_secret: String,
    /// The key of the password in existingSecret.
    #[serde(default)]
    pub existing_secret_password_key: String,
}

/// The /var/lib/one volume.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Persistence {
    /// Keeps /var/lib/one (datastores, keys, remotes) on a PersistentVolumeClaim; false uses an
    /// emptyDir (everything lost with the pod).
    #[serde(default)]
    pub enabled: bool,
    /// The size of the /var/lib/one volume.
    #[serde(default)]
    pub size: String,
    /// The storage class of the volume ("" = cluster default, "-" = no storage class).
    #[serde(default)]
    pub storage_class: String,
    /// The access mode of the volume.
    #[serde(default)]
    pub access_mode: AccessMode,
}

/// A PersistentVolumeClaim access mode.
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
pub enum AccessMode {
    #[default]
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

/// The main Service.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    /// The type of the main Service.
    #[serde(rename = "type", default)]
    pub kind: ServiceType,
    /// Annotations added to the main Service.
    #[serde(default)]
    pub annotations: StringMap,
}

/// The type of the main Service.
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    NodePort,
    LoadBalancer,
}

/// The Service external KVM hosts and their VMs reach.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HypervisorService {
    /// Creates `<fullname>-hypervisor`: oned, monitord (TCP and UDP), OneGate and SSH (22). It
    /// means hypervisors live outside the cluster, so the monitor address must be explicit:
    /// opennebula.monitorAddress or loadBalancerIP (LoadBalancer); with NodePort,
    /// opennebula.monitorAddress and nodePorts.monitord.
    #[serde(default)]
    pub enabled: bool,
    /// LoadBalancer or NodePort.
    #[serde(rename = "type", default)]
    pub kind: HypervisorServiceType,
    /// Annotations added to that Service (e.g. for a fixed cloud LB).
    #[serde(default)]
    pub annotations: StringMap,
    /// Requests a fixed IP; it also becomes the default monitorAddress and OneGate endpoint.
    #[serde(rename = "loadBalancerIP", default)]
    pub load_balancer_ip: String,
    /// Fixed node ports; empty picks one.
    pub node_ports: NodePorts,
}

/// The type of the hypervisor Service.
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
pub enum HypervisorServiceType {
    #[default]
    LoadBalancer,
    NodePort,
}

/// The hypervisor Service's node ports.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePorts {
    /// The node port of oned (2633); empty picks one.
    #[serde(default)]
    pub oned: Option<u16>,
    /// The node port of monitord (TCP and UDP), required with type NodePort: monitord listens on
    /// this port too and tells the hypervisors to send to it.
    #[serde(default)]
    pub monitord: Option<u16>,
    /// The node port of OneGate (5030); empty picks one.
    #[serde(default)]
    pub onegate: Option<u16>,
    /// The node port of the front-end's sshd (22); empty picks one.
    #[serde(default)]
    pub ssh: Option<u16>,
}

/// The Ingress of FireEdge.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ingress {
    /// Exposes FireEdge (the Sunstone web UI) through an Ingress.
    #[serde(default)]
    pub enabled: bool,
    /// The IngressClass to use ("" = cluster default).
    #[serde(default)]
    pub class_name: String,
    /// Annotations added to the Ingress.
    #[serde(default)]
    pub annotations: StringMap,
    /// The host FireEdge is served on.
    #[serde(default)]
    pub hostname: String,
    /// The HTTP path routed to FireEdge.
    #[serde(default)]
    pub path: String,
    /// Prefix, Exact or ImplementationSpecific.
    #[serde(default)]
    pub path_type: PathType,
    /// TLS for the hostname.
    pub tls: IngressTls,
}

/// An Ingress path type.
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
pub enum PathType {
    #[default]
    Prefix,
    Exact,
    ImplementationSpecific,
}

/// TLS of the Ingress.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressTls {
    /// Serves the hostname over TLS.
    #[serde(default)]
    pub enabled: bool,
    /// The TLS Secret (default "<fullname>-tls").
    #[serde(default)]
    pub secret_name: String,
}

/// oneadmin's SSH key pair.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ssh {
    /// oneadmin's private SSH key in plain text (the chart encodes it). Empty with no
    /// existingSecret: the image generates a key on first start.
    #[serde(default)]
    pub private_key: String,
    /// The matching public key in plain text.
    #[serde(default)]
    pub public_key: String,
    /// A Secret with the keys `id_rsa` and `id_rsa.pub` instead.
    #[serde(default)]
    pub existing_secret: String,
}

/// The pods' ServiceAccount.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccount {
    /// Creates a ServiceAccount for the pods.
    #[serde(default)]
    pub create: bool,
    /// The ServiceAccount to use; empty and create=true: the fullname.
    #[serde(default)]
    pub name: String,
    /// Annotations added to the ServiceAccount.
    #[serde(default)]
    pub annotations: StringMap,
}

/// A probe of oned.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    /// Whether the probe is set.
    #[serde(default)]
    pub enabled: bool,
    /// Seconds between checks.
    #[serde(default)]
    pub period_seconds: u32,
    /// Seconds one check may take.
    #[serde(default)]
    pub timeout_seconds: u32,
    /// Failed checks before the probe gives up.
    #[serde(default)]
    pub failure_threshold: u32,
}

/// The `helm test` pod.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tests {
    /// Renders the `helm test` pod (one.system.version on oned, then FireEdge).
    #[serde(default)]
    pub enabled: bool,
    /// The image of the test pod (needs sh and curl).
    pub image: Image,
}

/// Scheduled backups.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Backup {
    /// A CronJob that dumps the database (mariadb-dump of the MariaDB image, one consistent
    /// transaction), with /var/lib/one/.one and .ssh when the data volume can be shared, to the
    /// backup volume.
    #[serde(default)]
    pub enabled: bool,
    /// When backups run (cron syntax, in the kube-controller-manager's time zone).
    #[serde(default)]
    pub schedule: String,
    /// The number of backups kept, at least 1: after each successful backup the older ones are
    /// deleted.
    #[serde(default)]
    pub retention: u16,
    /// The volume the backups are written to.
    pub persistence: BackupPersistence,
    /// The backup container's requests and limits.
    #[serde(default)]
    pub resources: Map,
}

/// The backup volume.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackupPersistence {
    /// The size of the `<fullname>-backup` PersistentVolumeClaim.
    #[serde(default)]
    pub size: String,
    /// Its storage class ("" = cluster default, "-" = no storage class).
    #[serde(default)]
    pub storage_class: String,
    /// An existing PersistentVolumeClaim to use instead (the chart then creates none).
    #[serde(default)]
    pub existing_claim: String,
}

/// OpenNebula's Prometheus exporter and its consumers.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metrics {
    /// Runs OpenNebula's Prometheus exporter (opennebula-exporter, port 9925) in the OpenNebula
    /// container and publishes it as the `metrics` port of the main Service.
    #[serde(default)]
    pub enabled: bool,
    /// A ServiceMonitor (monitoring.coreos.com/v1) for the Prometheus Operator.
    pub service_monitor: ServiceMonitor,
    /// A PrometheusRule (monitoring.coreos.com/v1) with alerts on oned, hosts, datastores and VMs.
    pub prometheus_rule: PrometheusRule,
    /// A Grafana dashboard in a ConfigMap labelled `grafana_dashboard: "1"` for Grafana's sidecar.
    pub grafana_dashboard: GrafanaDashboard,
}

/// The ServiceMonitor.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceMonitor {
    /// Renders the ServiceMonitor (needs metrics.enabled).
    #[serde(default)]
    pub enabled: bool,
    /// The namespace of the ServiceMonitor ("" = the release's); it selects the Service in the
    /// release's namespace either way.
    #[serde(default)]
    pub namespace: String,
    /// Labels added to the ServiceMonitor, e.g. the one your Prometheus selects
    /// (`release: kube-prometheus-stack`).
    #[serde(default)]
    pub labels: StringMap,
    /// How often Prometheus scrapes; every scrape makes the exporter read the host, datastore and
    /// VM pools from oned.
    #[serde(default)]
    pub interval: String,
    /// How long one scrape may take ("" = Prometheus' default).
    #[serde(default)]
    pub scrape_timeout: String,
    /// Relabelings applied to the target's labels before scraping.
    #[serde(default)]
    pub relabelings: Vec<Value>,
    /// Relabelings applied to the scraped samples.
    #[serde(default)]
    pub metric_relabelings: Vec<Value>,
}

/// The PrometheusRule.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrometheusRule {
    /// Renders the PrometheusRule (needs metrics.enabled; the rules select the ServiceMonitor's
    /// job, the main Service's name).
    #[serde(default)]
    pub enabled: bool,
    /// The namespace of the PrometheusRule ("" = the release's).
    #[serde(default)]
    pub namespace: String,
    /// Labels added to the PrometheusRule, e.g. the one your Prometheus selects rules by.
    #[serde(default)]
    pub labels: StringMap,
}

/// The Grafana dashboard.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrafanaDashboard {
    /// Renders the dashboard's ConfigMap (needs metrics.enabled).
    #[serde(default)]
    pub enabled: bool,
    /// The namespace of the ConfigMap ("" = the release's), e.g. the one Grafana's sidecar
    /// watches.
    #[serde(default)]
    pub namespace: String,
    /// Labels added to the ConfigMap besides `grafana_dashboard: "1"`.
    #[serde(default)]
    pub labels: StringMap,
    /// Annotations added to the ConfigMap, e.g. `grafana_folder: OpenNebula` for the sidecar's
    /// folder annotation.
    #[serde(default)]
    pub annotations: StringMap,
}

/// The NetworkPolicies.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkPolicy {
    /// Renders NetworkPolicies: the chart's MariaDB accepts only the OpenNebula pod and the backup
    /// job; the OpenNebula pod accepts its client ports from the release's namespace and
    /// ingressFrom, and the hypervisor ports from hypervisorCIDRs.
    #[serde(default)]
    pub enabled: bool,
    /// NetworkPolicyPeers (podSelector, namespaceSelector, ipBlock) allowed, besides the pods of
    /// the release's namespace, to oned (2633), gRPC (2634), FireEdge (2616), OneFlow (2474),
    /// OneGate (5030) and the metrics port: e.g. the ingress controller's or Prometheus'
    /// namespace.
    #[serde(default)]
    pub ingress_from: Vec<Value>,
    /// CIDRs of the KVM hosts and of their VMs' networks outside the cluster: allowed to oned
    /// (2633), monitord (TCP and UDP), OneGate (5030) and SSH (22).
    #[serde(rename = "hypervisorCIDRs", default)]
    pub hypervisor_cidrs: Vec<String>,
    /// NetworkPolicy ingress rules (`from`, `ports`) appended as they are to the OpenNebula pod's
    /// policy.
    #[serde(default)]
    pub extra_ingress: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Map {
        load::load_values(crate::chart::VALUES_YAML).unwrap()
    }

    #[test]
    fn chart_defaults_are_valid() {
        let v = typed(defaults()).unwrap();
        assert!(v.mariadb.enabled);
        assert_eq!(v.external_database.port, 3306);
        assert_eq!(v.startup_probe.failure_threshold, 120);
        assert_eq!(v.cluster_domain, "cluster.local");
        assert_eq!(v.termination_grace_period_seconds, 180);
    }

    #[test]
    fn unknown_keys_name_their_path() {
        let mut values = defaults();
        set::parse_into("mariadb.enabeld=true", &mut values, false).unwrap();
        let err = typed(values).unwrap_err().to_string();
        assert!(
            err == "invalid values at `mariadb.enabeld`: unknown key, did you mean `mariadb.enabled`?",
            "{err}"
        );
    }

    #[test]
    fn wrong_types_name_their_path() {
        let mut values = defaults();
        set::parse_into("externalDatabase.port=abc", &mut values, false).unwrap();
        let err = typed(values).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid values at `externalDatabase.port`: expected an integer from 0 to 65535, found a string"
        );
    }

    #[test]
    fn unknown_keys_far_from_any_list_the_valid_ones() {
        let mut values = defaults();
        set::parse_into("mariadb.primary.replicas=2", &mut values, false).unwrap();
        let err = typed(values).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid values at `mariadb.primary.replicas`: unknown key; the keys of `mariadb.primary` are `persistence`, `resources`"
        );
        let mut values = defaults();
        set::parse_into("replicaCount=2", &mut values, false).unwrap();
        let err = typed(values).unwrap_err().to_string();
        assert!(err.starts_with("invalid values at `replicaCount`: unknown key; the keys at the top are `nameOverride`, "), "{err}");
    }

    #[test]
    fn passwords_never_show_in_messages() {
        let mut values = defaults();
        set::parse_into("mariadb.auth.rootPassword=123456", &mut values, false).unwrap();
        let err = typed(values).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid values at `mariadb.auth.rootPassword`: expected a string, found a number (quote it, or use --set-string)"
        );
    }

    /// A password set at the wrong key, or with the wrong type, is never
    /// shown: no message shows a string, nor a number where a string was
    /// expected.
    #[test]
    fn misplaced_passwords_never_show_in_messages() {
        for set in [
            "mariadb.auth=Hunter2Marker",
            "opennebula=Hunter2Marker",
            "persistence.enabled=Hunter2Marker",
            "externalDatabase.port=Hunter2Marker",
            "image.pullPolicy=Hunter2Marker",
            "image.pullPolicy=Alwayz",
            "service.type=Hunter2Marker",
            "tolerations=Hunter2Marker",
            "opennebula.adminPassword=9876543210",
            "image.tag=9876543210",
            "podAnnotations.a=9876543210",
            "podAnnotations=Hunter2Marker",
        ] {
            let mut values = defaults();
            set::parse_into(set, &mut values, false).unwrap();
            let err = typed(values).unwrap_err().to_string();
            assert!(
                !err.contains("Hunter2") && !err.contains("9876543210") && !err.contains("Alwayz"),
                "{set}: {err}"
            );
        }
    }

    #[test]
    fn deleted_maps_are_missing() {
        let mut values = Map::new();
        set::parse_into("ingress=null", &mut values, false).unwrap();
        let values = merge::coalesce(values, &defaults());
        let err = typed(values).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid values at `ingress`: the chart needs this key"),
            "{err}"
        );
    }
}
