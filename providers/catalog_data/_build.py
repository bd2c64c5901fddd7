"""Small builders that keep the catalog readable: a step, an FAQ entry, the
steps and tips most providers share."""

SIGN_IN = "sign_in"
PREREQUISITE = "prerequisite"
GENERATE = "generate"
CONNECT = "connect"
TIP = "tip"


def _after_cjk(word):
    """Chinese typography puts a space between a Chinese character and a Latin
    word: "粘贴 App 专用密码", but "粘贴授权码"."""
    return f" {word}" if word[:1].isascii() else word


def step(section, title_zh, title_en, body_zh="", body_en="", *, url="", label_zh="", label_en=""):
    return {
        "section": section,
        "title_zh": title_zh,
        "title_en": title_en,
        "body_zh": body_zh,
        "body_en": body_en,
        "link_url": url,
        "link_label_zh": label_zh,
        "link_label_en": label_en,
    }


def faq(question_zh, question_en, answer_zh, answer_en):
    return {
        "question_zh": question_zh,
        "question_en": question_en,
        "answer_zh": answer_zh,
        "answer_en": answer_en,
    }


def smtp(host, port, security):
    return {"host": host, "port": port, "security": security}


def paste_step(credential_zh, credential_en, extra_zh="", extra_en=""):
    return step(
        CONNECT,
        f"在来发信中粘贴{_after_cjk(credential_zh)}",
        f"Paste the {credential_en} into Laifaxin",
        f"回到来发信，输入邮箱地址，粘贴刚复制的{_after_cjk(credential_zh)}。{extra_zh}"
        "验证通过后，账户状态显示“正常”。",
        f"Back in Laifaxin, enter your address and paste the {credential_en} you just copied. "
        f"{extra_en}Once it is verified, the account shows “OK”.",
    )


def enable_imap_step(where_zh, where_en, *, url=""):
    """``where_*`` names the settings page and what to tick there."""
    return step(
        PREREQUISITE,
        "在邮箱设置中开启 IMAP/SMTP 服务",
        "Switch on IMAP/SMTP in the mailbox settings",
        f"登录网页版邮箱，进入{where_zh}。未开启时，任何密码都无法在第三方应用中登录。",
        f"Sign in to webmail and open {where_en}. While it is off, no password works in other mail apps.",
        url=url,
        label_zh="打开邮箱设置",
        label_en="Open the mailbox settings",
    )


def common_tips(credential_zh, credential_en):
    return [
        step(
            TIP,
            "起一个看得懂的名称",
            "Give it a clear label",
            f"如果服务商允许为{_after_cjk(credential_zh)}命名，写上设备和用途，例如“张三的 MacBook-来发信”，"
            "以后一眼就知道该撤销哪一个。",
            f"If the provider lets you name the {credential_en}, write the device and purpose, "
            "e.g. “Zhang San's MacBook – Laifaxin”, so you know later which one to revoke.",
        ),
        step(
            TIP,
            "存进密码管理器",
            "Keep it in a password manager",
            f"{credential_zh}通常只显示一次。把它存进密码管理器，不要发在聊天记录或便签里。",
            f"The {credential_en} is usually shown only once. Keep it in a password manager, "
            "not in chats or sticky notes.",
        ),
        step(
            TIP,
            "定期清理不用的凭据",
            "Clean up unused credentials regularly",
            f"定期检查已生成的{_after_cjk(credential_zh)}，撤销不再使用的设备或应用的那一个。",
            f"Review your {credential_en}s now and then and revoke the ones for devices or apps you no longer use.",
        ),
    ]


def forgotten_faq(credential_zh, credential_en):
    return faq(
        f"忘记了{_after_cjk(credential_zh)}怎么办？",
        f"I forgot the {credential_en}. What now?",
        f"{credential_zh}无法找回。撤销旧的，重新生成一个，然后在来发信中更新即可。",
        "It cannot be recovered. Revoke the old one, generate a new one and update it in Laifaxin.",
    )


def main_password_faq(credential_zh, credential_en):
    return faq(
        "为什么不能直接用邮箱登录密码？",
        "Why can't I use my normal sign-in password?",
        f"服务商不允许第三方应用用主密码登录。{credential_zh}只能收发邮件，泄露时可以单独撤销，主账户仍然安全。",
        f"The provider does not accept the main password in other apps. A {credential_en} can only "
        "read and send mail, and if it leaks you revoke just that one while the account stays safe.",
    )
