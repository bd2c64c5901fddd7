"""Gmail, Outlook and the other international providers."""

from providers.catalog_data._build import (
    CONNECT,
    GENERATE,
    PREREQUISITE,
    TIP,
    common_tips,
    enable_imap_step,
    faq,
    forgotten_faq,
    main_password_faq,
    paste_step,
    smtp,
    step,
)

GMAIL = {
    "slug": "gmail",
    "name_zh": "Gmail",
    "name_en": "Gmail",
    "domains": ["gmail.com", "googlemail.com"],
    "imap_host": "imap.gmail.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.gmail.com",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "smtp_alternatives": [smtp("smtp.gmail.com", 587, "starttls")],
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "app_password",
    "credential_name_zh": "应用专用密码",
    "credential_name_en": "app password",
    # Google shows "abcd efgh ijkl mnop" and accepts it with or without the spaces.
    "credential_pattern": r"^[a-z]{16}$",
    "credential_example": "xxxx xxxx xxxx xxxx",
    "credential_strip_separators": True,
    "credential_case": "lower",
    "requires_2fa": True,
    "two_factor_help_url": "https://support.google.com/accounts/answer/185839?hl=zh-Hans",
    "credential_url": "https://myaccount.google.com/apppasswords",
    "help_url": "https://support.google.com/mail/answer/185833?hl=zh-Hans",
    "summary_zh": "Gmail 不接受 Google 账号密码登录第三方应用。开启两步验证后，生成一个 16 位应用专用密码。",
    "summary_en": "Gmail does not accept your Google Account password in other apps. Turn on "
    "2-Step Verification, then create a 16-letter app password.",
    "revocation_hint_zh": "更改 Google 账号密码后，所有应用专用密码都会被撤销。请重新生成并在来发信中更新。",
    "revocation_hint_en": "Changing your Google Account password revokes your app passwords. "
    "Create a new one and update it in Laifaxin.",
    "max_concurrent_checks": 8,
    "max_checks_per_minute": 60,
    "steps": [
        step(
            PREREQUISITE,
            "开启两步验证",
            "Turn on 2-Step Verification",
            "在“Google 账号 → 安全”中开启两步验证。没有两步验证时，应用专用密码页面不会出现。",
            "In Google Account → Security, turn on 2-Step Verification. Without it the app "
            "passwords page is not available.",
            url="https://myaccount.google.com/signinoptions/two-step-verification",
            label_zh="打开两步验证设置",
            label_en="Open 2-Step Verification",
        ),
        step(
            GENERATE,
            "打开“应用专用密码”页面",
            "Open the App passwords page",
            "登录 myaccount.google.com/apppasswords。",
            "Sign in at myaccount.google.com/apppasswords.",
            url="https://myaccount.google.com/apppasswords",
            label_zh="打开应用专用密码",
            label_en="Open App passwords",
        ),
        step(
            GENERATE,
            "输入名称并创建",
            "Enter a name and create it",
            "输入一个清楚的名称，例如“张三的 MacBook-来发信”，点“创建”。",
            "Type a clear name such as “Zhang San's MacBook – Laifaxin” and click Create.",
        ),
        step(
            GENERATE,
            "复制 16 位密码",
            "Copy the 16-letter password",
            "Google 会显示分成四组、每组四个字母的密码（如 abcd efgh ijkl mnop），关闭窗口后不再显示。",
            "Google shows the password as four groups of four letters (like abcd efgh ijkl mnop), "
            "only until you close the window.",
        ),
        paste_step(
            "应用专用密码",
            "app password",
            "中间的空格可以保留，来发信会自动去掉。",
            "You may keep the spaces; Laifaxin removes them. ",
        ),
        *common_tips("应用专用密码", "app password"),
    ],
    "faq": [
        main_password_faq("应用专用密码", "app password"),
        faq(
            "找不到“应用专用密码”选项？",
            "I can't find the App passwords option.",
            "通常是因为没有开启两步验证、两步验证只设置了安全密钥、开启了高级保护计划，"
            "或工作/学校账号的管理员禁用了它。",
            "Usually 2-Step Verification is off, is set up only with security keys, Advanced "
            "Protection is on, or a work or school administrator turned the option off.",
        ),
        forgotten_faq("应用专用密码", "app password"),
        faq(
            "需要在 Gmail 设置中开启 IMAP 吗？",
            "Do I have to switch on IMAP in Gmail settings?",
            "不需要。自 2025 年 1 月起，个人 Gmail 账号的 IMAP 访问始终开启。",
            "No. Since January 2025 IMAP access is always on for personal Gmail accounts.",
        ),
    ],
}

OUTLOOK = {
    "slug": "outlook",
    "name_zh": "Outlook.com / Hotmail",
    "name_en": "Outlook.com / Hotmail",
    "domains": [
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.cn",
        "outlook.jp",
    ],
    "imap_host": "outlook.office365.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp-mail.outlook.com",
    "smtp_port": 587,
    "smtp_security": "starttls",
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "oauth2_only",
    "credential_name_zh": "应用密码（已停用）",
    "credential_name_en": "app password (retired)",
    "requires_2fa": False,
    "help_url": "https://support.microsoft.com/office/c5d65390-9676-4763-b41f-d7986499a90d",
    "summary_zh": "自 2024 年 9 月 16 日起，微软不再允许 Outlook.com、Hotmail、Live 和 MSN 邮箱在非微软应用中"
    "用密码（包括应用密码）登录，只能用 OAuth2（“使用 Microsoft 登录”）。来发信的检查需要密码，"
    "因此目前无法托管这类邮箱。请在支持 Microsoft 登录的邮件应用中使用它。",
    "summary_en": "Since 16 September 2024 Microsoft no longer lets Outlook.com, Hotmail, Live and "
    "MSN mailboxes sign in with a password (app passwords included) in non-Microsoft apps; only "
    "OAuth2 (“Sign in with Microsoft”) works. Laifaxin's check needs a password, so it cannot "
    "look after these mailboxes for now. Use them in a mail app that supports Microsoft sign-in.",
    "steps": [
        step(
            CONNECT,
            "了解变化：密码登录已关闭",
            "Know what changed: password sign-in is off",
            "2024 年 9 月 16 日起，微软要求第三方应用使用现代验证（OAuth2）。以前生成的应用密码在 IMAP/SMTP 中也已失效。",
            "Since 16 September 2024 Microsoft requires modern authentication (OAuth2) in "
            "third-party apps. App passwords created earlier no longer work for IMAP/SMTP either.",
            url="https://support.microsoft.com/office/c5d65390-9676-4763-b41f-d7986499a90d",
            label_zh="微软公告",
            label_en="Microsoft's announcement",
        ),
        step(
            CONNECT,
            "在支持 Microsoft 登录的应用中添加邮箱",
            "Add the mailbox in an app that supports Microsoft sign-in",
            "Outlook、Windows 邮件、iPhone/Mac 的“邮件”和新版 Thunderbird 都支持：添加账户时选择 "
            "Outlook.com，并在微软的登录页面中登录。",
            "Outlook, Windows Mail, Apple Mail on iPhone and Mac and current Thunderbird all "
            "support it: add the account as Outlook.com and sign in on Microsoft's own page.",
        ),
        step(
            TIP,
            "服务器参数仍然有用",
            "The server settings are still useful",
            "支持 OAuth2 的客户端手动配置时：IMAP outlook.office365.com:993（SSL），SMTP "
            "smtp-mail.outlook.com:587（STARTTLS），认证方式选 OAuth2。",
            "For a client that supports OAuth2: IMAP outlook.office365.com:993 (SSL), SMTP "
            "smtp-mail.outlook.com:587 (STARTTLS), authentication OAuth2.",
            url="https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040",
            label_zh="微软：Outlook.com 的 POP、IMAP 和 SMTP 设置",
            label_en="Microsoft: POP, IMAP and SMTP settings for Outlook.com",
        ),
    ],
    "faq": [
        faq(
            "生成应用密码还有用吗？",
            "Does creating an app password still help?",
            "没有用。微软已关闭 Outlook.com 系列邮箱在第三方应用中的基本（密码）认证，应用密码同样被拒绝。",
            "No. Microsoft turned off basic (password) authentication for Outlook.com mailboxes in "
            "third-party apps, and app passwords are refused as well.",
        ),
        faq(
            "来发信以后会支持吗？",
            "Will Laifaxin support it later?",
            "需要实现微软的 OAuth2 授权流程。在此之前，我们如实说明，而不是让你在无效的步骤上浪费时间。",
            "That needs Microsoft's OAuth2 consent flow. Until then we say so plainly rather than "
            "walk you through steps that cannot work.",
        ),
    ],
}


def _yahoo_like(slug, name, domains, imap_host, smtp_host, security_url, help_url):
    """Yahoo and AOL share one platform: same app-password flow and shape."""
    return {
        "slug": slug,
        "name_zh": f"{name} 邮箱",
        "name_en": f"{name} Mail",
        "domains": domains,
        "imap_host": imap_host,
        "imap_port": 993,
        "imap_security": "ssl",
        "smtp_host": smtp_host,
        "smtp_port": 465,
        "smtp_security": "ssl",
        "smtp_alternatives": [smtp(smtp_host, 587, "starttls")],
        "imap_username_rule": "full_address",
        "smtp_username_rule": "full_address",
        "credential_kind": "app_password",
        "credential_name_zh": "应用密码",
        "credential_name_en": "app password",
        "credential_pattern": r"^[a-z]{16}$",
        "credential_example": "xxxxxxxxxxxxxxxx",
        "credential_strip_separators": True,
        "credential_case": "lower",
        "credential_url": security_url,
        "help_url": help_url,
        "summary_zh": f"{name} 邮箱的第三方应用需要使用“应用密码”，在账号安全页面生成，不能用登录密码。",
        "summary_en": f"{name} Mail wants an app password for other mail apps, generated on the "
        "account security page; the sign-in password does not work.",
        "revocation_hint_zh": "应用密码被删除或账号密码被重设后会失效，请生成新的应用密码。",
        "revocation_hint_en": "An app password stops working when it is removed or the account "
        "password is reset. Generate a new one.",
        "steps": [
            step(
                GENERATE,
                "打开账号安全页面",
                "Open Account Security",
                f"登录 {name}，进入“账号信息 → 账号安全”。",
                f"Sign in to {name} and open Account Info → Account Security.",
                url=security_url,
                label_zh="打开账号安全",
                label_en="Open Account Security",
            ),
            step(
                GENERATE,
                "生成应用密码",
                "Generate an app password",
                "点“生成应用密码”（Generate app password），输入名称“来发信”，点“生成”。",
                "Click Generate app password, enter the name “Laifaxin” and click Generate.",
            ),
            step(
                GENERATE,
                "复制 16 位密码",
                "Copy the 16-letter password",
                "页面显示一次 16 个字母的密码，立即复制。",
                "The page shows a 16-letter password once. Copy it now.",
            ),
            paste_step("应用密码", "app password"),
            *common_tips("应用密码", "app password"),
        ],
        "faq": [
            main_password_faq("应用密码", "app password"),
            forgotten_faq("应用密码", "app password"),
        ],
    }


YAHOO = _yahoo_like(
    "yahoo",
    "Yahoo",
    # Not yahoo.co.jp: Yahoo Japan runs its own mail service with other servers.
    ["yahoo.com", "ymail.com", "rocketmail.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de"],
    "imap.mail.yahoo.com",
    "smtp.mail.yahoo.com",
    "https://login.yahoo.com/account/security",
    "https://help.yahoo.com/kb/SLN4075.html",
)

AOL = _yahoo_like(
    "aol",
    "AOL",
    ["aol.com", "aim.com"],
    "imap.aol.com",
    "smtp.aol.com",
    "https://login.aol.com/account/security",
    "https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail",
)

ZOHO = {
    "slug": "zoho",
    "name_zh": "Zoho 邮箱（个人）",
    "name_en": "Zoho Mail (personal)",
    "domains": ["zoho.com", "zohomail.com"],
    "imap_host": "imap.zoho.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.zoho.com",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "smtp_alternatives": [smtp("smtp.zoho.com", 587, "starttls")],
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "app_specific_password",
    "credential_name_zh": "应用专用密码",
    "credential_name_en": "application-specific password",
    "credential_strip_separators": True,
    "requires_enabling_imap": True,
    "credential_url": "https://accounts.zoho.com/home#security/app_password",
    "enable_imap_url": "https://mail.zoho.com/zm/#settings/all/mailaccounts",
    "help_url": "https://www.zoho.com/mail/help/imap-access.html",
    "summary_zh": "Zoho 邮箱需要先在设置中开启 IMAP 访问。开启了双重验证（TFA）的账号必须使用应用专用密码。",
    "summary_en": "Zoho Mail needs IMAP access switched on in its settings. Accounts with "
    "two-factor authentication must use an application-specific password.",
    "steps": [
        enable_imap_step(
            "“设置 → 邮件账户 → IMAP”，勾选“IMAP 访问”",
            "Settings → Mail Accounts → IMAP and tick IMAP Access",
            url="https://mail.zoho.com/zm/#settings/all/mailaccounts",
        ),
        step(
            GENERATE,
            "生成应用专用密码",
            "Generate an application-specific password",
            "打开 Zoho 账户 → 安全 → 应用专用密码，输入名称“来发信”并生成，复制密码。",
            "Open Zoho Accounts → Security → App Passwords, enter “Laifaxin”, generate and copy the password.",
            url="https://accounts.zoho.com/home#security/app_password",
            label_zh="打开应用专用密码",
            label_en="Open App Passwords",
        ),
        paste_step("应用专用密码", "application-specific password"),
        *common_tips("应用专用密码", "application-specific password"),
    ],
    "faq": [
        faq(
            "没有开启双重验证也要应用专用密码吗？",
            "Do I need one without two-factor authentication?",
            "未开启双重验证时，Zoho 也接受账户密码；但我们建议开启双重验证并使用应用专用密码。",
            "Without two-factor authentication Zoho also accepts the account password, but we "
            "recommend turning it on and using an application-specific password.",
        ),
        faq(
            "我的账户在欧洲或印度数据中心？",
            "My account is in the EU or India data centre.",
            "请把服务器中的 zoho.com 换成 zoho.eu 或 zoho.in（例如 imap.zoho.eu），在来发信中手动填写。",
            "Replace zoho.com with zoho.eu or zoho.in in the server names (e.g. imap.zoho.eu) and "
            "enter them by hand in Laifaxin.",
        ),
    ],
}


FASTMAIL = {
    "slug": "fastmail",
    "name_zh": "Fastmail",
    "name_en": "Fastmail",
    "domains": ["fastmail.com", "fastmail.fm"],
    # Custom domains hosted at Fastmail: in1-smtp.messagingengine.com.
    "mx_patterns": ["messagingengine.com"],
    "imap_host": "imap.fastmail.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.fastmail.com",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "smtp_alternatives": [smtp("smtp.fastmail.com", 587, "starttls")],
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "app_password",
    "credential_name_zh": "应用密码",
    "credential_name_en": "app password",
    "credential_strip_separators": True,
    "credential_case": "lower",
    "credential_url": "https://app.fastmail.com/settings/security/integrations",
    "help_url": "https://www.fastmail.help/hc/en-us/articles/360058752854",
    "summary_zh": "Fastmail 的第三方邮件应用必须使用应用密码（在“设置 → 隐私与安全”中创建）。",
    "summary_en": "Fastmail requires an app password for third-party mail apps (Settings → Privacy & Security).",
    "custom_domain_hint_zh": "自有域名托管在 Fastmail？请用你的 Fastmail 登录用户名登录服务器。",
    "custom_domain_hint_en": "Own domain hosted at Fastmail? Sign in to the servers with your Fastmail login username.",
    "steps": [
        step(
            GENERATE,
            "创建应用密码",
            "Create an app password",
            "打开“设置 → 隐私与安全 → 集成 → 应用密码”，点“新建应用密码”，访问范围选 IMAP 和 SMTP，命名为“来发信”。",
            "Open Settings → Privacy & Security → Integrations → App passwords, click New app "
            "password, allow IMAP and SMTP and name it “Laifaxin”.",
            url="https://app.fastmail.com/settings/security/integrations",
            label_zh="打开 Fastmail 设置",
            label_en="Open Fastmail settings",
        ),
        paste_step("应用密码", "app password", "空格可保留。", "You may keep the spaces. "),
        *common_tips("应用密码", "app password"),
    ],
    "faq": [main_password_faq("应用密码", "app password"), forgotten_faq("应用密码", "app password")],
}

INTERNATIONAL = [GMAIL, OUTLOOK, YAHOO, AOL, ZOHO, FASTMAIL]
