//! `.helmignore` with Helm's own semantics (`pkg/ignore/rules.go`), not
//! gitignore's: rules are tried in order and the first match decides; a
//! pattern without `/` matches the base name at any depth, one with `/` the
//! whole path; a trailing `/` matches directories only; `!` inverts a rule
//! the way Helm does (a path the rule does *not* match is ignored); `**` is
//! an error. `templates/.?*` is always added last.

use anyhow::{bail, Result};

/// The parsed rules of one `.helmignore` plus Helm's default.
#[derive(Debug, Clone)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: Vec<char>,
    negate: bool,
    must_dir: bool,
    /// Matched against the base name only.
    base_name: bool,
}

impl Rules {
    /// Parses `.helmignore` text; the default rule is added after its rules.
    pub fn parse(text: &str) -> Result<Rules> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rules = Rules {
            patterns: Vec::new(),
        };
        for (number, line) in text.lines().enumerate() {
            rules
                .add(line)
                .map_err(|e| anyhow::anyhow!("line {}: {e}", number + 1))?;
        }
        rules.add("templates/.?*")?;
        Ok(rules)
    }

    /// Only the default rule (a chart without `.helmignore`).
    pub fn defaults() -> Rules {
        Rules::parse("").expect("the default rule is valid")
    }

    fn add(&mut self, rule: &str) -> Result<()> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            bail!("double-star (**) syntax is not supported");
        }
        let chars: Vec<char> = rule.chars().collect();
        if glob_match(&chars, &['a', 'b', 'c']).is_none() {
            bail!("syntax error in pattern {rule:?}");
        }
        let mut rest = rule;
        let negate = rest.starts_with('!');
        if negate {
            rest = &rest[1..];
        }
        let must_dir = rest.ends_with('/');
        if must_dir {
            rest = &rest[..rest.len() - 1];
        }
        let base_name = !rest.contains('/');
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        self.patterns.push(Pattern {
            glob: rest.chars().collect(),
            negate,
            must_dir,
            base_name,
        });
        Ok(())
    }

    /// Whether the chart-relative path (`/`-separated) is ignored.
    pub fn ignores(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let name: Vec<char> = if let Some((_, base)) = path.rsplit_once('/') {
            base.chars().collect()
        } else {
            path.chars().collect()
        };
        let full: Vec<char> = path.chars().collect();
        for p in &self.patterns {
            let subject = if p.base_name { &name } else { &full };
            let matched = glob_match(&p.glob, subject).unwrap_or(false);
            if p.negate {
                if (p.must_dir && !is_dir) || !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `path/filepath.Match` with `/` as the separator: `*` and `?` never
/// match `/`, `[...]` (with `^` to negate and `a-z` ranges) and `\` escapes.
/// `None` for a malformed pattern, checked over the whole pattern.
pub fn glob_match(pattern: &[char], name: &[char]) -> Option<bool> {
    let mut pattern = pattern;
    let mut name = name;
    'chunks: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Some(!name.contains(&'/'));
        }
        let (left, ok, err) = match_chunk(chunk, name);
        if ok && (left.is_empty() || !pattern.is_empty()) {
            name = left;
            continue;
        }
        if err {
            return None;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != '/' {
                let (left, ok, err) = match_chunk(chunk, &name[i + 1..]);
                if ok {
                    if pattern.is_empty() && !left.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = left;
                    continue 'chunks;
                }
                if err {
                    return None;
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if match_chunk(chunk, &[]).2 {
                return None;
            }
        }
        return Some(false);
    }
    Some(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next unbracketed star.
fn scan_chunk(pattern: &[char]) -> (bool, &[char], &[char]) {
    let mut pattern = pattern;
    let mut star = false;
    while pattern.first() == Some(&'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            '\\' if i + 1 < pattern.len() => i += 1,
            '[' => in_range = true,
            ']' => in_range = false,
            '*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Matches one chunk at the start of `s`: (rest of s, matched, bad pattern).
fn match_chunk<'a>(chunk: &[char], s: &'a [char]) -> (&'a [char], bool, bool) {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            '[' => {
                let r = if failed { '\0' } else { s[0] };
                if !failed {
                    s = &s[1..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return (&[], false, true);
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&'-') {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return (&[], false, true);
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
            '?' => {
                if !failed {
                    if s[0] == '/' {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
            c => {
                let c = if c == '\\' {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        Some(c) => *c,
                        None => return (&[], false, true),
                    }
                } else {
                    c
                };
                if !failed {
                    if s[0] == c {
                        s = &s[1..];
                    } else {
                        failed = true;
                    }
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

/// One possibly escaped character of a `[...]` class.
fn get_esc(chunk: &[char]) -> Option<(char, &[char])> {
    let mut chunk = chunk;
    match chunk.first()? {
        '-' | ']' => return None,
        '\\' => {
            chunk = &chunk[1..];
            chunk.first()?;
        }
        _ => {}
    }
    let c = chunk[0];
    let rest = &chunk[1..];
    if rest.is_empty() {
        return None;
    }
    Some((c, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, n: &str) -> Option<bool> {
        let p: Vec<char> = p.chars().collect();
        let n: Vec<char> = n.chars().collect();
        glob_match(&p, &n)
    }

    #[test]
    fn globs_like_go_filepath_match() {
        #[track_caller]
        fn case(p: &str, n: &str, expected: Option<bool>) {
            assert_eq!(glob(p, n), expected, "{p} vs {n}");
        }
        case("abc", "abc", Some(true));
        case("*", "abc", Some(true));
        case("*c", "abc", Some(true));
        case("a*", "a", Some(true));
        case("a*", "ab/c", Some(false));
        case("a*/b", "abc/b", Some(true));
        case("a*b*c*d*e*/f", "axbxcxdxe/f", Some(true));
        case("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Some(false));
        case("ab[c]", "abc", Some(true));
        case("ab[b-d]", "abc", Some(true));
        case("ab[^c]", "abc", Some(false));
        case("ab[^b-d]", "abe", Some(true));
        case("a\\*b", "a*b", Some(true));
        case("a?b", "a☺b", Some(true));
        case("a?b", "a/b", Some(false));
        case("[", "a", None);
        case("[^", "a", None);
        case("a[", "x", None);
        case("[]a]", "]", None);
        case("[-]", "-", None);
        case("[a-]", "a", None);
        case("\\", "a", None);
        case("*x", "xxx", Some(true));
        case("a*", "abc[", Some(true));
    }

    #[test]
    fn rules_like_helm() {
        let rules = Rules::parse(
            "# comment\n\n.git/\n*.swp\n/rootonly.txt\ndocs/*.md\nmine/\ncache?.tmp  \n",
        )
        .unwrap();
        #[track_caller]
        fn case(rules: &Rules, path: &str, dir: bool, expected: bool) {
            assert_eq!(rules.ignores(path, dir), expected, "{path}");
        }
        case(&rules, ".git", true, true);
        case(&rules, ".git", false, false);
        case(&rules, "sub/.git", true, true);
        case(&rules, "a.swp", false, true);
        case(&rules, "templates/x.swp", false, true);
        case(&rules, "rootonly.txt", false, true);
        case(&rules, "sub/rootonly.txt", false, false);
        case(&rules, "docs/a.md", false, true);
        case(&rules, "docs/sub/a.md", false, false);
        case(&rules, "mine", true, true);
        case(&rules, "cache1.tmp", false, true);
        case(&rules, "templates/.hidden", false, true);
        case(&rules, "templates/tests", true, false);
        case(&rules, "templates/tests/test-connection.yaml", false, false);
        case(&rules, "Chart.yaml", false, false);
    }

    #[test]
    fn negation_ignores_everything_else() {
        // Helm's long-standing behaviour (helm/helm#3622): `!` makes every
        // path the rule does not match ignored.
        let rules = Rules::parse("!keep.txt\n").unwrap();
        assert!(!rules.ignores("keep.txt", false));
        assert!(rules.ignores("Chart.yaml", false));
    }

    #[test]
    fn double_star_and_bad_patterns_fail() {
        let err = Rules::parse("a\n**/x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: double-star (**) syntax is not supported"
        );
        assert!(Rules::parse("[\n").is_err());
    }
}
