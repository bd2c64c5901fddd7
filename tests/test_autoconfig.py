"""Thunderbird autoconfig (clientConfig 1.1) served from the catalog."""

from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def fetch(client, url_name, address):
    response = client.get(reverse(url_name), {"emailaddress": address})
    return response, (ET.fromstring(response.content) if response.status_code == 200 else None)


def servers(root, tag):
    return [{child.tag: child.text for child in server} | {"type": server.get("type")} for server in root.iter(tag)]


def test_icloud_config_parses_back_with_placeholders_and_socket_types(client):
    response, root = fetch(client, "providers:autoconfig", "Zhang.San@ME.com")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.get("id") == "icloud.com"
    assert [d.text for d in provider.findall("domain")] == ["icloud.com", "me.com", "mac.com"]
    assert servers(root, "incomingServer") == [
        {
            "type": "imap",
            "hostname": "imap.mail.me.com",
            "port": "993",
            "socketType": "SSL",
            "username": "%EMAILLOCALPART%",
            "authentication": "password-cleartext",
        }
    ]
    assert servers(root, "outgoingServer") == [
        {
            "type": "smtp",
            "hostname": "smtp.mail.me.com",
            "port": "587",
            "socketType": "STARTTLS",
            "username": "%EMAILADDRESS%",
            "authentication": "password-cleartext",
        },
        {
            "type": "smtp",
            "hostname": "smtp.mail.me.com",
            "port": "465",
            "socketType": "SSL",
            "username": "%EMAILADDRESS%",
            "authentication": "password-cleartext",
        },
    ]
    assert provider.find("documentation").get("url").startswith("https://support.apple.com/")


def test_the_well_known_path_serves_the_same_document(client):
    response, root = fetch(client, "providers:autoconfig_well_known", "someone@qq.com")

    assert response.status_code == 200
    assert reverse("providers:autoconfig_well_known") == "/.well-known/autoconfig/mail/config-v1.1.xml"
    incoming = servers(root, "incomingServer")[0]
    assert (incoming["hostname"], incoming["port"], incoming["username"]) == ("imap.qq.com", "993", "%EMAILADDRESS%")


def test_oauth2_only_providers_announce_oauth2(client):
    _, root = fetch(client, "providers:autoconfig", "someone@hotmail.com")

    assert {s["authentication"] for s in servers(root, "incomingServer") + servers(root, "outgoingServer")} == {
        "OAuth2"
    }


def test_an_unknown_domain_is_404(client):
    response, _ = fetch(client, "providers:autoconfig", "someone@unknown-domain.example")
    assert response.status_code == 404


def test_mx_only_business_providers_are_not_served_without_dns(client):
    # Detection by MX would need a DNS query for an anonymous caller.
    response, _ = fetch(client, "providers:autoconfig", "someone@google.com")
    assert response.status_code == 404


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b@"])
def test_a_missing_or_invalid_address_is_a_bad_request(client, address):
    response, _ = fetch(client, "providers:autoconfig", address)
    assert response.status_code == 400


def test_a_disabled_provider_is_404(client):
    from providers.models import Provider

    Provider.objects.filter(slug="gmail").update(is_enabled=False)
    response, _ = fetch(client, "providers:autoconfig", "someone@gmail.com")
    assert response.status_code == 404


def test_names_with_markup_are_escaped(client):
    from providers.models import Provider

    Provider.objects.filter(slug="icloud").update(name_en="<iCloud & Co>", name_zh="<iCloud & Co>")
    _, root = fetch(client, "providers:autoconfig", "a@icloud.com")
    assert root.find("emailProvider/displayShortName").text == "<iCloud & Co>"


def authentications(root, tag):
    return [[a.text for a in server.iter("authentication")] for server in root.iter(tag)]


def test_outlook_carries_its_oauth2_endpoints_and_scopes(client):
    _, root = fetch(client, "providers:autoconfig", "someone@outlook.com")
    oauth2 = root.find("oAuth2")
    assert oauth2.findtext("issuer") == "login.microsoftonline.com"
    assert oauth2.findtext("scope").split() == [
        "offline_access",
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
    ]
    assert oauth2.findtext("authURL") == "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
    assert oauth2.findtext("tokenURL") == "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
    assert servers(root, "incomingServer")[0]["hostname"] == "outlook.office365.com"
    smtp = servers(root, "outgoingServer")[0]
    assert (smtp["hostname"], smtp["port"], smtp["socketType"]) == ("smtp-mail.outlook.com", "587", "STARTTLS")
    assert authentications(root, "incomingServer") == [["OAuth2"]]


def test_gmail_offers_oauth2_first_and_the_app_password_after(client):
    _, root = fetch(client, "providers:autoconfig", "someone@gmail.com")
    assert root.find("oAuth2").findtext("scope") == "https://mail.google.com/"
    assert root.find("oAuth2").findtext("tokenURL") == "https://oauth2.googleapis.com/token"
    assert set(map(tuple, authentications(root, "incomingServer") + authentications(root, "outgoingServer"))) == {
        ("OAuth2", "password-cleartext")
    }


def test_password_only_providers_have_no_oauth2_block(client):
    _, root = fetch(client, "providers:autoconfig", "someone@icloud.com")
    assert root.find("oAuth2") is None
    assert authentications(root, "incomingServer") == [["password-cleartext"]]
