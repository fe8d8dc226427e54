//! Helm's `lookup` function, answered from objects given to onechart.
//!
//! `helm template` answers every lookup with an empty map (it never talks to
//! a cluster); that is what an empty [`Objects`] does too. Fed with what
//! `kubectl get -o json` prints ([`input`]), or with what onechart asks
//! kubectl itself ([`kubectl`]), [`Objects::get`] answers as Helm's real
//! lookup (`pkg/engine/lookup_func.go`) answers against the cluster:
//!
//! - a named object: the whole object, or an empty map when it is missing;
//! - an empty name: a `<Kind>List` whose `items` are the matching objects;
//! - a namespaced kind with a namespace: only that namespace; a namespaced
//!   kind without one: a list across every namespace, a named get finds
//!   nothing (the API server has no such path); a cluster-scoped kind: the
//!   namespace is ignored.

pub mod input;
pub mod kubectl;

use std::collections::hash_map::{Entry, HashMap};
use std::sync::{Arc, Mutex};

use crate::yaml::{Map, Value};
pub use input::{Object, ObjectMeta};

/// The cluster objects lookups resolve against.
#[derive(Debug, Default, Clone)]
pub struct Objects {
    items: Vec<Object>,
    /// The lookups made so far, when recording ([`Objects::recording`]);
    /// shared between clones, as the renderer clones its options.
    asked: Option<Arc<Mutex<Vec<Query>>>>,
}

/// What makes two objects the same cluster object ([`Object::same_identity`]).
#[derive(PartialEq, Eq, Hash)]
struct Identity {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl Identity {
    fn of(object: &Object) -> Identity {
        Identity {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            namespace: object.metadata.namespace.clone(),
            name: object.metadata.name.clone(),
        }
    }
}

/// One `lookup apiVersion kind namespace name` call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    /// Empty for a list lookup.
    pub name: String,
}

impl Objects {
    /// Objects that answer every lookup with "not found", like `helm template`.
    pub fn none() -> Objects {
        Objects::default()
    }

    /// No objects, but every lookup is remembered (see [`Objects::queries`]).
    pub fn recording() -> Objects {
        Objects {
            items: Vec::new(),
            asked: Some(Arc::default()),
        }
    }

    /// The objects of `kubectl get -o json` outputs, in order; a later
    /// object replaces an earlier one with the same kind, namespace and name.
    pub fn from_objects(objects: impl IntoIterator<Item = Object>) -> Objects {
        // Each identity's place in `items`: linear in the objects, where a
        // search of `items` for each one took 30 s for 40,000 Secrets.
        let mut places: HashMap<Identity, usize> = HashMap::new();
        let mut items: Vec<Object> = Vec::new();
        for object in objects {
            match places.entry(Identity::of(&object)) {
                Entry::Occupied(place) => items[*place.get()] = object,
                Entry::Vacant(place) => {
                    place.insert(items.len());
                    items.push(object);
                }
            }
        }
        Objects { items, asked: None }
    }

    /// Reads `--lookup-file` arguments (`-` is standard input).
    pub fn read_files(paths: &[std::path::PathBuf]) -> anyhow::Result<Objects> {
        let mut all = Vec::new();
        for path in paths {
            all.extend(input::read_file(path)?);
        }
        Ok(Objects::from_objects(all))
    }

    /// The objects held.
    pub fn items(&self) -> &[Object] {
        &self.items
    }

    /// The distinct lookups made since [`Objects::recording`], sorted.
    pub fn queries(&self) -> Vec<Query> {
        let mut queries = match &self.asked {
            Some(asked) => asked.lock().expect("lookup log").clone(),
            None => Vec::new(),
        };
        queries.sort();
        queries.dedup();
        queries
    }

    /// `lookup apiVersion kind namespace name`: the whole object, an empty
    /// map when it does not exist, or a `<Kind>List` when `name` is empty.
    pub fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Map {
        if let Some(asked) = &self.asked {
            asked.lock().expect("lookup log").push(Query {
                api_version: api_version.into(),
                kind: kind.into(),
                namespace: namespace.into(),
                name: name.into(),
            });
        }
        let namespace = if self.namespaced(api_version, kind) {
            Some(namespace).filter(|ns| !ns.is_empty())
        } else {
            None
        };
        let matching = self.items.iter().filter(|o| {
            o.api_version == api_version
                && o.kind == kind
                && namespace.is_none_or(|ns| o.metadata.namespace.as_deref() == Some(ns))
        });
        if name.is_empty() {
            return list(api_version, kind, matching);
        }
        if namespace.is_none() && self.namespaced(api_version, kind) {
            return Map::new();
        }
        matching
            .filter(|o| o.metadata.name == name)
            .map(|o| o.content.clone())
            .next()
            .unwrap_or_default()
    }

    /// Whether objects of this kind live in namespaces: Kubernetes' own kinds
    /// from [`scope`], any other kind from the objects held (namespaced when
    /// none is held, as most kinds are).
    fn namespaced(&self, api_version: &str, kind: &str) -> bool {
        scope(api_version, kind).unwrap_or_else(|| {
            self.items
                .iter()
                .filter(|o| o.api_version == api_version && o.kind == kind)
                .all(|o| o.metadata.namespace.is_some())
        })
    }
}

/// The list object the API server returns for a list lookup, its items
/// ordered as etcd keeps them (by namespace, then name).
fn list<'a>(api_version: &str, kind: &str, objects: impl Iterator<Item = &'a Object>) -> Map {
    let mut objects: Vec<&Object> = objects.collect();
    objects.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), Value::String(String::new()));
    let mut map = Map::new();
    map.insert("apiVersion".into(), Value::String(api_version.into()));
    map.insert(
        "items".into(),
        Value::Seq(
            objects
                .iter()
                .map(|o| Value::Map(o.content.clone()))
                .collect(),
        ),
    );
    map.insert("kind".into(), Value::String(format!("{kind}List")));
    map.insert("metadata".into(), Value::Map(metadata));
    map
}

/// Whether a kind Kubernetes itself serves is namespaced (`Some(true)`),
/// cluster-scoped (`Some(false)`), or unknown here (`None`).
pub fn scope(api_version: &str, kind: &str) -> Option<bool> {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    KINDS
        .iter()
        .find(|(g, k, _)| *g == group && *k == kind)
        .map(|(_, _, namespaced)| *namespaced)
}

/// Kubernetes' built-in kinds: (group, kind, namespaced).
const KINDS: &[(&str, &str, bool)] = &[
    ("", "ConfigMap", true),
    ("", "Endpoints", true),
    ("", "Event", true),
    ("", "LimitRange", true),
    ("", "PersistentVolumeClaim", true),
    ("", "Pod", true),
    ("", "PodTemplate", true),
    ("", "ReplicationController", true),
    ("", "ResourceQuota", true),
    ("", "Secret", true),
    ("", "Service", true),
    ("", "ServiceAccount", true),
    ("", "ComponentStatus", false),
    ("", "Namespace", false),
    ("", "Node", false),
    ("", "PersistentVolume", false),
    ("apps", "ControllerRevision", true),
    ("apps", "DaemonSet", true),
    ("apps", "Deployment", true),
    ("apps", "ReplicaSet", true),
    ("apps", "StatefulSet", true),
    ("autoscaling", "HorizontalPodAutoscaler", true),
    ("batch", "CronJob", true),
    ("batch", "Job", true),
    ("coordination.k8s.io", "Lease", true),
    ("discovery.k8s.io", "EndpointSlice", true),
    ("networking.k8s.io", "Ingress", true),
    ("networking.k8s.io", "NetworkPolicy", true),
    ("networking.k8s.io", "IngressClass", false),
    ("policy", "PodDisruptionBudget", true),
    ("rbac.authorization.k8s.io", "Role", true),
    ("rbac.authorization.k8s.io", "RoleBinding", true),
    ("rbac.authorization.k8s.io", "ClusterRole", false),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding", false),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        false,
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition", false),
    ("scheduling.k8s.io", "PriorityClass", false),
    ("storage.k8s.io", "CSIDriver", false),
    ("storage.k8s.io", "CSINode", false),
    ("storage.k8s.io", "StorageClass", false),
    ("storage.k8s.io", "VolumeAttachment", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(json: &str) -> Objects {
        Objects::from_objects(input::parse("test", json).unwrap())
    }

    const CLUSTER: &str = r#"{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b", "namespace": "two"}, "data": {"k": "Yg=="}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a", "namespace": "one"}, "data": {"k": "YQ=="}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b", "namespace": "one"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "one"}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}
    ]}"#;

    fn names(list: &Map) -> Vec<String> {
        let Some(Value::Seq(items)) = list.get("items") else {
            panic!("no items in {list:?}")
        };
        items
            .iter()
            .map(|item| match item {
                Value::Map(m) => match (m.get("metadata"), m.get("kind")) {
                    (Some(Value::Map(meta)), Some(Value::String(kind))) => format!(
                        "{kind} {}/{}",
                        meta.get("namespace")
                            .map(Value::go_string)
                            .unwrap_or_default(),
                        meta["name"].go_string()
                    ),
                    _ => panic!("bad item {m:?}"),
                },
                _ => panic!("bad item {item:?}"),
            })
            .collect()
    }

    #[test]
    fn named_lookup_returns_the_whole_object_or_an_empty_map() {
        let objects = objects(CLUSTER);
        let a = objects.get("v1", "Secret", "one", "a");
        assert_eq!(
            a["data"],
            Value::Map(
                [("k".to_string(), Value::String("YQ==".into()))]
                    .into_iter()
                    .collect()
            )
        );
        assert_eq!(a["kind"], Value::String("Secret".into()));
        assert!(objects.get("v1", "Secret", "two", "a").is_empty());
        assert!(objects.get("v1", "Secret", "one", "c").is_empty());
        assert!(objects.get("v1", "ConfigMap", "one", "a").is_empty());
        assert!(objects.get("apps/v1", "Secret", "one", "a").is_empty());
        assert!(
            objects.get("v1", "secret", "one", "a").is_empty(),
            "kinds are case-sensitive"
        );
    }

    #[test]
    fn namespaced_kind_without_namespace_gets_nothing_by_name() {
        assert!(objects(CLUSTER).get("v1", "Secret", "", "a").is_empty());
    }

    #[test]
    fn cluster_scoped_kinds_ignore_the_namespace() {
        let objects = objects(CLUSTER);
        assert_eq!(
            objects.get("v1", "Namespace", "", "one")["kind"],
            Value::String("Namespace".into())
        );
        assert!(!objects.get("v1", "Namespace", "two", "one").is_empty());
        // A kind onechart does not know is cluster-scoped when its objects are.
        let widget = objects.get("example.com/v1", "Widget", "any", "w");
        assert_eq!(
            widget["spec"],
            Value::Map([("size".to_string(), Value::Int(3))].into_iter().collect())
        );
    }

    #[test]
    fn list_lookup_returns_a_kind_list() {
        let objects = objects(CLUSTER);
        let list = objects.get("v1", "Secret", "one", "");
        assert_eq!(list["kind"], Value::String("SecretList".into()));
        assert_eq!(list["apiVersion"], Value::String("v1".into()));
        assert_eq!(names(&list), ["Secret one/a", "Secret one/b"]);
        let all = objects.get("v1", "Secret", "", "");
        assert_eq!(
            names(&all),
            ["Secret one/a", "Secret one/b", "Secret two/b"]
        );
        let none = objects.get("v1", "ConfigMap", "one", "");
        assert_eq!(none["kind"], Value::String("ConfigMapList".into()));
        assert_eq!(none["items"], Value::Seq(Vec::new()));
        assert_eq!(
            names(&objects.get("v1", "Namespace", "one", "")),
            ["Namespace /one"]
        );
    }

    #[test]
    fn later_objects_replace_earlier_ones() {
        let first = input::parse("a", r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": {"k": "MQ=="}}"#).unwrap();
        let second = input::parse("b", r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": {"k": "Mg=="}}"#).unwrap();
        let objects = Objects::from_objects(first.into_iter().chain(second));
        assert_eq!(objects.items().len(), 1);
        let Value::Map(data) = &objects.get("v1", "Secret", "n", "s")["data"] else {
            panic!()
        };
        assert_eq!(data["k"], Value::String("Mg==".into()));
    }

    #[test]
    fn recording_remembers_each_distinct_lookup() {
        let objects = Objects::recording();
        let clone = objects.clone();
        assert!(clone.get("v1", "Secret", "n", "b").is_empty());
        clone.get("v1", "Secret", "n", "a");
        clone.get("v1", "Secret", "n", "b");
        let queries = objects.queries();
        assert_eq!(
            queries.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(Objects::none().queries().is_empty());
    }
}
