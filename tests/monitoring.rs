//! The monitoring objects the chart renders with `metrics.*`: the
//! ServiceMonitor and the PrometheusRule pass the CRD schemas of the
//! Prometheus Operator (vendored in tests/fixtures/prometheus-operator,
//! checked strictly: `kubernetes-validate` has no schema for them), and the
//! alerts and the Grafana dashboard query only metrics OpenNebula's exporter
//! exports, each for one release (its `job` and `namespace`).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use onechart::yaml::{load, Value};
use serde_json::Value as Json;
use support::{onechart, root, run, stdout_of};

/// The documents `onechart render ARGS` prints.
fn render(args: &[&str]) -> Vec<Value> {
    let text = stdout_of(onechart().arg("render").args(args));
    load::load_all(&text).expect("the rendered manifests are YAML")
}

fn get<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |v, key| match v {
        Value::Map(map) => map.get(*key).unwrap_or(&Value::Null),
        _ => &Value::Null,
    })
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter()
        .filter(|d| matches!(get(d, &["kind"]), Value::String(k) if k == kind))
        .collect()
}

/// Every monitoring object in the two metrics cases.
fn monitoring_docs() -> Vec<Value> {
    let mut docs = render(&[
        "one",
        "-n",
        "cloud",
        "-f",
        "tests/cases/files/metrics-monitoring.yaml",
    ]);
    docs.extend(render(&[
        "--set",
        "metrics.enabled=true,metrics.serviceMonitor.enabled=true,\
         metrics.prometheusRule.enabled=true,metrics.grafanaDashboard.enabled=true",
    ]));
    docs
}

/// A CRD's openAPIV3Schema as a strict draft-07 JSON Schema: objects with
/// `properties` accept no other key unless they preserve unknown fields.
/// Patterns with RE2's `(?i)` flag, which JSON Schema's ECMA regexes lack
/// (only `partial_response_strategy`, for Thanos), are left out.
fn strict_schema(file: &str) -> Json {
    let path = root().join("tests/fixtures/prometheus-operator").join(file);
    let mut schema: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    fn strict(schema: &mut Json) {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        let preserve =
            object.get("x-kubernetes-preserve-unknown-fields") == Some(&Json::Bool(true));
        if object.contains_key("properties")
            && !preserve
            && !object.contains_key("additionalProperties")
        {
            object.insert("additionalProperties".into(), Json::Bool(false));
        }
        if object
            .get("pattern")
            .and_then(Json::as_str)
            .is_some_and(|p| p.contains("(?i)"))
        {
            object.remove("pattern");
        }
        if let Some(Json::Object(properties)) = object.get_mut("properties") {
            properties.values_mut().for_each(strict);
        }
        for key in ["items", "additionalProperties"] {
            if let Some(sub) = object.get_mut(key) {
                strict(sub);
            }
        }
        for key in ["anyOf", "allOf", "oneOf"] {
            if let Some(Json::Array(subs)) = object.get_mut(key) {
                subs.iter_mut().for_each(strict);
            }
        }
    }
    strict(&mut schema);
    schema.as_object_mut().unwrap().insert(
        "$schema".into(),
        "http://json-schema.org/draft-07/schema#".into(),
    );
    schema
}

/// check-jsonschema's verdict on one document: `Ok` or its report.
fn check(checker: &Path, dir: &Path, schema: &Json, doc: &Json, n: usize) -> Result<(), String> {
    let schema_file = dir.join(format!("schema-{n}.json"));
    let doc_file = dir.join(format!("doc-{n}.json"));
    std::fs::write(&schema_file, schema.to_string()).unwrap();
    std::fs::write(&doc_file, doc.to_string()).unwrap();
    let out = run(Command::new(checker)
        .arg("--schemafile")
        .arg(&schema_file)
        .arg(&doc_file));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn required_tool(name: &str) -> PathBuf {
    support::tool(name)
}

#[test]
#[ignore = "needs check-jsonschema: run .ci/install-tools, then cargo test -- --include-ignored"]
fn servicemonitor_and_prometheusrule_pass_their_crd_schemas() {
    let checker = required_tool("check-jsonschema");
    let dir = std::env::temp_dir().join(format!("onechart-monitoring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let docs = monitoring_docs();
    let mut n = 0;
    for (kind, file) in [
        ("ServiceMonitor", "servicemonitors.v1.openapi.json"),
        ("PrometheusRule", "prometheusrules.v1.openapi.json"),
    ] {
        let schema = strict_schema(file);
        let found = of_kind(&docs, kind);
        assert_eq!(found.len(), 2, "{kind} in both cases");
        for doc in found {
            let json = serde_json::to_value(doc).unwrap();
            n += 1;
            if let Err(report) = check(&checker, &dir, &schema, &json, n) {
                panic!("{kind} fails its CRD schema:\n{report}\n{json:#}");
            }
        }
        // The check can fail: a misspelt field and a malformed duration are refused.
        let mut bad = serde_json::to_value(of_kind(&docs, kind)[0]).unwrap();
        let broken = match kind {
            "ServiceMonitor" => {
                bad["spec"]["endpoints"][0]["scrapeTimout"] = "10s".into();
                "scrapeTimout"
            }
            _ => {
                bad["spec"]["groups"][0]["rules"][0]["for"] = "5 minutes".into();
                "5 minutes"
            }
        };
        n += 1;
        let report = check(&checker, &dir, &schema, &bad, n)
            .expect_err("a broken document must fail the schema");
        assert!(report.contains(broken), "{report}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The metric names of tests/fixtures/opennebula-exporter-metrics.txt.
fn exporter_metrics() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/opennebula-exporter-metrics.txt"))
            .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

/// The `opennebula_*` names in a PromQL expression.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("opennebula_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

/// Every PromQL expression of the rules and of the dashboard's targets and variables.
fn expressions(docs: &[Value]) -> Vec<(String, String)> {
    let mut exprs = Vec::new();
    for rule_doc in of_kind(docs, "PrometheusRule") {
        let Value::Seq(groups) = get(rule_doc, &["spec", "groups"]) else {
            panic!("PrometheusRule without groups");
        };
        for group in groups {
            let Value::Seq(rules) = get(group, &["rules"]) else {
                panic!("group without rules");
            };
            for rule in rules {
                let (Value::String(name), Value::String(expr)) =
                    (get(rule, &["alert"]), get(rule, &["expr"]))
                else {
                    panic!("rule without alert or expr: {rule:?}");
                };
                exprs.push((format!("alert {name}"), expr.clone()));
            }
        }
    }
    for dashboard in of_kind(docs, "ConfigMap")
        .into_iter()
        .filter(|d| !matches!(get(d, &["data", "opennebula.json"]), Value::Null))
    {
        let Value::String(text) = get(dashboard, &["data", "opennebula.json"]) else {
            panic!("dashboard is not a string");
        };
        let json: Json = serde_json::from_str(text).expect("the dashboard is JSON");
        for panel in json["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                exprs.push((
                    format!("panel {}", panel["title"]),
                    target["expr"].as_str().unwrap().to_string(),
                ));
            }
        }
        for variable in json["templating"]["list"].as_array().unwrap() {
            if let Some(query) = variable["definition"].as_str() {
                exprs.push((format!("variable {}", variable["name"]), query.to_string()));
            }
        }
    }
    exprs
}

#[test]
fn alerts_and_dashboard_query_only_the_exporters_metrics_of_one_release() {
    let known = exporter_metrics();
    assert!(known.contains("opennebula_host_state") && known.len() >= 20);
    let docs = monitoring_docs();
    let exprs = expressions(&docs);
    let alerts = exprs.iter().filter(|(w, _)| w.starts_with("alert")).count();
    let panels = exprs.iter().filter(|(w, _)| w.starts_with("panel")).count();
    assert!(
        alerts >= 2 * 5 && panels >= 2 * 15,
        "{alerts} alerts, {panels} targets"
    );
    let mut used = BTreeSet::new();
    for (what, expr) in &exprs {
        for name in metric_names(expr) {
            assert!(
                known.contains(&name),
                "{what} queries {name}, which OpenNebula's exporter does not export: {expr}"
            );
            used.insert(name);
        }
        // Each query is of one release: the rules name its job and namespace, the
        // dashboard its variables (the variables' own queries are filtered by namespace).
        let scoped = expr.contains(r#"job="one-opennebula", namespace="cloud""#)
            || expr.contains(r#"job="release-name-opennebula", namespace="default""#)
            || expr.contains(r#"namespace="$namespace", job="$job""#)
            || what.starts_with("variable");
        assert!(scoped, "{what} is not limited to one release: {expr}");
    }
    for needed in [
        "opennebula_host_state",
        "opennebula_host_total",
        "opennebula_datastore_free_bytes",
        "opennebula_vm_lcm_state",
    ] {
        assert!(used.contains(needed), "nothing queries {needed}");
    }
}

#[test]
fn dashboard_is_grafana_json_with_unique_panels() {
    let text = std::fs::read_to_string(root().join("chart/files/grafana-dashboard.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(json["uid"], "onechart-opennebula");
    let panels = json["panels"].as_array().unwrap();
    let ids: BTreeSet<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids are unique");
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        assert_eq!(
            panel["datasource"]["uid"], "${datasource}",
            "{}",
            panel["title"]
        );
        assert!(
            !panel["targets"].as_array().unwrap().is_empty(),
            "{}",
            panel["title"]
        );
    }
    let variables: Vec<&str> = json["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(variables, ["datasource", "namespace", "job"]);
    // The ConfigMap carries the file as it is, for Grafana's sidecar.
    let docs = render(&[
        "--set",
        "metrics.enabled=true,metrics.grafanaDashboard.enabled=true",
    ]);
    let maps = of_kind(&docs, "ConfigMap");
    let dashboard = maps
        .iter()
        .find(|d| matches!(get(d, &["metadata", "labels", "grafana_dashboard"]), Value::String(v) if v == "1"))
        .expect("a ConfigMap labelled grafana_dashboard: \"1\"");
    assert_eq!(
        get(dashboard, &["data", "opennebula.json"]),
        &Value::String(text)
    );
}
