//! Helm's `lookup` function, answered from objects given to onechart.
//!
//! `helm template` answers every lookup with an empty map (it never talks to
//! a cluster); that is what an empty [`Objects`] does too.

use crate::yaml::{Map, Value};

/// The cluster objects lookups resolve against.
#[derive(Debug, Default, Clone)]
pub struct Objects {
    items: Vec<Map>,
}

impl Objects {
    /// Objects that answer every lookup with "not found", like `helm template`.
    pub fn none() -> Objects {
        Objects::default()
    }

    /// `lookup apiVersion kind namespace name` for a named object: the whole
    /// object, or an empty map when it does not exist.
    pub fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Map {
        self.items
            .iter()
            .find(|obj| {
                str_at(obj, &["apiVersion"]) == Some(api_version)
                    && str_at(obj, &["kind"]) == Some(kind)
                    && str_at(obj, &["metadata", "name"]) == Some(name)
                    && (namespace.is_empty()
                        || str_at(obj, &["metadata", "namespace"]) == Some(namespace))
            })
            .cloned()
            .unwrap_or_default()
    }
}

fn str_at<'a>(map: &'a Map, path: &[&str]) -> Option<&'a str> {
    let (last, parents) = path.split_last()?;
    let mut cur = map;
    for key in parents {
        match cur.get(*key) {
            Some(Value::Map(m)) => cur = m,
            _ => return None,
        }
    }
    match cur.get(*last) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}
