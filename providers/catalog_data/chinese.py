"""Providers in mainland China: QQ, NetEase (163/126/yeah), Sina, Sohu, 139, Aliyun."""

from providers.catalog_data._build import (
    GENERATE,
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

QQ = {
    "slug": "qq",
    "name_zh": "QQ 邮箱",
    "name_en": "QQ Mail",
    "domains": ["qq.com", "foxmail.com", "vip.qq.com"],
    "imap_host": "imap.qq.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.qq.com",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "smtp_alternatives": [smtp("smtp.qq.com", 587, "starttls")],
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "authorization_code",
    "credential_name_zh": "授权码",
    "credential_name_en": "authorization code",
    "credential_pattern": r"^[a-z]{16}$",
    "credential_example": "xxxxxxxxxxxxxxxx",
    "credential_strip_separators": True,
    "credential_case": "lower",
    "requires_enabling_imap": True,
    "credential_url": "https://wx.mail.qq.com/",
    "enable_imap_url": "https://wx.mail.qq.com/",
    "help_url": "https://service.mail.qq.com/",
    "summary_zh": "QQ 邮箱（含 Foxmail）不能用 QQ 密码登录第三方应用。先在邮箱设置中开启 IMAP/SMTP 服务，"
    "再生成 16 位“授权码”。",
    "summary_en": "QQ Mail (Foxmail included) does not accept the QQ password in other apps. "
    "Switch on IMAP/SMTP in the mailbox settings first, then generate a 16-letter "
    "authorization code.",
    "revocation_hint_zh": "关闭 IMAP/SMTP 服务、修改 QQ 密码或在设置中停用授权码后，授权码会失效。请重新生成。",
    "revocation_hint_en": "Switching IMAP/SMTP off, changing the QQ password or disabling the "
    "code in the settings invalidates it. Generate a new one.",
    "max_concurrent_checks": 4,
    "max_checks_per_minute": 20,
    "steps": [
        enable_imap_step(
            "“设置 → 账号与安全 → 安全设置”，找到“POP3/IMAP/SMTP/Exchange/CardDAV/CalDAV 服务”并点“开启服务”",
            "Settings → Account & Security → Security, find “POP3/IMAP/SMTP/Exchange/CardDAV/CalDAV "
            "service” and click Enable",
            url="https://wx.mail.qq.com/",
        ),
        step(
            GENERATE,
            "验证身份并生成授权码",
            "Verify and generate the authorization code",
            "按提示用绑定的手机发送短信或扫码验证，页面会显示 16 位授权码（小写字母）。也可以之后在同一位置点“生成授权码”。",
            "Verify with the bound phone (text message or QR code) as prompted; the page shows a "
            "16-letter lower-case code. You can generate more later in the same place.",
        ),
        step(
            GENERATE,
            "复制授权码",
            "Copy the code",
            "授权码只显示一次，请立即复制。",
            "The code is shown only once; copy it now.",
        ),
        paste_step("授权码", "authorization code", "授权码中的空格会自动去掉。", "Spaces are removed for you. "),
        *common_tips("授权码", "authorization code"),
    ],
    "faq": [
        main_password_faq("授权码", "authorization code"),
        faq(
            "提示“请使用授权码登录”或登录失败？",
            "The app says to use an authorization code, or the login fails.",
            "请确认已开启 IMAP/SMTP 服务，并粘贴的是授权码而不是 QQ 密码。",
            "Check that IMAP/SMTP is switched on and that you pasted the authorization code, not the QQ password.",
        ),
        forgotten_faq("授权码", "authorization code"),
    ],
}


def _netease(slug, domain, name_zh, name_en):
    """163, 126 and yeah.net: the same NetEase service with per-domain servers."""
    return {
        "slug": slug,
        "name_zh": name_zh,
        "name_en": name_en,
        "domains": [domain],
        "imap_host": f"imap.{domain}",
        "imap_port": 993,
        "imap_security": "ssl",
        "smtp_host": f"smtp.{domain}",
        "smtp_port": 465,
        "smtp_security": "ssl",
        "smtp_alternatives": [smtp(f"smtp.{domain}", 994, "ssl")],
        "imap_username_rule": "full_address",
        "smtp_username_rule": "full_address",
        "credential_kind": "authorization_code",
        "credential_name_zh": "客户端授权密码",
        "credential_name_en": "client authorization password",
        "credential_pattern": r"^[A-Za-z0-9]{16}$",
        "credential_example": "XXXXXXXXXXXXXXXX",
        "credential_strip_separators": True,
        "requires_enabling_imap": True,
        # Without ID (RFC 2971) NetEase answers SELECT with "NO SELECT Unsafe Login.
        # Please contact kefu@188.com for help".
        "requires_imap_id": True,
        "credential_url": f"https://mail.{domain}/",
        "enable_imap_url": f"https://mail.{domain}/",
        "help_url": "https://help.mail.163.com/",
        "summary_zh": f"{name_zh}不能用登录密码连接第三方应用。先在设置中开启 IMAP/SMTP 服务，"
        "再生成“客户端授权密码”（授权码）。",
        "summary_en": f"{name_en} does not accept the sign-in password in other apps. Switch on "
        "IMAP/SMTP in the settings first, then create a client authorization password.",
        "revocation_hint_zh": "授权码被删除、过期，或关闭了 IMAP/SMTP 服务后会失效。请在设置中重新生成。",
        "revocation_hint_en": "The code stops working when it is deleted or expires, or when "
        "IMAP/SMTP is switched off. Create a new one in the settings.",
        "max_concurrent_checks": 2,
        "max_checks_per_minute": 10,
        "steps": [
            enable_imap_step(
                "“设置 → POP3/SMTP/IMAP”，开启“IMAP/SMTP 服务”",
                "Settings → POP3/SMTP/IMAP and switch on the IMAP/SMTP service",
                url=f"https://mail.{domain}/",
            ),
            step(
                GENERATE,
                "新增授权密码",
                "Add an authorization password",
                "开启时（或在同一页面点“新增授权密码”）按提示用手机扫码或发送短信验证，页面会显示授权码。",
                "When switching it on (or via “Add authorization password” on the same page), verify "
                "with your phone by QR code or text message; the page shows the code.",
            ),
            step(
                GENERATE,
                "复制授权码",
                "Copy the code",
                "授权码只显示一次，请立即复制并保存。",
                "The code is shown only once; copy and keep it now.",
            ),
            paste_step("客户端授权密码", "client authorization password"),
            *common_tips("授权码", "authorization code"),
        ],
        "faq": [
            main_password_faq("客户端授权密码", "client authorization password"),
            faq(
                "出现“Unsafe Login”是什么意思？",
                "What does “Unsafe Login” mean?",
                "网易要求邮件客户端登录后发送 IMAP ID 命令，否则拒绝访问邮件夹。来发信会自动发送，无需你操作。",
                "NetEase requires mail clients to send the IMAP ID command after signing in, or it "
                "refuses mailbox access. Laifaxin sends it for you.",
            ),
            forgotten_faq("授权码", "authorization code"),
        ],
    }


NETEASE_163 = _netease("163", "163.com", "网易 163 邮箱", "NetEase 163 Mail")
NETEASE_126 = _netease("126", "126.com", "网易 126 邮箱", "NetEase 126 Mail")
NETEASE_YEAH = _netease("yeah", "yeah.net", "网易 yeah.net 邮箱", "NetEase yeah.net Mail")


def _code_after_enabling(slug, name_zh, name_en, domain, credential_zh, credential_en, where_zh, where_en):
    """Sina, Sohu, 139: switch on IMAP/SMTP in settings, then a client code."""
    return {
        "slug": slug,
        "name_zh": name_zh,
        "name_en": name_en,
        "domains": [domain],
        "imap_host": f"imap.{domain}",
        "imap_port": 993,
        "imap_security": "ssl",
        "smtp_host": f"smtp.{domain}",
        "smtp_port": 465,
        "smtp_security": "ssl",
        "imap_username_rule": "full_address",
        "smtp_username_rule": "full_address",
        "credential_kind": "authorization_code",
        "credential_name_zh": credential_zh,
        "credential_name_en": credential_en,
        "credential_strip_separators": True,
        "requires_enabling_imap": True,
        "credential_url": f"https://mail.{domain}/",
        "enable_imap_url": f"https://mail.{domain}/",
        "help_url": f"https://mail.{domain}/",
        "summary_zh": f"{name_zh}需要先在设置中开启 IMAP/SMTP 服务，第三方应用使用{credential_zh}登录。",
        "summary_en": f"{name_en} needs IMAP/SMTP switched on in its settings; other apps sign in "
        f"with the {credential_en}.",
        "revocation_hint_zh": f"关闭 IMAP/SMTP 服务或重置{credential_zh}后，需要在来发信中更新。",
        "revocation_hint_en": f"After switching IMAP/SMTP off or resetting the {credential_en}, update it in Laifaxin.",
        "steps": [
            enable_imap_step(where_zh, where_en, url=f"https://mail.{domain}/"),
            step(
                GENERATE,
                f"获取{credential_zh}",
                f"Get the {credential_en}",
                f"开启服务时按页面提示完成手机验证，页面会显示{credential_zh}。复制它。",
                f"When switching the service on, complete the phone check; the page shows the "
                f"{credential_en}. Copy it.",
            ),
            paste_step(credential_zh, credential_en),
            *common_tips(credential_zh, credential_en),
        ],
        "faq": [
            faq(
                f"页面没有{credential_zh}，只要求邮箱密码？",
                f"The page shows no {credential_en}, only the mailbox password.",
                "不同账号的安全策略不同。页面没有提供授权码时，使用邮箱登录密码即可。",
                "Security policies differ per account. If no code is offered, use the mailbox sign-in password.",
            ),
        ],
    }


SINA = _code_after_enabling(
    "sina",
    "新浪邮箱",
    "Sina Mail",
    "sina.com",
    "客户端授权码",
    "client authorization code",
    "“设置 → 客户端 POP/IMAP/SMTP”，开启 IMAP4 和 SMTP 服务",
    "Settings → Client POP/IMAP/SMTP and switch on IMAP4 and SMTP",
)
SOHU = _code_after_enabling(
    "sohu",
    "搜狐邮箱",
    "Sohu Mail",
    "sohu.com",
    "独立密码",
    "client password",
    "“设置 → POP3/SMTP/IMAP”，开启 IMAP/SMTP 服务",
    "Settings → POP3/SMTP/IMAP and switch on IMAP/SMTP",
)
CHINA_MOBILE_139 = _code_after_enabling(
    "139",
    "139 邮箱（中国移动）",
    "139 Mail (China Mobile)",
    "139.com",
    "授权码",
    "authorization code",
    "“设置 → 常用设置 → 邮箱协议设置”，开启 IMAP/SMTP 服务",
    "Settings → General → Mail protocols and switch on IMAP/SMTP",
)

ALIYUN = {
    "slug": "aliyun",
    "name_zh": "阿里邮箱（个人版）",
    "name_en": "Aliyun Mail (personal)",
    "domains": ["aliyun.com"],
    "imap_host": "imap.aliyun.com",
    "imap_port": 993,
    "imap_security": "ssl",
    "smtp_host": "smtp.aliyun.com",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "imap_username_rule": "full_address",
    "smtp_username_rule": "full_address",
    "credential_kind": "account_password",
    "credential_name_zh": "邮箱密码",
    "credential_name_en": "mailbox password",
    "requires_enabling_imap": True,
    "enable_imap_url": "https://mail.aliyun.com/",
    "help_url": "https://mail.aliyun.com/",
    "summary_zh": "阿里邮箱个人版需要先在设置中开启 IMAP/SMTP 服务，然后用邮箱密码登录。",
    "summary_en": "Aliyun personal mail needs IMAP/SMTP switched on in its settings; then sign in "
    "with the mailbox password.",
    "revocation_hint_zh": "修改邮箱密码后，请在来发信中同步更新。",
    "revocation_hint_en": "After changing the mailbox password, update it in Laifaxin as well.",
    "steps": [
        enable_imap_step(
            "“设置 → 账户 → POP3/SMTP 及 IMAP/SMTP”，勾选开启 IMAP/SMTP 服务",
            "Settings → Account → POP3/SMTP and IMAP/SMTP and switch on IMAP/SMTP",
            url="https://mail.aliyun.com/",
        ),
        paste_step("邮箱密码", "mailbox password"),
        step(
            TIP,
            "使用强密码",
            "Use a strong password",
            "第三方应用直接使用邮箱密码，请设置一个不与其他网站重复的强密码。",
            "Other apps use the mailbox password itself, so make it strong and unique.",
        ),
    ],
    "faq": [
        faq(
            "为什么登录失败？",
            "Why does the login fail?",
            "最常见的原因是还没有在设置中开启 IMAP/SMTP 服务。",
            "Most often IMAP/SMTP has not been switched on in the settings yet.",
        ),
    ],
}

CHINESE = [QQ, NETEASE_163, NETEASE_126, NETEASE_YEAH, SINA, SOHU, CHINA_MOBILE_139, ALIYUN]
