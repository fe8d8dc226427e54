//! serde deserialisation of typed values from a [`Value`] tree.
//!
//! Numbers read from YAML are floats (as in Helm); an integer field accepts
//! them when they are integral, so `port: 3306` fills a `u16`.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::Value;

/// A deserialisation error; serde_path_to_error adds the key path, and
/// [`crate::values`] turns both into the message the user reads.
#[derive(Debug)]
pub enum Error {
    /// A key the struct does not have; `expected` are the keys it has.
    UnknownKey {
        key: String,
        expected: &'static [&'static str],
    },
    /// A key the struct needs (a `null` deleted it).
    MissingKey { key: &'static str },
    /// A string that is none of the enum's values.
    UnknownVariant {
        variant: String,
        expected: &'static [&'static str],
    },
    /// A value of the wrong type or out of range.
    Invalid {
        /// What was expected, in words ("a boolean", "an integer from 0 to 65535").
        expected: String,
        /// What was found, without its value ("a string").
        found: &'static str,
        /// The value found, as the user would write it (`"yes please"`, `70000`).
        value: Option<String>,
    },
    /// Any other error.
    Message(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownKey { key, .. } => write!(f, "unknown key `{key}`"),
            Error::MissingKey { key } => write!(f, "missing key `{key}`"),
            Error::UnknownVariant { variant, expected } => {
                write!(
                    f,
                    "expected one of {}, found {variant:?}",
                    backticked(expected)
                )
            }
            Error::Invalid {
                expected,
                found,
                value,
            } => match value {
                Some(value) => write!(f, "expected {expected}, found {found} {value}"),
                None => write!(f, "expected {expected}, found {found}"),
            },
            Error::Message(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Error::invalid(unexp, exp)
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Error::invalid(unexp, exp)
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::UnknownVariant {
            variant: variant.to_string(),
            expected,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Error::MissingKey { key: field }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::UnknownKey {
            key: field.to_string(),
            expected,
        }
    }
}

impl Error {
    fn invalid(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        use de::Unexpected as U;
        let (found, value) = match unexp {
            U::Bool(b) => ("the boolean", Some(b.to_string())),
            U::Unsigned(n) => ("the number", Some(n.to_string())),
            U::Signed(n) => ("the number", Some(n.to_string())),
            U::Float(n) => ("the number", Some(super::format_go_float(n))),
            U::Str(s) => ("the string", Some(shortened(s))),
            U::Unit | U::Option => ("null", None),
            U::Seq => ("a list", None),
            U::Map => ("a map", None),
            _ => ("a value", None),
        };
        Error::Invalid {
            expected: expected_in_words(&exp.to_string()),
            found,
            value,
        }
    }

    /// The same error without the value found (for secrets).
    pub fn redacted(self) -> Error {
        match self {
            Error::Invalid {
                expected, found, ..
            } => {
                let found = match found {
                    "the boolean" => "a boolean",
                    "the number" => "a number",
                    "the string" => "a string",
                    other => other,
                };
                Error::Invalid {
                    expected,
                    found,
                    value: None,
                }
            }
            other => other,
        }
    }
}

/// serde's names of what it expected, as a user of the chart says them.
fn expected_in_words(expected: &str) -> String {
    let range = |max: u64| format!("an integer from 0 to {max}");
    match expected {
        "u8" => range(u8::MAX.into()),
        "u16" => range(u16::MAX.into()),
        "u32" => range(u32::MAX.into()),
        "u64" => range(u64::MAX),
        "a sequence" => "a list".into(),
        e if e.starts_with("struct ") => "a map".into(),
        e => e.into(),
    }
}

/// A string quoted for a message, cut after 40 characters.
fn shortened(s: &str) -> String {
    if s.chars().count() <= 40 {
        return format!("{s:?}");
    }
    let head: String = s.chars().take(40).collect();
    format!("{head:?}...")
}

/// `a`, `b`, `c`
pub fn backticked(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deserialises from a borrowed [`Value`].
pub struct Deserializer<'a>(pub &'a Value);

impl<'de> de::Deserializer<'de> for Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Map(map) => visitor.visit_map(Map {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            other => Err(de::Error::invalid_type(unexpected(other), &"a string")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => visitor.visit_i64(*f as i64),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15 => {
                visitor.visit_u64(*f as u64)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_i64(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_i64(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_i64(v)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Seq(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
    }
}

struct Seq<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(v) => seed.deserialize(Deserializer(v)).map(Some),
            None => Ok(None),
        }
    }
}

struct Map<'a> {
    iter: indexmap::map::Iter<'a, String, Value>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(k))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().expect("value after key");
        seed.deserialize(Deserializer(value))
    }
}

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                <Value as de::Deserialize>::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
                Ok(Value::Int(i))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
                Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
            }
            fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
                Ok(Value::Float(f))
            }
            fn visit_str<E>(self, s: &str) -> Result<Value, E> {
                Ok(Value::String(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Value, E> {
                Ok(Value::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
                let mut map = super::Map::new();
                while let Some((k, v)) = access.next_entry::<String, Value>()? {
                    map.insert(k, v);
                }
                Ok(Value::Map(map))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}
