"""The portal's Chinese copy style, in one place.

- A space between Chinese and Latin letters or digits ("生成你的 App 专用密码"),
  none between two Chinese characters ("服务商拒绝了").
- Full-width punctuation in Chinese text ("密码被拒绝。"), one quote style: “ ”.

Literal text (every translation, every catalog text) is held to it by
tests/test_copy_style.py. Sentences put together at run time — a provider's
name or credential term dropped into a translation — can't be, because the
spacing depends on the value: `tidy_spacing` fixes them after interpolation.
"""

from __future__ import annotations

import re

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[ \u00a0]+(?=[{CJK}])")
_CJK_THEN_LATIN = re.compile(rf"(?<=[{CJK}])(?=[A-Za-z0-9])")
_LATIN_THEN_CJK = re.compile(rf"(?<=[A-Za-z0-9])(?=[{CJK}])")
_PLACEHOLDER = re.compile(r"\s*%(\([a-z_]+\))?[sdf]\s*|\s*\{[a-z_]+\}\s*")


def tidy_spacing(text: str) -> str:
    """Spacing of a sentence assembled from parts: no space between two
    Chinese characters, one between Chinese and Latin/digits. Text without
    Chinese is returned unchanged."""
    if not re.search(f"[{CJK}]", text):
        return text
    text = _BETWEEN_CJK.sub("", text)
    text = _CJK_THEN_LATIN.sub(" ", text)
    return _LATIN_THEN_CJK.sub(" ", text)


def literal_parts(text: str) -> str:
    """The text with its placeholders (and the spaces around them) removed:
    what the translator wrote, whatever gets filled in later."""
    return _PLACEHOLDER.sub("", text)
