"""One Chinese copy style for every string a user reads (laifaxin/copy_style.py):
spaces between Chinese and Latin/digits and none between Chinese characters,
full-width punctuation, “ ” quotes — checked with autocorrect (the linter
Chinese open-source projects use) over every translation and catalog text, and
after interpolation where a provider's name is filled in."""

import re
from pathlib import Path

import autocorrect_py
import polib
import pytest
from django.template import Context, Template
from django.utils import translation

from laifaxin.copy_style import CJK, literal_parts, tidy_spacing
from providers.catalog_data import CATALOG

PO_FILE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def style_problems(text: str) -> list[str]:
    """What is wrong with one literal Chinese text ([] when nothing is)."""
    literal = literal_parts(text)
    problems = []
    corrected = autocorrect_py.format(literal)
    if corrected != literal:
        problems.append(f"autocorrect would write {corrected!r}")
    if re.search(f"[{CJK}][ \u00a0]+[{CJK}]", literal):
        problems.append("a space between two Chinese characters")
    if re.search("[「」『』]", literal):
        problems.append("「」 quotes: use “ ”")
    if re.search(f"[{CJK}][,.;:!?](\\s|$)", literal):
        problems.append("ASCII punctuation after Chinese")
    return problems


def catalog_texts(value, where):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from catalog_texts(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from catalog_texts(item, f"{where}[{index}]")
    elif isinstance(value, str) and re.search(f"[{CJK}]", value):
        yield where, value


@pytest.mark.parametrize(
    "bad",
    [
        "生成你的App 专用密码",  # no space before Latin
        "服务商 拒绝了",  # a space between Chinese characters
        "密码被拒绝. 请重试",  # an English full stop
        "选择「其他服务商」",  # the other quote style
        "共3个邮箱",  # digits need spaces
    ],
)
def test_the_style_check_catches_what_users_reported(bad):
    assert style_problems(bad), bad


def test_every_chinese_translation_follows_the_style():
    problems = []
    for entry in polib.pofile(str(PO_FILE)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and style_problems(text):
                problems.append(f"{entry.msgid[:60]!r}: {text!r} {style_problems(text)}")
    assert problems == []


def test_every_chinese_catalog_text_follows_the_style():
    problems = []
    for entry in CATALOG:
        for where, text in catalog_texts(entry, entry["slug"]):
            if style_problems(text):
                problems.append(f"{where}: {text!r} {style_problems(text)}")
    assert problems == []


@pytest.mark.parametrize(
    "assembled, expected",
    [
        ("生成你的App 专用密码", "生成你的 App 专用密码"),
        ("iCloud 邮件 只会显示一次", "iCloud 邮件只会显示一次"),
        ("服务商 拒绝了这个密码", "服务商拒绝了这个密码"),
        ("请生成新的授权码", "请生成新的授权码"),
        ("Generate your app password", "Generate your app password"),
    ],
)
def test_assembled_sentences_get_their_spacing_fixed(assembled, expected):
    assert tidy_spacing(assembled) == expected


@pytest.mark.parametrize(
    "credential, expected",
    [("App 专用密码", "生成你的 App 专用密码"), ("授权码", "生成你的授权码")],
)
def test_templates_fix_the_spacing_around_filled_in_terms(credential, expected):
    template = Template("{% load i18n %}{% blocktranslate %}Generate your {{ credential }}{% endblocktranslate %}")
    with translation.override("zh-hans"):
        assert template.render(Context({"credential": credential})) == expected


@pytest.mark.parametrize(
    "term, expected",
    [
        ("app password", "Mail apps need an app password"),
        ("client password", "Mail apps need a client password"),
        ("authorization code", "Mail apps need an authorization code"),
    ],
)
def test_english_hints_put_the_right_article_before_the_providers_term(term, expected):
    from types import SimpleNamespace

    from accounts.hints import hint_message

    provider = SimpleNamespace(name="Example Mail", credential_name=term, credential_url="")
    with translation.override("en"):
        assert expected in hint_message("app_password_required", provider)
    provider.credential_name = "授权码"  # Chinese has no article, and no stray space
    with translation.override("zh-hans"):
        assert "邮件应用需要授权码：" in hint_message("app_password_required", provider)
