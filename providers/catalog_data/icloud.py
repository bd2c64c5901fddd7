"""iCloud Mail: the guide our users follow most, with every fact it states."""

from providers.catalog_data._build import (
    GENERATE,
    PREREQUISITE,
    common_tips,
    faq,
    forgotten_faq,
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
            "Open appleid.apple.com, sign in with your Apple ID and confirm the code on a trusted device.",
            url="https://appleid.apple.com/",
            label_zh="打开 appleid.apple.com",
            label_en="Open appleid.apple.com",
        ),
        step(
            GENERATE,
            "进入“登录与安全”→“App 专用密码”",
            "Open Sign-In and Security → App-Specific Passwords",
            "在“登录与安全”部分，选择“App 专用密码”。",
            "In the Sign-In and Security section, choose App-Specific Passwords.",
        ),
        step(
            GENERATE,
            "点“生成 App 专用密码”（或“+”）并命名",
            "Click Generate an app-specific password (or “+”) and name it",
            "输入一个清楚的名称，例如“来发信”，更好的是“张三的 MacBook-来发信”，然后点“创建”。"
            "可能需要再次输入 Apple ID 密码。",
            "Enter a clear label such as “Laifaxin”, better “Zhang San's MacBook – Laifaxin”, then "
            "click Create. You may be asked for your Apple ID password again.",
        ),
        step(
            GENERATE,
            "复制 16 位 App 专用密码",
            "Copy the 16-character app-specific password",
            "Apple 会显示形如 xxxx-xxxx-xxxx-xxxx 的 16 位密码，只显示这一次。立即复制。",
            "Apple shows a 16-character password in the form xxxx-xxxx-xxxx-xxxx, and only this once. Copy it now.",
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
            "Apple 只为开启了双重认证的账户提供 App 专用密码。这样即使某个应用的密码泄露，你的 Apple ID 本身仍然安全。",
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
