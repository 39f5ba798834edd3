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
