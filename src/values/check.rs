//! From combined values to typed [`Values`], and the messages when that
//! fails: the key path, the closest valid key for a misspelt one, what type
//! was expected and what was found.
//!
//! A message never shows a string value: any string of the values may be a
//! password in the wrong place (`--set mariadb.auth=S3cret`). It shows a
//! number or a boolean only where the key wants a number or a boolean (a
//! port of 70000); the chart's secrets are all strings. Keys are shown cut
//! to 64 characters, and the search for a close key skips candidates
//! whose length alone puts them too far, so a 1 MB key costs no time.

use anyhow::{anyhow, Result};
use serde_path_to_error::Segment;

use super::Values;
use crate::yaml::de::{backticked, Error};
use crate::yaml::{Map, Value};

/// Turns combined values into [`Values`]; the error names the key path.
pub fn typed(values: Map) -> Result<Values> {
    let root = Value::Map(values);
    serde_path_to_error::deserialize(crate::yaml::de::Deserializer(&root)).map_err(|err| {
        let path = err
            .path()
            .iter()
            .map(|segment| match segment {
                Segment::Seq { index } => index.to_string(),
                Segment::Map { key } => shown(key),
                Segment::Enum { variant } => shown(variant),
                Segment::Unknown => "?".to_string(),
            })
            .collect::<Vec<_>>();
        anyhow!("{}", message(&path, err.into_inner()))
    })
}

/// The message for a deserialisation error at the key path `path` (its
/// keys already [`shown`]).
fn message(path: &[String], error: Error) -> String {
    let at = |path: &[String]| {
        if path.is_empty() {
            "invalid values".to_string()
        } else {
            format!("invalid values at `{}`", path.join("."))
        }
    };
    match error {
        // The path is the struct's; Helm fails here with "nil pointer
        // evaluating interface {}.enabled".
        Error::MissingKey { key } => format!(
            "{}: the chart needs this key (a null deleted it; set the keys below it instead)",
            at(&[path, &[key.to_string()]].concat())
        ),
        Error::UnknownKey { key, expected } => {
            // The path ends with the unknown key itself.
            let parent = &path[..path.len().saturating_sub(1)];
            let full = |k: &str| [parent, &[k.to_string()]].concat().join(".");
            match closest(&key, expected) {
                Some(near) => format!("{}: unknown key, did you mean `{}`?", at(path), full(near)),
                None => format!(
                    "{}: unknown key; the keys {} are {}",
                    at(path),
                    if parent.is_empty() {
                        "at the top".to_string()
                    } else {
                        format!("of `{}`", parent.join("."))
                    },
                    backticked(expected)
                ),
            }
        }
        Error::UnknownVariant { variant, expected } => {
            let one_of = format!("expected one of {}", backticked(expected));
            match closest(&variant, expected) {
                Some(near) => format!("{}: {one_of} (did you mean `{near}`?)", at(path)),
                None => format!("{}: {one_of}", at(path)),
            }
        }
        Error::Invalid {
            ref expected,
            found,
            ..
        } => {
            let wants_scalar = expected.starts_with("an integer")
                || expected == "a boolean"
                || expected == "a number";
            let scalar = matches!(found, "the number" | "the boolean");
            if wants_scalar && scalar {
                return format!("{}: {error}", at(path));
            }
            let wants_string = expected == "a string";
            let redacted = error.redacted();
            match found {
                "the number" | "the boolean" if wants_string => {
                    format!("{}: {redacted} (quote it, or use --set-string)", at(path))
                }
                _ => format!("{}: {redacted}", at(path)),
            }
        }
        error => format!("{}: {error}", at(path)),
    }
}

/// Text from the input (a key, a name) as a message shows it: at most 64
/// characters, control characters escaped, so that a message stays one
/// short line whatever the input.
pub fn shown(text: &str) -> String {
    const MAX: usize = 64;
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == MAX {
            out.push_str(&format!("...({} characters)", text.chars().count()));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The candidate closest to `word` by edit distance (a transposition counts
/// once, case is ignored), if it is close enough to be a misspelling.
/// Candidates too short or too long to be that close are not compared.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let len = word.chars().count();
    let near = |c: &str| {
        let c_len = c.chars().count();
        let limit = (len.min(c_len) / 3).max(1);
        (len.abs_diff(c_len) <= limit).then_some(limit)
    };
    if !candidates.iter().any(|c| near(c).is_some()) {
        return None;
    }
    let word = word.to_lowercase();
    candidates
        .iter()
        .filter_map(|c| near(c).map(|limit| (limit, *c)))
        .map(|(limit, c)| (strsim::osa_distance(&word, &c.to_lowercase()), limit, c))
        .filter(|(distance, limit, _)| distance <= limit)
        .min_by_key(|(distance, _, _)| *distance)
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_keys() {
        let keys = ["enabled", "image", "auth", "primary"];
        assert_eq!(closest("enabeld", &keys), Some("enabled"));
        assert_eq!(closest("Enabled", &keys), Some("enabled"));
        assert_eq!(closest("imag", &keys), Some("image"));
        assert_eq!(closest("database", &keys), None);
        assert_eq!(closest("x", &keys), None);
        // A long word is compared with nothing.
        assert_eq!(closest(&"e".repeat(1 << 20), &keys), None);
        assert_eq!(
            closest("loadBalancerIp", &["enabled", "loadBalancerIP"]),
            Some("loadBalancerIP")
        );
    }
}
