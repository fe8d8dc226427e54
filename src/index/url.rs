//! Helm's `urlutil.URLJoin`: the base URL parsed as Go's `net/url` does, the
//! elements joined to its path with `path.Join` (which cleans `//`, `.`,
//! `..` and a trailing `/`), and the path escaped again for the result.

/// Joins `elem` to the path of `base`.
pub fn join(base: &str, elem: &str) -> String {
    let (rest, fragment) = split_off(base, '#');
    let (rest, query) = split_off(rest, '?');
    let (prefix, path) = match rest.find("://") {
        Some(i) => {
            let after = &rest[i + 3..];
            let path_start = after.find('/').map_or(rest.len(), |j| i + 3 + j);
            (&rest[..path_start], &rest[path_start..])
        }
        None => ("", rest),
    };
    let Some(decoded) = unescape(path) else {
        // Go's url.Parse fails; Helm falls back to path.Join on the text.
        return path_join(&[base, elem]);
    };
    let joined = path_join(&[&decoded, elem]);
    let mut out = String::from(prefix);
    if !prefix.is_empty() && !joined.is_empty() && !joined.starts_with('/') {
        out.push('/');
    }
    out.push_str(&escape(&joined));
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn split_off(text: &str, at: char) -> (&str, Option<&str>) {
    match text.split_once(at) {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    }
}

/// Go's `path.Join`: the non-empty elements joined with `/`, then cleaned.
pub fn path_join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    clean(&parts.join("/"))
}

/// Go's `path.Clean`.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|p| *p != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            _ => out.push(part),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Go's path escaping (`shouldEscape` in `encodePath` mode).
fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_helm() {
        #[track_caller]
        fn case(base: &str, elem: &str, expected: &str) {
            assert_eq!(join(base, elem), expected, "{base} + {elem}");
        }
        case("", "", "");
        case("", "a-1.0.0.tgz", "a-1.0.0.tgz");
        case("", "sub", "sub");
        case("sub", "a-1.0.0.tgz", "sub/a-1.0.0.tgz");
        case(
            "https://example.com/charts/",
            "",
            "https://example.com/charts",
        );
        case(
            "https://example.com/charts/",
            "a-1.0.0.tgz",
            "https://example.com/charts/a-1.0.0.tgz",
        );
        case(
            "https://example.com",
            "a-1.0.0.tgz",
            "https://example.com/a-1.0.0.tgz",
        );
        case(
            "https://example.com//x/./y/../",
            "a+b.tgz",
            "https://example.com/x/a+b.tgz",
        );
        case(
            "https://example.com/a%20b",
            "c d.tgz",
            "https://example.com/a%20b/c%20d.tgz",
        );
        case(
            "https://example.com/r?token=1",
            "a.tgz",
            "https://example.com/r/a.tgz?token=1",
        );
    }
}
