//! Writes values the way Helm's `toYaml` does: `sigs.k8s.io/yaml` marshals to
//! JSON, reads that back with `yaml.v2` and emits it with yaml.v2's port of
//! libyaml. So map keys are sorted in yaml.v2's "natural" order, integral
//! numbers print as integers, sequences in maps are not indented, strings are
//! quoted only when they would read back as something else, multi-line strings
//! become literal blocks, and long scalars are folded after column 80.

use super::load::{is_timestamp, resolve_number};
use super::{format_go_float, Value};

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

/// The text of `toYaml`: the YAML document without its final newline.
pub fn to_yaml(value: &Value) -> String {
    let mut e = Emitter::default();
    match value {
        Value::Map(m) if !m.is_empty() => e.block_map(value, 0, false),
        Value::Seq(s) if !s.is_empty() => e.block_seq(value, 0, false),
        _ => e.scalar(value, BEST_INDENT, false),
    }
    // yaml.v2 ends the document with a newline; toYaml trims exactly one.
    let mut out = e.out;
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn put_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    /// Starts a new line at `indent` unless already at the start of one.
    fn write_indent(&mut self, indent: usize) {
        if self.column > 0 {
            self.put('\n');
        }
        for _ in 0..indent {
            self.put(' ');
        }
    }

    /// A block mapping; `inline` when its first key follows a "- " already written.
    fn block_map(&mut self, value: &Value, indent: usize, inline: bool) {
        let Value::Map(map) = value else {
            unreachable!()
        };
        let mut keys: Vec<&String> = map.keys().collect();
        sort_keys(&mut keys);
        for (i, key) in keys.into_iter().enumerate() {
            if !(inline && i == 0) {
                self.write_indent(indent);
            }
            let key_value = Value::String(key.clone());
            // libyaml writes a key longer than 128 bytes, or spanning lines,
            // as a complex key: "? key" on its own, then ": value".
            if key.len() <= 128 && !analyze(key).multiline {
                self.scalar(&key_value, indent + BEST_INDENT, true);
                self.put(':');
                self.node_value(&map[key], indent, true);
            } else {
                self.put('?');
                self.put(' ');
                self.scalar(&key_value, indent + BEST_INDENT, false);
                self.write_indent(indent);
                self.put(':');
                self.node_value(&map[key], indent, false);
            }
        }
    }

    /// A block sequence; `inline` when its first item follows a "- " already written.
    fn block_seq(&mut self, value: &Value, indent: usize, inline: bool) {
        let Value::Seq(items) = value else {
            unreachable!()
        };
        for (i, item) in items.iter().enumerate() {
            if !(inline && i == 0) {
                self.write_indent(indent);
            }
            self.put('-');
            self.node_value(item, indent, false);
        }
    }

    /// The value after a simple "key:" (`in_map`), or after a "-" or a
    /// complex key's ":" written at `indent`.
    fn node_value(&mut self, value: &Value, indent: usize, in_map: bool) {
        match value {
            Value::Map(m) if !m.is_empty() => {
                if in_map {
                    self.block_map(value, indent + BEST_INDENT, false);
                } else {
                    self.put(' ');
                    self.block_map(value, indent + BEST_INDENT, true);
                }
            }
            Value::Seq(s) if !s.is_empty() => {
                if in_map {
                    // yaml.v2 does not indent a sequence inside a mapping.
                    self.block_seq(value, indent, false);
                } else {
                    self.put(' ');
                    self.block_seq(value, indent + BEST_INDENT, true);
                }
            }
            _ => {
                self.put(' ');
                self.scalar(value, indent + BEST_INDENT, false);
            }
        }
    }

    /// A scalar; `indent` is where folded lines continue.
    fn scalar(&mut self, value: &Value, indent: usize, simple_key: bool) {
        let text = match value {
            Value::Map(_) => return self.put_str("{}"),
            Value::Seq(_) => return self.put_str("[]"),
            Value::Null => return self.put_str("null"),
            Value::Bool(b) => return self.put_str(if *b { "true" } else { "false" }),
            Value::Int(i) => return self.put_str(&i.to_string()),
            Value::Float(f) => return self.put_str(&json_number(*f)),
            Value::String(s) => s,
        };
        let requested = if text.contains('\n') {
            Style::Literal
        } else if !resolves_to_non_string(text) {
            Style::Plain
        } else {
            Style::Double
        };
        let analysis = analyze(text);
        let mut style = requested;
        if simple_key && analysis.multiline {
            style = Style::Double;
        }
        if style == Style::Plain
            && (!analysis.block_plain_allowed || (text.is_empty() && simple_key))
        {
            style = Style::Single;
        }
        if style == Style::Single && !analysis.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!analysis.block_allowed || simple_key) {
            style = Style::Double;
        }
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(text, indent, allow_breaks),
            Style::Single => self.write_single(text, indent, allow_breaks),
            Style::Double => self.write_double(text, indent, allow_breaks),
            Style::Literal => self.write_literal(text, indent),
        }
    }

    fn write_plain(&mut self, text: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn write_single(&mut self, text: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = text.chars().collect();
        self.put('\'');
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                    && !next_space
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put('\n');
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.pad_to(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                spaces = false;
                breaks = false;
            }
        }
        self.put('\'');
    }

    /// libyaml's `write_break`: a newline, or another line-break character
    /// written as it is, after which the column counts from 0 again.
    fn write_break(&mut self, c: char) {
        self.out.push(c);
        self.column = 0;
    }

    /// libyaml's `write_indent` right after a break: spaces up to `indent`.
    fn pad_to(&mut self, indent: usize) {
        while self.column < indent {
            self.put(' ');
        }
    }

    fn write_double(&mut self, text: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = text.chars().collect();
        self.put('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let s = if v <= 0xFF {
                            format!("x{v:02X}")
                        } else if v <= 0xFFFF {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        self.put_str(&s);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.put('"');
    }

    fn write_literal(&mut self, text: &str, indent: usize) {
        self.put('|');
        let first = text.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.put_str(&BEST_INDENT.to_string());
        }
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len();
        if n == 0 || !is_break(chars[n - 1]) {
            self.put('-');
        } else if n == 1 || is_break(chars[n - 2]) {
            self.put('+');
        }
        self.put('\n');
        let mut line_start = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                line_start = true;
            } else {
                if line_start {
                    self.pad_to(indent);
                    line_start = false;
                }
                self.put(c);
            }
        }
    }
}

/// How a float prints after Helm's JSON round trip: integral values below
/// 1e21 are JSON integers that yaml.v2 reads back as ints.
fn json_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return (f as i64).to_string();
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return (f as u64).to_string();
        }
    }
    format_go_float(f)
}

/// Whether yaml.v2 would read this plain scalar as anything but a string
/// (including timestamps and base-60 floats, which it quotes on output).
/// The merge key `<<` is written plain, as Helm's yaml.v2 does.
fn resolves_to_non_string(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | ""
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    ) || resolve_number(s).is_some()
        || (s
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_digit() || *b == b'+' || *b == b'-')
            && is_timestamp(s))
        || is_base60_float(s)
}

/// yaml.v2's `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let len = i - start;
        let ok = match len {
            1 => true,
            2 => b[start] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_end(c: Option<&char>) -> bool {
    match c {
        None => true,
        Some(&c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's `yaml_emitter_analyze_scalar`, for block context.
fn analyze(text: &str) -> Analysis {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);

    if text.starts_with("---") || text.starts_with("...") {
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = is_blank_or_end(chars.get(1));
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_whitespace => block_indicators = true,
                '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank_or_end(Some(&c));
        followed_by_whitespace = is_blank_or_end(chars.get(i + 2));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// Sorts keys by [`natural_cmp`] with a merge sort. yaml.v2's order is not
/// transitive (`node1a` < `node5` < `node12` < `node1a`), and Rust's own
/// sorts may panic on such an order (found by fuzz/, reachable from any
/// free-form map of the values); Go's `sort.Sort` does not, and orders such
/// keys by Go's map iteration, which is random. This sort never panics,
/// gives the one order any sort gives wherever the order is consistent, and
/// otherwise an order that depends only on the keys, not on the order they
/// came in (they are put in byte order first): writing what was read writes
/// the same text again.
pub fn sort_keys(keys: &mut Vec<&String>) {
    keys.sort_unstable();
    let n = keys.len();
    let mut from = keys.clone();
    let mut to = keys.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut left, mut right) = (start, mid);
            for slot in &mut to[start..end] {
                let take_right = right < end
                    && (left >= mid
                        || natural_cmp(from[right], from[left]) == std::cmp::Ordering::Less);
                if take_right {
                    *slot = from[right];
                    right += 1;
                } else {
                    *slot = from[left];
                    left += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    *keys = from;
}

/// yaml.v2's `keyList.Less` for string keys: letters sort by code point,
/// digit runs by numeric value, and a letter sorts after a non-letter.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let less = |ar: &[char], br: &[char]| -> bool {
        let mut i = 0;
        while i < ar.len() && i < br.len() {
            if ar[i] == br[i] {
                i += 1;
                continue;
            }
            let al = ar[i].is_alphabetic();
            let bl = br[i].is_alphabetic();
            if al && bl {
                return ar[i] < br[i];
            }
            if al || bl {
                return bl;
            }
            let (mut an, mut bn) = (0i64, 0i64);
            if ar[i] == '0' || br[i] == '0' {
                let mut j = i;
                while j > 0 && ar[j - 1].is_ascii_digit() {
                    j -= 1;
                    if ar[j] != '0' {
                        an = 1;
                        bn = 1;
                        break;
                    }
                }
            }
            let mut ai = i;
            while ai < ar.len() && ar[ai].is_ascii_digit() {
                an = an
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
                ai += 1;
            }
            let mut bi = i;
            while bi < br.len() && br[bi].is_ascii_digit() {
                bn = bn
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(br[bi] as u8 - b'0'));
                bi += 1;
            }
            if an != bn {
                return an < bn;
            }
            if ai != bi {
                return ai < bi;
            }
            return ar[i] < br[i];
        }
        ar.len() < br.len()
    };
    if less(&ar, &br) {
        Ordering::Less
    } else if less(&br, &ar) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::super::load::load_all;
    use super::*;

    fn yaml(text: &str) -> String {
        to_yaml(&load_all(text).unwrap().remove(0))
    }

    #[test]
    fn matches_helm_to_yaml() {
        // Expected texts are what helm v3.17 and v4.1 print for the same input.
        let input = "a: yes\nd: 1000000\ne: 0755\nh: null\nlong: \"this is a very long string with many words in it that should exceed the eighty column limit of yaml v2 emitter for sure\"\nm:\n  x: 1\n  y: \"true\"\n  z: \"\"\n  w: \"a: b\"\n  v: \"multi\\nline\\n\"\n";
        let expected = "a: true\nd: 1000000\ne: 493\nh: null\nlong: this is a very long string with many words in it that should exceed the eighty\n  column limit of yaml v2 emitter for sure\nm:\n  \"true\": \"true\"\n  v: |\n    multi\n    line\n  w: 'a: b'\n  x: 1\n  z: \"\"";
        assert_eq!(yaml(input), expected);
    }

    #[test]
    fn sequences_and_nesting() {
        assert_eq!(yaml("l: [a, b]\n"), "l:\n- a\n- b");
        assert_eq!(
            yaml("- {a: 1, b: [x]}\n- [1, 2]\n- []\n- {}\n"),
            "- a: 1\n  b:\n  - x\n- - 1\n  - 2\n- []\n- {}"
        );
        assert_eq!(yaml("{}"), "{}");
        assert_eq!(yaml("a: {b: {c: 1.5}}"), "a:\n  b:\n    c: 1.5");
    }

    #[test]
    fn quoting() {
        #[track_caller]
        fn case(s: &str, expected: &str) {
            assert_eq!(to_yaml(&Value::String(s.into())), expected, "{s:?}");
        }
        case("plain", "plain");
        case("1.5", "\"1.5\"");
        case("2024-01-02", "\"2024-01-02\"");
        case("1:20", "\"1:20\"");
        case("- x", "'- x'");
        case("#x", "'#x'");
        case("a #b", "'a #b'");
        case("a#b", "a#b");
        case(" lead", "' lead'");
        case("it's: x", "'it''s: x'");
        case("tab\there", "\"tab\\there\"");
        case("a\nb", "|-\n  a\n  b");
        case("a\nb\n\n", "|+\n  a\n  b\n");
        case(" a\nb", "|2-\n   a\n  b");
        case("trailing \nx", "\"trailing \\nx\"");
        case("*star", "'*star'");
        case("http://x:80/", "http://x:80/");
    }

    #[test]
    fn long_and_multiline_keys_are_complex() {
        // What helm v4.1's toYaml prints for these maps.
        let long = "lorem ".repeat(22) + "x";
        let mut m = crate::yaml::Map::new();
        m.insert(long.clone(), Value::Float(1.0));
        assert_eq!(
            to_yaml(&Value::Map(m)),
            "? lorem lorem lorem lorem lorem lorem lorem lorem lorem lorem lorem lorem lorem lorem\n  lorem lorem lorem lorem lorem lorem lorem lorem x\n: 1"
        );
        let mut inner = crate::yaml::Map::new();
        inner.insert("b\nc".into(), Value::Bool(false));
        let mut m = crate::yaml::Map::new();
        m.insert("a\nb".into(), Value::Map(inner));
        assert_eq!(
            to_yaml(&Value::Map(m)),
            "? |-\n  a\n  b\n: ? |-\n    b\n    c\n  : false"
        );
    }

    #[test]
    fn natural_key_order() {
        let owned: Vec<String> = ["b", "a10", "a2", "A", "_x", "a"]
            .map(String::from)
            .to_vec();
        let mut keys: Vec<&String> = owned.iter().collect();
        sort_keys(&mut keys);
        assert_eq!(keys, ["_x", "A", "a", "a2", "a10", "b"]);
    }

    /// yaml.v2's order has cycles; sorting keys with one never panics (the
    /// standard sort panicked on 21 keys the fuzzer found).
    #[test]
    fn keys_in_a_cycle_sort_without_panic() {
        use std::cmp::Ordering::Less;
        assert_eq!(natural_cmp("node1a", "node5"), Less);
        assert_eq!(natural_cmp("node5", "node12"), Less);
        assert_eq!(natural_cmp("node12", "node1a"), Less);
        for n in [3, 21, 200] {
            let owned: Vec<String> = (0..n)
                .map(|i| match i % 3 {
                    0 => format!("node{i}a"),
                    1 => format!("node{}", i % 10),
                    _ => format!("node1{i}"),
                })
                .collect();
            let mut keys: Vec<&String> = owned.iter().collect();
            sort_keys(&mut keys);
            // The order depends on the keys only.
            let mut reversed: Vec<&String> = owned.iter().rev().collect();
            sort_keys(&mut reversed);
            assert_eq!(keys, reversed);
            // The same keys, in some order.
            keys.sort();
            let mut all: Vec<&String> = owned.iter().collect();
            all.sort();
            assert_eq!(keys, all);
        }
    }
}
