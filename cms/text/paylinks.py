"""Payment links for the tip box: which ones the CMS accepts."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_PAY_LINK_LENGTH = 512
# https:// (Alipay's and WeChat's web links), wxp:// (WeChat Pay's QR payload)
# and alipays:// (the Alipay app's own scheme). Nothing else reaches a QR code.
PAY_LINK_SCHEMES = ("https", "wxp", "alipays")


def check_pay_link(raw: str) -> str:
    """`raw` without surrounding spaces when it is an accepted payment link, ""
    for an empty one; ValueError saying what is wrong otherwise."""
    link = (raw or "").strip()
    if not link:
        return ""
    if len(link) > MAX_PAY_LINK_LENGTH:
        raise ValueError(f"收款链接最多 {MAX_PAY_LINK_LENGTH} 个字符")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in link):
        raise ValueError("收款链接不能含空白或控制字符")
    parts = urlsplit(link)
    if parts.scheme.lower() not in PAY_LINK_SCHEMES:
        raise ValueError("收款链接须以 https://、wxp:// 或 alipays:// 开头")
    if not parts.netloc:
        raise ValueError("收款链接缺少地址部分")
    return link
