//! The chart's values: where they come from (defaults, `-f` files, `--set`),
//! how they combine (as in Helm), and their shape.
//!
//! The structs below are the single source of the values' shape: they deny
//! unknown keys, so a misspelt or mistyped key fails before anything renders.
//! Free-form Kubernetes fragments (resources, affinity, extra volumes, ...)
//! stay [`Value`]s and are printed with Helm's `toYaml`.

pub mod merge;
pub mod set;

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::yaml::{load, Map, Value};

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
    for arg in &sources.set {
        set::parse_into(arg, &mut user, false)
            .with_context(|| format!("failed parsing --set data {arg:?}"))?;
    }
    for arg in &sources.set_string {
        set::parse_into(arg, &mut user, true)
            .with_context(|| format!("failed parsing --set-string data {arg:?}"))?;
    }
    Ok(merge::coalesce(user, defaults))
}

fn read_source(path: &PathBuf) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading values from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("reading values file {}", path.display()))
}

/// Turns combined values into [`Values`]; the error names the key path.
pub fn typed(values: &Map) -> Result<Values> {
    let root = Value::Map(values.clone());
    serde_path_to_error::deserialize(crate::yaml::de::Deserializer(&root)).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path == "." {
            anyhow::anyhow!("invalid values: {inner}")
        } else {
            anyhow::anyhow!("invalid values at `{path}`: {inner}")
        }
    })
}

/// A map of strings (labels, annotations, node selectors).
pub type StringMap = indexmap::IndexMap<String, String>;

/// The chart's values.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Values {
    pub name_override: String,
    pub fullname_override: String,
    pub image: Image,
    pub image_pull_secrets: Vec<Value>,
    pub opennebula: OpenNebula,
    pub mariadb: MariaDb,
    pub external_database: ExternalDatabase,
    pub persistence: Persistence,
    pub service: Service,
    pub hypervisor_service: HypervisorService,
    pub ingress: Ingress,
    pub ssh: Ssh,
    pub service_account: ServiceAccount,
    pub pod_annotations: StringMap,
    pub pod_labels: StringMap,
    pub priority_class_name: String,
    pub pod_security_context: Map,
    pub security_context: Map,
    pub resources: Map,
    pub node_selector: StringMap,
    pub tolerations: Vec<Value>,
    pub affinity: Map,
    pub extra_env: Vec<Value>,
    pub extra_volumes: Vec<Value>,
    pub extra_volume_mounts: Vec<Value>,
    pub startup_probe: Probe,
    pub liveness_probe: Probe,
    pub readiness_probe: Probe,
    pub tests: Tests,
}

/// A container image.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    pub repository: String,
    pub tag: String,
    pub pull_policy: PullPolicy,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub enum PullPolicy {
    Always,
    #[default]
    IfNotPresent,
    Never,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct OpenNebula {
    pub admin_password: String,
    pub existing_secret: String,
    pub hostname: String,
    pub monitor_address: String,
    pub onegate_endpoint: String,
    pub config: OpenNebulaConfig,
}

/// Settings the image's entrypoint applies to each configuration file.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenNebulaConfig {
    pub oned: Map,
    pub monitord: Map,
    pub fireedge: Map,
    pub oneflow: Map,
    pub onegate: Map,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDb {
    pub enabled: bool,
    pub image: Image,
    pub auth: MariaDbAuth,
    pub primary: MariaDbPrimary,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDbAuth {
    pub database: String,
    pub username: String,
    pub password: String,
    pub root_password: String,
    pub existing_secret: String,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDbPrimary {
    pub persistence: MariaDbPersistence,
    pub resources: Map,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct MariaDbPersistence {
    pub enabled: bool,
    pub size: String,
    pub storage_class: String,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalDatabase {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    pub password: String,
    pub existing_secret: String,
    pub existing_secret_password_key: String,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Persistence {
    pub enabled: bool,
    pub size: String,
    pub storage_class: String,
    pub access_mode: AccessMode,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub enum AccessMode {
    #[default]
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    #[serde(rename = "type")]
    pub kind: ServiceType,
    pub annotations: StringMap,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    NodePort,
    LoadBalancer,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct HypervisorService {
    pub enabled: bool,
    #[serde(rename = "type")]
    pub kind: HypervisorServiceType,
    pub annotations: StringMap,
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: String,
    pub node_ports: NodePorts,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub enum HypervisorServiceType {
    #[default]
    LoadBalancer,
    NodePort,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodePorts {
    pub oned: Option<u16>,
    pub monitord: Option<u16>,
    pub onegate: Option<u16>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Ingress {
    pub enabled: bool,
    pub class_name: String,
    pub annotations: StringMap,
    pub hostname: String,
    pub path: String,
    pub path_type: PathType,
    pub tls: IngressTls,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub enum PathType {
    #[default]
    Prefix,
    Exact,
    ImplementationSpecific,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressTls {
    pub enabled: bool,
    pub secret_name: String,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Ssh {
    pub private_key: String,
    pub public_key: String,
    pub existing_secret: String,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccount {
    pub create: bool,
    pub name: String,
    pub annotations: StringMap,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    pub enabled: bool,
    pub period_seconds: u32,
    pub timeout_seconds: u32,
    pub failure_threshold: u32,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Tests {
    pub enabled: bool,
    pub image: Image,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Map {
        load::load_values(crate::chart::VALUES_YAML).unwrap()
    }

    #[test]
    fn chart_defaults_are_valid() {
        let v = typed(&defaults()).unwrap();
        assert!(v.mariadb.enabled);
        assert_eq!(v.external_database.port, 3306);
        assert_eq!(v.startup_probe.failure_threshold, 120);
    }

    #[test]
    fn unknown_keys_name_their_path() {
        let mut values = defaults();
        set::parse_into("mariadb.enabeld=true", &mut values, false).unwrap();
        let err = typed(&values).unwrap_err().to_string();
        assert!(
            err.contains("`mariadb.enabeld`") && err.contains("expected one of `enabled`"),
            "{err}"
        );
    }

    #[test]
    fn wrong_types_name_their_path() {
        let mut values = defaults();
        set::parse_into("externalDatabase.port=abc", &mut values, false).unwrap();
        let err = typed(&values).unwrap_err().to_string();
        assert!(err.contains("`externalDatabase.port`"), "{err}");
    }
}
