"""iCloud and the international providers."""

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

ICLOUD = {
    "slug": "icloud",
    "name_zh": "iCloud 邮件",
    "name_en": "iCloud Mail",
    "domains": ["icloud.com", "me.com", "mac.com"],
    # iCloud+ custom email domains point their MX at mx01/mx02.mail.icloud.com.
    "mx_patterns": ["mail.icloud.com"],
    "imap_host": "imap.mail.me.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.mail.me.com",
    "smtp_port": 587,
    "smtp_security": "starttls",
    "smtp_alternatives": [smtp("smtp.mail.me.com", 465, "ssl")],
    # Apple: the IMAP user name is usually the name part of the address
    # ("zhangsan" for zhangsan@icloud.com); the full address works as a fallback.
    "imap_username_rule": "local_part_then_full",
    "smtp_username_rule": "full_address",
    "credential_kind": "app_specific_password",
    "credential_name_zh": "App 专用密码",
    "credential_name_en": "app-specific password",
    "credential_pattern": r"^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$",
    "credential_example": "xxxx-xxxx-xxxx-xxxx",
    "credential_strip_separators": True,
    "credential_case": "lower",
    "credential_group_size": 4,
    "credential_group_separator": "-",
    "max_active_credentials": 25,
    "requires_2fa": True,
    "requires_enabling_imap": False,
    "requires_imap_id": False,
    "two_factor_help_url": "https://support.apple.com/zh-cn/HT204915",
    "credential_url": "https://appleid.apple.com/",
    "help_url": "https://support.apple.com/zh-cn/HT204397",
    "summary_zh": "iCloud 邮件（@icloud.com、@me.com、@mac.com）不接受 Apple ID 主密码。"
    "先开启双重认证，再在 Apple ID 网站生成一个 App 专用密码，粘贴到来发信即可。",
    "summary_en": "iCloud Mail (@icloud.com, @me.com, @mac.com) does not accept your main Apple ID "
    "password. Turn on two-factor authentication, generate an app-specific password on the "
    "Apple ID website and paste it into Laifaxin.",
    "revocation_hint_zh": "更改或重设 Apple ID 密码后，所有 App 专用密码都会被自动撤销。"
    "请生成一个新的 App 专用密码，并在来发信中更新。",
    "revocation_hint_en": "Changing or resetting your Apple ID password revokes all app-specific "
    "passwords. Generate a new one and update it in Laifaxin.",
    "custom_domain_hint_zh": "使用 iCloud+ 自定域名邮件？登录邮件服务器时请使用你的 @icloud.com 地址"
    "（以及它的 App 专用密码），而不是自定域名地址。",
    "custom_domain_hint_en": "Using an iCloud+ custom email domain? Sign in to the mail servers "
    "with your @icloud.com address (and its app-specific password), not the custom-domain "
    "address.",
    "max_concurrent_checks": 4,
    "max_checks_per_minute": 20,
    "steps": [
        step(
            PREREQUISITE,
            "为 Apple ID 开启双重认证",
            "Turn on two-factor authentication for your Apple ID",
            "只有开启了双重认证的 Apple ID 才能生成 App 专用密码。在 iPhone 上：设置 → 你的姓名 → "
            "登录与安全 → 双重认证。",
            "Only an Apple ID with two-factor authentication can create app-specific passwords. "
            "On iPhone: Settings → your name → Sign-In & Security → Two-Factor Authentication.",
            url="https://support.apple.com/zh-cn/HT204915",
            label_zh="Apple 帮助：双重认证",
            label_en="Apple help: two-factor authentication",
        ),
        step(
            GENERATE,
            "登录 Apple ID 网站",
            "Sign in to the Apple ID website",
            "打开 appleid.apple.com，用你的 Apple ID 登录，并在受信任设备上确认验证码。",
            "Open appleid.apple.com, sign in with your Apple ID and confirm the code on a trusted "
            "device.",
            url="https://appleid.apple.com/",
            label_zh="打开 appleid.apple.com",
            label_en="Open appleid.apple.com",
        ),
        step(
            GENERATE,
            "进入「登录与安全」→「App 专用密码」",
            "Open Sign-In and Security → App-Specific Passwords",
            "在「登录与安全」部分，选择「App 专用密码」。",
            "In the Sign-In and Security section, choose App-Specific Passwords.",
        ),
        step(
            GENERATE,
            "点「生成 App 专用密码」（或「+」）并命名",
            "Click Generate an app-specific password (or “+”) and name it",
            "输入一个清楚的名称，例如「来发信」，更好的是「张三的MacBook-来发信」，然后点「创建」。"
            "可能需要再次输入 Apple ID 密码。",
            "Enter a clear label such as “Laifaxin”, better “Zhang San's MacBook – Laifaxin”, then "
            "click Create. You may be asked for your Apple ID password again.",
        ),
        step(
            GENERATE,
            "复制 16 位 App 专用密码",
            "Copy the 16-character app-specific password",
            "Apple 会显示形如 xxxx-xxxx-xxxx-xxxx 的 16 位密码，只显示这一次。立即复制。",
            "Apple shows a 16-character password in the form xxxx-xxxx-xxxx-xxxx, and only this "
            "once. Copy it now.",
        ),
        paste_step(
            "App 专用密码",
            "app-specific password",
            "连字符照原样保留即可（漏掉或多了空格也没关系，来发信会自动整理）。",
            "Keep the hyphens as they are (missing hyphens or extra spaces are tidied up for you). ",
        ),
        *common_tips("App 专用密码", "app-specific password"),
    ],
    "faq": [
        faq(
            "为什么必须开启双重认证？",
            "Why is two-factor authentication required?",
            "Apple 只为开启了双重认证的账户提供 App 专用密码。这样即使某个应用的密码泄露，"
            "你的 Apple ID 本身仍然安全。",
            "Apple only offers app-specific passwords to accounts with two-factor authentication. "
            "If one app's password leaks, your Apple ID itself stays safe.",
        ),
        forgotten_faq("App 专用密码", "app-specific password"),
        faq(
            "可以多个应用共用一个 App 专用密码吗？",
            "Can several apps share one app-specific password?",
            "可以用，但不建议。最佳做法是每个应用一个密码，这样可以单独切断某一个应用，不影响其他应用。",
            "They can, but it is best practice to give each app its own password, so you can cut "
            "off one app alone without affecting the others.",
        ),
        faq(
            "最多可以有多少个 App 专用密码？",
            "How many app-specific passwords can I have?",
            "Apple 允许同时存在最多 25 个有效的 App 专用密码。",
            "Apple allows at most 25 active app-specific passwords at a time.",
        ),
        faq(
            "为什么之前能用的密码突然失效了？",
            "Why did a password that worked suddenly stop working?",
            "更改或重设 Apple ID 密码时，Apple 会撤销所有 App 专用密码。生成一个新的并在来发信中更新。",
            "Changing or resetting your Apple ID password revokes all app-specific passwords. "
            "Generate a new one and update it in Laifaxin.",
        ),
        faq(
            "我用的是 iCloud+ 自定域名邮件，怎么登录？",
            "I use an iCloud+ custom email domain. How do I sign in?",
            "服务器登录用你的 @icloud.com 地址和它的 App 专用密码，而不是自定域名地址。",
            "Sign in to the servers with your @icloud.com address and its app-specific password, "
            "not with the custom-domain address.",
        ),
        faq(
            "IMAP 用户名是什么？",
            "What is the IMAP user name?",
            "通常是邮箱地址 @ 前面的部分（如 zhangsan），不行时使用完整地址；SMTP 用户名是完整地址。来发信会自动尝试。",
            "Usually the part before the @ (e.g. zhangsan), with the full address as a fallback; the "
            "SMTP user name is the full address. Laifaxin tries both for you.",
        ),
    ],
}

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
            "在 Google 账号 → 安全 中开启两步验证。没有两步验证时，应用专用密码页面不会出现。",
            "In Google Account → Security, turn on 2-Step Verification. Without it the app "
            "passwords page is not available.",
            url="https://myaccount.google.com/signinoptions/two-step-verification",
            label_zh="打开两步验证设置",
            label_en="Open 2-Step Verification",
        ),
        step(
            GENERATE,
            "打开「应用专用密码」页面",
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
            "输入一个清楚的名称，例如「张三的MacBook-来发信」，点「创建」。",
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
            "找不到「应用专用密码」选项？",
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
        "outlook.com", "hotmail.com", "live.com", "msn.com",
        "hotmail.co.uk", "hotmail.fr", "live.cn", "outlook.jp",
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
    "用密码（包括应用密码）登录，只能用 OAuth2（「使用 Microsoft 登录」）。来发信的检查需要密码，"
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
            "Outlook、Windows 邮件、iPhone/Mac 的「邮件」和新版 Thunderbird 都支持：添加账户时选择 "
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
        "summary_zh": f"{name} 邮箱的第三方应用需要使用「应用密码」，在账号安全页面生成，不能用登录密码。",
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
                f"登录 {name}，进入「账号信息 → 账号安全」。",
                f"Sign in to {name} and open Account Info → Account Security.",
                url=security_url,
                label_zh="打开账号安全",
                label_en="Open Account Security",
            ),
            step(
                GENERATE,
                "生成应用密码",
                "Generate an app password",
                "点「生成应用密码」（Generate app password），输入名称「来发信」，点「生成」。",
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
    "yahoo", "Yahoo",
    # Not yahoo.co.jp: Yahoo Japan runs its own mail service with other servers.
    ["yahoo.com", "ymail.com", "rocketmail.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de"],
    "imap.mail.yahoo.com", "smtp.mail.yahoo.com",
    "https://login.yahoo.com/account/security", "https://help.yahoo.com/kb/SLN4075.html",
)

AOL = _yahoo_like(
    "aol", "AOL", ["aol.com", "aim.com"],
    "imap.aol.com", "smtp.aol.com",
    "https://login.aol.com/account/security",
    "https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail",
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
            "「设置 → 邮件客户端」，勾选「通过 IMAP 协议」及「应用密码和 OAuth 令牌」",
            "Settings → Email clients, tick “Via IMAP” and “App passwords and OAuth tokens”",
            url="https://mail.yandex.com/#setup/client",
        ),
        step(
            GENERATE,
            "在 Yandex ID 中创建邮件应用密码",
            "Create a mail app password in Yandex ID",
            "打开 Yandex ID → 安全 → 应用密码，选择「邮件」，命名为「来发信」，复制显示的密码。",
            "Open Yandex ID → Security → App passwords, choose Mail, name it “Laifaxin” and copy "
            "the password shown.",
            url="https://id.yandex.com/security/app-passwords",
            label_zh="打开应用密码",
            label_en="Open app passwords",
        ),
        paste_step("应用密码", "app password"),
        *common_tips("应用密码", "app password"),
    ],
    "faq": [main_password_faq("应用密码", "app password"), forgotten_faq("应用密码", "app password")],
}

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
            "「设置 → 邮件账户 → IMAP」，勾选「IMAP 访问」",
            "Settings → Mail Accounts → IMAP and tick IMAP Access",
            url="https://mail.zoho.com/zm/#settings/all/mailaccounts",
        ),
        step(
            GENERATE,
            "生成应用专用密码",
            "Generate an application-specific password",
            "打开 Zoho 账户 → 安全 → 应用专用密码，输入名称「来发信」并生成，复制密码。",
            "Open Zoho Accounts → Security → App Passwords, enter “Laifaxin”, generate and copy "
            "the password.",
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


def _united_internet(slug, name_zh, name_en, domains, imap_host, smtp_host, smtp_alternatives, help_url,
                     enable_imap_url=""):
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
                "「邮件设置 → POP3 和 IMAP」，勾选「允许通过外部程序访问」",
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
    "gmx", "GMX 邮箱（德国）", "GMX (Germany)",
    ["gmx.net", "gmx.de", "gmx.at", "gmx.ch"],
    "imap.gmx.net", "mail.gmx.net", [smtp("mail.gmx.net", 465, "ssl")],
    "https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html",
    "https://hilfe.gmx.net/pop-imap/einschalten.html",
)
GMX_COM = _united_internet(
    "gmx-com", "GMX 邮箱（国际）", "GMX (international)",
    ["gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr"],
    "imap.gmx.com", "mail.gmx.com", [smtp("mail.gmx.com", 465, "ssl")],
    "https://support.gmx.com/",
)
WEBDE = _united_internet(
    "webde", "WEB.DE 邮箱", "WEB.DE FreeMail",
    ["web.de"],
    "imap.web.de", "smtp.web.de", [smtp("smtp.web.de", 465, "ssl")],
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
    "summary_zh": "Mail.ru 要求第三方邮件应用使用「外部应用密码」，在 Mail ID 的安全设置中创建。",
    "summary_en": "Mail.ru requires a “password for external applications”, created in the "
    "Mail ID security settings.",
    "steps": [
        step(
            GENERATE,
            "创建外部应用密码",
            "Create a password for external apps",
            "打开 Mail ID → 安全 → 外部应用密码，点「添加」，命名为「来发信」，选择完整访问邮箱，复制密码。",
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
    "summary_zh": "Fastmail 的第三方邮件应用必须使用应用密码（在「设置 → 隐私与安全」中创建）。",
    "summary_en": "Fastmail requires an app password for third-party mail apps (Settings → "
    "Privacy & Security).",
    "custom_domain_hint_zh": "自有域名托管在 Fastmail？请用你的 Fastmail 登录用户名登录服务器。",
    "custom_domain_hint_en": "Own domain hosted at Fastmail? Sign in to the servers with your "
    "Fastmail login username.",
    "steps": [
        step(
            GENERATE,
            "创建应用密码",
            "Create an app password",
            "打开「设置 → 隐私与安全 → 集成 → 应用密码」，点「新建应用密码」，访问范围选 IMAP 和 SMTP，命名为「来发信」。",
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

INTERNATIONAL = [
    ICLOUD, GMAIL, OUTLOOK, YAHOO, AOL, YANDEX, ZOHO, GMX, GMX_COM, WEBDE, MAILRU, FASTMAIL,
]
