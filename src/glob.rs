//! Go's `path/filepath.Match` on Unix, ported line for line: the one glob
//! matcher of onechart, used for `.helmignore` rules and `render -s`, as
//! Helm uses `filepath.Match` for both.
//!
//! `*` matches any run of bytes but `/`, `?` one character but `/`,
//! `[...]` a character class (`^` negates, `a-z` ranges, `\` escapes), `\`
//! escapes the next character; a malformed pattern is `None`
//! (`ErrBadPattern`). Like Go, it works on bytes: literal characters are
//! compared byte by byte, `?` and classes read one UTF-8 character, and a
//! star may skip into the middle of a multi-byte character (whose tail
//! bytes then read as U+FFFD). It never recurses and runs in
//! O(pattern x name) time: consecutive stars are one, and each chunk
//! between stars is matched at the leftmost position that works, without
//! backtracking into earlier chunks.

/// Whether `name` matches the shell pattern; `None` for a malformed pattern
/// (checked over the whole pattern, as Go does, unless the match fails
/// early in a way Go does not check further).
pub fn glob_match(pattern: &str, name: &str) -> Option<bool> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'chunks: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing star matches the rest of the name unless it has a /.
            return Some(!name.contains(&b'/'));
        }
        // The match at the current position; the last chunk must use up
        // the name, else a star could still find a later match.
        let (left, ok, bad) = match_chunk(chunk, name);
        if ok && (left.is_empty() || !pattern.is_empty()) {
            name = left;
            continue;
        }
        if bad {
            return None;
        }
        if star {
            // The match skipping i + 1 bytes; a star cannot skip a /.
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (left, ok, bad) = match_chunk(chunk, &name[i + 1..]);
                if ok {
                    if pattern.is_empty() && !left.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = left;
                    continue 'chunks;
                }
                if bad {
                    return None;
                }
                i += 1;
            }
        }
        // No match: the rest of the pattern must still be well formed.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if match_chunk(chunk, b"").2 {
                return None;
            }
        }
        return Some(false);
    }
    Some(name.is_empty())
}

/// Go's `scanChunk`: leading stars (any number count as one), then the
/// chunk up to the next star outside a class.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut pattern = pattern;
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            // The escaped byte is skipped; a trailing \ fails in match_chunk.
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Go's `matchChunk`: the chunk (no stars) against the start of `s`:
/// (the rest of `s`, matched, malformed pattern). After a mismatch the
/// chunk is still read through, to find malformed classes.
fn match_chunk<'a>(chunk: &[u8], s: &'a [u8]) -> (&'a [u8], bool, bool) {
    const BAD: (&[u8], bool, bool) = (&[], false, true);
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (c, n) = decode_rune(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return BAD;
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return BAD;
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let c = if c == b'\\' {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        Some(c) => *c,
                        None => return BAD,
                    }
                } else {
                    c
                };
                if !failed {
                    if c != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        (&[], false, false)
    } else {
        (s, true, false)
    }
}

/// Go's `getEsc`: one possibly escaped character of a class, which must be
/// followed by more of the pattern.
fn get_esc(chunk: &[u8]) -> Option<(char, &[u8])> {
    let mut chunk = chunk;
    if chunk.is_empty() || chunk[0] == b'-' || chunk[0] == b']' {
        return None;
    }
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return None;
        }
    }
    let (r, n) = decode_rune(chunk);
    if r == char::REPLACEMENT_CHARACTER && n == 1 {
        return None;
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
}

/// Go's `utf8.DecodeRuneInString` on the bytes of a UTF-8 string, which
/// may start in the middle of a character: (U+FFFD, 1) there.
fn decode_rune(s: &[u8]) -> (char, usize) {
    let len = match s[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    match s.get(..len).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(text) => (text.chars().next().unwrap_or_default(), len),
        None => (char::REPLACEMENT_CHARACTER, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(pattern: &str, name: &str, expected: Option<bool>) {
        assert_eq!(
            glob_match(pattern, name),
            expected,
            "{pattern:?} vs {name:?}"
        );
    }

    /// Go's own table (`path/filepath/match_test.go`, Unix cases).
    #[test]
    fn go_match_tests() {
        case("abc", "abc", Some(true));
        case("*", "abc", Some(true));
        case("*c", "abc", Some(true));
        case("a*", "a", Some(true));
        case("a*", "abc", Some(true));
        case("a*", "ab/c", Some(false));
        case("a*/b", "abc/b", Some(true));
        case("a*/b", "a/c/b", Some(false));
        case("a*b*c*d*e*/f", "axbxcxdxe/f", Some(true));
        case("a*b*c*d*e*/f", "axbxcxdxexxx/f", Some(true));
        case("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Some(false));
        case("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Some(false));
        case("a*b?c*x", "abxbbxdbxebxczzx", Some(true));
        case("a*b?c*x", "abxbbxdbxebxczzy", Some(false));
        case("ab[c]", "abc", Some(true));
        case("ab[b-d]", "abc", Some(true));
        case("ab[e-g]", "abc", Some(false));
        case("ab[^c]", "abc", Some(false));
        case("ab[^b-d]", "abc", Some(false));
        case("ab[^e-g]", "abc", Some(true));
        case("a\\*b", "a*b", Some(true));
        case("a\\*b", "ab", Some(false));
        case("a?b", "a☺b", Some(true));
        case("a[^a]b", "a☺b", Some(true));
        case("a???b", "a☺b", Some(false));
        case("a[^a][^a][^a]b", "a☺b", Some(false));
        case("[a-ζ]*", "α", Some(true));
        case("*[a-ζ]", "A", Some(false));
        case("a?b", "a/b", Some(false));
        case("a*b", "a/b", Some(false));
        case("[\\]a]", "]", Some(true));
        case("[\\-]", "-", Some(true));
        case("[x\\-]", "x", Some(true));
        case("[x\\-]", "-", Some(true));
        case("[x\\-]", "z", Some(false));
        case("[\\-x]", "x", Some(true));
        case("[\\-x]", "-", Some(true));
        case("[\\-x]", "a", Some(false));
        case("[]a]", "]", None);
        case("[-]", "-", None);
        case("[x-]", "x", None);
        case("[x-]", "-", None);
        case("[x-]", "z", None);
        case("[-x]", "x", None);
        case("[-x]", "-", None);
        case("[-x]", "a", None);
        case("\\", "a", None);
        case("[a-b-c]", "a", None);
        case("[", "a", None);
        case("[^", "a", None);
        case("[^bc", "a", None);
        case("a[", "a", None);
        case("a[", "ab", None);
        case("a[", "x", None);
        case("a/b[", "x", None);
        case("*x", "xxx", Some(true));
    }

    /// Go reads bytes: a star may stop inside a character, whose tail
    /// bytes then count as one `?` each.
    #[test]
    fn bytes_as_go_reads_them() {
        case("*??", "€", Some(true));
        case("??", "€", Some(false));
        case("*?", "é", Some(true));
        case("*??", "é", Some(false));
        case("a\\", "a", None);
        case("é*", "été", Some(true));
        case("[é]*", "été", Some(true));
    }

    /// The old `-s` matcher backtracked, exponentially in the stars, and
    /// recursed once per character (130,000 stars overflowed the stack).
    #[test]
    fn stars_cost_linear_time() {
        let name = format!("templates/{}", "a".repeat(100));
        let pattern = format!("templates/{}x", "*".repeat(130_000));
        case(&pattern, &name, Some(false));
        let pattern = format!("templates/{}", "*a".repeat(50_000));
        case(&pattern, &name, Some(false));
        let pattern = format!("templates/{}", "a*".repeat(100));
        case(&pattern, &name, Some(true));
    }
}
