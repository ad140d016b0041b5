"""Table output of the `list` and `find` commands, in ovs-vsctl's formats.

A Table is headings plus rows of cells; a cell is either a python-ovs Datum
(rendered per the --data format, or as RFC 7047 JSON in json output) or a
plain string.  `render` turns a table into the exact text ovs-vsctl prints
for --format=list|table|csv|json|html, honouring --no-headings, --pretty and
--max-column-width.  Pure: no I/O.
"""
import re
from dataclasses import dataclass, field

from pyvswitch.cli.vsctl_datum import datum_to_cell, datum_to_json, json_to_text

FORMATS = ("list", "table", "html", "csv", "json")
DATA_FORMATS = ("string", "bare", "json")

_UUID_IN_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                           r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


@dataclass
class TableStyle:
    format: str = "list"
    data: str = "string"
    headings: bool = True
    pretty: bool = False
    max_column_width: int = 0


@dataclass
class Table:
    headings: list
    rows: list = field(default_factory=list)


def _cell_text(cell, style):
    if isinstance(cell, str):
        return cell
    return datum_to_cell(cell, style.data)


def _render_list(table, style):
    blocks = []
    for row in table.rows:
        lines = []
        for heading, cell in zip(table.headings, row):
            text = _cell_text(cell, style)
            lines.append("%-20s: %s" % (heading, text) if style.headings
                         else text)
        blocks.append("".join(line + "\n" for line in lines))
    return "\n".join(blocks)


def _render_table(table, style):
    texts = [[_cell_text(cell, style) for cell in row] for row in table.rows]
    limit = style.max_column_width
    if limit:
        caps = [max(limit, len(h)) if style.headings else limit
                for h in table.headings]
        texts = [[text[:cap] for text, cap in zip(row, caps)]
                 for row in texts]
    widths = []
    for i, heading in enumerate(table.headings):
        width = max([len(row[i]) for row in texts] or [0])
        if style.headings:
            width = max(width, len(heading))
        widths.append(width)

    def line(cells):
        return " ".join("%-*s" % (w, c) for w, c in zip(widths, cells)).rstrip() + "\n"

    out = []
    if style.headings:
        out.append(line(table.headings))
        out.append(line(["-" * w for w in widths]))
    out.extend(line(row) for row in texts)
    return "".join(out)


def _csv_field(text):
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _render_csv(table, style):
    out = []
    if style.headings:
        out.append(",".join(_csv_field(h) for h in table.headings) + "\n")
    for row in table.rows:
        out.append(",".join(_csv_field(_cell_text(c, style)) for c in row)
                   + "\n")
    return "".join(out)


def _html_escape(text):
    return "".join(_HTML_ESCAPES.get(ch, ch) for ch in text)


def _html_cell(heading, text):
    if heading == "_uuid":
        return '<a name="%s">%s</a>' % (_html_escape(text),
                                        _html_escape(text[:8]))
    out = []
    pos = 0
    for match in _UUID_IN_TEXT.finditer(text):
        out.append(_html_escape(text[pos:match.start()]))
        out.append('<a href="#%s">%s</a>' % (match.group(0),
                                             match.group(0)[:8]))
        pos = match.end()
    out.append(_html_escape(text[pos:]))
    return "".join(out)


def _render_html(table, style):
    out = ["<table border=1>\n"]
    if style.headings:
        out.append("  <tr>\n")
        out.extend("    <th>%s</th>\n" % _html_escape(h)
                   for h in table.headings)
        out.append("  </tr>\n")
    for row in table.rows:
        out.append("  <tr>\n")
        for heading, cell in zip(table.headings, row):
            out.append("    <td>%s</td>\n"
                       % _html_cell(heading, _cell_text(cell, style)))
        out.append("  </tr>\n")
    out.append("</table>\n")
    return "".join(out)


def _render_json(table, style):
    data = [[cell if isinstance(cell, str) else datum_to_json(cell)
             for cell in row] for row in table.rows]
    document = {"headings": list(table.headings), "data": data}
    return json_to_text(document, pretty=style.pretty) + "\n"


_RENDERERS = {"list": _render_list, "table": _render_table,
              "csv": _render_csv, "html": _render_html, "json": _render_json}


def render(table, style):
    """The full text ovs-vsctl prints for `table` in `style`."""
    return _RENDERERS[style.format](table, style)
