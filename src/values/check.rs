//! From combined values to typed [`Values`], and the messages when that
//! fails: the key path, the closest valid key for a misspelt one, what type
//! was expected and what was found (never a password's value).

use anyhow::{anyhow, Result};

use super::Values;
use crate::yaml::de::{backticked, Error};
use crate::yaml::{Map, Value};

/// Turns combined values into [`Values`]; the error names the key path.
pub fn typed(values: Map) -> Result<Values> {
    let root = Value::Map(values);
    serde_path_to_error::deserialize(crate::yaml::de::Deserializer(&root)).map_err(|err| {
        let path = err.path().to_string();
        anyhow!("{}", message(&path, err.into_inner()))
    })
}

/// The message for a deserialisation error at `path`.
fn message(path: &str, error: Error) -> String {
    let at = |path: &str| {
        if path == "." || path.is_empty() {
            "invalid values".to_string()
        } else {
            format!("invalid values at `{path}`")
        }
    };
    match error {
        // The path is the struct's; Helm fails here with "nil pointer
        // evaluating interface {}.enabled".
        Error::MissingKey { key } => format!(
            "{}: the chart needs this key (a null deleted it; set the keys below it instead)",
            at(&if path == "." {
                key.to_string()
            } else {
                format!("{path}.{key}")
            })
        ),
        Error::UnknownKey { key, expected } => {
            let parent = path
                .strip_suffix(key.as_str())
                .map(|p| p.strip_suffix('.').unwrap_or(p))
                .unwrap_or_default();
            let full = |k: &str| {
                if parent.is_empty() {
                    k.to_string()
                } else {
                    format!("{parent}.{k}")
                }
            };
            match closest(&key, expected) {
                Some(near) => format!("{}: unknown key, did you mean `{}`?", at(path), full(near)),
                None => format!(
                    "{}: unknown key; the keys {} are {}",
                    at(path),
                    if parent.is_empty() {
                        "at the top".to_string()
                    } else {
                        format!("of `{parent}`")
                    },
                    backticked(expected)
                ),
            }
        }
        Error::UnknownVariant {
            ref variant,
            expected,
        } => match closest(variant, expected) {
            Some(near) => format!("{}: {error} (did you mean `{near}`?)", at(path)),
            None => format!("{}: {error}", at(path)),
        },
        Error::Invalid { .. } if is_secret(path) => format!("{}: {}", at(path), error.redacted()),
        Error::Invalid {
            ref expected,
            found: "the number" | "the boolean",
            ..
        } if expected == "a string" => {
            format!("{}: {error} (quote it, or use --set-string)", at(path))
        }
        error => format!("{}: {error}", at(path)),
    }
}

/// Whether the key holds a secret, whose value no message may show.
fn is_secret(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    last.contains("password") || last.contains("privatekey")
}

/// The candidate closest to `word` by edit distance (a transposition counts
/// once, case is ignored), if it is close enough to be a misspelling.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&word, &c.to_lowercase()), *c))
        .filter(|(distance, c)| *distance <= (word.len().min(c.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
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
        assert_eq!(
            closest("loadBalancerIp", &["enabled", "loadBalancerIP"]),
            Some("loadBalancerIP")
        );
    }
}
