//! The values reference: a Markdown table of every key of the chart's values
//! (path, type, default, description) in the style of helm-docs, made from
//! the JSON Schema [`crate::schema::generate`] derives from the Rust types in
//! [`crate::values`]: their doc comments are the descriptions, `values.yaml`
//! gives the defaults. So the table, `values.schema.json` and onechart's own
//! checks describe the same values.
//!
//! `chart/README.md` holds the table between [`BEGIN`] and [`END`];
//! `onechart schema --markdown --update chart/README.md` rewrites it there and
//! a test fails when it is stale.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;

/// The line before the table in a README.
pub const BEGIN: &str = "<!-- values-reference:begin (generated: onechart schema --markdown --update chart/README.md) -->";
/// The line after it.
pub const END: &str = "<!-- values-reference:end -->";

/// A README larger than this is refused (chart/README.md is ~15 KiB).
const MAX_README: u64 = 4 << 20;

/// The table, with a final newline.
pub fn table() -> String {
    let mut rows = Vec::new();
    collect(&crate::schema::generate(), &mut Vec::new(), &mut rows);
    let mut out =
        String::from("| Key | Type | Default | Description |\n| --- | --- | --- | --- |\n");
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// One row per key that holds a value (not a group of keys), in the
/// schema's order (the order of the fields, which is values.yaml's).
fn collect(schema: &Json, path: &mut Vec<String>, rows: &mut Vec<String>) {
    match schema.get("properties").and_then(Json::as_object) {
        Some(properties) => {
            for (key, property) in properties {
                path.push(key.clone());
                collect(property, path, rows);
                path.pop();
            }
        }
        None => rows.push(format!(
            "| `{}` | {} | {} | {} |",
            escape(&path.join(".")),
            escape(&type_of(schema)),
            default_of(schema),
            escape(&description_of(schema))
        )),
    }
}

/// What a user may write: `string`, `boolean`, `integer, 0 to 65535`,
/// `one of `A`, `B``, `map of strings`, `list`, `object` (free-form).
fn type_of(schema: &Json) -> String {
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        let values: Vec<String> = values.iter().map(|v| format!("`{}`", plain(v))).collect();
        return format!("one of {}", values.join(", "));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    let mut names: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "integer" | "number" => range(t, schema),
            "object" => match schema.get("additionalProperties") {
                Some(Json::Object(inner)) => {
                    format!("map of {}s", type_of(&Json::Object(inner.clone())))
                }
                _ => "object".to_string(),
            },
            "array" => match schema.get("items") {
                Some(Json::Object(inner)) => {
                    format!("list of {}s", type_of(&Json::Object(inner.clone())))
                }
                _ => "list".to_string(),
            },
            other => other.to_string(),
        })
        .collect();
    if names.is_empty() {
        names.push("any".to_string());
    }
    if types.contains(&"null") {
        names.push("null".to_string());
    }
    names.join(" or ")
}

/// `integer, 0 to 65535`, `integer, 0 or more`, `integer`.
fn range(name: &str, schema: &Json) -> String {
    match (schema.get("minimum"), schema.get("maximum")) {
        (Some(min), Some(max)) => format!("{name}, {min} to {max}"),
        (Some(min), None) => format!("{name}, {min} or more"),
        (None, Some(max)) => format!("{name}, {max} or less"),
        (None, None) => name.to_string(),
    }
}

/// The default as compact JSON in code quotes (`""` for an empty string).
fn default_of(schema: &Json) -> String {
    match schema.get("default") {
        Some(value) => format!("`{}`", escape(&value.to_string())),
        None => String::new(),
    }
}

fn description_of(schema: &Json) -> String {
    schema
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A JSON scalar without JSON quotes.
fn plain(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A table cell: `|` would end it (GitHub reads `\|` as a pipe even inside
/// code quotes), a line break would end the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `text` with the lines between [`BEGIN`] and [`END`] replaced by `table`;
/// an error unless each marker is there once, on a line of its own, in order.
pub fn replace_in(text: &str, table: &str) -> Result<String> {
    let find = |marker: &str| -> Result<usize> {
        let mut found = text.match_indices(marker).map(|(i, _)| i);
        match (found.next(), found.next()) {
            (Some(at), None)
                if (at == 0 || text[..at].ends_with('\n'))
                    && text[at + marker.len()..].starts_with('\n') =>
            {
                Ok(at)
            }
            _ => bail!("expected the line {marker} once"),
        }
    };
    let begin = find(BEGIN)?;
    let end = find(END)?;
    if end < begin {
        bail!("{END} comes before {BEGIN}");
    }
    let after_begin = begin + BEGIN.len() + 1;
    Ok(format!("{}{table}{}", &text[..after_begin], &text[end..]))
}

/// Rewrites the table in the file at `path` (atomically; untouched when it
/// is already current).
pub fn update(path: &Path) -> Result<()> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {shown}"))?
        .len();
    if size > MAX_README {
        bail!("{shown}: larger than {MAX_README} bytes");
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    let updated = replace_in(&text, &table()).with_context(|| format!("{shown}"))?;
    if updated != text {
        crate::package::write_atomically(path, updated.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_as_a_user_writes_them() {
        assert_eq!(type_of(&json!({"type": "string"})), "string");
        assert_eq!(
            type_of(&json!({"type": "integer", "minimum": 0, "maximum": 65535})),
            "integer, 0 to 65535"
        );
        assert_eq!(
            type_of(&json!({"type": ["integer", "null"], "minimum": 0})),
            "integer, 0 or more or null"
        );
        assert_eq!(
            type_of(&json!({"type": "string", "enum": ["Always", "Never"]})),
            "one of `Always`, `Never`"
        );
        assert_eq!(
            type_of(&json!({"type": "object", "additionalProperties": {"type": "string"}})),
            "map of strings"
        );
        assert_eq!(
            type_of(&json!({"type": "object", "additionalProperties": true})),
            "object"
        );
        assert_eq!(type_of(&json!({"type": "array", "items": true})), "list");
    }

    #[test]
    fn cells_never_break_the_table() {
        let mut rows = Vec::new();
        collect(
            &json!({"properties": {"a": {"type": "string", "default": "x|y",
                "description": "one | two\nthree"}}}),
            &mut Vec::new(),
            &mut rows,
        );
        assert_eq!(rows, ["| `a` | string | `\"x\\|y\"` | one \\| two three |"]);
    }

    #[test]
    fn every_key_of_the_chart_has_a_row() {
        let table = table();
        for key in [
            "image.repository",
            "mariadb.primary.persistence.size",
            "hypervisorService.nodePorts.oned",
            "opennebula.config.oned",
            "tests.image.tag",
        ] {
            assert!(table.contains(&format!("| `{key}` |")), "{key}");
        }
        assert!(
            !table.contains("| `mariadb` |"),
            "groups of keys get no row"
        );
    }

    #[test]
    fn the_table_goes_between_the_markers_only() {
        let text = format!("intro\n{BEGIN}\nold\n{END}\nrest\n");
        assert_eq!(
            replace_in(&text, "| new |\n").unwrap(),
            format!("intro\n{BEGIN}\n| new |\n{END}\nrest\n")
        );
        assert!(replace_in("no markers\n", "x").is_err());
        assert!(replace_in(&format!("{END}\n{BEGIN}\n"), "x").is_err());
        assert!(replace_in(&format!("{BEGIN}\n{BEGIN}\n{END}\n"), "x").is_err());
        assert!(replace_in(&format!("x {BEGIN}\n{END}\n"), "x").is_err());
    }
}
