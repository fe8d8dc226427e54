//! The `--set` / `--set-string` grammar of Helm's `pkg/strvals`.
//!
//! `a.b=c,d[0]=e,f={x,y}`: dots nest maps, `[i]` indexes lists (gaps are
//! filled with null), `{x,y}` is a list literal, a backslash escapes the next
//! character, `key=` is the empty string. With `--set`, `true`, `false` and
//! `null` (any case) and integers without a leading zero are typed; every
//! other value is a string. `--set-string` keeps everything a string.
//!
//! Like Helm's parser (Go maps are references) it edits the values in
//! place, so each argument costs the length of its text, whatever the size
//! of the values already set. Its errors give the character where the
//! argument went wrong and never its text: `a=S3cret,oops` is a password
//! with a comma in it more often than a key `oops` without a value.

use anyhow::{bail, Result};

use crate::yaml::{Map, Value, MAX_DEPTH};

const MAX_INDEX: usize = 65536;
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Parses one `--set` (or, with `as_string`, `--set-string`) argument into `dest`.
pub fn parse_into(text: &str, dest: &mut Map, as_string: bool) -> Result<()> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        as_string,
        // The map the keys go into is the first level.
        depth: 1,
    };
    loop {
        let start = parser.pos;
        match parser.key(dest, 0, start)? {
            Flow::Continue => continue,
            Flow::Eof => return Ok(()),
        }
    }
}

enum Flow {
    Continue,
    Eof,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    as_string: bool,
    /// The nesting of lists and maps so far, counted as the YAML loader
    /// counts it.
    depth: usize,
}

/// The result of reading up to a stop character: the text and the stop
/// character, or `None` at the end of the input.
type Runes = (String, Option<char>);

impl Parser {
    fn runes_until(&mut self, stop: &[char]) -> Runes {
        let mut out = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            self.pos += 1;
            if stop.contains(&c) {
                return (out, Some(c));
            }
            if c == '\\' {
                match self.chars.get(self.pos) {
                    Some(&next) => {
                        self.pos += 1;
                        out.push(next);
                    }
                    None => return (out, None),
                }
            } else {
                out.push(c);
            }
        }
        (out, None)
    }

    fn typed(&self, text: String) -> Value {
        if self.as_string {
            return Value::String(text);
        }
        if text.eq_ignore_ascii_case("true") {
            return Value::Bool(true);
        }
        if text.eq_ignore_ascii_case("false") {
            return Value::Bool(false);
        }
        if text.eq_ignore_ascii_case("null") {
            return Value::Null;
        }
        if text == "0" {
            return Value::Int(0);
        }
        if !text.is_empty() && !text.starts_with('0') {
            if let Ok(i) = text.parse::<i64>() {
                return Value::Int(i);
            }
        }
        Value::String(text)
    }

    /// Reads `{a,b}` if the value starts with `{`; `None` otherwise.
    fn list_literal(&mut self) -> Result<Option<Vec<Value>>> {
        if self.chars.get(self.pos) != Some(&'{') {
            return Ok(None);
        }
        self.pos += 1;
        let mut list = Vec::new();
        loop {
            let (text, last) = self.runes_until(&[',', '}']);
            match last {
                None => bail!("list must terminate with '}}'"),
                Some('}') => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    list.push(self.typed(text));
                    return Ok(Some(list));
                }
                _ => list.push(self.typed(text)),
            }
        }
    }

    /// The value after `=`: a list literal or text up to the next `,`.
    fn value(&mut self) -> Result<Value> {
        if self.pos >= self.chars.len() {
            return Ok(Value::String(String::new()));
        }
        if let Some(list) = self.list_literal()? {
            return Ok(Value::Seq(list));
        }
        let (text, _) = self.runes_until(&[',']);
        Ok(self.typed(text))
    }

    /// One level deeper into lists and maps; Helm limits only the dots (to
    /// 30), onechart all nesting, to [`MAX_DEPTH`].
    fn nest(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            bail!("lists and maps nested deeper than {MAX_DEPTH} levels");
        }
        Ok(())
    }

    /// The 1-based position of character `pos`, for messages.
    fn at(pos: usize) -> String {
        format!("character {}", pos + 1)
    }

    /// Reads a key and what follows it into `data`; `start` is where the
    /// pair (`key=value`, after any `,`) began.
    fn key(&mut self, data: &mut Map, level: usize, start: usize) -> Result<Flow> {
        let key_at = self.pos;
        let (key, last) = self.runes_until(&['=', '[', ',', '.']);
        match last {
            None if key.is_empty() => Ok(Flow::Eof),
            None if start > 0 => bail!(
                "{}: a key has no value: the text after a ',' needs a '=' (a ',' inside a value is written '\\,')",
                Self::at(start)
            ),
            None => bail!("{}: a key has no value: expected KEY=VALUE", Self::at(start)),
            Some('[') => {
                let index = self.index()?;
                let mut scratch = Value::Seq(Vec::new());
                // Helm's `set` ignores an empty key: the list is dropped.
                let slot = if key.is_empty() {
                    &mut scratch
                } else {
                    match data.get(&key) {
                        None | Some(Value::Seq(_)) => {}
                        Some(other) => bail!(
                            "{}: the key holds {}, not a list",
                            Self::at(key_at),
                            other.type_name()
                        ),
                    }
                    data.entry(key).or_insert(Value::Seq(Vec::new()))
                };
                let Value::Seq(list) = slot else {
                    unreachable!("the slot holds a list")
                };
                self.nest()?;
                self.list_item(list, index, level, start)?;
                self.depth -= 1;
                Ok(Flow::Continue)
            }
            Some('=') => {
                let value = self.value()?;
                set(data, key, value);
                Ok(Flow::Continue)
            }
            Some(',') => bail!(
                "{}: a key has no value (it ends with ','; a ',' inside a value is written '\\,')",
                Self::at(key_at)
            ),
            Some(_) => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    bail!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    );
                }
                let mut scratch = Value::Map(Map::new());
                let slot = if key.is_empty() {
                    &mut scratch
                } else {
                    match data.get(&key) {
                        None | Some(Value::Map(_)) => {}
                        Some(other) => bail!(
                            "{}: the key holds {}, not a map",
                            Self::at(key_at),
                            other.type_name()
                        ),
                    }
                    data.entry(key).or_insert(Value::Map(Map::new()))
                };
                let Value::Map(inner) = slot else {
                    unreachable!("the slot holds a map")
                };
                self.nest()?;
                let flow = self.key(inner, level, start)?;
                self.depth -= 1;
                if inner.is_empty() {
                    bail!("{}: a key map has no value", Self::at(key_at));
                }
                Ok(flow)
            }
        }
    }

    fn index(&mut self) -> Result<i64> {
        let at = self.pos;
        let (text, last) = self.runes_until(&[']']);
        if last.is_none() {
            bail!("error parsing index: unexpected end of input");
        }
        text.parse::<i64>()
            .map_err(|_| anyhow::anyhow!("error parsing index: invalid index at {}", Self::at(at)))
    }

    /// Sets item `index` of `list` from what follows `[index]`; `start` is
    /// where the pair began.
    fn list_item(
        &mut self,
        list: &mut Vec<Value>,
        index: i64,
        level: usize,
        start: usize,
    ) -> Result<()> {
        if index < 0 {
            bail!("negative {index} index not allowed");
        }
        let index = index as usize;
        let at = self.pos;
        let (text, last) = self.runes_until(&['[', '.', '=']);
        if !text.is_empty() {
            bail!("unexpected data at end of array index ({})", Self::at(at));
        }
        match last {
            None => bail!("key has no value after index {index}"),
            Some('=') => {
                let value = self.value()?;
                *slot(list, index)? = value;
            }
            Some('[') => {
                let next = self.index()?;
                let item = slot(list, index)?;
                match item {
                    Value::Seq(_) => {}
                    Value::Null => *item = Value::Seq(Vec::new()),
                    other => bail!("index {index} is {}, not a list", other.type_name()),
                }
                let Value::Seq(inner) = item else {
                    unreachable!("the item is a list")
                };
                self.nest()?;
                self.list_item(inner, next, level, start)?;
                self.depth -= 1;
            }
            Some(_) => {
                let item = slot(list, index)?;
                if !matches!(item, Value::Map(_)) {
                    *item = Value::Map(Map::new());
                }
                let Value::Map(inner) = item else {
                    unreachable!("the item is a map")
                };
                self.nest()?;
                self.key(inner, level, start)?;
                self.depth -= 1;
            }
        }
        Ok(())
    }
}

fn set(data: &mut Map, key: String, value: Value) {
    if !key.is_empty() {
        data.insert(key, value);
    }
}

/// Item `index` of the list, which grows with nulls to hold it.
fn slot(list: &mut Vec<Value>, index: usize) -> Result<&mut Value> {
    if index > MAX_INDEX {
        bail!("index of {index} is greater than maximum supported index of {MAX_INDEX}");
    }
    if list.len() <= index {
        list.resize(index + 1, Value::Null);
    }
    Ok(&mut list[index])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::load_values;

    #[track_caller]
    fn case(set: &str, expected: &str) {
        let mut out = Map::new();
        parse_into(set, &mut out, false).unwrap();
        let mut want = load_values(expected).unwrap();
        // Integers from --set are int64, not the floats YAML gives.
        fn ints(v: &mut Value) {
            match v {
                Value::Float(f) => *v = Value::Int(*f as i64),
                Value::Seq(items) => items.iter_mut().for_each(ints),
                Value::Map(m) => m.values_mut().for_each(ints),
                _ => {}
            }
        }
        want.values_mut().for_each(ints);
        assert_eq!(out, want, "{set}");
    }

    #[test]
    fn grammar() {
        case("a=b", "a: b");
        case("a.b=c,d=e", "a: {b: c}\nd: e");
        case(
            "a=1,b=true,c=NULL,d=0,e=012,f=1.5,g=-3",
            "a: 1\nb: true\nc: null\nd: 0\ne: '012'\nf: '1.5'\ng: -3",
        );
        case("a={x,z,1}", "a: [x, z, 1]");
        case("a[1]=x", "a: [null, x]");
        case("a[0].b=1,a[0].c=2", "a: [{b: 1, c: 2}]");
        case("a[0][1]=z", "a: [[null, z]]");
        case(r"a\.b=c\,d", "'a.b': 'c,d'");
        case("a=", "a: ''");
        case("a=b,", "a: b");
        case("a.b.c=d,a.b.e=f", "a: {b: {c: d, e: f}}");
        case("a={}", "a: ['']");
    }

    #[test]
    fn set_string_keeps_strings() {
        let mut out = Map::new();
        parse_into("a=true,b=1", &mut out, true).unwrap();
        assert_eq!(out["a"], Value::String("true".into()));
        assert_eq!(out["b"], Value::String("1".into()));
    }

    #[test]
    fn errors() {
        #[track_caller]
        fn fails(set: &str, message: &str) {
            let err = parse_into(set, &mut Map::new(), false)
                .unwrap_err()
                .to_string();
            assert!(err.contains(message), "{set}: {err}");
        }
        fails("a", "character 1: a key has no value: expected KEY=VALUE");
        fails("a,b=c", "character 1: a key has no value (it ends with ','");
        fails("a={b,c", "list must terminate");
        fails("a[x]=1", "invalid index at character 3");
        fails("a[-1]=1", "negative");
        fails("a[70000]=1", "maximum supported index");
        fails("a.=1", "has no value");
        let deep = format!("a{}=1", "[0]".repeat(MAX_DEPTH - 1));
        assert!(parse_into(&deep, &mut Map::new(), false).is_ok());
        let deep = format!("a{}=1", "[0]".repeat(MAX_DEPTH));
        fails(&deep, "nested deeper than 256 levels");
        let deep = format!("a{}=1", "[0].b".repeat(MAX_DEPTH / 2));
        fails(&deep, "nested deeper than 256 levels");
    }

    /// No error shows the argument's text: what looks like a key without a
    /// value is, more often than not, the rest of a value with a comma.
    #[test]
    fn errors_never_show_the_argument() {
        const MARKER: &str = "Hunter2Marker";
        for arg in [
            format!("opennebula.adminPassword={MARKER},{MARKER}"),
            format!("pw=x,{MARKER}.{MARKER}"),
            format!("pw=x,{MARKER},"),
            MARKER.to_string(),
            format!("{MARKER}.{MARKER}"),
            format!("{MARKER}[{MARKER}]=1"),
            format!("a[0]{MARKER}=1"),
            format!("a.{MARKER}.=1"),
            format!("a={{{MARKER}"),
            format!("s={MARKER},s[0]=1"),
            format!("s={MARKER},s.x=1"),
            format!("a[0]={MARKER},a[0][0]=1"),
        ] {
            let err = parse_into(&arg, &mut Map::new(), false).unwrap_err();
            let text = format!("{err:#}");
            assert!(!text.contains(MARKER), "{arg}: {text}");
            assert!(!text.contains("Hunter"), "{arg}: {text}");
        }
    }

    /// Many arguments into the same maps and lists (tests/bounded.rs checks
    /// that the cost of each does not grow with the values already set).
    #[test]
    fn arguments_add_up() {
        let mut values = Map::new();
        for i in 0..3_000 {
            parse_into(&format!("a.b.k{i}=v,l[{}]=x", i % 100), &mut values, false).unwrap();
        }
        let Value::Map(a) = &values["a"] else {
            panic!("a map")
        };
        let Value::Map(b) = &a["b"] else {
            panic!("a map")
        };
        assert_eq!(b.len(), 3_000);
        let Value::Seq(l) = &values["l"] else {
            panic!("a list")
        };
        assert_eq!(l.len(), 100);
    }
}
