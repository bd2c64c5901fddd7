"""Gmail, Outlook and the other international providers."""

from providers.catalog_data._build import (
    GENERATE,
    PREREQUISITE,
    SIGN_IN,
    TIP,
    _after_cjk,
    common_tips,
    enable_imap_step,
    faq,
    forgotten_faq,
    main_password_faq,
    paste_step,
    smtp,
    step,
)

# OAuth2 for IMAP/SMTP (XOAUTH2). Google: https://developers.google.com/gmail/imap/xoauth2-protocol;
# "offline" + "consent" so the first sign-in returns a refresh token.
GOOGLE_OAUTH2 = {
    "oauth2_issuer": "accounts.google.com",
    "oauth2_auth_url": "https://accounts.google.com/o/oauth2/v2/auth",
    "oauth2_token_url": "https://oauth2.googleapis.com/token",
    "oauth2_revoke_url": "https://oauth2.googleapis.com/revoke",
    "oauth2_scope": "https://mail.google.com/",
    "oauth2_extra_params": {"access_type": "offline", "prompt": "consent"},
    # Google Account → Security → Your connections to third-party apps & services.
    "oauth2_permissions_url": "https://myaccount.google.com/permissions",
}

# Where a Microsoft account holder removes an app's access: personal accounts
# on account.live.com, work and school accounts on My Apps.
MICROSOFT_PERMISSIONS_URLS = {
    "consumers": "https://account.live.com/consent/Manage",
    "organizations": "https://myapps.microsoft.com",
}


def microsoft_oauth2(tenant: str) -> dict:
    """Microsoft identity platform v2; "consumers" for Outlook.com, "organizations"
    for Microsoft 365 work and school accounts. Microsoft has no revocation endpoint."""
    return {
        "oauth2_issuer": "login.microsoftonline.com",
        "oauth2_auth_url": f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "oauth2_token_url": f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "oauth2_scope": "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
        "https://outlook.office.com/SMTP.Send",
        "oauth2_permissions_url": MICROSOFT_PERMISSIONS_URLS[tenant],
    }


def checked_step():
    """The last sign-in step: back in Laifaxin, the first check."""
    return step(
        SIGN_IN,
        "回到来发信，检查 IMAP 和 SMTP",
        "Back in Laifaxin, we check IMAP and SMTP",
        "授权完成后，浏览器会回到来发信。我们用这项授权登录 IMAP 和 SMTP 服务器各一次，确认能收能发后立即退出，"
        "不读取、不发送任何邮件。验证通过后，账户状态显示“正常”。",
        "Once you accept, your browser comes back to Laifaxin. We use the access to log in to the IMAP "
        "and SMTP servers once each, log out as soon as both work, and read or send nothing. Once it is "
        "verified, the account shows “OK”.",
    )


def microsoft_sign_in_steps(account_zh, account_en):
    """“Sign in with Microsoft”, step by step; ``account_*`` names the kind of account."""
    return [
        step(
            SIGN_IN,
            "点“使用 Microsoft 登录”",
            "Click “Sign in with Microsoft”",
            "在来发信中添加邮箱，输入邮箱地址后点“使用 Microsoft 登录”。浏览器会打开微软自己的登录页面，"
            f"用你的{_after_cjk(account_zh)}登录。密码只在微软的页面上输入，来发信看不到，也不保存。",
            "Add the mailbox in Laifaxin, enter the address and click “Sign in with Microsoft”. Your "
            f"browser opens Microsoft's own sign-in page; sign in with your {account_en} there. You type "
            "the password on Microsoft's page only: Laifaxin never sees or stores it.",
        ),
        step(
            SIGN_IN,
            "查看微软列出的权限",
            "Review the permissions Microsoft lists",
            "微软会显示来发信请求的权限，包括“通过 IMAP 读取和写入你的邮件”（read and write access to your "
            "mail (IMAP)）和“使用 SMTP 发送邮件”（send mail (SMTP)），以及“保持访问权限”，"
            "这样定期检查时不必每次都让你登录。",
            "Microsoft shows what Laifaxin asks for: read and write access to your mail (IMAP), send mail "
            "(SMTP), and keeping that access, so the regular checks do not need you to sign in each time.",
        ),
        step(
            SIGN_IN,
            "点“接受”",
            "Click “Accept”",
            "确认无误后点“接受”（Accept）。点“取消”或拒绝时，来发信不会保存任何信息。",
            "If that looks right, click Accept. If you cancel or decline, Laifaxin saves nothing.",
        ),
        checked_step(),
    ]


def microsoft_faq(remove_zh, remove_en, *, work=False):
    """What people ask about “Sign in with Microsoft”; ``remove_*`` says where the
    access is removed (the page at oauth2_permissions_url)."""
    password_zh = "工作或学校账户的密码" if work else " Microsoft 账户密码"
    password_en = "your work or school account's password" if work else "your Microsoft account password"
    return [
        faq(
            "中途取消或拒绝授权会怎样？",
            "What if I cancel or decline?",
            "什么都不会保存。你会回到来发信，邮箱没有被添加；想绑定时再点一次“使用 Microsoft 登录”即可。",
            "Nothing is saved. You come back to Laifaxin without the mailbox added; click “Sign in with "
            "Microsoft” again whenever you want to connect it.",
        ),
        faq(
            "为什么显示“需要重新授权”？",
            "Why does it say “Reconnect needed”?",
            "来发信保存的是微软发放的授权，不是你的密码。以下情况会让授权失效：你在微软那边删除了来发信的访问权限；"
            f"你修改了{password_zh}；或授权连续 90 天没有使用而过期（来发信的定期检查会用到它，所以通常不会过期）。"
            "再点一次“使用 Microsoft 登录”并接受，即可恢复。",
            "Laifaxin keeps the access Microsoft granted, not your password. It stops working when you "
            f"removed Laifaxin's access at Microsoft, when you changed {password_en}, or when Microsoft let it "
            "lapse after 90 days without use (our regular checks use it, so that rarely happens). Click "
            "“Sign in with Microsoft” again and accept to restore it.",
        ),
        faq(
            "怎样撤销来发信的访问权限？",
            "How do I remove Laifaxin's access?",
            f"{remove_zh}之后来发信的检查会显示“需要重新授权”；不再需要这个邮箱时，也请在来发信中把它删除。",
            f"{remove_en} Laifaxin's checks then show “Reconnect needed”; if you no longer want the "
            "mailbox here, delete it in Laifaxin as well.",
        ),
    ]


def google_sign_in_steps():
    return [
        step(
            SIGN_IN,
            "点“使用 Google 登录”",
            "Click “Sign in with Google”",
            "在来发信中添加邮箱，输入邮箱地址后点“使用 Google 登录”，在 Google 自己的页面上选择账号并登录。"
            "密码只在 Google 的页面上输入，来发信看不到，也不保存。这种方式不需要应用专用密码。",
            "Add the mailbox in Laifaxin, enter the address and click “Sign in with Google”, then choose "
            "the account and sign in on Google's own page. You type the password there only: Laifaxin "
            "never sees or stores it. This way needs no app password.",
        ),
        step(
            SIGN_IN,
            "查看 Google 的授权请求",
            "Review Google's permission request",
            "Google 会说明来发信请求“查看、撰写、发送和永久删除你在 Gmail 中的所有电子邮件”（Read, compose, "
            "send and permanently delete all your email from Gmail）。这是 Google 为 IMAP/SMTP 提供的唯一权限范围，"
            "没有更小的选项。来发信只用它登录 IMAP 和 SMTP 再退出，以确认邮箱可用，从不读取、发送或删除你的邮件。",
            "Google says Laifaxin asks to “Read, compose, send and permanently delete all your email from "
            "Gmail”. That is the only scope Google offers for IMAP and SMTP; there is no narrower one. "
            "Laifaxin uses it only to log in to IMAP and SMTP and out again, to check that the mailbox "
            "works: it never reads, sends or deletes your mail.",
        ),
        step(
            SIGN_IN,
            "点“继续”",
            "Click “Continue”",
            "确认无误后点“继续”（或“允许”）。点“取消”时，来发信不会保存任何信息。",
            "If that looks right, click Continue (or Allow). If you cancel, Laifaxin saves nothing.",
        ),
        checked_step(),
    ]


GOOGLE_FAQ = [
    faq(
        "为什么 Google 说来发信能读取、发送和删除我的邮件？",
        "Why does Google say Laifaxin can read, send and delete my email?",
        "用 OAuth2 登录 Gmail 的 IMAP 和 SMTP，只有 https://mail.google.com/ 这一个权限范围，它包含完整的邮件权限，"
        "Google 没有只用于登录检查的更小范围。来发信只用它登录再退出，不读取、不发送、不删除邮件。"
        "不想授予这项权限，可以改用应用专用密码。",
        "Signing in to Gmail's IMAP and SMTP with OAuth2 takes the one scope https://mail.google.com/, "
        "which is full mail access; Google has no narrower scope for a login check. Laifaxin only logs in "
        "and out with it and never reads, sends or deletes mail. If you would rather not grant it, use "
        "an app password instead.",
    ),
    faq(
        "中途取消或拒绝授权会怎样？",
        "What if I cancel or decline?",
        "什么都不会保存。你会回到来发信，邮箱没有被添加；可以再点一次“使用 Google 登录”，或改用应用专用密码。",
        "Nothing is saved. You come back to Laifaxin without the mailbox added; click “Sign in with "
        "Google” again, or use an app password instead.",
    ),
    faq(
        "为什么显示“需要重新授权”？",
        "Why does it say “Reconnect needed”?",
        "来发信保存的是 Google 发放的授权，不是你的密码。你在 Google 账号中删除了来发信的访问权限、"
        "修改了 Google 账号密码，或授权长期（六个月）没有使用时，它就会失效（来发信的定期检查会用到它）。"
        "再点一次“使用 Google 登录”并继续，即可恢复。",
        "Laifaxin keeps the access Google granted, not your password. It stops working when you removed "
        "Laifaxin's access in your Google Account, changed your Google Account password, or left it unused "
        "for six months (our regular checks use it). Click “Sign in with Google” again and continue to "
        "restore it.",
    ),
    faq(
        "怎样撤销来发信的访问权限？",
        "How do I remove Laifaxin's access?",
        "打开 Google 账号的“第三方应用和服务”页面（myaccount.google.com/permissions），选择来发信，"
        "删除它的访问权限。之后来发信的检查会显示“需要重新授权”。",
        "Open your Google Account's third-party apps & services page (myaccount.google.com/permissions), "
        "choose Laifaxin and remove its access. Laifaxin's checks then show “Reconnect needed”.",
    ),
]

# The app-password path, kept as the alternative to signing in.
GMAIL_PASSWORD_STEPS = [
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
]

GMAIL_PASSWORD_FAQ = [
    main_password_faq("应用专用密码", "app password"),
    faq(
        "找不到“应用专用密码”选项？",
        "I can't find the App passwords option.",
        "通常是因为没有开启两步验证、两步验证只设置了安全密钥、开启了高级保护计划，或工作/学校账号的管理员禁用了它。",
        "Usually 2-Step Verification is off, is set up only with security keys, Advanced "
        "Protection is on, or a work or school administrator turned the option off.",
    ),
    forgotten_faq("应用专用密码", "app password"),
]

GMAIL = {
    **GOOGLE_OAUTH2,
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
    "summary_zh": "最简单的方式是点“使用 Google 登录”，在 Google 的页面上登录并授权。也可以改用应用专用密码："
    "Gmail 不接受 Google 账号密码登录第三方应用，需要开启两步验证后生成一个 16 位应用专用密码。",
    "summary_en": "The simplest way is “Sign in with Google”: sign in and allow access on Google's own "
    "page. An app password works too: Gmail does not accept your Google Account password in other "
    "apps, so turn on 2-Step Verification and create a 16-letter app password.",
    "revocation_hint_zh": "更改 Google 账号密码后，所有应用专用密码都会被撤销，用 Google 登录的授权也需要重新授权。"
    "请重新生成应用专用密码并在来发信中更新，或再次使用 Google 登录。",
    "revocation_hint_en": "Changing your Google Account password revokes your app passwords, and "
    "mailboxes connected with Google sign-in need to be reconnected. Create a new app password and "
    "update it in Laifaxin, or sign in with Google again.",
    "max_concurrent_checks": 8,
    "max_checks_per_minute": 60,
    "steps": [
        *google_sign_in_steps(),
        *GMAIL_PASSWORD_STEPS,
        *common_tips("应用专用密码", "app password"),
    ],
    "faq": [
        *GOOGLE_FAQ,
        *GMAIL_PASSWORD_FAQ,
        faq(
            "需要在 Gmail 设置中开启 IMAP 吗？",
            "Do I have to switch on IMAP in Gmail settings?",
            "不需要。自 2025 年 1 月起，个人 Gmail 账号的 IMAP 访问始终开启。",
            "No. Since January 2025 IMAP access is always on for personal Gmail accounts.",
        ),
    ],
}

OUTLOOK = {
    **microsoft_oauth2("consumers"),
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
    "credential_name_zh": "Microsoft 账户登录",
    "credential_name_en": "Microsoft account sign-in",
    "requires_2fa": False,
    "help_url": "https://support.microsoft.com/office/c5d65390-9676-4763-b41f-d7986499a90d",
    "summary_zh": "自 2024 年 9 月 16 日起，微软不再允许 Outlook.com、Hotmail、Live 和 MSN 邮箱在非微软应用中"
    "用密码（包括应用密码）登录，只能用 OAuth2（“使用 Microsoft 登录”）。在来发信中点一次“使用 Microsoft 登录”，"
    "在微软的页面上登录并接受授权，就能绑定邮箱，不需要任何密码。",
    "summary_en": "Since 16 September 2024 Microsoft no longer lets Outlook.com, Hotmail, Live and "
    "MSN mailboxes sign in with a password (app passwords included) in non-Microsoft apps; only "
    "OAuth2 (“Sign in with Microsoft”) works. Click “Sign in with Microsoft” in Laifaxin once, sign "
    "in and accept on Microsoft's own page, and the mailbox is connected: no password needed.",
    "revocation_hint_zh": "你删除了来发信的访问权限、修改了 Microsoft 账户密码，或授权 90 天未使用而过期时，"
    "需要重新授权：再点一次“使用 Microsoft 登录”并接受。",
    "revocation_hint_en": "When you remove Laifaxin's access, change your Microsoft account password, "
    "or the access lapses after 90 days without use, it needs to be reconnected: click “Sign in with "
    "Microsoft” again and accept.",
    "steps": [
        *microsoft_sign_in_steps("Microsoft 账户", "Microsoft account"),
        step(
            TIP,
            "密码登录已关闭",
            "Password sign-in is off",
            "2024 年 9 月 16 日起，微软要求第三方应用使用现代验证（OAuth2）。以前生成的应用密码在 IMAP/SMTP 中也已失效，"
            "所以来发信用“使用 Microsoft 登录”绑定这类邮箱。",
            "Since 16 September 2024 Microsoft requires modern authentication (OAuth2) in third-party "
            "apps. App passwords created earlier no longer work for IMAP/SMTP either, so Laifaxin "
            "connects these mailboxes with “Sign in with Microsoft”.",
            url="https://support.microsoft.com/office/c5d65390-9676-4763-b41f-d7986499a90d",
            label_zh="微软公告",
            label_en="Microsoft's announcement",
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
            "没有用。微软已关闭 Outlook.com 系列邮箱在第三方应用中的基本（密码）认证，应用密码同样被拒绝。"
            "请使用“使用 Microsoft 登录”。",
            "No. Microsoft turned off basic (password) authentication for Outlook.com mailboxes in "
            "third-party apps, and app passwords are refused as well. Use “Sign in with Microsoft”.",
        ),
        *microsoft_faq(
            "打开 Microsoft 账户的“应用和服务”页面（account.live.com/consent/Manage），找到来发信，删除它的权限。",
            "Open the “Apps and services” page of your Microsoft account (account.live.com/consent/Manage), "
            "find Laifaxin and remove its access.",
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
