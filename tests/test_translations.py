"""简体中文 ships complete: no untranslated or fuzzy entry, and the compiled catalog is current."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/*.po") if ".venv" not in p.parts
)


def test_there_is_a_chinese_catalog():
    assert CATALOGS


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_complete(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {po_path.name}: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy in {po_path.name}: {fuzzy[:20]}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalog_matches(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run `make messages` to compile {po_path}"
    po = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.pofile(str(po_path))
        if not e.obsolete
    }
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(mo_path))}
    stale = sorted(k[1] for k in po if po[k] != mo.get(k))
    assert stale == [], f"{mo_path.name} is out of date (make messages): {stale[:10]}"


def test_catalog_has_every_string_of_the_code(tmp_path):
    """Extract the strings afresh (gettext's xgettext) from a copy of the project: none may be
    missing from the committed catalog."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "test-artifacts", "bench", "node_modules", "*.pyc", "tests"
        ),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "cosell.settings",
            "COSELL_VAR_DIR": str(tmp_path / "var"),
        },
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    # makemessages fills a new string with a guess from a similar one and marks it fuzzy: that is
    # no translation either.
    missing = [
        e.msgid
        for e in fresh
        if not e.obsolete
        and ("fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values())))
    ]
    assert missing == [], (
        f"{len(missing)} strings have no translation (make messages): {missing[:15]}"
    )
