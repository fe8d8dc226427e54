#!/usr/bin/env python3
"""Read OpenNebula template files (oned.conf, monitord.conf) the way oned does.

An implementation independent of image/one-config.rb, written from
OpenNebula's src/template/template_parser.l (flex: longest match wins, ties go
to the earlier rule) and template_syntax.y (vector sub-attribute names are
upper-cased, the first of duplicate subs wins, values are unescaped by
replacing \\" with "). Files are read as bytes (latin-1) like flex does.

usage:
  onetemplate.py check FILE                 exit 1 with a message on a syntax error
  onetemplate.py expect FILE PATH VALUE...  PATH is KEY or KEY/SUB; first KEY only
  onetemplate.py absent FILE PATH
  onetemplate.py diff BEFORE AFTER          the changed KEY or KEY/SUB paths, sorted
  onetemplate.py verify BEFORE AFTER CHANGED [PATH VALUE]...
                                            diff equals the comma-separated CHANGED
                                            paths and each PATH has its VALUE
"""

import os
import re
import sys

BLANK = r"[ \t]"
INITIAL = [
    ("comment", re.compile(BLANK + r"*#.*\n")),
    ("space", re.compile(r"[ \t\n]+")),
    ("var", re.compile(r"[A-Za-z0-9_]+")),
    ("equal", re.compile(BLANK + r"*=" + BLANK + r"*")),
    ("equal_empty", re.compile(BLANK + r"*=" + BLANK + r"*\n")),
    ("comma", re.compile(r"[ \t\n]*,[ \t\n]*")),
    ("cbracket", re.compile(r"[ \t\n]*\][ \t\n]*")),
]
VALUE = [
    ("obracket", re.compile(BLANK + r"*\[[ \t\n]*")),
    ("ccdata", re.compile(r".*\]\]>.*")),
    ("qstring", None),  # matched by quoted_length below
    ("string", re.compile(r"[^=# \t\n,\[\]]+")),
]


class TemplateError(Exception):
    pass


def quoted_length(text, pos):
    """Longest match of \"([^\"]|\\\\\")*\": it ends at the first quote that
    does not follow a backslash (every other quote can be inside)."""
    if text[pos] != '"':
        return None
    i = pos + 1
    while i < len(text):
        if text[i] == '"' and text[i - 1] != "\\":
            return i + 1 - pos
        if text[i] == '"' and i - 1 == pos:
            return i + 1 - pos
        i += 1
    # No closing quote at all; a quote right after a backslash can close too.
    for j in range(len(text) - 1, pos, -1):
        if text[j] == '"':
            return j + 1 - pos
    return None


def tokens(text):
    pos, state, out = 0, "initial", []
    while pos < len(text):
        rules = INITIAL if state == "initial" else VALUE
        best = (None, 0)
        for kind, regex in rules:
            if regex is None:
                n = quoted_length(text, pos)
            else:
                m = regex.match(text, pos)
                n = m.end() - pos if m else None
            if n and n > best[1]:
                best = (kind, n)
        kind, n = best
        if not kind:
            line = text.count("\n", 0, pos) + 1
            raise TemplateError(f"line {line}: unexpected {text[pos:pos + 20]!r}")
        lexeme = text[pos:pos + n]
        pos += n
        if state == "initial" and kind == "equal":
            state = "value"
        elif state == "value":
            state = "initial"
        if kind not in ("comment", "space"):
            out.append((kind, lexeme))
    return out


def unescape(kind, lexeme):
    raw = lexeme[1:-1] if kind == "qstring" else lexeme
    return raw.replace('\\"', '"')


def parse(text):
    """[(NAME, str | dict)] in file order."""
    toks = tokens(text)
    attrs, i = [], 0

    def need(j, *kinds):
        if j >= len(toks) or toks[j][0] not in kinds:
            got = toks[j] if j < len(toks) else "end of file"
            raise TemplateError(f"expected {'/'.join(kinds)}, got {got!r}")
        return toks[j]

    while i < len(toks):
        name = need(i, "var")[1]
        op = need(i + 1, "equal", "equal_empty")
        if op[0] == "equal_empty":
            attrs.append((name, ""))
            i += 2
            continue
        val = need(i + 2, "qstring", "string", "obracket")
        if val[0] != "obracket":
            attrs.append((name, unescape(*val)))
            i += 3
            continue
        subs, i = {}, i + 3
        while True:
            sub = need(i, "var")[1].upper()
            need(i + 1, "equal")
            sval = need(i + 2, "qstring", "string")
            subs.setdefault(sub, unescape(*sval))
            sep = need(i + 3, "comma", "cbracket")
            i += 4
            if sep[0] == "cbracket":
                break
        attrs.append((name, subs))
    return attrs


def load(path):
    with open(path, "rb") as f:
        return parse(f.read().decode("latin-1"))


def arg(s):
    return os.fsencode(s).decode("latin-1")


def lookup(attrs, path):
    key, _, sub = path.partition("/")
    for name, value in attrs:
        if name != key:
            continue
        if not sub:
            return value
        if isinstance(value, dict):
            return value.get(sub.upper())
        return None
    return None


def diff(before, after):
    def group(attrs):
        out = {}
        for name, value in attrs:
            out.setdefault(name, []).append(value)
        return out

    b, a = group(before), group(after)
    changed = []
    for name in sorted(set(b) | set(a)):
        bv, av = b.get(name), a.get(name)
        if bv == av:
            continue
        if bv and av and len(bv) == len(av) == 1 and isinstance(bv[0], dict) and isinstance(av[0], dict):
            for sub in sorted(set(bv[0]) | set(av[0])):
                if bv[0].get(sub) != av[0].get(sub):
                    changed.append(f"{name}/{sub}")
        else:
            changed.append(name)
    return changed


def expect(path, attrs, pairs):
    rc = 0
    for key, value in zip(pairs[::2], pairs[1::2]):
        got, want = lookup(attrs, key), arg(value)
        if got != want:
            print(f"{path}: {key} is {got!r}, expected {want!r}", file=sys.stderr)
            rc = 1
    return rc


def main(argv):
    try:
        cmd = argv[1]
        if cmd == "check":
            load(argv[2])
        elif cmd == "expect":
            return expect(argv[2], load(argv[2]), argv[3:])
        elif cmd == "verify":
            after = load(argv[3])
            got = diff(load(argv[2]), after)
            want = sorted(p for p in argv[4].split(",") if p)
            if got != want:
                print(f"{argv[3]}: changed {got}, expected {want}", file=sys.stderr)
                return 1
            return expect(argv[3], after, argv[5:])
        elif cmd == "absent":
            got = lookup(load(argv[2]), argv[3])
            if got is not None:
                print(f"{argv[2]}: {argv[3]} is {got!r}, expected absent", file=sys.stderr)
                return 1
        elif cmd == "diff":
            for path in diff(load(argv[2]), load(argv[3])):
                print(path)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except TemplateError as e:
        print(f"{argv[2]}: syntax error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
