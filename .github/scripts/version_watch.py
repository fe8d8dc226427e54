#!/usr/bin/env python3
"""Version watch for the OpenNebula Community Edition packages.

The logic behind .github/workflows/version-watch.yml, kept out of the YAML so
it can be tested against saved files (tests/workflows.rs,
tests/fixtures/version-watch/). It never touches the network: the workflow
downloads the pages with curl and passes the files in.

  latest-release LISTING.html
      The newest stable X.Y.Z (or X.Y.Z.W) linked from a directory listing of
      https://downloads.opennebula.io/repo/. Pre-releases are skipped:
      OpenNebula numbers betas and release candidates X.Y.80, X.Y.85,
      X.Y.90 (7.3.80 was a 7.4 beta), so any patch number of 80 or more is
      not a release. Names that are not purely numeric (7.0, repo2.key,
      7.2.0-rc1) are ignored.

  bump NEW [--root DIR] [--dry-run]
      Sets image/ONE_VERSION and chart/Chart.yaml's appVersion to NEW and
      bumps the chart version: the minor (patch reset to 0) when
      OpenNebula's major.minor changes, else the patch. When Chart.yaml has
      Artifact Hub annotations, the OpenNebula image of
      `artifacthub.io/images` (the one line `image: .../opennebula:TAG`,
      which must be at appVersion) moves to NEW too, and the entries of
      `artifacthub.io/changes` become one: "OpenNebula NEW (was OLD)".
      Nothing else of Chart.yaml changes, byte for byte. Idempotent: a second run with the
      same NEW changes nothing. A NEW older than the current version
      changes nothing either (the watch only moves forward). Prints
      key=value lines for $GITHUB_OUTPUT: changed, reason, from, to,
      chart_from, chart_to, kind.

  summary OLD NEW OLD_PACKAGES NEW_PACKAGES [--dists-listing HTML] [--root DIR]
      Markdown for the bump pull request: what changed between the two
      versions' Ubuntu 24.04 amd64 package indexes (dists/stable/opennebula/
      binary-amd64/Packages): packages added, removed, with a new version,
      and the dependency changes of the packages the Dockerfile installs.
      With --dists-listing (the HTML listing of dists/stable/opennebula/ of
      NEW) it also says which architectures are published.

Python 3.11 standard library only: it runs on a bare GitHub runner and here.
Exit status: 0 on success, 1 on bad input (with one line on stderr).
"""

from __future__ import annotations

import argparse
import html.parser
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# Patch numbers OpenNebula gives its betas and release candidates.
PRERELEASE_PATCH = 80

VERSION_RE = re.compile(r"^\d+(?:\.\d+){2,3}$")


class WatchError(Exception):
    """Bad input: printed as one line, exit status 1."""


# ---------------------------------------------------------------------------
# versions


def parse_version(text: str) -> tuple[int, ...]:
    """'7.0.1' -> (7, 0, 1); raises WatchError for anything else."""
    if not VERSION_RE.match(text):
        raise WatchError(f"not an OpenNebula version: {text!r}")
    return tuple(int(part) for part in text.split("."))


def is_stable(version: tuple[int, ...]) -> bool:
    return version[2] < PRERELEASE_PATCH


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value)


def listed_names(listing: str) -> list[str]:
    """The entry names a directory listing links to: 'href="/repo/7.0.0/"'
    and 'href="7.0.0/"' both give '7.0.0'; sort links ('?C=M;O=A') and the
    parent directory give nothing."""
    parser = _Links()
    parser.feed(listing)
    names = []
    for href in parser.hrefs:
        href = href.split("?", 1)[0].split("#", 1)[0]
        name = href.rstrip("/").rsplit("/", 1)[-1]
        if name and name not in (".", ".."):
            names.append(name)
    return names


def stable_versions(listing: str) -> list[str]:
    """Every stable version in a listing, oldest first, without duplicates."""
    found = {}
    for name in listed_names(listing):
        if VERSION_RE.match(name):
            version = parse_version(name)
            if is_stable(version):
                found[version] = name
    return [found[v] for v in sorted(found)]


def latest_release(listing: str) -> str:
    versions = stable_versions(listing)
    if not versions:
        raise WatchError("no stable OpenNebula version (X.Y.Z with Z < 80) in the listing")
    return versions[-1]


# ---------------------------------------------------------------------------
# bump

CHART_VERSION_RE = re.compile(r"^(version:[ \t]*)([\"']?)([^\"'\s#]+)([\"']?)(.*)$", re.M)
APP_VERSION_RE = re.compile(r"^(appVersion:[ \t]*)([\"']?)([^\"'\s#]+)([\"']?)(.*)$", re.M)
SEMVER_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass
class Bump:
    changed: bool
    reason: str
    old: str
    new: str
    chart_old: str
    chart_new: str
    kind: str

    def lines(self) -> str:
        return "".join(
            f"{key}={value}\n"
            for key, value in (
                ("changed", "true" if self.changed else "false"),
                ("reason", self.reason),
                ("from", self.old),
                ("to", self.new),
                ("chart_from", self.chart_old),
                ("chart_to", self.chart_new),
                ("kind", self.kind),
            )
        )


def _one_match(pattern: re.Pattern[str], text: str, what: str) -> re.Match[str]:
    matches = list(pattern.finditer(text))
    if len(matches) != 1:
        raise WatchError(f"chart/Chart.yaml: expected one top-level `{what}:` line, found {len(matches)}")
    return matches[0]


def next_chart_version(chart_version: str, old: str, new: str) -> tuple[str, str]:
    """The chart version after moving OpenNebula from old to new, and 'minor'
    or 'patch'."""
    m = SEMVER_RE.match(chart_version)
    if not m:
        raise WatchError(f"chart/Chart.yaml: version {chart_version!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(x) for x in m.groups())
    if parse_version(old)[:2] != parse_version(new)[:2]:
        return f"{major}.{minor + 1}.0", "minor"
    return f"{major}.{minor}.{patch + 1}", "patch"


def _replaced(match: re.Match[str], value: str) -> tuple[int, int, str]:
    """The edit that puts value in place of the version a line matched."""
    prefix, quote, _, close, rest = match.groups()
    return match.start(), match.end(), f"{prefix}{quote}{value}{close}{rest}"


def _block(text: str, key: str) -> tuple[int, int] | None:
    """Where the content of the block scalar `  KEY: |` (an annotation whose
    value is YAML text) starts and ends: the lines after it that are blank
    or indented deeper, without trailing blank lines. None without the key."""
    heads = list(re.finditer(rf"^([ \t]+){re.escape(key)}:[ \t]*\|[-+]?[ \t]*(?:#.*)?\n", text, re.M))
    if not heads:
        return None
    if len(heads) > 1:
        raise WatchError(f"chart/Chart.yaml: `{key}` twice")
    head = heads[0]
    indent = len(head.group(1))
    start = end = head.end()
    pos = start
    for line in text[start:].splitlines(keepends=True):
        stripped = line.strip()
        if stripped and len(line) - len(line.lstrip(" \t")) <= indent:
            break
        pos += len(line)
        if stripped:
            end = pos
    if end == start:
        raise WatchError(f"chart/Chart.yaml: `{key}` is empty")
    return start, end


# `image: REGISTRY/PATH/opennebula:TAG`, the item of artifacthub.io/images the
# version watch moves (the chart's own image; no other image is named opennebula).
OPENNEBULA_IMAGE_RE = re.compile(r"^([ \t]*(?:-[ \t]+)?image:[ \t]*[\"']?(?:\S+/)?opennebula:)([^\s\"'#]+)(.*)$", re.M)


def _annotation_edits(chart: str, old: str, new: str) -> list[tuple[int, int, str]]:
    """The edits of the Artifact Hub annotations for a bump from old to new
    (none when Chart.yaml has none of them)."""
    edits = []
    images = _block(chart, "artifacthub.io/images")
    if images is not None:
        start, end = images
        found = list(OPENNEBULA_IMAGE_RE.finditer(chart, start, end))
        if len(found) != 1:
            raise WatchError(
                f"chart/Chart.yaml: expected one `image: .../opennebula:TAG` in artifacthub.io/images, found {len(found)}"
            )
        match = found[0]
        if match.group(2) != old:
            raise WatchError(
                f"chart/Chart.yaml: artifacthub.io/images has opennebula:{match.group(2)}, appVersion is {old}; fix them first"
            )
        edits.append((match.start(), match.end(), f"{match.group(1)}{new}{match.group(3)}"))
    changes = _block(chart, "artifacthub.io/changes")
    if changes is not None:
        start, end = changes
        first = chart[start:end].lstrip("\n")
        indent = first[: len(first) - len(first.lstrip(" \t"))]
        entry = f"{indent}- kind: changed\n{indent}  description: OpenNebula {new} (was {old})\n"
        edits.append((start, end, entry))
    return edits


def bump(root: Path, new: str, dry_run: bool) -> Bump:
    parse_version(new)
    version_file = root / "image" / "ONE_VERSION"
    chart_file = root / "chart" / "Chart.yaml"
    one_text = version_file.read_text(encoding="utf-8")
    one_version = one_text.strip()
    chart = chart_file.read_bytes().decode("utf-8")
    app_match = _one_match(APP_VERSION_RE, chart, "appVersion")
    ver_match = _one_match(CHART_VERSION_RE, chart, "version")
    app_version = app_match.group(3)
    chart_version = ver_match.group(3)
    parse_version(app_version)

    if app_version == new and one_version == new:
        return Bump(False, "current", app_version, new, chart_version, chart_version, "none")
    if app_version == new:
        # An earlier run stopped half way: the chart is bumped, the image file
        # is not. Finish it without bumping the chart a second time.
        if not dry_run:
            version_file.write_text(new + ("\n" if one_text.endswith("\n") else ""), encoding="utf-8")
        return Bump(True, "image-file", one_version, new, chart_version, chart_version, "none")
    if one_version != app_version:
        raise WatchError(
            f"image/ONE_VERSION ({one_version}) and chart/Chart.yaml appVersion ({app_version}) differ; fix them first"
        )
    if parse_version(new) < parse_version(app_version):
        return Bump(False, "older", app_version, new, chart_version, chart_version, "none")

    chart_new, kind = next_chart_version(chart_version, app_version, new)
    edits = [_replaced(app_match, new), _replaced(ver_match, chart_new)]
    edits += _annotation_edits(chart, app_version, new)
    # The later edit first, so the earlier ones' offsets stay valid.
    for start, end, text in sorted(edits, reverse=True):
        chart = chart[:start] + text + chart[end:]
    if not dry_run:
        chart_file.write_bytes(chart.encode("utf-8"))
        version_file.write_text(new + ("\n" if one_text.endswith("\n") else ""), encoding="utf-8")
    return Bump(True, "newer", app_version, new, chart_version, chart_new, kind)


# ---------------------------------------------------------------------------
# package summary


@dataclass
class Package:
    name: str
    version: str
    depends: list[str]


def parse_packages(text: str) -> dict[str, Package]:
    """A Debian Packages index: one paragraph per package, blank-line separated,
    continuation lines start with a space. A name listed twice keeps the
    highest version as sorted text (one version per name in practice)."""
    packages: dict[str, Package] = {}
    for paragraph in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in paragraph.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip()
                fields[key] = value.strip()
        name = fields.get("Package")
        if not name:
            continue
        if "Version" not in fields:
            raise WatchError(f"package {name} has no Version field")
        depends = [d.strip() for d in fields.get("Depends", "").split(",") if d.strip()]
        old = packages.get(name)
        if old is None or fields["Version"] > old.version:
            packages[name] = Package(name, fields["Version"], sorted(depends))
    if not packages:
        raise WatchError("no package paragraphs in the Packages index")
    return packages


def own_version_neutral(package: Package) -> set[str]:
    return {d.replace(f"(= {package.version})", "(= <own version>)") for d in package.depends}


DOCKERFILE_PACKAGE_RE = re.compile(r"^\s+(opennebula[a-z0-9.+-]*)\s*\\?\s*$", re.M)


def image_packages(root: Path) -> list[str]:
    """The OpenNebula packages the Dockerfile installs (one per line)."""
    names = DOCKERFILE_PACKAGE_RE.findall((root / "Dockerfile").read_text(encoding="utf-8"))
    if not names:
        raise WatchError("Dockerfile: no opennebula* package in an apt-get install list")
    return sorted(set(names))


def architectures(listing: str) -> list[str]:
    return sorted(
        name.removeprefix("binary-") for name in set(listed_names(listing)) if name.startswith("binary-")
    )


def summary(
    old: str, new: str, old_index: str, new_index: str, root: Path, dists_listing: str | None
) -> str:
    parse_version(old)
    parse_version(new)
    before = parse_packages(old_index)
    after = parse_packages(new_index)
    installed = image_packages(root)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    both = sorted(set(before) & set(after))
    changed = [n for n in both if before[n].version != after[n].version]

    out = [f"### OpenNebula {old} → {new}: packages (Ubuntu 24.04, amd64)", ""]
    out.append(
        f"{len(after)} packages in {new} ({len(before)} in {old}): "
        f"{len(added)} added, {len(removed)} removed, {len(changed)} with a new version, "
        f"{len(both) - len(changed)} unchanged."
    )
    out.append("")
    out.append("#### Packages the image installs")
    out.append("")
    out.append(f"| package | {old} | {new} |")
    out.append("| --- | --- | --- |")
    for name in installed:
        was = before[name].version if name in before else "—"
        now = after[name].version if name in after else "**missing**"
        out.append(f"| `{name}` | {was} | {now} |")
    out.append("")
    missing = [n for n in installed if n not in after]
    if missing:
        out.append(
            "**The Dockerfile installs packages that "
            f"{new} does not publish: {', '.join(f'`{n}`' for n in missing)}.** The image build will fail."
        )
        out.append("")

    dep_lines = []
    for name in installed:
        if name in before and name in after:
            # Sibling packages are pinned to the package's own version
            # ("opennebula-common (= 7.0.1-1)"): that changes every release
            # and is not news.
            was, now = own_version_neutral(before[name]), own_version_neutral(after[name])
            gone = sorted(was - now)
            came = sorted(now - was)
            if gone or came:
                dep_lines.append(f"`{name}`:")
                dep_lines.append("```diff")
                dep_lines.extend(f"- {d}" for d in gone)
                dep_lines.extend(f"+ {d}" for d in came)
                dep_lines.append("```")
    out.append("#### Dependency changes of those packages")
    out.append("")
    out.extend(dep_lines if dep_lines else ["None."])
    out.append("")

    out.append("#### Other packages")
    out.append("")
    others = [n for n in changed if n not in installed]
    if not (added or removed or others):
        out.append("No other package was added, removed or changed.")
    for title, names, show in (
        ("Added", added, lambda n: f"`{n}` {after[n].version}"),
        ("Removed", removed, lambda n: f"`{n}` {before[n].version}"),
        ("New version", others, lambda n: f"`{n}` {before[n].version} → {after[n].version}"),
    ):
        if names:
            out.append(f"{title}: " + ", ".join(show(n) for n in names) + ".")
            out.append("")
    if out[-1] != "":
        out.append("")

    if dists_listing is not None:
        arches = architectures(dists_listing)
        if not arches:
            raise WatchError("no binary-* directory in the dists listing")
        out.append(f"Architectures published for Ubuntu 24.04: {', '.join(arches)}.")
        if "arm64" in arches:
            out.append(
                "arm64 packages exist now: consider adding linux/arm64 to PLATFORMS in "
                ".github/workflows/image.yml."
            )
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="version_watch.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("latest-release", help="newest stable version in a repo listing")
    p.add_argument("listing", type=Path)
    p = sub.add_parser("bump", help="move image/ONE_VERSION and chart/Chart.yaml to NEW")
    p.add_argument("new")
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    p.add_argument("--dry-run", action="store_true")
    p = sub.add_parser("summary", help="package changes between two versions, as Markdown")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("old_packages", type=Path)
    p.add_argument("new_packages", type=Path)
    p.add_argument("--dists-listing", type=Path)
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)

    try:
        if args.command == "latest-release":
            print(latest_release(args.listing.read_text(encoding="utf-8", errors="replace")))
        elif args.command == "bump":
            sys.stdout.write(bump(args.root, args.new, args.dry_run).lines())
        else:
            dists = None
            if args.dists_listing is not None:
                dists = args.dists_listing.read_text(encoding="utf-8", errors="replace")
            sys.stdout.write(
                summary(
                    args.old,
                    args.new,
                    args.old_packages.read_text(encoding="utf-8"),
                    args.new_packages.read_text(encoding="utf-8"),
                    args.root,
                    dists,
                )
            )
    except (WatchError, OSError) as err:
        print(f"version_watch.py: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
