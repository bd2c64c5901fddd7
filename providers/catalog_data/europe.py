"""Providers from Russia and Germany: Yandex, Mail.ru, GMX and WEB.DE."""

from providers.catalog_data._build import (
    GENERATE,
    common_tips,
    enable_imap_step,
    faq,
    forgotten_faq,
    main_password_faq,
    paste_step,
    smtp,
    step,
)

YANDEX = {
    "slug": "yandex",
    "name_zh": "Yandex 邮箱",
    "name_en": "Yandex Mail",
    "domains": ["yandex.ru", "yandex.com", "ya.ru", "yandex.by", "yandex.kz"],
    "imap_host": "imap.yandex.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.yandex.com",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "app_password",
    "credential_name_zh": "应用密码",
    "credential_name_en": "app password",
    "credential_pattern": r"^[a-z]{16}$",
    "credential_strip_separators": True,
    "credential_case": "lower",
    "requires_enabling_imap": True,
    "credential_url": "https://id.yandex.com/security/app-passwords",
    "enable_imap_url": "https://mail.yandex.com/#setup/client",
    "help_url": "https://yandex.com/support/mail/mail-clients/others.html",
    "summary_zh": "Yandex 邮箱需要先在设置中允许邮件客户端通过 IMAP 访问，然后用 Yandex ID 生成的应用密码登录。",
    "summary_en": "Yandex Mail must first allow mail clients over IMAP in its settings; then sign "
    "in with an app password created in Yandex ID.",
    "steps": [
        enable_imap_step(
            "“设置 → 邮件客户端”，勾选“通过 IMAP 协议”及“应用密码和 OAuth 令牌”",
            "Settings → Email clients, tick “Via IMAP” and “App passwords and OAuth tokens”",
            url="https://mail.yandex.com/#setup/client",
        ),
        step(
            GENERATE,
            "在 Yandex ID 中创建邮件应用密码",
            "Create a mail app password in Yandex ID",
            "打开 Yandex ID → 安全 → 应用密码，选择“邮件”，命名为“来发信”，复制显示的密码。",
            "Open Yandex ID → Security → App passwords, choose Mail, name it “Laifaxin” and copy the password shown.",
            url="https://id.yandex.com/security/app-passwords",
            label_zh="打开应用密码",
            label_en="Open app passwords",
        ),
        paste_step("应用密码", "app password"),
        *common_tips("应用密码", "app password"),
    ],
    "faq": [main_password_faq("应用密码", "app password"), forgotten_faq("应用密码", "app password")],
}


def _united_internet(
    slug, name_zh, name_en, domains, imap_host, smtp_host, smtp_alternatives, help_url, enable_imap_url=""
):
    """GMX and WEB.DE (United Internet): IMAP is switched on in settings, the
    account password works unless two-factor authentication is on."""
    return {
        "slug": slug,
        "name_zh": name_zh,
        "name_en": name_en,
        "domains": domains,
        "imap_host": imap_host,
        "imap_port": 993,
        "imap_security": "ssl",
        "smtp_host": smtp_host,
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_alternatives": smtp_alternatives,
        "imap_username_rule": "full_address",
        "smtp_username_rule": "full_address",
        "credential_kind": "account_password",
        "credential_name_zh": "邮箱密码",
        "credential_name_en": "mailbox password",
        "requires_enabling_imap": True,
        "enable_imap_url": enable_imap_url,
        "help_url": help_url,
        "summary_zh": f"{name_zh}需要先在设置中开启 POP3/IMAP 访问，然后用邮箱密码登录"
        "（开启了双重验证时使用应用专用密码）。",
        "summary_en": f"{name_en} needs POP3/IMAP access switched on in its settings; then sign in "
        "with your mailbox password (an application-specific password if two-factor "
        "authentication is on).",
        "revocation_hint_zh": "修改邮箱密码后，请在来发信中同步更新。",
        "revocation_hint_en": "After changing your mailbox password, update it in Laifaxin as well.",
        "steps": [
            enable_imap_step(
                "“邮件设置 → POP3 和 IMAP”，勾选“允许通过外部程序访问”",
                "E-mail settings → POP3 & IMAP and allow access via external programs",
                url=enable_imap_url,
            ),
            paste_step("邮箱密码", "mailbox password"),
        ],
        "faq": [
            faq(
                "开启双重验证后密码不能用了？",
                "My password stopped working after turning on two-factor authentication.",
                "开启双重验证后，外部程序需要在安全设置中生成的应用专用密码。",
                "With two-factor authentication on, external programs need an "
                "application-specific password created in the security settings.",
            ),
        ],
    }


GMX = _united_internet(
    "gmx",
    "GMX 邮箱（德国）",
    "GMX (Germany)",
    ["gmx.net", "gmx.de", "gmx.at", "gmx.ch"],
    "imap.gmx.net",
    "mail.gmx.net",
    [smtp("mail.gmx.net", 465, "ssl")],
    "https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html",
    "https://hilfe.gmx.net/pop-imap/einschalten.html",
)
GMX_COM = _united_internet(
    "gmx-com",
    "GMX 邮箱（国际）",
    "GMX (international)",
    ["gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr"],
    "imap.gmx.com",
    "mail.gmx.com",
    [smtp("mail.gmx.com", 465, "ssl")],
    "https://support.gmx.com/",
)
WEBDE = _united_internet(
    "webde",
    "WEB.DE 邮箱",
    "WEB.DE FreeMail",
    ["web.de"],
    "imap.web.de",
    "smtp.web.de",
    [smtp("smtp.web.de", 465, "ssl")],
    "https://hilfe.web.de/pop-imap/imap/imap-serverdaten.html",
    "https://hilfe.web.de/pop-imap/einschalten.html",
)

MAILRU = {
    "slug": "mailru",
    "name_zh": "Mail.ru 邮箱",
    "name_en": "Mail.ru",
    "domains": ["mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru"],
    "imap_host": "imap.mail.ru",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.mail.ru",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "app_password",
    "credential_name_zh": "外部应用密码",
    "credential_name_en": "password for external apps",
    "credential_strip_separators": True,
    "credential_url": "https://id.mail.ru/security",
    "help_url": "https://help.mail.ru/mail/mailer/popsmtp",
    "summary_zh": "Mail.ru 要求第三方邮件应用使用“外部应用密码”，在 Mail ID 的安全设置中创建。",
    "summary_en": "Mail.ru requires a “password for external applications”, created in the Mail ID security settings.",
    "steps": [
        step(
            GENERATE,
            "创建外部应用密码",
            "Create a password for external apps",
            "打开 Mail ID → 安全 → 外部应用密码，点“添加”，命名为“来发信”，选择完整访问邮箱，复制密码。",
            "Open Mail ID → Security → Passwords for external apps, click Add, name it "
            "“Laifaxin”, allow full mailbox access and copy the password.",
            url="https://id.mail.ru/security",
            label_zh="打开 Mail ID 安全设置",
            label_en="Open Mail ID security",
        ),
        paste_step("外部应用密码", "password for external apps"),
        *common_tips("外部应用密码", "password for external apps"),
    ],
    "faq": [main_password_faq("外部应用密码", "password for external apps")],
}


EUROPE = [YANDEX, MAILRU, GMX, GMX_COM, WEBDE]
