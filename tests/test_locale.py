"""The zh-hans catalog is complete: every msgid of the project translated,
nothing fuzzy, placeholders intact, and up to date with the source."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        translated = entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr
        if not translated:
            found.append(f"untranslated: {entry.msgid!r}")
    return found


def test_every_entry_of_the_catalog_is_translated_and_not_fuzzy():
    assert problems(polib.pofile(str(CATALOG))) == []


def test_the_catalog_compiles_with_matching_placeholders():
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_string_in_the_source_is_in_the_catalog(tmp_path, settings, monkeypatch):
    # makemessages on a copy of the source tree (it writes into the "locale"
    # folder next to the files it scans): a msgid added to the code but not to
    # the catalog shows up as an untranslated entry there.
    source = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "test-artifacts", "__pycache__", ".pytest_cache", "*.mo", "node_modules"
        ),
    )
    monkeypatch.chdir(source)
    settings.LOCALE_PATHS = [source / "locale"]
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    copy = source / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert problems(polib.pofile(str(copy))) == []


@pytest.mark.parametrize(
    "msgid, expected",
    [
        ("Active", "正常"),
        ("Pending", "待验证"),
        ("Paused", "已暂停"),
        ("Password no longer works", "密码已失效"),
        ("Unreachable", "无法连接"),
        ("Action required", "需要处理"),
    ],
)
def test_the_six_statuses_read_as_agreed(msgid, expected):
    entry = polib.pofile(str(CATALOG)).find(msgid)
    assert entry.msgstr == expected
