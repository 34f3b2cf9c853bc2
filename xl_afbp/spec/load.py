"""Read a spec edition (YAML) into :class:`~xl_afbp.spec.model.Spec`, keeping line numbers.

An edition is one YAML file or a directory of YAML files whose top-level keys are merged
(``form.yaml``, ``rules.yaml``, ``indicators.yaml``, ``k03.yaml`` for the 2016 edition).
Unknown keys are refused by name, like XlsxWriter's option whitelists, so a typo never
silently drops a setting.

The YAML is the source of truth. For runtimes that have only the standard library (the
analyst functions in xlwings Lite and Server, see :mod:`xl_afbp.functions_wheel`),
:func:`compiled_edition` writes the same mapping as JSON (``edition.json``, with the spec's
digest); a folder holding only that file loads without importing ``yaml``, and its spec
has the same digest as the YAML it was generated from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import Code, SpecError, SpecIssue
from .model import (
    Band,
    BasicField,
    Comparisons,
    Edition,
    Indicator,
    Item,
    K03Cell,
    K03Check,
    Location,
    NotRatioOfSums,
    Perspective,
    Rule,
    Section,
    Service,
    Spec,
)

TOP_KEYS = {
    "edition": True,
    "population_bands": True,
    "basic": True,
    "sections": True,
    "items": True,
    "services": False,
    "rules": True,
    "perspectives": True,
    "indicators": True,
    "k03_cells": False,
    "k03_checks": False,
    "key_indicators": False,
    "not_ratio_of_sums": False,
    "comparisons": False,
}


class _Map(dict):
    """A mapping that remembers the file and line it came from."""

    file: str = "?"
    line: int = 0


#: The stdlib-readable form of an edition folder, generated from its YAML.
EDITION_JSON = "edition.json"
_JSON_FORMAT = "xl-afbp edition"


def _loader_for(file: str):
    import yaml  # lazy: the function runtime reads the JSON form and has no yaml

    # libyaml's parser when PyYAML has it: the same documents, ~5x faster (every process
    # that compiles an engine pays this at start)
    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    def construct_mapping(loader, node, deep=False):
        m = _Map(yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=True))
        m.file, m.line = file, node.start_mark.line + 1
        return m

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


SHIPPED_PREFIX = "afbp-"


def _shipped_base() -> Path:
    return Path(str(resources.files("xl_afbp") / "editions"))


def edition_path(edition: int | str) -> Path:
    """Folder of a shipped edition (``2016`` or ``afbp-2016`` → ``xl_afbp/editions/afbp-2016``)."""
    base = _shipped_base()
    path = base / f"{SHIPPED_PREFIX}{str(edition).removeprefix(SHIPPED_PREFIX)}"
    if not path.is_dir():
        have = sorted(p.name for p in base.glob(f"{SHIPPED_PREFIX}*") if p.is_dir())
        raise FileNotFoundError(f"no shipped edition {edition!r}; shipped: {', '.join(have)} (or give the path of an edition folder)")
    return path


def available_editions() -> list[int]:
    """The shipped editions by the year of their folder name (``afbp-2016`` → 2016)."""
    return sorted(int(p.name.removeprefix(SHIPPED_PREFIX)) for p in _shipped_base().glob(f"{SHIPPED_PREFIX}*") if p.is_dir())


def edition_key(edition: int | str | Path) -> str:
    """One name per edition, so each is loaded (and compiled) once: a shipped edition's
    year (``2016``, ``"afbp-2016"`` or its folder) or the absolute path of any other."""
    text = str(edition)
    if isinstance(edition, int) or text.isdigit():
        return str(int(text))
    path = Path(text)
    base = _shipped_base().resolve()
    if path.exists():
        resolved = path.resolve()
        shipped = resolved.parent == base and resolved.name.startswith(SHIPPED_PREFIX)
        return resolved.name.removeprefix(SHIPPED_PREFIX) if shipped else str(resolved)
    if text.startswith(SHIPPED_PREFIX) and (base / text).is_dir() and "/" not in text:
        return text.removeprefix(SHIPPED_PREFIX)
    return str(path.resolve())


def _files(path: Path) -> list[Path]:
    """The YAML files of an edition folder; its generated JSON only when it has no YAML."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        compiled = path / EDITION_JSON
        return found or ([compiled] if compiled.is_file() else [])
    return [path]


def read_raw(path: Path) -> tuple[dict[str, Any], list[SpecIssue], list[Path]]:
    """Merge the YAML files of an edition; report duplicate top-level keys and bad YAML."""
    files = _files(path)
    if len(files) == 1 and files[0].suffix == ".json":
        return _read_compiled(files[0])
    import yaml  # lazy, see _loader_for

    merged: dict[str, Any] = {}
    issues: list[SpecIssue] = []
    for f in files:
        try:
            data = yaml.load(f.read_text(encoding="utf-8"), Loader=_loader_for(f.name))  # noqa: S506 - SafeLoader subclass
        except (OSError, yaml.YAMLError) as exc:
            issues.append(SpecIssue(Code.SPEC010, Location(f.name, getattr(getattr(exc, "problem_mark", None), "line", -1) + 1, "(file)"), f"cannot read the file: {exc}", "Fix the YAML syntax"))
            continue
        if not isinstance(data, dict):
            issues.append(SpecIssue(Code.SPEC010, Location(f.name, 1, "(file)"), "the file is not a mapping of sections", "Start the file with keys such as 'items:'"))
            continue
        for key, value in data.items():
            if key in merged:
                issues.append(SpecIssue(Code.SPEC002, Location(f.name, getattr(data, "line", 1), key), f"section {key!r} is defined in more than one file", "Keep each top-level section in one file"))
            merged[key] = value
    return merged, issues, files


def _read_compiled(file: Path) -> tuple[dict[str, Any], list[SpecIssue], list[Path]]:
    """An edition written by :func:`compiled_edition`; its digest must match its content."""
    where = Location(file.name, 1, "(file)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {}, [SpecIssue(Code.SPEC010, where, f"cannot read the file: {exc}", "Write it again with 'xl-afbp udfs'")], [file]
    if not isinstance(data, dict) or data.get("format") != _JSON_FORMAT or not isinstance(data.get("spec"), dict):
        return {}, [SpecIssue(Code.SPEC010, where, "not an edition written by xl-afbp", "Write it again with 'xl-afbp udfs'")], [file]
    raw = data["spec"]
    if digest_of(raw) != data.get("digest"):
        problem = "the content does not match its digest (edited by hand?)"
        return {}, [SpecIssue(Code.SPEC010, where, problem, "Write it again from the YAML with 'xl-afbp udfs'")], [file]
    return raw, [], [file]


def compiled_edition(edition: int | str | Path) -> str:
    """The edition as JSON text for stdlib-only runtimes, generated from its YAML.

    Refuses (:class:`SpecError`) a spec with lint problems: what the functions run must
    be what ``xl-afbp spec lint`` accepts. The digest is the YAML spec's digest.
    """
    raw, files, spec, issues = _read_and_lint(edition)
    if issues or spec is None:
        raise SpecError(issues)
    doc = {"format": _JSON_FORMAT, "digest": spec.digest, "sources": [f.name for f in files], "spec": raw}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str, indent=1) + "\n"


def _loc(m: Any, path: str) -> Location:
    return Location(getattr(m, "file", "?"), getattr(m, "line", 0), path)


class _Builder:
    """Turns raw mappings into dataclasses, collecting (not raising) problems."""

    def __init__(self) -> None:
        self.issues: list[SpecIssue] = []

    def issue(self, code: Code, loc: Location | None, problem: str, fix: str) -> None:
        self.issues.append(SpecIssue(code, loc, problem, fix))

    def build(self, cls, raw: Any, path: str, *, rename: dict[str, str] | None = None, convert=None):
        loc = _loc(raw, path)
        if not isinstance(raw, dict):
            self.issue(Code.SPEC001, loc, f"expected a mapping, found {type(raw).__name__}", "Write the entry as 'key: value' pairs")
            return None
        allowed = {f.name for f in fields(cls)} - {"loc"}
        rename = rename or {}
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            target = rename.get(key, key)
            if target not in allowed:
                near = ", ".join(sorted(k for k in allowed if k[:2] == str(key)[:2])) or ", ".join(sorted(allowed))
                self.issue(Code.SPEC001, loc, f"unknown key {key!r}", f"Use one of: {near}")
                continue
            kwargs[target] = value
        required = [f.name for f in fields(cls) if f.name != "loc" and f.name not in kwargs and _is_required(cls, f.name)]
        if required:
            self.issue(Code.SPEC001, loc, f"missing key(s) {', '.join(required)}", "Add them to the entry")
            return None
        if convert:
            kwargs = convert(kwargs)
        if "loc" in {f.name for f in fields(cls)}:
            kwargs["loc"] = loc
        try:
            return cls(**kwargs)
        except TypeError as exc:  # pragma: no cover - guarded by the checks above
            self.issue(Code.SPEC001, loc, str(exc), "Check the keys of the entry")
            return None

    def build_list(self, cls, raw: Any, path: str, **kw) -> tuple:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.issue(Code.SPEC001, None, f"{path} must be a list", f"Write {path} as a YAML list ('- ...')")
            return ()
        out = [self.build(cls, entry, f"{path}[{i}]", **kw) for i, entry in enumerate(raw)]
        return tuple(o for o in out if o is not None)


def _is_required(cls, name: str) -> bool:
    from dataclasses import MISSING

    f = next(f for f in fields(cls) if f.name == name)
    return f.default is MISSING and f.default_factory is MISSING  # type: ignore[misc]


def _tuple_of(*keys: str):
    def convert(kw: dict[str, Any]) -> dict[str, Any]:
        for k in keys:
            if k in kw and kw[k] is not None:
                kw[k] = tuple(kw[k])
        return kw

    return convert


def digest_of(raw: dict[str, Any]) -> str:
    """sha256 of the spec's content (canonical JSON), stamped into every workbook."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_spec(raw: dict[str, Any], files: list[Path] | tuple[Path, ...] = ()) -> tuple[Spec | None, list[SpecIssue]]:
    b = _Builder()
    first = files[0].name if files else "?"
    for key, required in TOP_KEYS.items():
        if required and key not in raw:
            b.issue(Code.SPEC001, Location(first, 1, key), f"the top-level section {key!r} is missing", f"Add '{key}:' to the edition")
    for key in raw:
        if key not in TOP_KEYS:
            b.issue(Code.SPEC001, _loc(raw, key), f"unknown top-level section {key!r}", f"Use one of: {', '.join(TOP_KEYS)}")
    edition = b.build(Edition, raw.get("edition", {}), "edition")
    spec = Spec(
        edition=edition,  # type: ignore[arg-type]
        bands=b.build_list(Band, raw.get("population_bands"), "population_bands"),
        basic=b.build_list(BasicField, raw.get("basic"), "basic", convert=_tuple_of("choices")),
        sections=b.build_list(Section, raw.get("sections"), "sections"),
        items=b.build_list(Item, raw.get("items"), "items"),
        services=b.build_list(Service, raw.get("services"), "services"),
        rules=b.build_list(Rule, raw.get("rules"), "rules", convert=_tuple_of("exclude")),
        perspectives=b.build_list(Perspective, raw.get("perspectives"), "perspectives"),
        indicators=b.build_list(Indicator, raw.get("indicators"), "indicators"),
        k03_cells=b.build_list(K03Cell, raw.get("k03_cells"), "k03_cells"),
        k03_checks=b.build_list(K03Check, raw.get("k03_checks"), "k03_checks"),
        key_indicators=tuple(raw.get("key_indicators") or ()),
        not_ratio_of_sums=b.build_list(NotRatioOfSums, raw.get("not_ratio_of_sums"), "not_ratio_of_sums", convert=_tuple_of("indicators")),
        comparisons=(b.build(Comparisons, raw["comparisons"], "comparisons") or Comparisons()) if "comparisons" in raw else Comparisons(),
        digest=digest_of(raw),
        source=tuple(files),
    )
    if edition is None:
        return None, b.issues
    return spec, b.issues


def _read_and_lint(path: Path | str | int) -> tuple[dict[str, Any], list[Path], Spec | None, list[SpecIssue]]:
    from .lint import lint

    key = edition_key(path)
    p = edition_path(key) if key.isdigit() else Path(key)
    raw, issues, files = read_raw(p)
    spec, more = build_spec(raw, files)
    issues += more
    if spec is not None:
        issues += lint(spec)
    return raw, files, spec, issues


def lint_path(path: Path | str | int) -> tuple[Spec | None, list[SpecIssue]]:
    """Read and check an edition; return the spec (if buildable) and every problem found."""
    _, _, spec, issues = _read_and_lint(path)
    return spec, issues


@lru_cache(maxsize=8)
def _load_cached(key: str) -> Spec:
    spec, issues = lint_path(key)
    if issues or spec is None:
        raise SpecError(issues)
    return spec


def load_spec(edition: int | str | Path | None = None) -> Spec:
    """Load and lint an edition: a shipped year (``2016``) or a path to a YAML file/folder;
    ``None``: the newest shipped edition.

    Raises :class:`SpecError` listing every problem when the spec is not clean.
    """
    return _load_cached(edition_key(available_editions()[-1] if edition is None else edition))
