//! The `--set` / `--set-string` grammar of Helm's `pkg/strvals`.
//!
//! `a.b=c,d[0]=e,f={x,y}`: dots nest maps, `[i]` indexes lists (gaps are
//! filled with null), `{x,y}` is a list literal, a backslash escapes the next
//! character, `key=` is the empty string. With `--set`, `true`, `false` and
//! `null` (any case) and integers without a leading zero are typed; every
//! other value is a string. `--set-string` keeps everything a string.

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
        match parser.key(dest, 0)? {
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

    fn key(&mut self, data: &mut Map, level: usize) -> Result<Flow> {
        let (key, last) = self.runes_until(&['=', '[', ',', '.']);
        match last {
            None => {
                if key.is_empty() {
                    Ok(Flow::Eof)
                } else {
                    bail!("key {key:?} has no value")
                }
            }
            Some('[') => {
                let index = self.index()?;
                let list = match data.get(&key) {
                    None => Vec::new(),
                    Some(Value::Seq(items)) => items.clone(),
                    Some(other) => bail!("key {key:?} is {}, not a list", other.type_name()),
                };
                self.nest()?;
                let list = self.list_item(list, index, level)?;
                self.depth -= 1;
                set(data, key, Value::Seq(list));
                Ok(Flow::Continue)
            }
            Some('=') => {
                let value = self.value()?;
                set(data, key, value);
                Ok(Flow::Continue)
            }
            Some(',') => bail!("key {key:?} has no value (cannot end with ,)"),
            Some(_) => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    bail!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    );
                }
                let mut inner = match data.get(&key) {
                    None => Map::new(),
                    Some(Value::Map(m)) => m.clone(),
                    Some(other) => bail!("key {key:?} is {}, not a map", other.type_name()),
                };
                self.nest()?;
                let flow = self.key(&mut inner, level)?;
                self.depth -= 1;
                if inner.is_empty() {
                    bail!("key map {key:?} has no value");
                }
                set(data, key, Value::Map(inner));
                Ok(flow)
            }
        }
    }

    fn index(&mut self) -> Result<i64> {
        let (text, last) = self.runes_until(&[']']);
        if last.is_none() {
            bail!("error parsing index: unexpected end of input");
        }
        text.parse::<i64>()
            .map_err(|_| anyhow::anyhow!("error parsing index: invalid index {text:?}"))
    }

    fn list_item(&mut self, mut list: Vec<Value>, index: i64, level: usize) -> Result<Vec<Value>> {
        if index < 0 {
            bail!("negative {index} index not allowed");
        }
        let index = index as usize;
        let (text, last) = self.runes_until(&['[', '.', '=']);
        if !text.is_empty() {
            bail!("unexpected data at end of array index: {text:?}");
        }
        match last {
            None => bail!("key has no value after index {index}"),
            Some('=') => {
                let value = self.value()?;
                set_index(&mut list, index, value)?;
            }
            Some('[') => {
                let next = self.index()?;
                let current = match list.get(index) {
                    Some(Value::Seq(items)) => items.clone(),
                    Some(Value::Null) | None => Vec::new(),
                    Some(other) => bail!("index {index} is {}, not a list", other.type_name()),
                };
                self.nest()?;
                let inner = self.list_item(current, next, level)?;
                self.depth -= 1;
                set_index(&mut list, index, Value::Seq(inner))?;
            }
            Some(_) => {
                let mut inner = match list.get(index) {
                    Some(Value::Map(m)) => m.clone(),
                    _ => Map::new(),
                };
                self.nest()?;
                self.key(&mut inner, level)?;
                self.depth -= 1;
                set_index(&mut list, index, Value::Map(inner))?;
            }
        }
        Ok(list)
    }
}

fn set(data: &mut Map, key: String, value: Value) {
    if !key.is_empty() {
        data.insert(key, value);
    }
}

fn set_index(list: &mut Vec<Value>, index: usize, value: Value) -> Result<()> {
    if index > MAX_INDEX {
        bail!("index of {index} is greater than maximum supported index of {MAX_INDEX}");
    }
    if list.len() <= index {
        list.resize(index + 1, Value::Null);
    }
    list[index] = value;
    Ok(())
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
        fails("a", "key \"a\" has no value");
        fails("a,b=c", "cannot end with ,");
        fails("a={b,c", "list must terminate");
        fails("a[x]=1", "invalid index");
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
}
