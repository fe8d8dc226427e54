//! Helm's value model and the two YAML dialects Helm speaks.
//!
//! Helm reads values files with `sigs.k8s.io/yaml`: YAML 1.1 resolution by
//! `yaml.v2` (`yes`, `on` and `y` are booleans, `0755` is octal), then a trip
//! through JSON, so every number read from a file becomes a `float64` and every
//! map key a string. Numbers from `--set` stay `int64`. [`Value`] keeps that
//! distinction because Go prints the two differently (`1e+06` vs `1000000`).
//!
//! [`load`] reads YAML the way Helm does, [`emit`] writes it the way Helm's
//! `toYaml` does, and [`de`] lets serde deserialise typed values from a
//! [`Value`] tree.

pub mod de;
pub mod emit;
pub mod load;

use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The deepest nesting of lists and maps onechart reads from values files
/// and `--set` (Helm stops at 10000): every deeper input is refused with an
/// error, so no recursion over values can exhaust a thread's stack.
pub const MAX_DEPTH: usize = 256;

/// A map of Helm values; the order is the order of appearance, which only
/// matters for error messages (Helm sorts keys whenever it prints a map).
pub type Map = IndexMap<String, Value>;

/// One Helm value, as Go's `interface{}` holds it after `sigs.k8s.io/yaml`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// An integer from `--set` (Go `int64`).
    Int(i64),
    /// A number from a YAML file (Go `float64`).
    Float(f64),
    String(String),
    Seq(Vec<Value>),
    Map(Map),
}

impl Value {
    /// A map of strings, as Chart.yaml and index.yaml hold annotations.
    pub fn string_map(pairs: &[(String, String)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }

    /// The name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// How deeply lists and maps nest in the value (a scalar is 0).
    pub fn depth(&self) -> usize {
        match self {
            Value::Seq(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            Value::Map(map) => 1 + map.values().map(Value::depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// How many values the value holds, itself included.
    pub fn size(&self) -> usize {
        match self {
            Value::Seq(items) => 1 + items.iter().map(Value::size).sum::<usize>(),
            Value::Map(map) => 1 + map.values().map(Value::size).sum::<usize>(),
            _ => 1,
        }
    }

    /// The value as Go's `fmt.Sprint` prints it (what `{{ x }}` shows).
    pub fn go_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_go_float(*f),
            Value::String(s) => s.clone(),
            Value::Seq(_) | Value::Map(_) => emit::to_yaml(self),
        }
    }
}

/// Formats a float like Go's `%v` and yaml.v2 do
/// (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits that round-trip,
/// with an exponent below 1e-4 and from 1e+06 on.
pub fn format_go_float(f: f64) -> String {
    let exp_limit = 6;
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, as Go does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= exp_limit {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::String(s) => serializer.serialize_str(s),
            Value::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

/// Any value: the schema of free-form Kubernetes fragments (resources,
/// affinity, extra volumes, ...), which Kubernetes checks, not the chart.
impl schemars::JsonSchema for Value {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AnyValue".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::Schema::from(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting() {
        #[track_caller]
        fn case(f: f64, expected: &str) {
            assert_eq!(format_go_float(f), expected);
        }
        case(3306.0, "3306");
        case(999999.0, "999999");
        case(1.5, "1.5");
        case(0.0001, "0.0001");
        case(0.00001, "1e-05");
        case(-2.0, "-2");
        case(1e21, "1e+21");
        case(0.0, "0");
        case(1000000.0, "1e+06");
        case(123456789.0, "1.23456789e+08");
        case(0.5, "0.5");
    }
}
