"""Hosted business mail, recognised by the MX records of a custom domain.

These providers serve no address domain of their own (``domains`` is empty);
detection finds them through ``mx_patterns``, suffixes of MX host names.
"""

from providers.catalog_data._build import (
    CONNECT,
    GENERATE,
    PREREQUISITE,
    common_tips,
    enable_imap_step,
    faq,
    forgotten_faq,
    main_password_faq,
    paste_step,
    smtp,
    step,
)
from providers.catalog_data.international import GMAIL, ZOHO

GOOGLE_WORKSPACE = {
    **{key: value for key, value in GMAIL.items() if key not in {"slug", "domains", "faq", "steps"}},
    "slug": "google-workspace",
    "name_zh": "Google Workspace（企业 Gmail）",
    "name_en": "Google Workspace (business Gmail)",
    "domains": [],
    # aspmx.l.google.com, alt1.aspmx.l.google.com, aspmx2.googlemail.com, smtp.google.com
    "mx_patterns": ["google.com", "googlemail.com"],
    "summary_zh": "你的域名邮箱由 Google Workspace 托管，规则与 Gmail 相同：开启两步验证后生成应用专用密码。"
    "管理员可能禁用了应用专用密码或 IMAP。",
    "summary_en": "Your domain's mail is hosted by Google Workspace and follows Gmail's rules: turn "
    "on 2-Step Verification and create an app password. Your administrator may have turned app "
    "passwords or IMAP off.",
    "max_concurrent_checks": None,
    "max_checks_per_minute": None,
    "steps": [
        *GMAIL["steps"][:1],
        step(
            PREREQUISITE,
            "确认管理员允许 IMAP 和应用专用密码",
            "Check that your administrator allows IMAP and app passwords",
            "在 Google 管理控制台中，IMAP 访问和两步验证由管理员控制。找不到选项时请联系管理员。",
            "In the Google Admin console your administrator controls IMAP access and 2-Step "
            "Verification. Ask them if an option is missing.",
        ),
        *GMAIL["steps"][1:],
    ],
    "faq": GMAIL["faq"][:3],
}

MICROSOFT_365 = {
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
    "credential_name_zh": "密码登录（已停用）",
    "credential_name_en": "password sign-in (retired)",
    "help_url": "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online",
    "summary_zh": "你的域名邮箱由 Microsoft 365 托管。微软已在 Exchange Online 中停用 IMAP 的基本（密码）认证，"
    "只能用 OAuth2 登录。来发信的检查需要密码，因此无法托管这类邮箱。",
    "summary_en": "Your domain's mail is hosted by Microsoft 365. Microsoft retired basic "
    "(password) authentication for IMAP in Exchange Online; only OAuth2 sign-in works. "
    "Laifaxin's check needs a password, so it cannot look after this mailbox.",
    "steps": [
        step(
            CONNECT,
            "在支持 Microsoft 登录的应用中使用",
            "Use an app that supports Microsoft sign-in",
            "Outlook、iPhone/Mac 的“邮件”和新版 Thunderbird 都可以用工作或学校账户（OAuth2）登录。",
            "Outlook, Apple Mail and current Thunderbird can sign in with a work or school account (OAuth2).",
            url="https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online",
            label_zh="微软：Exchange Online 停用基本认证",
            label_en="Microsoft: basic authentication retired in Exchange Online",
        ),
    ],
    "faq": [
        faq(
            "管理员能为我重新开启密码登录吗？",
            "Can my administrator turn password sign-in back on?",
            "不能。微软已永久关闭 Exchange Online 中 IMAP/POP 的基本认证。",
            "No. Microsoft has permanently turned off basic authentication for IMAP/POP in Exchange Online.",
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
