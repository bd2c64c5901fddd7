"""Hosted business mail, recognised by the MX records of a custom domain.

These providers serve no address domain of their own (``domains`` is empty);
detection finds them through ``mx_patterns``, suffixes of MX host names.
"""

from providers.catalog_data._build import (
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
from providers.catalog_data.international import (
    GMAIL,
    GMAIL_PASSWORD_FAQ,
    GMAIL_PASSWORD_STEPS,
    GOOGLE_FAQ,
    ZOHO,
    google_sign_in_steps,
    microsoft_faq,
    microsoft_oauth2,
    microsoft_sign_in_steps,
)

GOOGLE_WORKSPACE = {
    **{key: value for key, value in GMAIL.items() if key not in {"slug", "domains", "faq", "steps"}},
    "slug": "google-workspace",
    "name_zh": "Google Workspace（企业 Gmail）",
    "name_en": "Google Workspace (business Gmail)",
    "domains": [],
    # aspmx.l.google.com, alt1.aspmx.l.google.com, aspmx2.googlemail.com, smtp.google.com
    "mx_patterns": ["google.com", "googlemail.com"],
    "summary_zh": "你的域名邮箱由 Google Workspace 托管，规则与 Gmail 相同：点“使用 Google 登录”并授权，"
    "或开启两步验证后生成应用专用密码。管理员可能限制了第三方应用、应用专用密码或 IMAP。",
    "summary_en": "Your domain's mail is hosted by Google Workspace and follows Gmail's rules: use "
    "“Sign in with Google” and allow access, or turn on 2-Step Verification and create an app "
    "password. Your administrator may have restricted third-party apps, app passwords or IMAP.",
    "max_concurrent_checks": None,
    "max_checks_per_minute": None,
    "steps": [
        *google_sign_in_steps(),
        *GMAIL_PASSWORD_STEPS[:1],
        step(
            PREREQUISITE,
            "确认管理员允许 IMAP 和应用专用密码",
            "Check that your administrator allows IMAP and app passwords",
            "在 Google 管理控制台中，IMAP 访问和两步验证由管理员控制。找不到选项时请联系管理员。",
            "In the Google Admin console your administrator controls IMAP access and 2-Step "
            "Verification. Ask them if an option is missing.",
        ),
        *GMAIL_PASSWORD_STEPS[1:],
        *common_tips("应用专用密码", "app password"),
    ],
    "faq": [
        *GOOGLE_FAQ,
        faq(
            "Google 提示“访问被阻止”或需要管理员批准？",
            "Google says access is blocked or needs an administrator's approval.",
            "贵组织的管理员限制了哪些第三方应用可以访问 Google Workspace 数据。请管理员在 Google 管理控制台的"
            "“安全性 → API 控件 → 应用访问权限控制”中允许来发信，并确认“Gmail → 最终用户访问”中开启了 IMAP；"
            "也可以改用应用专用密码（如果管理员允许）。",
            "Your organisation's administrator restricts which third-party apps may access Google "
            "Workspace data. Ask them to allow Laifaxin in the Google Admin console under Security → "
            "API controls → App access control, and to check that IMAP is on under Gmail → End user "
            "access. An app password works too, if your administrator allows them.",
        ),
        *GMAIL_PASSWORD_FAQ,
    ],
}

MICROSOFT_365 = {
    **microsoft_oauth2("organizations"),
    "slug": "microsoft-365",
    "name_zh": "Microsoft 365（Exchange Online）",
    "name_en": "Microsoft 365 (Exchange Online)",
    "domains": [],
    # contoso-com.mail.protection.outlook.com; newer tenants: *.mx.microsoft
    "mx_patterns": ["mail.protection.outlook.com", "mx.microsoft"],
    "imap_host": "outlook.office365.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.office365.com",
    "smtp_port": 587,
    "smtp_security": "starttls",
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "oauth2_only",
    "credential_name_zh": "工作或学校账户登录",
    "credential_name_en": "work or school account sign-in",
    "help_url": "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online",
    "summary_zh": "你的域名邮箱由 Microsoft 365 托管。微软已在 Exchange Online 中停用 IMAP 的基本（密码）认证，"
    "只能用 OAuth2 登录：在来发信中点“使用 Microsoft 登录”，用工作或学校账户登录并接受授权，即可绑定。"
    "贵组织的管理员需要为你的邮箱开启 IMAP 和 SMTP AUTH。",
    "summary_en": "Your domain's mail is hosted by Microsoft 365. Microsoft retired basic "
    "(password) authentication for IMAP in Exchange Online; only OAuth2 sign-in works: click "
    "“Sign in with Microsoft” in Laifaxin, sign in with your work or school account and accept. "
    "Your administrator must have IMAP and SMTP AUTH enabled for your mailbox.",
    "revocation_hint_zh": "你或管理员删除了来发信的访问权限、你修改了账户密码，或授权 90 天未使用而过期时，"
    "需要重新授权：再点一次“使用 Microsoft 登录”并接受。",
    "revocation_hint_en": "When you or your administrator remove Laifaxin's access, you change your "
    "account password, or the access lapses after 90 days without use, it needs to be reconnected: "
    "click “Sign in with Microsoft” again and accept.",
    "steps": [
        *microsoft_sign_in_steps("工作或学校账户", "work or school account"),
        step(
            TIP,
            "页面显示“需要管理员批准”？",
            "The page says “Need admin approval”?",
            "贵组织不允许用户自行同意第三方应用。请管理员在 Microsoft Entra 管理中心批准来发信，然后再登录一次。",
            "Your organisation does not let users consent to third-party apps themselves. Ask your "
            "administrator to approve Laifaxin in the Microsoft Entra admin center, then sign in again.",
        ),
        step(
            TIP,
            "密码登录已停用",
            "Password sign-in is retired",
            "微软已永久关闭 Exchange Online 中 IMAP/POP 的基本认证，所以来发信用“使用 Microsoft 登录”绑定这类邮箱。",
            "Microsoft permanently turned off basic authentication for IMAP/POP in Exchange Online, so "
            "Laifaxin connects these mailboxes with “Sign in with Microsoft”.",
            url="https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online",
            label_zh="微软：Exchange Online 停用基本认证",
            label_en="Microsoft: basic authentication retired in Exchange Online",
        ),
    ],
    "faq": [
        faq(
            "提示“SMTP AUTH 已对租户禁用”或 IMAP 已禁用？",
            "It says SMTP AUTH is disabled for the tenant, or IMAP is disabled.",
            "这是管理员的设置，不是授权的问题。管理员需要在 Exchange 管理中心开启：整个组织关闭了 SMTP AUTH 时，"
            "在“设置 → 邮件流”中允许它；单个邮箱在“收件人 → 邮箱 → 你的邮箱 → 管理电子邮件应用设置”中"
            "开启“IMAP”和“经过身份验证的 SMTP”。开启后再检查一次即可。",
            "That is an administrator's setting, not a sign-in problem. Your administrator enables it "
            "in the Exchange admin center: if SMTP AUTH is turned off for the whole organisation, allow "
            "it under Settings → Mail flow; for one mailbox, switch on IMAP and Authenticated SMTP under "
            "Recipients → Mailboxes → your mailbox → Manage email apps settings. Then check again.",
        ),
        faq(
            "管理员能为我重新开启密码登录吗？",
            "Can my administrator turn password sign-in back on?",
            "不能，也不需要。微软已永久关闭 Exchange Online 中 IMAP/POP 的基本认证；请使用“使用 Microsoft 登录”。",
            "No, and there is no need. Microsoft has permanently turned off basic authentication for "
            "IMAP/POP in Exchange Online; use “Sign in with Microsoft”.",
        ),
        *microsoft_faq(
            "打开“我的应用”页面（myapps.microsoft.com）找到来发信并撤销它的权限；也可以请管理员在 Microsoft Entra "
            "管理中心的“企业应用程序”中删除来发信。",
            "Open the My Apps page (myapps.microsoft.com), find Laifaxin and revoke its access, or ask "
            "your administrator to remove Laifaxin under Enterprise applications in the Microsoft Entra "
            "admin center.",
            work=True,
        ),
    ],
}


def _business_password(
    slug,
    name_zh,
    name_en,
    mx_patterns,
    imap_host,
    smtp_host,
    *,
    credential_zh,
    credential_en,
    help_url,
    summary_zh,
    summary_en,
    requires_imap_id=False,
    extra_faq=(),
):
    return {
        "slug": slug,
        "name_zh": name_zh,
        "name_en": name_en,
        "domains": [],
        "mx_patterns": mx_patterns,
        "imap_host": imap_host,
        "imap_port": 993,
        "imap_security": "ssl",
        "smtp_host": smtp_host,
        "smtp_port": 465,
        "smtp_security": "ssl",
        "imap_username_rule": "full_address",
        "smtp_username_rule": "full_address",
        "credential_kind": "account_password",
        "credential_name_zh": credential_zh,
        "credential_name_en": credential_en,
        "requires_enabling_imap": True,
        "requires_imap_id": requires_imap_id,
        "help_url": help_url,
        "summary_zh": summary_zh,
        "summary_en": summary_en,
        "revocation_hint_zh": "修改邮箱密码或重新生成客户端专用密码后，请在来发信中更新。",
        "revocation_hint_en": "After changing the mailbox password or regenerating the client "
        "password, update it in Laifaxin.",
        "steps": [
            enable_imap_step(
                "“设置 → 客户端设置”（或管理员后台），开启 IMAP/SMTP 服务",
                "Settings → Client settings (or ask your administrator) and switch on IMAP/SMTP",
            ),
            step(
                GENERATE,
                "开启了安全登录？生成客户端专用密码",
                "Secure login on? Generate a client password",
                "如果账户开启了微信动态码、安全登录等，请在“设置 → 账户安全”中生成客户端专用密码；否则使用邮箱密码。",
                "If secure login (e.g. WeChat codes) is on, generate a client-specific password in "
                "Settings → Account security; otherwise use the mailbox password.",
            ),
            paste_step(credential_zh, credential_en),
        ],
        "faq": [
            faq(
                "提示 IMAP 未开启或无权限？",
                "It says IMAP is off or not permitted.",
                "企业邮箱的 IMAP 可能被管理员统一关闭，请联系贵公司的邮箱管理员。",
                "Your administrator may have turned IMAP off for the organisation; ask them.",
            ),
            *extra_faq,
        ],
    }


TENCENT_EXMAIL = _business_password(
    "tencent-exmail",
    "腾讯企业邮箱",
    "Tencent Exmail",
    # mxbiz1.qq.com / mxbiz2.qq.com; older setups mx.exmail.qq.com
    ["exmail.qq.com", "mxbiz1.qq.com", "mxbiz2.qq.com"],
    "imap.exmail.qq.com",
    "smtp.exmail.qq.com",
    credential_zh="邮箱密码或客户端专用密码",
    credential_en="mailbox or client password",
    help_url="https://exmail.qq.com/",
    summary_zh="你的域名邮箱由腾讯企业邮箱托管。开启 IMAP/SMTP 后，用邮箱密码登录；开启了安全登录时使用客户端专用密码。",
    summary_en="Your domain's mail is hosted by Tencent Exmail. With IMAP/SMTP switched on, sign "
    "in with the mailbox password, or a client-specific password when secure login is on.",
)
ALIBABA_MAIL = _business_password(
    "alibaba-mail",
    "阿里企业邮箱",
    "Alibaba Mail (enterprise)",
    # mxw.mxhichina.com / mxn.mxhichina.com; newer: mx1.qiye.aliyun.com
    ["mxhichina.com", "qiye.aliyun.com"],
    "imap.qiye.aliyun.com",
    "smtp.qiye.aliyun.com",
    credential_zh="邮箱密码或三方客户端安全密码",
    credential_en="mailbox or client security password",
    help_url="https://qiye.aliyun.com/",
    summary_zh="你的域名邮箱由阿里企业邮箱托管。开启 IMAP/SMTP 后用邮箱密码登录；启用了三方客户端安全密码时使用该密码。",
    summary_en="Your domain's mail is hosted by Alibaba Mail. With IMAP/SMTP switched on, sign in "
    "with the mailbox password, or the third-party client security password if enabled.",
)
NETEASE_QIYE = _business_password(
    "netease-qiye",
    "网易企业邮箱",
    "NetEase Enterprise Mail",
    ["qiye.163.com", "qiye163mx01.mxmail.netease.com", "qiye163mx02.mxmail.netease.com"],
    "imap.qiye.163.com",
    "smtp.qiye.163.com",
    credential_zh="邮箱密码或客户端专用密码",
    credential_en="mailbox or client password",
    help_url="https://qiye.163.com/help/",
    summary_zh="你的域名邮箱由网易企业邮箱托管。开启 IMAP/SMTP 后用邮箱密码或客户端专用密码登录。",
    summary_en="Your domain's mail is hosted by NetEase Enterprise Mail. With IMAP/SMTP switched "
    "on, sign in with the mailbox password or a client-specific password.",
    # Same NetEase IMAP front end as 163.com: without ID, "Unsafe Login".
    requires_imap_id=True,
)

ZOHO_WORKPLACE = {
    # Zoho's credential rules and links, with the organisation servers.
    **{key: value for key, value in ZOHO.items() if key not in {"slug", "domains", "faq", "steps"}},
    "slug": "zoho-workplace",
    "name_zh": "Zoho 企业邮箱",
    "name_en": "Zoho Mail (custom domain)",
    "domains": [],
    # mx.zoho.com, mx2.zoho.com, mx3.zoho.com (EU: mx.zoho.eu)
    "mx_patterns": ["zoho.com", "zoho.eu", "zoho.in", "zoho.com.au"],
    "imap_host": "imappro.zoho.com",
    "smtp_host": "smtppro.zoho.com",
    "smtp_alternatives": [smtp("smtppro.zoho.com", 587, "starttls")],
    "summary_zh": "你的域名邮箱由 Zoho 托管（组织账户使用 imappro/smtppro 服务器）。开启 IMAP 访问，"
    "开启双重验证时使用应用专用密码。",
    "summary_en": "Your domain's mail is hosted by Zoho (organisation accounts use the "
    "imappro/smtppro servers). Switch on IMAP access; with two-factor authentication use an "
    "application-specific password.",
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
            "打开 Zoho 账户 → 安全 → 应用专用密码，输入“来发信”并生成。",
            "Open Zoho Accounts → Security → App Passwords, enter “Laifaxin” and generate.",
            url="https://accounts.zoho.com/home#security/app_password",
            label_zh="打开应用专用密码",
            label_en="Open App Passwords",
        ),
        paste_step("应用专用密码", "application-specific password"),
        *common_tips("应用专用密码", "application-specific password"),
    ],
    "faq": [
        main_password_faq("应用专用密码", "application-specific password"),
        forgotten_faq("应用专用密码", "application-specific password"),
        faq(
            "我的组织在欧洲或印度数据中心？",
            "My organisation is in the EU or India data centre.",
            "请把服务器改为 imappro.zoho.eu / smtppro.zoho.eu（或 .in），在来发信中手动填写。",
            "Use imappro.zoho.eu / smtppro.zoho.eu (or .in) and enter them by hand in Laifaxin.",
        ),
    ],
}

BUSINESS = [GOOGLE_WORKSPACE, MICROSOFT_365, TENCENT_EXMAIL, ALIBABA_MAIL, NETEASE_QIYE, ZOHO_WORKPLACE]
