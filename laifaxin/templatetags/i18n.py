"""Django's i18n template library, with one change: a {% blocktranslate %}
that fills in values gets the Chinese spacing fixed after filling them in.

"生成你的{{ credential }}" must read "生成你的 App 专用密码" for Apple and
"生成你的授权码" for QQ; no translation can be right for both, so the spacing
is settled once the value is known (laifaxin.copy_style.tidy_spacing).
settings.TEMPLATES names this module as the "i18n" library, so every
`{% load i18n %}` gets it.
"""

from django import template
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeString, mark_safe

from laifaxin.copy_style import tidy_spacing

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class SpacedBlockTranslateNode(django_i18n.BlockTranslateNode):
    def render(self, context, nested=False):
        output = super().render(context, nested=nested)
        if self.asvar:
            context[self.asvar] = SafeString(tidy_spacing(context[self.asvar]))
            return output
        # Only spaces change: what was safe HTML stays safe HTML.
        return mark_safe(tidy_spacing(output)) if isinstance(output, SafeString) else tidy_spacing(output)


def do_block_translate(parser, token):
    node = django_i18n.do_block_translate(parser, token)
    node.__class__ = SpacedBlockTranslateNode
    return node


register.tag("blocktranslate", do_block_translate)
register.tag("blocktrans", do_block_translate)
