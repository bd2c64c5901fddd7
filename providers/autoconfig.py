"""The catalog in Thunderbird's autoconfig format (clientConfig version 1.1).

https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
Usernames are placeholders the client fills in, so one document serves every
address of the provider's domains.
"""

from xml.etree import ElementTree as ET

from providers.models import Provider, Security, UsernameRule

SOCKET_TYPES = {Security.SSL: "SSL", Security.STARTTLS: "STARTTLS"}
# A client tries one username; for "name part, full address as fallback" it
# gets the name part, which is what the provider documents first.
USERNAME_PLACEHOLDERS = {
    UsernameRule.FULL_ADDRESS: "%EMAILADDRESS%",
    UsernameRule.LOCAL_PART: "%EMAILLOCALPART%",
    UsernameRule.LOCAL_PART_THEN_FULL: "%EMAILLOCALPART%",
}


def build_client_config(provider: Provider) -> bytes:
    # In order of preference: a client that can sign in (OAuth2) should; one that
    # can't falls back to the password, unless the provider refuses passwords.
    authentication = (["OAuth2"] if provider.offers_oauth2 or provider.is_oauth2_only else []) + (
        [] if provider.is_oauth2_only else ["password-cleartext"]
    )
    root = ET.Element("clientConfig", version="1.1")
    email_provider = ET.SubElement(root, "emailProvider", id=provider.domains[0])
    for domain in provider.domains:
        ET.SubElement(email_provider, "domain").text = domain
    ET.SubElement(email_provider, "displayName").text = provider.name
    ET.SubElement(email_provider, "displayShortName").text = provider.name_en

    incoming = ET.SubElement(email_provider, "incomingServer", type="imap")
    _server(
        incoming,
        provider.imap_host,
        provider.imap_port,
        provider.imap_security,
        provider.imap_username_rule,
        authentication,
    )
    for server in provider.smtp_servers:
        outgoing = ET.SubElement(email_provider, "outgoingServer", type="smtp")
        _server(
            outgoing, server["host"], server["port"], server["security"], provider.smtp_username_rule, authentication
        )

    if provider.offers_oauth2:
        # Where Thunderbird's ISPDB puts it: beside emailProvider, under clientConfig.
        oauth2 = ET.SubElement(root, "oAuth2")
        ET.SubElement(oauth2, "issuer").text = provider.oauth2_issuer
        ET.SubElement(oauth2, "scope").text = provider.oauth2_scope
        ET.SubElement(oauth2, "authURL").text = provider.oauth2_auth_url
        ET.SubElement(oauth2, "tokenURL").text = provider.oauth2_token_url

    if provider.help_url:
        documentation = ET.SubElement(email_provider, "documentation", url=provider.help_url)
        ET.SubElement(documentation, "descr", lang="zh").text = provider.summary_zh or provider.name_zh
        ET.SubElement(documentation, "descr", lang="en").text = provider.summary_en or provider.name_en
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _server(element, host, port, security, username_rule, authentication):
    ET.SubElement(element, "hostname").text = host
    ET.SubElement(element, "port").text = str(port)
    ET.SubElement(element, "socketType").text = SOCKET_TYPES[security]
    ET.SubElement(element, "username").text = USERNAME_PLACEHOLDERS[username_rule]
    for method in authentication:
        ET.SubElement(element, "authentication").text = method
