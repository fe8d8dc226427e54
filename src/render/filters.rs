//! The Go template and sprig functions the templates use, with Go's output:
//! `quote`, `b64enc`, `toYaml`, `indent`, `nindent`.

use base64::Engine;
use minijinja::value::{Value as JValue, ValueKind};
use minijinja::{Error, ErrorKind};

use crate::release::go_quote;
use crate::yaml::{emit, Map, Value};

/// Converts a template value back into a Helm value.
pub fn to_helm_value(v: &JValue) -> Result<Value, Error> {
    Ok(match v.kind() {
        ValueKind::Undefined | ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => {
            if v.is_integer() {
                Value::Int(i64::try_from(v.clone())?)
            } else {
                Value::Float(f64::try_from(v.clone())?)
            }
        }
        ValueKind::String => Value::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Seq | ValueKind::Iterable => {
            let mut items = Vec::new();
            for item in v.try_iter()? {
                items.push(to_helm_value(&item)?);
            }
            Value::Seq(items)
        }
        ValueKind::Map => {
            let mut map = Map::new();
            for key in v.try_iter()? {
                let item = v.get_item(&key)?;
                map.insert(key.to_string(), to_helm_value(&item)?);
            }
            Value::Map(map)
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("cannot convert {} to YAML", v.kind()),
            ))
        }
    })
}

/// Go's `fmt.Sprint` of a value, as sprig's `strval` does.
fn go_string(v: &JValue) -> Result<String, Error> {
    Ok(to_helm_value(v)?.go_string())
}

/// sprig `quote`: `%q` of the value's string form; nothing for nil.
pub fn quote(v: JValue) -> Result<String, Error> {
    if v.is_none() || v.is_undefined() {
        return Ok(String::new());
    }
    Ok(go_quote(&go_string(&v)?))
}

/// sprig `b64enc`.
pub fn b64enc(v: JValue) -> Result<String, Error> {
    Ok(base64::engine::general_purpose::STANDARD.encode(go_string(&v)?))
}

/// Helm `toYaml`.
pub fn toyaml(v: JValue) -> Result<String, Error> {
    Ok(emit::to_yaml(&to_helm_value(&v)?))
}

/// sprig `indent`: every line, empty ones included, gets `width` spaces.
pub fn indent(s: String, width: usize) -> String {
    let pad = " ".repeat(width);
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// sprig `nindent`: a newline, then `indent`.
pub fn nindent(s: String, width: usize) -> String {
    format!("\n{}", indent(s, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_pads_every_line() {
        assert_eq!(nindent("a: 1\n\nb: 2".into(), 2), "\n  a: 1\n  \n  b: 2");
    }

    #[test]
    fn quote_prints_go_values() {
        assert_eq!(quote(JValue::from(3306)).unwrap(), "\"3306\"");
        assert_eq!(quote(JValue::from(1000000.0)).unwrap(), "\"1e+06\"");
        assert_eq!(quote(JValue::from(true)).unwrap(), "\"true\"");
        assert_eq!(quote(JValue::from(())).unwrap(), "");
    }
}
