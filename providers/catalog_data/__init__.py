"""The provider catalog as data: one dict per provider, in display order.

Keys are Provider field names, plus ``steps`` (GuideStep dicts) and ``faq``
(FaqEntry dicts). providers/catalog.py loads it from data migrations. Facts come
from each provider's own help pages (linked in ``help_url``); where reality
moved on (Microsoft's end of password login) the entry says so.
"""

from providers.catalog_data.business import BUSINESS
from providers.catalog_data.chinese import CHINESE
from providers.catalog_data.europe import EUROPE
from providers.catalog_data.icloud import ICLOUD
from providers.catalog_data.international import GMAIL, INTERNATIONAL, OUTLOOK

# Order = position on /guides/: the iCloud guide and its siblings (Gmail,
# Outlook, QQ, 163) first, then the rest by region, then hosted business mail.
_FIRST = [ICLOUD, GMAIL, OUTLOOK]
CATALOG: list[dict] = [
    *_FIRST,
    *CHINESE,
    *[entry for entry in INTERNATIONAL if entry not in _FIRST],
    *EUROPE,
    *BUSINESS,
]
