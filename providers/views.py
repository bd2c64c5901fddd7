from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from providers.autoconfig import build_client_config
from providers.detect import InvalidAddress, find_provider_by_domain, normalize_address
from providers.models import GuideStep, Provider, Security

SECURITY_LABELS = dict(Security.choices)

# The guides every reader may want next to the one they read.
FLAGSHIP_SLUGS = ["icloud", "gmail", "outlook", "qq", "163"]
RELATED_LIMIT = 6


def guide_list(request):
    providers = list(Provider.objects.enabled())
    return render(
        request,
        "providers/guide_list.html",
        {
            "personal": [p for p in providers if p.domains],
            # Hosted business mail: no address domain of its own, found by MX.
            "business": [p for p in providers if not p.domains],
        },
    )


def guide_detail(request, slug):
    provider = get_object_or_404(Provider.objects.enabled().prefetch_related("steps", "faq"), slug=slug)
    steps = list(provider.steps.all())
    return render(
        request,
        "providers/guide_detail.html",
        {
            "provider": provider,
            # "Sign in with …" first, where the provider offers it.
            "sign_in": [s for s in steps if s.section == GuideStep.Section.SIGN_IN],
            "prerequisites": [s for s in steps if s.section == GuideStep.Section.PREREQUISITE],
            # Generating the credential comes before using it, whatever the alphabet says.
            "how_to": [s for s in steps if s.section == GuideStep.Section.GENERATE]
            + [s for s in steps if s.section == GuideStep.Section.CONNECT],
            "tips": [s for s in steps if s.section == GuideStep.Section.TIP],
            "faq": list(provider.faq.all()),
            "smtp_servers": [
                {**server, "security_label": SECURITY_LABELS.get(server["security"], server["security"])}
                for server in provider.smtp_servers
            ],
            "related": related_guides(provider),
        },
    )


def related_guides(provider: Provider) -> list[Provider]:
    """The sibling guides (iCloud, Gmail, Outlook, QQ, 163) first, then those
    needing the same kind of credential: the reader already knows the drill."""
    others = [p for p in Provider.objects.enabled() if p.pk != provider.pk]
    flagships = sorted((p for p in others if p.slug in FLAGSHIP_SLUGS), key=lambda p: FLAGSHIP_SLUGS.index(p.slug))
    same_kind = [p for p in others if p.credential_kind == provider.credential_kind and p not in flagships]
    return (flagships + same_kind)[:RELATED_LIMIT]


@require_GET
def autoconfig(request):
    """Thunderbird asks https://autoconfig.DOMAIN/mail/config-v1.1.xml and
    https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml, both with
    ?emailaddress=. Only catalog domains are served: no DNS lookups on behalf
    of anonymous callers."""
    try:
        _, domain = normalize_address(request.GET.get("emailaddress", ""))
    except InvalidAddress:
        return HttpResponseBadRequest("emailaddress is missing or invalid\n", content_type="text/plain")
    provider = find_provider_by_domain(domain)
    if provider is None:
        raise Http404("No configuration for this domain")
    return HttpResponse(build_client_config(provider), content_type="application/xml; charset=utf-8")
