"""Text normalisation shared by every loader and parser.

WPS and Word PDFs often emit CJK *radical* code points (⺠ U+2EA0) instead of the ideograph (民), and
web pages mix full-width and half-width forms. NFKC folds most of it (full-width digits, Kangxi
radicals); the CJK Radicals Supplement block has no decomposition, so a small map covers the ones
that occur in these reports.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# CJK Radicals Supplement → the ideograph they are drawn for (no Unicode decomposition exists).
RADICAL_MAP: dict[str, str] = {
    "\u2e80": "丶", "\u2e81": "厂", "\u2e82": "乛", "\u2e83": "乚", "\u2e84": "乙", "\u2e85": "亻",
    "\u2e86": "冂", "\u2e87": "几", "\u2e88": "刀", "\u2e89": "刂", "\u2e8a": "卜", "\u2e8b": "卩",
    "\u2e8c": "小", "\u2e8d": "小", "\u2e8e": "兀", "\u2e8f": "尢", "\u2e90": "尢", "\u2e91": "尢",
    "\u2e92": "巳", "\u2e93": "幺", "\u2e94": "彐", "\u2e95": "彐", "\u2e96": "忄", "\u2e97": "心",
    "\u2e98": "扌", "\u2e99": "攵", "\u2e9b": "无", "\u2e9c": "日", "\u2e9d": "月", "\u2e9e": "歹",
    "\u2e9f": "母", "\u2ea0": "民", "\u2ea1": "氵", "\u2ea2": "氺", "\u2ea3": "灬", "\u2ea4": "爫",
    "\u2ea5": "爫", "\u2ea6": "丬", "\u2ea7": "牛", "\u2ea8": "犭", "\u2ea9": "王", "\u2eaa": "疋",
    "\u2eab": "目", "\u2eac": "示", "\u2ead": "礻", "\u2eae": "竹", "\u2eaf": "糹", "\u2eb0": "纟",
    "\u2eb1": "罒", "\u2eb2": "罒", "\u2eb3": "罒", "\u2eb4": "罒", "\u2eb5": "罒", "\u2eb6": "羊",
    "\u2eb7": "羊", "\u2eb8": "羊", "\u2eb9": "耂", "\u2eba": "肀", "\u2ebb": "肀", "\u2ebc": "月",
    "\u2ebd": "臼", "\u2ebe": "艹", "\u2ebf": "艹", "\u2ec0": "艹", "\u2ec1": "虎", "\u2ec2": "衤",
    "\u2ec3": "西", "\u2ec4": "西", "\u2ec5": "见", "\u2ec6": "角", "\u2ec7": "角", "\u2ec8": "讠",
    "\u2ec9": "贝", "\u2eca": "足", "\u2ecb": "车", "\u2ecc": "辶", "\u2ecd": "辶", "\u2ece": "辶",
    "\u2ecf": "阝", "\u2ed0": "钅", "\u2ed1": "长", "\u2ed2": "长", "\u2ed3": "长", "\u2ed4": "门",
    "\u2ed5": "阝", "\u2ed6": "阝", "\u2ed7": "雨", "\u2ed8": "青", "\u2ed9": "韦", "\u2eda": "页",
    "\u2edb": "风", "\u2edc": "飞", "\u2edd": "食", "\u2ede": "食", "\u2edf": "食", "\u2ee0": "饣",
    "\u2ee1": "首", "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee5": "鱼", "\u2ee6": "鸟",
    "\u2ee7": "卤", "\u2ee8": "麦", "\u2ee9": "黄", "\u2eea": "黾", "\u2eeb": "斉", "\u2eec": "齐",
    "\u2eed": "歯", "\u2eee": "齿", "\u2eef": "竜", "\u2ef0": "龙", "\u2ef1": "龜", "\u2ef2": "亀",
    "\u2ef3": "龟",
}
# U+2EC6 is drawn as 门 by WPS fonts in these reports (⻔ in 部⻔); prefer what the reports mean.
RADICAL_MAP["\u2ec6"] = "门"
_RADICAL_TABLE = str.maketrans(RADICAL_MAP)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@lru_cache(maxsize=65536)
def normalize_text(text: str) -> str:
    """NFKC, radicals mapped to ideographs, zero-width characters dropped, NBSP as a space.

    Cached: table cells repeat the same few strings ("0", labels) thousands of times in a batch.
    """
    if text.isascii():
        return text
    text = text.translate(_RADICAL_TABLE)
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_ZERO_WIDTH)


_LABEL_DROP = re.compile(r"[\s\u3000,，.。、:：;；\"'“”‘’()（）\[\]【】〔〕<>《》·\-—－_/|]+")


def normalize_label(text: str) -> str:
    """A label reduced to what identifies it: no whitespace, punctuation or bracket style."""
    return _LABEL_DROP.sub("", normalize_text(text))


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode report bytes: BOM first, then a declared charset, then UTF-8, then GB18030.

    GB18030 is a superset of GBK and GB2312, which is what Chinese government sites that do not
    declare a charset almost always use.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    candidates = [declared] if declared else []
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        if not encoding:
            continue
        encoding = _canonical_charset(encoding)
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


def _canonical_charset(name: str) -> str:
    """Web pages say gb2312 or gbk and mean GB18030 (the superset); decode with that."""
    lowered = name.strip().lower()
    if lowered in {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn"}:
        return "gb18030"
    return lowered


def looks_like_text(text: str) -> bool:
    """True when decoded bytes read as text: few control or replacement characters."""
    if not text:
        return False
    sample = text[:20000]
    bad = sum(
        1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    )
    return bad / len(sample) < 0.01


_WHITESPACE = re.compile(r"\s+")


def _needs_space(left: str, right: str) -> bool:
    """Only two ASCII letters/digits keep a space when a wrapped line is joined."""
    return left.isascii() and right.isascii() and left.isalnum() and right.isalnum()


def join_wrapped_lines(lines: Iterable[str]) -> str:
    """Join a cell's visual lines into one string.

    CJK text wraps anywhere, so lines join without a separator ('只计这一情' + '形' → '只计这一情形').
    Two ASCII runs keep a space, so '12' over '34' stays '12 34' (two numbers in one cell are a
    problem the parser must see, not a silently different number). Shared by the PDF, HTML and DOCX loaders.
    """
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _needs_space(out[-1], line[0]):
            out += " "
        out += line
    return out


def squash_whitespace(text: str, normalized: bool = False) -> str:
    """Normalise, then collapse whitespace: a run with a line break joins like a wrapped line."""
    text = (text if normalized else normalize_text(text)).strip()
    if "\n" not in text and "\r" not in text:
        return " ".join(text.split())

    def replace(match: re.Match[str]) -> str:
        run = match.group()
        if "\n" not in run and "\r" not in run:
            return " "
        start, end = match.start(), match.end()
        if start == 0 or end == len(text):
            return ""
        return " " if _needs_space(text[start - 1], text[end]) else ""

    return _WHITESPACE.sub(replace, text).strip()
