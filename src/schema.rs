//! `onechart schema`: the JSON Schema of the chart's values, derived from
//! the Rust types in [`crate::values`] (their doc comments become the
//! descriptions), and shipped as `chart/values.schema.json` so that
//! `helm install`, `helm template` and `helm lint` reject what onechart
//! rejects.
//!
//! The schema is draft-07, the newest draft both Helm lines validate: Helm
//! 3.17 uses gojsonschema (drafts 4, 6 and 7), Helm 4 reads the draft from
//! `$schema`. Every struct denies unknown keys (`additionalProperties:
//! false`), free-form Kubernetes fragments accept anything, and each key's
//! `default` is the chart's `values.yaml`.

use schemars::generate::SchemaSettings;
use serde_json::Value as Json;

use crate::values::Values;
use crate::yaml::{load, Value};

/// The schema as `onechart schema` prints it (and `chart/values.schema.json`
/// holds): pretty JSON and a final newline.
pub fn to_json_text() -> String {
    let mut text = serde_json::to_string_pretty(&generate()).expect("a schema serialises");
    text.push('\n');
    text
}

/// The schema of [`Values`], with the chart's defaults.
pub fn generate() -> Json {
    let generator = SchemaSettings::draft07()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Values>().to_value();
    let defaults =
        load::load_values(crate::chart::VALUES_YAML).expect("the embedded values.yaml is valid");
    set_defaults(&mut schema, &Value::Map(defaults));
    tidy(&mut schema);
    schema
}

/// Keys first in every schema object, in this order; the others keep
/// schemars' order, then come `properties` and `default`.
const FIRST: &[&str] = &["$schema", "title", "description", "type"];

/// Makes the schema read well: descriptions on one line (doc comments wrap
/// at 100 columns), the keys in a fixed order, and no `format` for Rust's
/// integer types (`uint16` is no JSON Schema format; minimum and maximum
/// say the same).
fn tidy(schema: &mut Json) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Json::String(description)) = object.get_mut("description") {
        *description = description
            .split("\n\n")
            .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    if object
        .get("format")
        .and_then(Json::as_str)
        .is_some_and(|f| f.starts_with("int") || f.starts_with("uint"))
    {
        object.remove("format");
    }
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "properties" => value
                .as_object_mut()
                .into_iter()
                .flat_map(|p| p.values_mut())
                .for_each(tidy),
            "items" | "additionalProperties" => tidy(value),
            _ => {}
        }
    }
    let mut rest = std::mem::take(object);
    for key in FIRST {
        if let Some(value) = rest.shift_remove(*key) {
            object.insert((*key).into(), value);
        }
    }
    let tail: Vec<(String, Json)> = ["required", "properties", "default"]
        .iter()
        .filter_map(|k| rest.shift_remove(*k).map(|v| ((*k).to_string(), v)))
        .collect();
    object.extend(rest);
    object.extend(tail);
}

/// Replaces the Rust defaults schemars writes (`Default::default()`, which
/// the chart never uses) by the chart's, key by key.
fn set_defaults(schema: &mut Json, chart: &Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    object.remove("default");
    let Some(Json::Object(properties)) = object.get_mut("properties") else {
        return;
    };
    let Value::Map(chart) = chart else {
        return;
    };
    for (key, property) in properties.iter_mut() {
        let Some(value) = chart.get(key) else {
            continue;
        };
        set_defaults(property, value);
        // Structs take their defaults from their keys.
        if property.get("properties").is_none() {
            if let Some(property) = property.as_object_mut() {
                property.insert("default".into(), to_json(value));
            }
        }
    }
}

/// A value as JSON; numbers from `values.yaml` are integers where they can be.
fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Json::from(*f as i64),
        Value::Float(f) => Json::from(*f),
        Value::String(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}
