"""Report pages as government sites serve them: site chrome, a TRS editor body, real tables.

Tables are real ``<table>`` elements with rowspan/colspan and ``&nbsp;`` in blank cells, wrapped
in the ``<p><span style=…>`` soup that Word-to-web editors produce. Pages may be GBK-encoded and
may declare a charset (often ``gb2312`` for GBK bytes) or none at all.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Literal

from .compose import Block, Heading, Para, Table, Title, compose, title_lines
from .layout import Cell, Grid
from .records import Report
from .style import Style, wrap_text

Encoding = Literal["utf-8", "gbk"]
_SPAN = '<span style="font-family:宋体;font-size:10.5pt">{}</span>'


def _cell_html(cell: Cell, style: Style) -> str:
    if cell.vertical and style.vertical_labels:
        return "<br/>".join(escape(ch) for ch in cell.text)
    if cell.wrap and style.wrap_labels and len(cell.text) > 14:
        return "<br/>".join(escape(part) for part in wrap_text(cell.text, 14))
    return escape(cell.text) if cell.text.strip() else "&nbsp;"


def grid_html(grid: Grid, style: Style) -> str:
    """One table: each cell where it starts, with its spans, as the template merges them."""
    out = ['<table border="1" cellspacing="0" cellpadding="0" width="600" align="center" '
           'style="border-collapse:collapse;border:none"><tbody>']
    for row in grid.rows:
        out.append("<tr>")
        for cell in row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            bg = ' bgcolor="#CCDDF2"' if cell.kind == "section" else ""
            align = "left" if cell.kind in ("label", "section") and not cell.vertical else "center"
            out.append(f'<td{attrs}{bg} valign="middle" style="border:solid windowtext 1.0pt;padding:0 5.4pt">'
                       f'<p align="{align}">{_SPAN.format(_cell_html(cell, style))}</p></td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def html_text(report: Report, style: Style = Style(), charset: str | None = "utf-8") -> str:
    """The page as a string; ``charset`` is what the meta tag declares (None: no meta tag)."""
    title = "".join(title_lines(report, Style()))
    return blocks_html(compose(report, style), style, title, report["organization"],
                       f"{report['year'] + 1}-01-20", charset)


def blocks_html(blocks: list[Block], style: Style, title: str, organization: str, date: str,
                charset: str | None) -> str:
    """Any block list as a government site's article page."""
    org = escape(organization)
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Title):
            body.append('<p align="center" style="text-align:center"><strong><span style="font-size:'
                        f'18pt">{"<br/>".join(escape(line) for line in block.lines)}</span></strong></p>')
        elif isinstance(block, Heading):
            body.append(f'<p style="text-indent:2em"><strong>{escape(block.text)}</strong></p>')
        elif isinstance(block, Para):
            body.append(f'<p style="text-indent:2em">{escape(block.text)}</p>')
        elif isinstance(block, Table):
            if block.continued:
                body.append('<p style="page-break-before:always">&nbsp;</p>')
            body.append(grid_html(block.grid, style))
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
            if charset else "")
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{meta}<title>{escape(title)}_{org}</title>
<meta name="SiteName" content="{org}门户网站" />
<meta name="ColumnName" content="政府信息公开年报" />
<link rel="stylesheet" type="text/css" href="/images/style.css" />
<script type="text/javascript" src="/js/jquery.min.js"></script>
</head>
<body>
<div class="top"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/zwfw/">政务服务</a> | <a href="/hdjl/">互动交流</a></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; <a href="/zwgk/ndbg/">政府信息公开年报</a></div>
<div class="article">
<h1 class="article-title">{escape(title)}</h1>
<div class="article-info">发布时间：{date} &nbsp;&nbsp; 来源：{org} &nbsp;&nbsp; 浏览次数：<span id="hits">1024</span> &nbsp;&nbsp; 【<a href="javascript:window.print()">打印</a>】</div>
<div class="TRS_Editor"><div class="Custom_UnionStyle">
{chr(10).join(body)}
</div></div>
</div>
<div class="footer">主办：{org} &nbsp; 网站标识码：4108000001 &nbsp; 豫ICP备05003459号 &nbsp; 豫公网安备 41080202000001号</div>
</body>
</html>
"""


def write_html(
    report: Report,
    path: str | Path,
    style: Style = Style(),
    encoding: Encoding = "utf-8",
    meta_charset: bool = True,
    declared_charset: str | None = None,
) -> Path:
    """A report page. GBK pages declare ``gb2312`` as real sites do; ``meta_charset=False`` leaves
    the charset undeclared; ``declared_charset`` overrides what is declared (it may lie)."""
    charset = declared_charset or ("gb2312" if encoding == "gbk" else "utf-8")
    return _save(html_text(report, style, charset if meta_charset else None), path, encoding)


def _save(text: str, path: str | Path, encoding: str) -> Path:
    path = Path(path)
    path.write_bytes(text.encode(encoding, errors="xmlcharrefreplace"))
    return path
