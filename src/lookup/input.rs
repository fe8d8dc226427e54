//! What `kubectl get -o json` prints, read into typed [`Object`]s.
//!
//! kubectl prints one object for `kubectl get secret NAME`, and a `List`
//! (whatever the kinds) for several names or types; the API server's own
//! lists (`SecretList`, ...) are accepted too, their items' missing
//! `apiVersion` and `kind` filled in as apimachinery's `decodeToList` does.
//! Empty input (`kubectl get --ignore-not-found` found nothing) holds no
//! objects.
//!
//! The typed part is what lookups and the chart rely on: kind, apiVersion,
//! metadata, and a Secret's `data` (base64, as the API server returns it).
//! The whole object is kept as well, since Helm's lookup returns all of it.
//! Error messages name the input and the object, never a Secret's value.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::fsutil;
use crate::yaml::{Map, Value};

/// One cluster object.
#[derive(Debug, Clone)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// A Secret's `data`: key to base64 text (checked to decode).
    pub secret_data: Option<IndexMap<String, String>>,
    /// The whole object, as a lookup returns it to templates.
    pub content: Map,
}

/// The metadata lookups match on, and Helm's ownership marks.
#[derive(Debug, Clone, Default)]
pub struct ObjectMeta {
    pub name: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
}

impl Object {
    /// Whether both are the same cluster object (kind, namespace and name).
    pub fn same_identity(&self, other: &Object) -> bool {
        self.api_version == other.api_version
            && self.kind == other.kind
            && self.metadata.namespace == other.metadata.namespace
            && self.metadata.name == other.metadata.name
    }
}

/// Reads one `--lookup-file` (`-` is standard input).
pub fn read_file(path: &Path) -> Result<Vec<Object>> {
    let source = format!("lookup file {}", path.display());
    let text = if path.as_os_str() == "-" {
        fsutil::read_to_string(std::io::stdin(), fsutil::INPUT_LIMIT)
            .with_context(|| format!("reading {source} (standard input)"))?
    } else {
        fsutil::read_file_to_string(path, fsutil::INPUT_LIMIT)
            .with_context(|| format!("reading {source}"))?
    };
    parse(&source, &text)
}

/// Parses `kubectl get -o json` output; `source` names it in errors
/// (`lookup file x.json: object #3 has no metadata.name`).
pub fn parse(source: &str, text: &str) -> Result<Vec<Object>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let json: Json = serde_json::from_str(text).map_err(|err| {
        let message = err.to_string();
        let position = format!(" at line {} column {}", err.line(), err.column());
        let message = message.strip_suffix(&position).unwrap_or(&message);
        anyhow!(
            "{source}: invalid JSON at line {} column {}: {message}",
            err.line(),
            err.column()
        )
    })?;
    let Json::Object(top) = json else {
        bail!(
            "{source}: expected a Kubernetes object or List, found {}",
            json_type(&json)
        );
    };
    let mut top = top;
    let kind = top
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    if !kind.ends_with("List") || !top.contains_key("items") {
        return Ok(vec![object(source, 1, top)?]);
    }
    let items = top.remove("items").unwrap_or_default();
    let Json::Array(items) = items else {
        bail!(
            "{source}: {}: items is {}, not a list",
            shown(&kind),
            json_type(&items)
        );
    };
    // The API server's lists leave kind and apiVersion out of their items.
    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
    let list_api_version = top.get("apiVersion").cloned();
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let Json::Object(mut item) = item else {
                bail!(
                    "{source}: object #{} is {}, not an object",
                    i + 1,
                    json_type(&item)
                );
            };
            if let Some(item_kind) = item_kind {
                item.entry("kind")
                    .or_insert_with(|| Json::String(item_kind.into()));
                if let Some(api_version) = &list_api_version {
                    item.entry("apiVersion")
                        .or_insert_with(|| api_version.clone());
                }
            }
            object(source, i + 1, item)
        })
        .collect()
}

/// Types object number `n` of the input.
fn object(source: &str, n: usize, json: serde_json::Map<String, Json>) -> Result<Object> {
    let text = |key: &str| {
        json.get(key)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    let kind = text("kind").ok_or_else(|| anyhow!("{source}: object #{n} has no kind"))?;
    let api_version =
        text("apiVersion").ok_or_else(|| anyhow!("{source}: object #{n} has no apiVersion"))?;
    let metadata = json.get("metadata").unwrap_or(&Json::Null);
    if metadata
        .get("name")
        .and_then(Json::as_str)
        .is_none_or(str::is_empty)
    {
        bail!("{source}: object #{n} has no metadata.name");
    }
    let metadata = object_meta(metadata)
        .map_err(|err| anyhow!("{source}: object #{n} has an invalid metadata.{err}"))?;
    let name = shown(&metadata.name);
    if metadata.namespace.is_none() && super::scope(api_version, kind) == Some(true) {
        bail!("{source}: {} {name} has no metadata.namespace", shown(kind));
    }
    let secret_data = if api_version == "v1" && kind == "Secret" {
        Some(
            secret_data(json.get("data"))
                .map_err(|err| anyhow!("{source}: Secret {name}: {err}"))?,
        )
    } else {
        None
    };
    Ok(Object {
        api_version: api_version.into(),
        kind: kind.into(),
        metadata,
        secret_data,
        content: json_map(json),
    })
}

/// The metadata lookups use; the error says which field is wrong and what
/// type it holds, never its value.
fn object_meta(json: &Json) -> Result<ObjectMeta, String> {
    let string = |key: &str| -> Result<Option<String>, String> {
        match json.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("{key}: {}, not a string", json_type(other))),
        }
    };
    let strings = |key: &str| -> Result<IndexMap<String, String>, String> {
        match json.get(key) {
            None | Some(Json::Null) => Ok(IndexMap::new()),
            Some(Json::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Json::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(format!(
                        "{key}.{}: {}, not a string",
                        shown(k),
                        json_type(other)
                    )),
                })
                .collect(),
            Some(other) => Err(format!("{key}: {}, not a map", json_type(other))),
        }
    };
    Ok(ObjectMeta {
        name: string("name")?.unwrap_or_default(),
        namespace: string("namespace")?,
        labels: strings("labels")?,
        annotations: strings("annotations")?,
    })
}

/// A name or key from the input as a message shows it: at most 64
/// characters, control characters escaped.
fn shown(text: &str) -> String {
    crate::values::shown(text)
}

/// A Secret's `data`, every value base64 (never shown in errors).
fn secret_data(data: Option<&Json>) -> Result<IndexMap<String, String>> {
    let data = match data {
        None | Some(Json::Null) => return Ok(IndexMap::new()),
        Some(Json::Object(data)) => data,
        Some(other) => bail!("data is {}, not a map", json_type(other)),
    };
    data.iter()
        .map(|(key, value)| {
            let key_shown = shown(key);
            let Json::String(text) = value else {
                bail!(
                    "data.{key_shown} is {}, not a base64 string",
                    json_type(value)
                );
            };
            if base64::engine::general_purpose::STANDARD
                .decode(text)
                .is_err()
            {
                bail!("data.{key_shown} is not base64");
            }
            Ok((key.clone(), text.clone()))
        })
        .collect()
}

fn json_type(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a map",
    }
}

fn json_map(map: serde_json::Map<String, Json>) -> Map {
    map.into_iter().map(|(k, v)| (k, json_value(v))).collect()
}

/// A JSON value as Helm's lookup hands it over: apimachinery decodes
/// integral numbers as `int64` and the others as `float64`.
fn json_value(json: Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s),
        Json::Array(items) => Value::Seq(items.into_iter().map(json_value).collect()),
        Json::Object(map) => Value::Map(json_map(map)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn error(text: &str) -> String {
        format!("{:#}", parse("lookup file x.json", text).unwrap_err())
    }

    #[test]
    fn one_object() {
        let objects = parse(
            "f",
            r#"{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": "s", "namespace": "n", "labels": {"app.kubernetes.io/managed-by": "Helm"}},
                "data": {"k": "c2VjcmV0"}}"#,
        )
        .unwrap();
        assert_eq!(objects.len(), 1);
        let s = &objects[0];
        assert_eq!((s.kind.as_str(), s.metadata.name.as_str()), ("Secret", "s"));
        assert_eq!(s.metadata.namespace.as_deref(), Some("n"));
        assert_eq!(s.metadata.labels["app.kubernetes.io/managed-by"], "Helm");
        assert_eq!(s.secret_data.as_ref().unwrap()["k"], "c2VjcmV0");
        assert_eq!(s.content["type"], Value::String("Opaque".into()));
    }

    #[test]
    fn kubectl_list_and_api_list() {
        let kubectl = r#"{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": {"a": "not base64!"}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}}
        ]}"#;
        let objects = parse("f", kubectl).unwrap();
        assert_eq!(
            objects.iter().map(|o| o.kind.as_str()).collect::<Vec<_>>(),
            ["ConfigMap", "Secret"]
        );
        assert!(objects[0].secret_data.is_none());
        assert!(objects[1].secret_data.as_ref().unwrap().is_empty());

        let api = r#"{"apiVersion": "v1", "kind": "SecretList", "metadata": {"resourceVersion": "42"},
            "items": [{"metadata": {"name": "s", "namespace": "n"}, "data": {}}]}"#;
        let objects = parse("f", api).unwrap();
        assert_eq!(
            (objects[0].api_version.as_str(), objects[0].kind.as_str()),
            ("v1", "Secret")
        );
        assert_eq!(objects[0].content["kind"], Value::String("Secret".into()));
    }

    #[test]
    fn empty_input_holds_nothing() {
        assert!(parse("f", "").unwrap().is_empty());
        assert!(parse("f", " \n").unwrap().is_empty());
        let empty = r#"{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}"#;
        assert!(parse("f", empty).unwrap().is_empty());
    }

    #[test]
    fn numbers_are_int64_or_float64() {
        let o = &parse("f", r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"}, "spec": {"a": 3306, "b": 1.5}}"#).unwrap()[0];
        let Value::Map(spec) = &o.content["spec"] else {
            panic!()
        };
        assert_eq!(spec["a"], Value::Int(3306));
        assert_eq!(spec["b"], Value::Float(1.5));
    }

    #[test]
    fn bad_input_fails_clearly() {
        assert_eq!(
            error("{\n  \"kind\": \"Secret\",\n  oops\n}"),
            "lookup file x.json: invalid JSON at line 3 column 3: key must be a string"
        );
        assert_eq!(
            error("[1]"),
            "lookup file x.json: expected a Kubernetes object or List, found a list"
        );
        assert_eq!(
            error(r#"{"apiVersion": "v1", "metadata": {"name": "s"}}"#),
            "lookup file x.json: object #1 has no kind"
        );
        assert_eq!(
            error(
                r#"{"kind": "List", "apiVersion": "v1", "items": [
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a", "namespace": "n"}},
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b", "namespace": "n"}},
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": "n"}}]}"#
            ),
            "lookup file x.json: object #3 has no metadata.name"
        );
        assert_eq!(
            error(r#"{"kind": "Secret", "metadata": {"name": "s", "namespace": "n"}}"#),
            "lookup file x.json: object #1 has no apiVersion"
        );
        assert_eq!(
            error(r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}"#),
            "lookup file x.json: Secret s has no metadata.namespace"
        );
        assert_eq!(
            error(r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n", "labels": {"a": 1}}}"#),
            "lookup file x.json: object #1 has an invalid metadata.labels.a: a number, not a string"
        );
        let secret = |data: &str| {
            format!(
                r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "s", "namespace": "n"}}, "data": {data}}}"#
            )
        };
        let message = error(&secret(r#"{"ok": "c2VjcmV0", "pw": "hunter2!"}"#));
        assert_eq!(
            message,
            "lookup file x.json: Secret s: data.pw is not base64"
        );
        assert!(
            !message.contains("hunter2"),
            "a Secret's value must never be printed"
        );
        assert_eq!(
            error(&secret(r#"{"pw": 7}"#)),
            "lookup file x.json: Secret s: data.pw is a number, not a base64 string"
        );
        assert_eq!(
            error(&secret(r#""x""#)),
            "lookup file x.json: Secret s: data is a string, not a map"
        );
        assert_eq!(
            error(r#"{"kind": "List", "apiVersion": "v1", "items": [7]}"#),
            "lookup file x.json: object #1 is a number, not an object"
        );
    }
}
