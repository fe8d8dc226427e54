//! Reads YAML as Helm reads values files: `yaml.v2` resolution (YAML 1.1),
//! then `sigs.k8s.io/yaml`'s trip through JSON (numbers become floats, map
//! keys become strings, timestamps stay strings).
//!
//! Tags resolve as yaml.v2's `resolve` does: `!!str`, `!!int`, `!!float`,
//! `!!bool`, `!!null` and `!!timestamp` must fit the scalar (`!!int abc` is
//! an error, `!!float 1` a float), `!!binary` is base64, and any other tag
//! (`!foo 5`, `!!map 5`, `! 5`) leaves the text a string. A `%YAML`
//! directive other than 1.1 is refused as yaml.v2 refuses it.
//! `sigs.k8s.io/yaml` reads only the first document ([`load_first`]: what
//! follows is never parsed, so it may be anything); Helm 4 reads values
//! files ([`load_values`]) as k8s.io's YAMLReader splits them at `---`
//! lines, each part read as a first document, the maps merged.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, Scanner, TScalarStyle, TokenType};

use super::{Map, Value, MAX_DEPTH};

/// A YAML syntax or structure error with its 1-based position.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LoadError {}

/// Parses every document of a YAML stream into Helm values. Rendered
/// manifests nest values a few levels below their own, so they may nest
/// twice as deep as values files.
pub fn load_all(text: &str) -> Result<Vec<Value>, LoadError> {
    load_with_limit(text, 2 * MAX_DEPTH, false)
}

/// [`load_all`] for Helm's `SimpleHead` of rendered manifests: the same
/// errors for the same input, but each document keeps only its `kind` and
/// `metadata.annotations."helm.sh/hook"` (with anything merged or aliased
/// into them); other entries hold placeholders of the same type. Most of a
/// manifest is never built, which makes this several times cheaper.
pub fn load_heads(text: &str) -> Result<Vec<Value>, LoadError> {
    load_with_limit(text, 2 * MAX_DEPTH, true)
}

/// What Helm reads of a rendered manifest (its `SimpleHead`): the kind and
/// the hook annotation, whatever their types.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head<'a> {
    pub kind: Option<&'a Value>,
    pub hook: Option<&'a Value>,
}

impl<'a> Head<'a> {
    pub fn of(doc: &'a Value) -> Head<'a> {
        let at = |path: &[&str]| {
            path.iter().try_fold(doc, |value, key| match value {
                Value::Map(map) => map.get(*key),
                _ => None,
            })
        };
        Head {
            kind: at(&["kind"]),
            hook: at(&["metadata", "annotations", "helm.sh/hook"]),
        }
    }
}

/// The first document of the text, as `sigs.k8s.io/yaml`'s `Unmarshal`
/// reads Chart.yaml, index.yaml and one part of a values file: the rest is
/// never parsed; `Null` without a document.
pub fn load_first(text: &str) -> Result<Value, LoadError> {
    let docs = load_documents(text, 2 * MAX_DEPTH, false, true)?;
    Ok(docs.into_iter().next().unwrap_or(Value::Null))
}

fn load_with_limit(text: &str, max_depth: usize, heads: bool) -> Result<Vec<Value>, LoadError> {
    load_documents(text, max_depth, heads, false)
}

/// yaml.v2 (libyaml) accepts `%YAML 1.1` only, once.
fn check_version_directive(text: &str) -> Result<(), LoadError> {
    let mut seen = false;
    for token in Scanner::new(text.chars()) {
        match token.1 {
            TokenType::StreamStart(_) | TokenType::TagDirective(..) => {}
            TokenType::VersionDirective(major, minor) => {
                let message = if seen {
                    "found duplicate %YAML directive"
                } else if (major, minor) != (1, 1) {
                    "found incompatible YAML document"
                } else {
                    seen = true;
                    continue;
                };
                return Err(LoadError {
                    line: token.0.line(),
                    column: token.0.col() + 1,
                    message: message.into(),
                });
            }
            _ => break,
        }
    }
    Ok(())
}

fn load_documents(
    text: &str,
    max_depth: usize,
    heads: bool,
    first_only: bool,
) -> Result<Vec<Value>, LoadError> {
    // sigs.k8s.io/yaml strips a UTF-8 byte order mark like Helm's loader does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("%YAML") {
        check_version_directive(text)?;
    }
    let mut builder = Builder {
        max_depth,
        heads,
        ..Builder::default()
    };
    let mut parser = Parser::new_from_str(text);
    // Events one by one: yaml-rust2's own `load` recurses once per nesting
    // level, and a deeply nested block overflowed the stack.
    loop {
        let (event, mark) = parser.next_token().map_err(|err| {
            let mark = err.marker();
            let message = match err.info() {
                // yaml-rust2 counts flow levels in a u8.
                "recursion limit exceeded" => {
                    "flow lists and maps nested deeper than 255 levels".to_string()
                }
                info => info.to_string(),
            };
            LoadError {
                line: mark.line(),
                column: mark.col() + 1,
                message,
            }
        })?;
        let end = event == Event::StreamEnd || (first_only && event == Event::DocumentEnd);
        builder.on_event(event, mark);
        if let Some(err) = builder.error {
            return Err(err);
        }
        if end {
            return Ok(builder.docs);
        }
    }
}

/// Parses a values file as Helm 4's `LoadValues` does: split into parts
/// at `---` lines ([`helm_documents`]), the first document of each part
/// read, every part a map (or empty), later parts merged over earlier ones.
/// (Helm 3 reads the first document only; both agree on single-document
/// files.)
pub fn load_values(text: &str) -> Result<Map, LoadError> {
    let mut out = Map::new();
    for (first_line, part) in helm_documents(text)? {
        let at = |mut err: LoadError| {
            err.line += first_line - 1;
            err
        };
        let docs = load_documents(&part, MAX_DEPTH, false, true).map_err(at)?;
        match docs.into_iter().next() {
            None | Some(Value::Null) => {}
            Some(Value::Map(map)) => super::super::values::merge::merge_maps(&mut out, map),
            Some(other) => {
                return Err(LoadError {
                    line: first_line,
                    column: 1,
                    message: format!(
                        "a values file must be a map of keys, not {}",
                        other.type_name()
                    ),
                })
            }
        }
    }
    Ok(out)
}

/// k8s.io/apimachinery's `YAMLReader` (as Helm 4 reads values files): the
/// lines (`\r\n` read as `\n`) between lines that start with `---`, which
/// may be followed by spaces and a comment only; each part with the number
/// of its first line. Empty parts are skipped.
pub fn helm_documents(text: &str) -> Result<Vec<(usize, String)>, LoadError> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut first_line = 1;
    let mut number = 0;
    for line in text.split_inclusive('\n') {
        number += 1;
        let line = line
            .strip_suffix('\n')
            .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim_matches(|c: char| c.is_whitespace());
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(LoadError {
                    line: number,
                    column: 4,
                    message:
                        "invalid document separator: only a comment may follow `---` on its line"
                            .into(),
                });
            }
            if !part.is_empty() {
                parts.push((first_line, std::mem::take(&mut part)));
            }
            first_line = number + 1;
            continue;
        }
        part.push_str(line);
        part.push('\n');
    }
    if !part.is_empty() {
        parts.push((first_line, part));
    }
    Ok(parts)
}

/// How much of a node is built.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// All of it.
    All,
    /// A map on the path to the head's fields, at this depth of [`HEAD`].
    Head(usize),
    /// Only its type, with the checks its content needs.
    Shape,
}

/// The entries kept of each map on the path to the head's fields.
const HEAD: &[&[(&str, Keep)]] = &[
    &[("kind", Keep::All), ("metadata", Keep::Head(1))],
    &[("annotations", Keep::Head(2))],
    &[("helm.sh/hook", Keep::All)],
];

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        keep: Keep,
    },
    Map {
        map: Map,
        anchor: usize,
        /// The key waiting for its value; `None` for a merge key (`<<`).
        key: Option<Option<String>>,
        keep: Keep,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Value>,
    /// The deepest nesting of lists and maps allowed.
    max_depth: usize,
    /// Build only the heads of documents ([`load_heads`]).
    heads: bool,
    /// Each anchor's value, with its depth and size.
    anchors: HashMap<usize, (Value, usize, usize)>,
    /// Values decoded, those from aliases included, and those from aliases
    /// (yaml.v2's `decodeCount` and `aliasCount`).
    decoded: usize,
    from_aliases: usize,
    error: Option<LoadError>,
}

impl Builder {
    fn fail(&mut self, mark: Marker, message: String) {
        if self.error.is_none() {
            self.error = Some(LoadError {
                line: mark.line(),
                column: mark.col() + 1,
                message,
            });
        }
    }

    /// How much of the next node to build. Keys, merged values and anchored
    /// nodes are always built whole: they may end up in a head.
    fn keep_next(&self, anchor: usize) -> Keep {
        if anchor > 0 {
            return Keep::All;
        }
        match self.stack.last() {
            None if self.heads => Keep::Head(0),
            None => Keep::All,
            Some(Frame::Seq { keep, .. }) if *keep == Keep::All => Keep::All,
            Some(Frame::Seq { .. }) => Keep::Shape,
            Some(Frame::Map { keep, key, .. }) => match (keep, key) {
                (Keep::All, _) | (_, None | Some(None)) => Keep::All,
                (Keep::Shape, _) => Keep::Shape,
                (Keep::Head(depth), Some(Some(key))) => HEAD[*depth]
                    .iter()
                    .find(|(wanted, _)| wanted == key)
                    .map_or(Keep::Shape, |(_, keep)| *keep),
            },
        }
    }

    /// Adds a finished node to its parent (or as a document).
    fn push_value(&mut self, value: Value, anchor: usize, mark: Marker) {
        if anchor > 0 {
            let (depth, size) = (value.depth(), value.size());
            self.anchors.insert(anchor, (value.clone(), depth, size));
        }
        match self.stack.last_mut() {
            None => self.docs.push(value),
            Some(Frame::Seq {
                keep: Keep::All,
                items,
                ..
            }) => items.push(value),
            Some(Frame::Seq { .. }) => {}
            Some(Frame::Map { map, key, keep, .. }) => match key.take() {
                None => match map_key(&value) {
                    Ok(k) => *key = Some(Some(k)),
                    Err(message) => self.fail(mark, message),
                },
                Some(Some(k)) => {
                    if *keep != Keep::Shape {
                        map.insert(k, value);
                    }
                }
                Some(None) => {
                    if let Err(message) = merge_into(map, value) {
                        self.fail(mark, message);
                    }
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        if matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        ) {
            self.decoded += 1;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                // `<<` in key position is a merge key when plain (untagged
                // or `!`) or tagged `!!merge` (yaml.v2's isMerge).
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                let full_tag = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix));
                let implicit =
                    style == TScalarStyle::Plain && full_tag.as_deref().is_none_or(|t| t == "!");
                let merge_tag = full_tag.as_deref() == Some("tag:yaml.org,2002:merge");
                if is_key && text == "<<" && (implicit || merge_tag) {
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(None);
                    }
                    return;
                }
                // Only tagged scalars can fail to resolve.
                if self.keep_next(anchor) == Keep::Shape && tag.is_none() {
                    return self.push_value(Value::Null, anchor, mark);
                }
                match resolve_scalar(&text, style, tag.as_ref()) {
                    Ok(value) => self.push_value(value, anchor, mark),
                    Err(message) => self.fail(mark, message),
                }
            }
            Event::Alias(id) => {
                let Some((_, depth, size)) = self.anchors.get(&id) else {
                    return self.fail(mark, "unknown anchor".into());
                };
                let (depth, size) = (*depth, *size);
                if self.stack.len() + depth > self.max_depth {
                    return self.fail(mark, too_deep(self.max_depth));
                }
                // Checked before the copy: a billion laughs never gets built.
                self.decoded += 1 + size;
                self.from_aliases += size;
                if excessive_aliasing(self.decoded, self.from_aliases) {
                    return self.fail(mark, "document contains excessive aliasing".into());
                }
                let value = self.anchors[&id].0.clone();
                self.push_value(value, 0, mark);
            }
            Event::SequenceStart(..) | Event::MappingStart(..)
                if self.stack.len() >= self.max_depth =>
            {
                self.fail(mark, too_deep(self.max_depth));
            }
            Event::SequenceStart(anchor, _) => {
                let keep = self.keep_next(anchor);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    keep,
                });
            }
            Event::MappingStart(anchor, _) => {
                let keep = self.keep_next(anchor);
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    anchor,
                    key: None,
                    keep,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, anchor, .. }) = self.stack.pop() {
                    self.push_value(Value::Seq(items), anchor, mark);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { map, anchor, .. }) = self.stack.pop() {
                    self.push_value(Value::Map(map), anchor, mark);
                }
            }
            Event::DocumentEnd => {
                self.anchors.clear();
                (self.decoded, self.from_aliases) = (0, 0);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart => {}
        }
    }
}

fn too_deep(max_depth: usize) -> String {
    format!("lists and maps nested deeper than {max_depth} levels")
}

/// yaml.v2's guard against alias bombs (`allowedAliasRatio`): past 100
/// values from aliases and 1000 in all, at most 99% may come from aliases,
/// down to 10% from 400,000 to 4,000,000 values.
fn excessive_aliasing(decoded: usize, from_aliases: usize) -> bool {
    let (low, high) = (400_000.0, 4_000_000.0);
    let decoded_f = decoded as f64;
    let allowed = if decoded_f <= low {
        0.99
    } else if decoded_f >= high {
        0.10
    } else {
        0.99 - 0.89 * ((decoded_f - low) / (high - low))
    };
    from_aliases > 100 && decoded > 1000 && from_aliases as f64 / decoded_f > allowed
}

/// yaml.v2's merge: a map, or a list of maps where earlier ones win.
fn merge_into(map: &mut Map, value: Value) -> Result<(), String> {
    match value {
        Value::Map(src) => {
            for (k, v) in src {
                map.insert(k, v);
            }
            Ok(())
        }
        Value::Seq(items) => {
            for item in items.into_iter().rev() {
                match item {
                    Value::Map(src) => {
                        for (k, v) in src {
                            map.insert(k, v);
                        }
                    }
                    _ => {
                        return Err("map merge requires map or sequence of maps as the value".into())
                    }
                }
            }
            Ok(())
        }
        _ => Err("map merge requires map or sequence of maps as the value".into()),
    }
}

/// The string a map key becomes after sigs.k8s.io/yaml's JSON conversion.
fn map_key(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Int(i) => Ok(i.to_string()),
        // Go formats float keys with 32-bit precision.
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        Value::Float(f) => Ok(super::format_go_float(f64::from(*f as f32))),
        Value::Null => Err("unsupported map key: null".into()),
        Value::Seq(_) | Value::Map(_) => Err(format!("unsupported map key: {}", value.type_name())),
    }
}

/// The prefix of YAML's own tags (`!!int` is `tag:yaml.org,2002:int`).
const CORE: &str = "tag:yaml.org,2002:";

/// What yaml.v2's `resolve` made of a scalar: its tag (the short name).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
}

impl Resolved {
    fn tag(self) -> &'static str {
        match self {
            Resolved::Str => "str",
            Resolved::Bool => "bool",
            Resolved::Int => "int",
            Resolved::Float => "float",
            Resolved::Null => "null",
            Resolved::Timestamp => "timestamp",
        }
    }
}

fn resolve_scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag = match tag {
        // yaml.v2: an untagged quoted or block scalar is a string.
        None if style != TScalarStyle::Plain => return Ok(Value::String(text.to_string())),
        None => return Ok(resolve_plain(text)),
        Some(tag) => format!("{}{}", tag.handle, tag.suffix),
    };
    let Some(wanted) = tag.strip_prefix(CORE) else {
        // A local tag (`!foo`, `!`): not resolvable, the text stays a string.
        return Ok(Value::String(text.to_string()));
    };
    match wanted {
        "str" => return Ok(Value::String(text.to_string())),
        "binary" => {
            use base64::Engine;
            // Go's base64 decoder skips line breaks, nothing else, and
            // accepts stray bits at the end.
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
            );
            let clean: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
            let bytes = engine
                .decode(clean)
                .map_err(|_| "!!binary value contains invalid base64 data".to_string())?;
            return Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        }
        "bool" | "int" | "float" | "null" | "timestamp" => {}
        // !!map, !!seq, !!merge, !!set, ... on a scalar: not resolvable.
        _ => return Ok(Value::String(text.to_string())),
    }
    let (resolved, value) = resolve(text, wanted == "timestamp");
    match (wanted, resolved) {
        (w, r) if w == r.tag() => Ok(value),
        // An integer read as !!float is a float (it is one already).
        ("float", Resolved::Int) => Ok(value),
        // The value is not shown: it may be a password.
        (w, r) => Err(format!("cannot decode !!{} as a !!{w}", r.tag())),
    }
}

/// yaml.v2's `resolve` for an untagged plain scalar, with numbers as JSON
/// (float64) numbers.
pub fn resolve_plain(text: &str) -> Value {
    resolve(text, true).1
}

/// yaml.v2's `resolve`: what the scalar is and its value (numbers as JSON
/// float64, timestamps as their text); timestamps are recognised only for
/// an untagged or `!!timestamp` scalar.
fn resolve(text: &str, timestamps: bool) -> (Resolved, Value) {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return (Resolved::Bool, Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return (Resolved::Bool, Value::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => return (Resolved::Null, Value::Null),
        ".nan" | ".NaN" | ".NAN" => return (Resolved::Float, Value::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return (Resolved::Float, Value::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return (Resolved::Float, Value::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    if timestamps && text.starts_with(|c: char| c.is_ascii_digit()) && is_timestamp(text) {
        return (Resolved::Timestamp, Value::String(text.to_string()));
    }
    match resolve_number_after_timestamps(text) {
        Some(Number::Int(i)) => (Resolved::Int, Value::Float(i as f64)),
        Some(Number::Uint(u)) => (Resolved::Int, Value::Float(u as f64)),
        Some(Number::Float(f)) => (Resolved::Float, Value::Float(f)),
        None => (Resolved::Str, Value::String(text.to_string())),
    }
}

/// A number as yaml.v2 resolves it, before the JSON conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Uint(u64),
    Float(f64),
}

/// yaml.v2's number resolution of a plain scalar: ints with Go's base prefixes
/// (`0x`, `0o`, `0b`, a leading `0` for octal), underscores ignored, YAML-style
/// floats; `None` for strings, timestamps included.
pub fn resolve_number(text: &str) -> Option<Number> {
    if is_timestamp(text) {
        return None;
    }
    resolve_number_after_timestamps(text)
}

/// [`resolve_number`] for a scalar already known not to be a timestamp (or
/// tagged, where timestamps are not looked for).
fn resolve_number_after_timestamps(text: &str) -> Option<Number> {
    let first = text.bytes().next()?;
    match first {
        b'.' => parse_go_float(text).map(Number::Float),
        b'0'..=b'9' | b'+' | b'-' => {
            let plain: String = text.chars().filter(|c| *c != '_').collect();
            if let Some(i) = parse_go_int(&plain) {
                return Some(Number::Int(i));
            }
            if let Some(u) = parse_go_uint(&plain) {
                return Some(Number::Uint(u));
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = parse_go_float(&plain) {
                    return Some(Number::Float(f));
                }
            }
            if let Some(bits) = plain.strip_prefix("0b") {
                return i64::from_str_radix(bits, 2).ok().map(Number::Int);
            }
            if let Some(bits) = plain.strip_prefix("-0b") {
                return i64::from_str_radix(bits, 2).ok().map(|i| Number::Int(-i));
            }
            None
        }
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_go_uint(body)?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign allowed).
fn parse_go_uint(s: &str) -> Option<u64> {
    let (radix, digits) = if let Some(rest) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (8, rest)
    } else if let Some(rest) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (2, rest)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// yaml.v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML can reach.
fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body.starts_with("inf") || body.starts_with("nan") || body.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// yaml.v2's `parseTimestamp`: `YYYY-M-D` with an optional time, as accepted
/// by Go's `time.Parse` with yaml.v2's layouts.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            None
        } else {
            s[start..*i].parse().ok()
        }
    };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let Some(month) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    // "2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t...", "2006-1-2 15:4:5.999999999"
    let sep = b[i];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return false;
    }
    i += 1;
    let Some(hour) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(minute) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(second) = num(&mut i, 2) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if i == b.len() {
        return true;
    }
    if sep == b' ' {
        return false;
    }
    match b[i] {
        b'Z' => i + 1 == b.len(),
        b'+' | b'-' => {
            let rest = &s[i + 1..];
            rest.len() == 5
                && rest.as_bytes()[2] == b':'
                && rest[..2].bytes().all(|c| c.is_ascii_digit())
                && rest[3..].bytes().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_one(text: &str) -> Value {
        load_all(text).unwrap().remove(0)
    }

    #[test]
    fn yaml_1_1_scalars_resolve_like_helm() {
        #[track_caller]
        fn case(text: &str, expected: Value) {
            assert_eq!(resolve_plain(text), expected, "{text}");
        }
        case("yes", Value::Bool(true));
        case("on", Value::Bool(true));
        case("y", Value::Bool(true));
        case("Off", Value::Bool(false));
        case("~", Value::Null);
        case("0755", Value::Float(493.0));
        case("0x1F", Value::Float(31.0));
        case("1_000", Value::Float(1000.0));
        case("08", Value::Float(8.0));
        case("1e3", Value::Float(1000.0));
        case(".5", Value::Float(0.5));
        case("-12", Value::Float(-12.0));
        case("2001-12-14", Value::String("2001-12-14".into()));
        case("2001-13-14", Value::String("2001-13-14".into()));
        case("1.2.3", Value::String("1.2.3".into()));
        case("7.0", Value::Float(7.0));
        case("yess", Value::String("yess".into()));
    }

    #[test]
    fn keys_become_strings() {
        let v = load_one("1: a\ntrue: b\nn: c\n1.5: d\n");
        let Value::Map(m) = v else { panic!() };
        let keys: Vec<_> = m.keys().cloned().collect();
        assert_eq!(keys, ["1", "true", "false", "1.5"]);
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let v = load_one("a: 'yes'\nb: \"1\"\nc: !!str 2\n");
        let Value::Map(m) = v else { panic!() };
        assert_eq!(m["a"], Value::String("yes".into()));
        assert_eq!(m["b"], Value::String("1".into()));
        assert_eq!(m["c"], Value::String("2".into()));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = load_one("base: &b {a: 1, b: 2}\nderived:\n  <<: *b\n  b: 3\n");
        let Value::Map(m) = v else { panic!() };
        let Value::Map(d) = &m["derived"] else {
            panic!()
        };
        assert_eq!(d["a"], Value::Float(1.0));
        assert_eq!(d["b"], Value::Float(3.0));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = load_all("a: b\nc: [d\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        let err = load_all("a:\n  b: c\n d: e\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn values_documents_merge_in_order() {
        let m = load_values("a: 1\nb: {c: 1}\n---\nb: {d: 2}\n").unwrap();
        assert_eq!(m["a"], Value::Float(1.0));
        let Value::Map(b) = &m["b"] else { panic!() };
        assert_eq!(b.len(), 2);
        assert!(load_values("- a\n").is_err());
        assert!(load_values("").unwrap().is_empty());
    }

    #[test]
    fn nesting_is_bounded() {
        let block =
            |n: usize| -> String { (0..n).map(|i| format!("{}a:\n", " ".repeat(i))).collect() };
        assert_eq!(load_values(&block(MAX_DEPTH)).unwrap().len(), 1);
        let err = load_values(&block(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 257, column 258: lists and maps nested deeper than 256 levels"
        );
        // Once past the limit, nothing deeper is read: no stack overflow.
        assert!(load_values(&block(50_000)).is_err());
        // Manifests may nest deeper than values.
        assert!(load_all(&block(MAX_DEPTH + 1)).is_ok());
        // An alias cannot nest a value deeper than the limit either.
        let flow = format!("a: &x {}1{}\nb: [[*x]]\n", "[".repeat(250), "]".repeat(250));
        assert!(load_values(&flow).is_ok());
        let flow = format!(
            "a: &x {}1{}\nb: {}*x{}\n",
            "[".repeat(250),
            "]".repeat(250),
            "[".repeat(10),
            "]".repeat(10)
        );
        assert!(load_values(&flow)
            .unwrap_err()
            .message
            .contains("nested deeper"));
    }

    #[test]
    fn alias_bombs_fail_like_yaml_v2() {
        // A billion laughs: 10^9 values from 100 lines; yaml.v2 refuses it
        // with "document contains excessive aliasing", before it is built.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = load_values(&text).unwrap_err();
        assert_eq!(err.message, "document contains excessive aliasing");
        // Modest reuse is fine.
        assert!(load_values("a: &a {b: 1}\nc: *a\nd: *a\n").is_ok());
    }

    /// yaml.v2's `resolve` with a tag (each checked against helm3 and helm4,
    /// tests/helm_parity.rs).
    #[test]
    fn tags_resolve_as_in_yaml_v2() {
        let value = |text: &str| {
            load_values(&format!("x: {text}\n")).map(|mut m| m.shift_remove("x").unwrap())
        };
        let s = |t: &str| Ok(Value::String(t.into()));
        assert_eq!(value("!foo 5"), s("5"));
        assert_eq!(value("! 5"), s("5"));
        assert_eq!(value("!!map 5"), s("5"));
        assert_eq!(value("!!seq true"), s("true"));
        assert_eq!(
            value("!<tag:yaml.org,2002:int> \"7\""),
            Ok(Value::Float(7.0))
        );
        assert_eq!(value("!!int \"5\""), Ok(Value::Float(5.0)));
        assert_eq!(value("!!float 5"), Ok(Value::Float(5.0)));
        assert_eq!(value("!!float 0x10"), Ok(Value::Float(16.0)));
        assert_eq!(value("!!bool yes"), Ok(Value::Bool(true)));
        assert_eq!(value("!!null \"\""), Ok(Value::Null));
        assert_eq!(value("!!null"), Ok(Value::Null));
        assert_eq!(value("!!str"), s(""));
        assert_eq!(value("!!str 5"), s("5"));
        assert_eq!(value("!!timestamp 2001-12-14"), s("2001-12-14"));
        assert_eq!(value("!!binary aGk="), s("hi"));
        assert_eq!(value("!!binary |\n  aGk=\n"), s("hi"));
        let err = |text: &str| value(text).unwrap_err().message;
        assert_eq!(err("!!int abc"), "cannot decode !!str as a !!int");
        assert_eq!(err("!!float abc"), "cannot decode !!str as a !!float");
        assert_eq!(err("!!int 1e3"), "cannot decode !!float as a !!int");
        assert_eq!(
            err("!!int 99999999999999999999"),
            "cannot decode !!float as a !!int"
        );
        assert_eq!(err("!!int 2001-12-14"), "cannot decode !!str as a !!int");
        assert_eq!(err("!!int"), "cannot decode !!null as a !!int");
        assert_eq!(err("!!bool 1"), "cannot decode !!int as a !!bool");
        assert_eq!(err("!!null 0"), "cannot decode !!int as a !!null");
        assert_eq!(err("!!timestamp 5"), "cannot decode !!int as a !!timestamp");
        assert_eq!(
            err("!!binary \"%%%\""),
            "!!binary value contains invalid base64 data"
        );
        assert_eq!(
            err("!!binary \"aG k=\""),
            "!!binary value contains invalid base64 data"
        );
        // A tagged `<<` is a merge key only with !!merge or `!`.
        let m = load_values("a:\n  !!merge <<: {b: 1}\n  ! <<: {c: 2}\n  !foo <<: 3\n").unwrap();
        let Value::Map(a) = &m["a"] else { panic!() };
        assert_eq!(a.keys().collect::<Vec<_>>(), ["b", "c", "<<"]);
    }

    #[test]
    fn yaml_1_1_directive_only() {
        assert!(load_first("%YAML 1.1\n---\na: 1\n").is_ok());
        assert!(load_first("a: '%YAML 1.2'\n").is_ok());
        assert_eq!(
            load_first("# a comment first\n%YAML 1.2\n---\na: 1\n")
                .unwrap_err()
                .message,
            "found incompatible YAML document"
        );
        for text in ["%YAML 1.2\n---\na: 1\n", "%YAML 2.0\n---\na: 1\n"] {
            assert_eq!(
                load_first(text).unwrap_err().message,
                "found incompatible YAML document"
            );
        }
        assert_eq!(
            load_first("%YAML 1.1\n%YAML 1.1\n---\na: 1\n")
                .unwrap_err()
                .message,
            "found duplicate %YAML directive"
        );
        assert_eq!(
            load_values("%YAML 1.2\n---\na: 1\n").unwrap_err().message,
            "found incompatible YAML document"
        );
    }

    #[test]
    fn only_the_first_document_is_read() {
        let first = load_first("a: 1\n...\n]]] not yaml [\n").unwrap();
        assert_eq!(first, load_first("a: 1\n").unwrap());
        assert_eq!(load_first("a: 1\n---\n[\n").unwrap(), first);
        assert_eq!(load_first("").unwrap(), Value::Null);
        assert!(load_first("a: [1\n").is_err());
    }

    /// Helm 4's `LoadValues`: parts between `---` lines, each read as a
    /// first document, merged.
    #[test]
    fn values_files_split_as_helm_4_splits_them() {
        let parts = helm_documents("a: 1\r\n--- # c\r\nb: 2\n---\n---\t\nc: 3").unwrap();
        assert_eq!(
            parts,
            [
                (1, "a: 1\n".into()),
                (3, "b: 2\n".into()),
                (6, "c: 3\n".into())
            ]
        );
        for text in ["a: 1\n--- {b: 2}\n", "a: 1\n----\n", "--- !foo\na: 1\n"] {
            let err = helm_documents(text).unwrap_err();
            assert_eq!(
                err.message,
                "invalid document separator: only a comment may follow `---` on its line",
                "{text:?}"
            );
        }
        let m = load_values("a: {x: 1}\n...\n]]] ignored [\n---\na: {y: 2}\n").unwrap();
        assert_eq!(m, load_values("a: {x: 1, y: 2}\n").unwrap());
        // Line numbers count from the top of the file.
        let err = load_values("a: 1\n---\nb: [1\n").unwrap_err();
        assert_eq!(err.line, 4, "{err}");
    }

    #[test]
    fn heads_are_what_load_all_reads() {
        let cases = [
            "kind: Pod\nmetadata:\n  name: a\n  annotations:\n    helm.sh/hook: test\nspec: {a: [1, 2]}\n",
            "apiVersion: v1\nkind: [Pod]\n",
            // Merged and aliased into the head from elsewhere in the document.
            "spec: &s {kind: Secret}\n<<: *s\n",
            "x: &a {helm.sh/hook: test}\nmetadata: {annotations: *a}\n",
            "x: &m\n  annotations: {helm.sh/hook: pre-install}\nmetadata:\n  <<: [*m, {y: 1}]\n",
            "metadata: &m {annotations: {helm.sh/hook: [a]}}\nkind: !!str 1\n",
            "kind: Pod\n---\nkind: Service\n",
            "- kind: Pod\n",
            "",
            // Errors deep in the body are errors all the same.
            "kind: Pod\nspec:\n  a: !!binary '%%%'\n",
            "kind: Pod\nspec:\n  ~: 1\n",
            "kind: Pod\nspec:\n  ? [a]\n  : 1\n",
            "kind: Pod\nspec:\n  <<: 1\n",
            "kind: Pod\nspec:\n  - *unknown\n",
            "kind: Pod\nspec: [a\n",
            "kind: Pod\n---\nspec: {<<: [1]}\n",
        ];
        for text in cases {
            let (all, heads) = (load_all(text), load_heads(text));
            match (&all, &heads) {
                (Ok(all), Ok(heads)) => {
                    assert_eq!(all.len(), heads.len(), "{text}");
                    for (a, h) in all.iter().zip(heads) {
                        assert_eq!(Head::of(a), Head::of(h), "{text}");
                    }
                }
                (Err(a), Err(h)) => assert_eq!(a.to_string(), h.to_string(), "{text}"),
                _ => panic!("{text}: {all:?} but {heads:?}"),
            }
        }
        let head_of = |text| load_heads(text).unwrap().remove(0);
        let doc = head_of("spec: &s {kind: Secret}\n<<: *s\n");
        assert_eq!(Head::of(&doc).kind, Some(&Value::String("Secret".into())));
        let doc = head_of(
            "x: &m\n  annotations: {helm.sh/hook: pre-install}\nmetadata:\n  <<: [*m, {y: 1}]\n",
        );
        assert_eq!(
            Head::of(&doc).hook,
            Some(&Value::String("pre-install".into()))
        );
    }
}
