//! How Helm combines values: `-f` files merge over each other, and the
//! result coalesces over the chart's defaults, where a `null` deletes a key.

use crate::yaml::{Map, Value};

/// Helm's `MergeMaps`: maps merge recursively, anything else (lists,
/// scalars, null) replaces.
pub fn merge_maps(dst: &mut Map, src: Map) {
    for (key, value) in src {
        match (dst.get_mut(&key), value) {
            (Some(Value::Map(d)), Value::Map(s)) => merge_maps(d, s),
            (_, value) => {
                dst.insert(key, value);
            }
        }
    }
}

/// Helm's `CoalesceValues` for a chart without subcharts: user values win
/// over the chart's, maps are merged, and a user `null` removes the key.
pub fn coalesce(mut user: Map, defaults: &Map) -> Map {
    for (key, default) in defaults {
        match user.get_mut(key) {
            Some(Value::Null) => {
                user.shift_remove(key);
            }
            Some(Value::Map(dst)) => {
                if let Value::Map(src) = default {
                    coalesce_tables(dst, src);
                }
            }
            Some(_) => {}
            None => {
                user.insert(key.clone(), default.clone());
            }
        }
    }
    user
}

/// Helm's `coalesceTablesFullKey` with `merge == false`.
fn coalesce_tables(dst: &mut Map, src: &Map) {
    // Helm copies the chart's values with copystructure, which turns an empty
    // map into nil, and a nil source leaves the user's table as it is: nulls
    // below a chart default of `{}` stay.
    if src.is_empty() {
        return;
    }
    // A null anywhere below the top level deletes the key, whether or not
    // the chart has it.
    let nulls: Vec<String> = dst
        .iter()
        .filter(|(_, v)| matches!(v, Value::Null))
        .map(|(k, _)| k.clone())
        .collect();
    for key in &nulls {
        dst.shift_remove(key);
    }
    for (key, default) in src {
        if nulls.contains(key) {
            continue;
        }
        match dst.get_mut(key) {
            None => {
                dst.insert(key.clone(), default.clone());
            }
            Some(Value::Map(d)) => {
                if let Value::Map(s) = default {
                    coalesce_tables(d, s);
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::load_values;

    fn map(text: &str) -> Map {
        load_values(text).unwrap()
    }

    #[test]
    fn files_merge_maps_and_replace_lists() {
        let mut a = map("x: {a: 1, b: 2}\nl: [1, 2]\n");
        merge_maps(&mut a, map("x: {b: 3}\nl: [9]\nn: null\n"));
        assert_eq!(a, map("x: {a: 1, b: 3}\nl: [9]\nn: null\n"));
    }

    #[test]
    fn null_deletes_chart_defaults() {
        let defaults = map("a: {b: 1, c: 2}\nd: 3\ne: null\n");
        let out = coalesce(map("a: {b: null}\nd: null\n"), &defaults);
        assert_eq!(out, map("a: {c: 2}\ne: null\n"));
    }

    #[test]
    fn nulls_stay_below_empty_chart_maps() {
        // helm v3.17 and v4.1 print `X: null` for --set config.oned.X=null.
        let defaults = map("config: {oned: {}}\nctx: {a: 1}\n");
        let out = coalesce(
            map("config: {oned: {X: null}}\nctx: {b: null}\n"),
            &defaults,
        );
        assert_eq!(out, map("config: {oned: {X: null}}\nctx: {a: 1}\n"));
    }

    #[test]
    fn user_scalars_win_over_tables() {
        let defaults = map("a: {b: 1}\n");
        assert_eq!(coalesce(map("a: x\n"), &defaults), map("a: x\n"));
    }
}
