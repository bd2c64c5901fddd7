"""A mail server's reply → an Outcome and a hint code. No Django here.

One table, keyed by protocol, response code and a stable token. The codes are
the machine-readable part servers keep stable: IMAP response codes (RFC 5530,
"[AUTHENTICATIONFAILED]") and SMTP basic / enhanced status codes (RFC 3463,
"535 5.7.8"). Tokens are short phrases that identify a provider's quirk and
have survived years of its replies; never URLs or whole sentences, which
providers reword. The hint code names the sentence shown to the user
(accounts/hints.py holds every one of them; outcomes.Hint lists them).

Rows are tried in order; the first match wins, so specific rows come first.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from dataclasses import dataclass

from accounts.mailcheck.outcomes import Credential, Outcome


@dataclass(frozen=True)
class Rule:
    protocol: str  # "imap" | "smtp"
    code: str  # IMAP: response code or status word ("NO", "BAD"); SMTP: "535", "5.7.8" or a class "4"; "" = any
    token: str  # lower-case phrase the reply must contain; "" = any
    outcome: Outcome
    hint: str
    stage: str = ""  # "" = any; "login" | "select" | "greeting"


O = Outcome  # noqa: E741 - keeps the table one row a line
RULES: tuple[Rule, ...] = (
    # -- IMAP, RFC 5530 codes that are no verdict on the credential ------------
    # They win over any wording: the server says the login could not be judged.
    # iCloud: "BAD [UNAVAILABLE] Service temporarily unavailable"
    Rule("imap", "UNAVAILABLE", "", O.TRANSIENT, "provider_unavailable"),
    Rule("imap", "SERVERBUG", "", O.TRANSIENT, "provider_unavailable"),
    Rule("imap", "INUSE", "", O.TRANSIENT, "provider_busy"),
    Rule("imap", "LIMIT", "", O.RATE_LIMITED, "rate_limited"),
    Rule("imap", "CONTACTADMIN", "", O.ACTION_REQUIRED, "contact_provider"),
    Rule("imap", "PRIVACYREQUIRED", "", O.PROTOCOL_ERROR, "tls_required"),
    # -- IMAP, provider quirks by stable token --------------------------------
    # Gmail: "NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"
    Rule("imap", "", "application-specific password required", O.APP_PASSWORD_REQUIRED, "app_password_required"),
    # QQ: "Please using authorized code to login. More information at http://service.mail.qq.com/..."
    Rule("imap", "", "authorized code", O.APP_PASSWORD_REQUIRED, "authorization_code_required"),
    Rule("imap", "", "授权码", O.APP_PASSWORD_REQUIRED, "authorization_code_required"),
    # 163/126/188 after a LOGIN without ID: "NO SELECT Unsafe Login. Please contact kefu@188.com for help"
    Rule("imap", "", "unsafe login", O.ACTION_REQUIRED, "imap_id_required"),
    # Outlook.com / Microsoft 365: "NO Basic authentication is disabled."
    Rule("imap", "", "basic authentication is disabled", O.ACTION_REQUIRED, "basic_auth_disabled"),
    Rule("imap", "", "web login required", O.ACTION_REQUIRED, "web_login_required"),
    # Gmail: "NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page..."
    Rule("imap", "", "not enabled for imap", O.ACTION_REQUIRED, "service_disabled"),
    Rule("imap", "", "too many simultaneous connections", O.TRANSIENT, "provider_busy"),
    Rule("imap", "", "too many connections", O.TRANSIENT, "provider_busy"),
    # Exchange: "NO User is authenticated but not connected." The login itself
    # worked; the mailbox backend did not answer.
    Rule("imap", "", "authenticated but not connected", O.TRANSIENT, "provider_unavailable"),
    # -- XOAUTH2 / OAUTHBEARER: the server's JSON error (sasl_error_text) ------------
    # XOAUTH2: Gmail {"status":"400",...}, Microsoft and Dovecot {"status":"401",...};
    # OAUTHBEARER (RFC 7628): {"status":"invalid_token"} or "insufficient_scope".
    # The access token was refused: accounts.checking refreshes it and tries once more.
    Rule("imap", "", "oauth error: status 4", O.AUTH_FAILED, "token_rejected"),
    Rule("imap", "", "oauth error: status invalid_token", O.AUTH_FAILED, "token_rejected"),
    Rule("imap", "", "oauth error: status insufficient_scope", O.AUTH_FAILED, "token_rejected"),
    # -- IMAP, RFC 5530 verdicts on the credential ------------------------------
    # Gmail "[AUTHENTICATIONFAILED] Invalid credentials (Failure)", iCloud "Authentication Failed"
    Rule("imap", "AUTHENTICATIONFAILED", "", O.AUTH_FAILED, "credential_rejected"),
    Rule("imap", "AUTHORIZATIONFAILED", "", O.AUTH_FAILED, "credential_rejected"),
    Rule("imap", "EXPIRED", "", O.ACTION_REQUIRED, "password_expired"),
    # -- IMAP, refusals worded as a verdict (servers without RFC 5530 codes) ------
    # 163: "NO LOGIN Login error or password error"; Exchange: "NO LOGIN failed."
    Rule("imap", "NO", "password error", O.AUTH_FAILED, "credential_rejected", stage="login"),
    Rule("imap", "NO", "login failed", O.AUTH_FAILED, "credential_rejected", stage="login"),
    Rule("imap", "NO", "authentication failed", O.AUTH_FAILED, "credential_rejected", stage="login"),
    Rule("imap", "NO", "invalid credentials", O.AUTH_FAILED, "credential_rejected", stage="login"),
    Rule("imap", "NO", "invalid password", O.AUTH_FAILED, "credential_rejected", stage="login"),
    Rule("imap", "NO", "incorrect password", O.AUTH_FAILED, "credential_rejected", stage="login"),
    Rule("imap", "NO", "invalid login", O.AUTH_FAILED, "credential_rejected", stage="login"),
    # Any other NO to the login: a refusal we can't read. It counts as evidence
    # only with more of it than a known verdict (accounts/models/rules.py).
    Rule("imap", "NO", "", O.UNKNOWN_REFUSAL, "unknown_refusal", stage="login"),
    Rule("imap", "BYE", "", O.TRANSIENT, "provider_unavailable"),
    Rule("imap", "", "", O.PROTOCOL_ERROR, "protocol_error"),
    # -- SMTP, provider quirks ---------------------------------------------------
    # Gmail: "534-5.7.9 Application-specific password required"
    Rule("smtp", "5.7.9", "", O.APP_PASSWORD_REQUIRED, "app_password_required"),
    Rule("smtp", "", "application-specific password required", O.APP_PASSWORD_REQUIRED, "app_password_required"),
    # QQ: "535 Error: 请使用授权码登录" (sent as GBK)
    Rule("smtp", "", "授权码", O.APP_PASSWORD_REQUIRED, "authorization_code_required"),
    Rule("smtp", "", "authorized code", O.APP_PASSWORD_REQUIRED, "authorization_code_required"),
    # Outlook: "535 5.7.139 Authentication unsuccessful, basic authentication is disabled."
    Rule("smtp", "", "basic authentication is disabled", O.ACTION_REQUIRED, "basic_auth_disabled"),
    # Microsoft 365: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
    Rule("smtp", "", "smtpclientauthentication is disabled", O.ACTION_REQUIRED, "smtp_auth_disabled"),
    # NetEase with the SMTP service switched off: "550 User has no permission"
    Rule("smtp", "", "user has no permission", O.ACTION_REQUIRED, "service_disabled"),
    # Gmail: "534-5.7.14 Please log in via your web browser and then try again."
    Rule("smtp", "5.7.14", "", O.ACTION_REQUIRED, "web_login_required"),
    # Gmail: "454 4.7.0 Too many login attempts, please try again later."
    Rule("smtp", "", "too many login attempts", O.RATE_LIMITED, "rate_limited"),
    Rule("smtp", "", "too many connections", O.TRANSIENT, "provider_busy"),
    Rule("smtp", "", "oauth error: status 4", O.AUTH_FAILED, "token_rejected"),
    Rule("smtp", "", "oauth error: status invalid_token", O.AUTH_FAILED, "token_rejected"),
    Rule("smtp", "", "oauth error: status insufficient_scope", O.AUTH_FAILED, "token_rejected"),
    # -- SMTP, status codes ------------------------------------------------------
    # Gmail: "535-5.7.8 Username and Password not accepted"
    Rule("smtp", "5.7.8", "", O.AUTH_FAILED, "credential_rejected"),
    Rule("smtp", "535", "", O.AUTH_FAILED, "credential_rejected"),
    Rule("smtp", "534", "", O.ACTION_REQUIRED, "web_login_required"),
    Rule("smtp", "454", "", O.TRANSIENT, "provider_unavailable"),
    Rule("smtp", "421", "", O.TRANSIENT, "provider_unavailable"),
    Rule("smtp", "4", "", O.TRANSIENT, "provider_unavailable"),
    Rule("smtp", "530", "", O.PROTOCOL_ERROR, "tls_required"),
    Rule("smtp", "", "", O.PROTOCOL_ERROR, "protocol_error"),
)


def decode_reply(reply: bytes | str) -> str:
    """Server bytes as text: UTF-8, else GB18030 (a superset of GBK, which QQ sends)."""
    if isinstance(reply, str):
        return reply
    for encoding in ("utf-8", "gb18030"):
        try:
            return reply.decode(encoding)
        except UnicodeDecodeError:
            continue
    return reply.decode("latin-1")


def sasl_error_text(challenge: bytes | str) -> str:
    """An XOAUTH2/OAUTHBEARER failure challenge (base64 of a JSON object such
    as {"status":"401","schemes":"bearer","scope":"..."}) as one short line
    the table can match ("OAuth error: status 401, …"); "" when it is not one."""
    try:
        decoded = base64.b64decode(challenge.strip(), validate=True)
        error = json.loads(decoded)
    except (binascii.Error, ValueError):
        return ""
    if not isinstance(error, dict):
        return ""
    fields = [f"{key} {str(error[key])[:120]}" for key in ("status", "schemes", "scope") if key in error]
    return clean_reply("OAuth error: " + ", ".join(fields)) if fields else ""


_IMAP_STATUS = re.compile(r"^(?:\S+\s+)??(OK|NO|BAD|BYE|PREAUTH)\b\s*(?:\[([^\]\s]+)[^\]]*\])?", re.I)
_SMTP_CODES = re.compile(r"^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?")


def reply_codes(protocol: str, text: str) -> list[str]:
    """The codes a rule can match on, most specific first."""
    codes: list[str] = []
    if protocol == "imap":
        # The tagged (last) line carries the status; an earlier untagged
        # "[ALERT]" line may carry the code.
        for line in reversed(text.strip().splitlines() or [""]):
            match = _IMAP_STATUS.match(line.strip().removeprefix("* "))
            if match:
                if match.group(2):
                    codes.append(match.group(2).upper())
                codes.append(match.group(1).upper())
    else:
        for line in text.strip().splitlines():
            match = _SMTP_CODES.match(line.strip())
            if match:
                if match.group(2):
                    codes.append(match.group(2))
                codes += [match.group(1), match.group(1)[0]]
                break
    return codes


def classify_reply(protocol: str, reply: bytes | str, *, stage: str = "login") -> tuple[Outcome, str]:
    """(Outcome, hint code) for a server's failure reply."""
    text = decode_reply(reply)
    lowered = text.lower()
    codes = reply_codes(protocol, text)
    for rule in RULES:
        if rule.protocol != protocol:
            continue
        if rule.stage and rule.stage != stage:
            continue
        if rule.code and rule.code.upper() not in codes:
            continue
        if rule.token and rule.token not in lowered:
            continue
        return rule.outcome, rule.hint
    return Outcome.PROTOCOL_ERROR, "protocol_error"


# Stored replies are bounded: enough to explain, never a whole server dump.
REPLY_MAX_CHARS = 500
REDACTED = "********"
# A terminal escape sequence (CSI … final byte, or ESC + one char): dropped whole,
# so "\x1b[2J" leaves nothing behind instead of "[2J".
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)", re.S)


def clean_reply(reply: bytes | str, credential: Credential | None = None, usernames: tuple[str, ...] = ()) -> str:
    """A server's reply as it may be stored and shown: decoded, every echo of
    the credential redacted (in any form we sent it), control characters,
    terminal escapes and bidi overrides removed, line breaks kept, bounded."""
    text = decode_reply(reply)
    if credential is not None:
        for echo in credential.echoes(usernames):
            text = text.replace(echo, REDACTED)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = "".join(
        char
        if char == "\n"
        else " "
        if char == "\t"
        else ""
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs")
        else char
        for char in text
    )
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)[:REPLY_MAX_CHARS]
