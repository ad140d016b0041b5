"""Text codec for OVSDB values as ovs-vsctl reads and prints them.

Owns the command-line value syntax of ovs-vsctl(8) "Database Values": atoms
(integers, reals, booleans, strings with optional JSON quoting, UUIDs or
@names), sets written bare or inside [...], maps of key=value pairs written
bare or inside {...}, integer ranges "a-b", and the three cell renderings
(string, bare, json).  Everything here is pure: text and python-ovs types flow
in, python-ovs Datum/Atom objects or text flow out, and malformed input raises
ValueSyntaxError carrying ovs-vsctl's exact message.

Named UUIDs ("@name") are resolved through a callback resolve(name, base)
supplied by the caller, so this module never sees the symbol table.
"""
import re
import uuid as uuidlib

from ovs.db import types
from ovs.db.data import Atom, Datum


class ValueSyntaxError(Exception):
    """A value, column or key argument that ovs-vsctl would reject."""


_TOKEN_DELIMITERS = frozenset(",:=[]{}")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+\Z")
_RANGE_RE = re.compile(r"([+-]?[0-9]+)-([+-]?[0-9]+)\Z")
_REAL_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z"
                      r"|[+-]?(inf|infinity|nan)\Z", re.IGNORECASE)
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_BARE_STRING_RE = re.compile(r"[A-Za-z_][-A-Za-z0-9_.]*\Z")
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1
_MAX_RANGE_ELEMENTS = 4096
_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f",
                 "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_JSON_UNESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f",
                   "n": "\n", "r": "\r", "t": "\t"}


def is_uuid(text):
    return bool(_UUID_RE.match(text))


# ---------------------------------------------------------------- tokens --

def read_token(text, pos, extra_delimiters=""):
    """Reads one token starting at `pos`; returns (token, end).

    A token runs up to whitespace or a delimiter outside double quotes; the
    quotes stay in the token so that `atom_from_token` can tell "true" from
    true.  An empty token is possible (the caller reports it)."""
    start = pos
    in_quotes = False
    length = len(text)
    while pos < length:
        ch = text[pos]
        if in_quotes:
            if ch == "\\":
                pos += 1
            elif ch == '"':
                in_quotes = False
        elif ch == '"':
            in_quotes = True
        elif ch.isspace() or ch in _TOKEN_DELIMITERS or ch in extra_delimiters:
            break
        pos += 1
    if in_quotes:
        raise ValueSyntaxError(
            "%s: quoted string extends past end of argument" % text[start:])
    return text[start:pos], pos


def json_unquote(token):
    """Decodes a token written as a JSON string literal (quotes included)."""
    if len(token) < 2 or not token.endswith('"'):
        raise ValueSyntaxError(
            "%s: missing quote at end of quoted string" % token)
    out = []
    body = token[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == '"':
            raise ValueSyntaxError(
                "%s: missing quote at end of quoted string" % token)
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1:i + 2]
        if esc in _JSON_UNESCAPES:
            out.append(_JSON_UNESCAPES[esc])
            i += 2
        elif esc == "u" and re.match(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        else:
            raise ValueSyntaxError("%s: bad escape \\%s" % (token, esc))
    return "".join(out)


def json_quote(text):
    """Serialises a string exactly as OVS's JSON writer does."""
    out = ['"']
    for ch in text:
        if ch in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[ch])
        elif ch < " ":
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ----------------------------------------------------------------- atoms --

def _integer(text):
    if _INTEGER_RE.match(text):
        value = int(text)
        if _INT64_MIN <= value <= _INT64_MAX:
            return value
    return None


def atoms_from_token(token, base, resolve_symbol=None, allow_range=False):
    """Parses one token as atoms of `base` (a list: a range yields several)."""
    atype = base.type
    if atype == types.IntegerType:
        value = _integer(token)
        if value is not None:
            values = [value]
        else:
            match = _RANGE_RE.match(token) if allow_range else None
            first = _integer(match.group(1)) if match else None
            last = _integer(match.group(2)) if match else None
            if first is None or last is None:
                raise ValueSyntaxError(
                    '"%s" is not a valid integer or range' % token)
            if last < first:
                raise ValueSyntaxError(
                    '"%s" is not a valid range. Range end cannot be before '
                    'start.' % token)
            check_atom_constraints(Atom(atype, first), base)
            check_atom_constraints(Atom(atype, last), base)
            values = range(first, last + 1)
        atoms = [Atom(atype, v) for v in values]
        if len(atoms) > _MAX_RANGE_ELEMENTS:
            raise ValueSyntaxError(
                '"%s" is not a valid range. Range size cannot exceed %d.'
                % (token, _MAX_RANGE_ELEMENTS))
    elif atype == types.RealType:
        if not _REAL_RE.match(token):
            raise ValueSyntaxError('"%s" is not a valid real number' % token)
        atoms = [Atom(atype, float(token))]
    elif atype == types.BooleanType:
        if token not in ("true", "false"):
            raise ValueSyntaxError(
                '"%s" is not a valid boolean (use "true" or "false")' % token)
        atoms = [Atom(atype, token == "true")]
    elif atype == types.StringType:
        if not token:
            raise ValueSyntaxError(
                'An empty string is not valid as input; use "" to represent '
                'the empty string')
        atoms = [Atom(atype, json_unquote(token) if token[0] == '"'
                      else token)]
    else:
        if token.startswith("@") and resolve_symbol is not None:
            atoms = [Atom(atype, resolve_symbol(token, base))]
        elif _UUID_RE.match(token):
            atoms = [Atom(atype, uuidlib.UUID(token))]
        else:
            raise ValueSyntaxError('"%s" is not a valid UUID' % token)
    for atom in atoms:
        check_atom_constraints(atom, base)
    return atoms


def atom_from_string(text, base, resolve_symbol=None):
    """Parses a whole argument as a single atom (the `col:key=value` case)."""
    if base.type == types.StringType and text and text[0] != '"':
        atoms = [Atom(types.StringType, text)]
        check_atom_constraints(atoms[0], base)
    else:
        atoms = atoms_from_token(text.strip() if base.type != types.StringType
                                 else text, base, resolve_symbol)
    return atoms[0]


def _number_text(value):
    return "%.15g" % value if isinstance(value, float) else "%d" % value


def check_atom_constraints(atom, base):
    problem = None
    if base.enum is not None and atom not in base.enum.values:
        problem = "%s is not one of the allowed values (%s)" % (
            atom_to_string(atom), datum_to_string(base.enum))
    elif base.type in (types.IntegerType, types.RealType):
        low, high, value = base.min, base.max, atom.value
        if base.type == types.IntegerType:
            low = None if low is None else int(low)
            high = None if high is None else int(high)
        text = atom_to_string(atom)
        if (low is None or value >= low) and (high is None or value <= high):
            pass
        elif low is not None and high is not None:
            problem = "%s is not in the valid range %s to %s (inclusive)" % (
                text, _number_text(low), _number_text(high))
        elif low is not None:
            problem = "%s is less than minimum allowed value %s" % (
                text, _number_text(low))
        else:
            problem = "%s is greater than maximum allowed value %s" % (
                text, _number_text(high))
    elif base.type == types.StringType:
        length = len(atom.value.encode("utf-8"))
        if length < base.min_length:
            problem = '"%s" length %d is less than minimum allowed length %d' \
                % (atom.value, length, base.min_length)
        elif length > base.max_length:
            problem = ('"%s" length %d is greater than maximum allowed length '
                       '%d' % (atom.value, length, base.max_length))
    if problem:
        raise ValueSyntaxError("constraint violation: " + problem)


# ---------------------------------------------------------------- datums --

def _base_english(base):
    if base.type == types.UuidType and base.ref_table_name:
        if base.ref_type == "weak":
            return "weak reference to " + base.ref_table_name
        return base.ref_table_name
    return base.type.to_string()


def type_to_english(type_):
    """Describes a column type in words, for parse errors."""
    key = _base_english(type_.key)
    value = _base_english(type_.value) if type_.value else None
    if type_.n_min == 1 and type_.n_max == 1:
        return key
    if type_.n_min == 0 and type_.n_max == 1:
        if value:
            return "optional %s-%s pair" % (key, value)
        return "optional %s" % key
    if type_.n_max >= 2 ** 31 - 1:
        quantity = "%d or more " % type_.n_min if type_.n_min else ""
    elif type_.n_min:
        quantity = "%d to %d " % (type_.n_min, type_.n_max)
    else:
        quantity = "up to %d " % type_.n_max
    if value:
        return "map of %s(%s, %s) pairs" % (quantity, key, value)
    plural = key + ("es" if key.lower().endswith("s") else "s")
    return "set of %s%s" % (quantity, plural)


def _skip_spaces(text, pos):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def datum_from_string(text, type_, resolve_symbol=None):
    """Parses a whole value argument into a Datum of `type_`."""
    is_map = type_.is_map()
    opener, closer = ("{", "}") if is_map else ("[", "]")
    pos = _skip_spaces(text, 0)
    enclosed = pos < len(text) and text[pos] == opener
    if enclosed:
        pos += 1
    values = {}
    duplicates = False
    count = 0
    while True:
        pos = _skip_spaces(text, pos)
        if pos >= len(text) or (enclosed and text[pos] == closer):
            break
        if text[pos] in _TOKEN_DELIMITERS:
            raise ValueSyntaxError('%s: unexpected "%s" parsing %s'
                                   % (text, text[pos], type_to_english(type_)))
        elem_start = pos
        token, pos = read_token(text, pos)
        keys = atoms_from_token(token, type_.key, resolve_symbol,
                                allow_range=not is_map)
        value = None
        if is_map:
            pos = _skip_spaces(text, pos)
            if pos >= len(text) or text[pos] != "=":
                rest = text[elem_start:]
                if pos >= len(text):
                    raise ValueSyntaxError('%s: syntax error at "' % rest)
                raise ValueSyntaxError('%s: syntax error at "%s" expecting "="'
                                       % (rest, text[pos]))
            pos = _skip_spaces(text, pos + 1)
            token, pos = read_token(text, pos)
            value = atoms_from_token(token, type_.value, resolve_symbol)[0]
        for key in keys:
            count += 1
            if key in values:
                duplicates = True
            values[key] = value
        pos = _skip_spaces(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_spaces(text, pos + 1)
    if enclosed:
        if pos >= len(text):
            raise ValueSyntaxError('%s: missing "%s" at end of data'
                                   % (text, closer))
        pos = _skip_spaces(text, pos + 1)
        if pos < len(text):
            raise ValueSyntaxError('%s: trailing garbage after "%s"'
                                   % (text, closer))
    if duplicates:
        raise ValueSyntaxError("%s: %s" % (
            text, "map contains duplicate key" if is_map
            else "set contains duplicate value"))
    if count < type_.n_min:
        raise ValueSyntaxError(
            "%s: %d value(s) specified but the minimum number is %d"
            % (text, count, type_.n_min))
    if count > type_.n_max:
        raise ValueSyntaxError(
            "%s: %d value(s) specified but the maximum number is %d"
            % (text, count, type_.n_max))
    return Datum(type_, values)


# ------------------------------------------------------------- rendering --

def string_needs_quotes(text):
    return (not _BARE_STRING_RE.match(text) or text in ("true", "false")
            or is_uuid(text))


def atom_to_string(atom):
    atype = atom.type
    if atype == types.StringType:
        value = atom.value
        return json_quote(value) if string_needs_quotes(value) else value
    if atype == types.IntegerType:
        return "%d" % atom.value
    if atype == types.RealType:
        return "%.15g" % atom.value
    if atype == types.BooleanType:
        return "true" if atom.value else "false"
    return str(atom.value)


def atom_to_bare(atom):
    if atom.type == types.StringType:
        return atom.value
    return atom_to_string(atom)


def datum_to_string(datum):
    type_ = datum.type
    parts = []
    for key in sorted(datum.values):
        text = atom_to_string(key)
        if type_.is_map():
            text += "=" + atom_to_string(datum.values[key])
        parts.append(text)
    body = ", ".join(parts)
    if type_.n_max > 1 or not parts:
        return ("{%s}" if type_.is_map() else "[%s]") % body
    return body


def datum_to_bare(datum):
    parts = []
    for key in sorted(datum.values):
        text = atom_to_bare(key)
        if datum.type.is_map():
            text += "=" + atom_to_bare(datum.values[key])
        parts.append(text)
    return " ".join(parts)


def atom_to_json(atom):
    if atom.type == types.UuidType:
        return ["uuid", str(atom.value)]
    return atom.value


def datum_to_json(datum):
    """The RFC 7047 JSON form of a datum (python lists/strings/numbers)."""
    type_ = datum.type
    keys = sorted(datum.values)
    if type_.is_map():
        return ["map", [[atom_to_json(k), atom_to_json(datum.values[k])]
                        for k in keys]]
    if len(keys) == 1:
        return atom_to_json(keys[0])
    return ["set", [atom_to_json(k) for k in keys]]


def json_to_text(value, pretty=False, _depth=0):
    """Serialises python JSON data the way OVS's JSON writer does."""
    if isinstance(value, str):
        return json_quote(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return "%.17g" % value
    if isinstance(value, int):
        return "%d" % value
    if isinstance(value, dict):
        items = sorted(value.items())
        if not items:
            return "{}"
        indent = "\n" + "  " * (_depth + 1) if pretty else ""
        sep = ": " if pretty else ":"
        return "{" + ",".join(
            indent + json_quote(k) + sep + json_to_text(v, pretty, _depth + 1)
            for k, v in items) + "}"
    if not value:
        return "[]"
    indent = "\n" + "  " * (_depth + 1) if pretty else ""
    return "[" + ",".join(indent + json_to_text(v, pretty, _depth + 1)
                          for v in value) + "]"


_ATOM_DEFAULTS = {"integer": 0, "real": 0.0, "boolean": False, "string": "",
                  "uuid": uuidlib.UUID(int=0)}


def default_datum(type_):
    """The value a column of `type_` has in a newly inserted row."""
    if type_.n_min == 0:
        return Datum(type_, {})
    key = Atom(type_.key.type, _ATOM_DEFAULTS[type_.key.type.to_string()])
    value = None
    if type_.value is not None:
        value = Atom(type_.value.type,
                     _ATOM_DEFAULTS[type_.value.type.to_string()])
    return Datum(type_, {key: value})


def is_default(datum):
    """True if `datum` holds its type's default value."""
    type_ = datum.type
    if type_.n_min == 0:
        return not datum.values
    want = _ATOM_DEFAULTS[type_.key.type.to_string()]
    return all(k.value == want for k in datum.values)


def datum_to_cell(datum, data_format):
    """Renders a datum for a table cell in string, bare or json format."""
    if data_format == "bare":
        return datum_to_bare(datum)
    if data_format == "json":
        return json_to_text(datum_to_json(datum))
    return datum_to_string(datum)
