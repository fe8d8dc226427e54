//! `.helmignore` with Helm's own semantics (`pkg/ignore/rules.go`), not
//! gitignore's: rules are tried in order and the first match decides; a
//! pattern without `/` matches the base name at any depth, one with `/` the
//! whole path; a trailing `/` matches directories only; `!` inverts a rule
//! the way Helm does (a path the rule does *not* match is ignored); `**` is
//! an error. `templates/.?*` is always added last.

use anyhow::{bail, Result};

use crate::glob::glob_match;

/// The parsed rules of one `.helmignore` plus Helm's default.
#[derive(Debug, Clone)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
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
        if glob_match(rule, "abc").is_none() {
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
            glob: rest.to_string(),
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
        let name = path.rsplit_once('/').map_or(path, |(_, base)| base);
        for p in &self.patterns {
            let subject = if p.base_name { name } else { path };
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

#[cfg(test)]
mod tests {
    use super::*;

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
