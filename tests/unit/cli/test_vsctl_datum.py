"""ovs-vsctl value syntax: parsing, constraint errors and rendering."""
import uuid

import pytest
from ovs.db import types

import pyvswitch  # noqa: F401
from pyvswitch.cli import vsctl_datum as vd


def _type(json):
    return types.Type.from_json(json)


STRING = _type("string")
OPT_TAG = _type({"key": {"type": "integer", "minInteger": 0,
                         "maxInteger": 4095}, "min": 0, "max": 1})
VLANS = _type({"key": {"type": "integer", "minInteger": 0,
                       "maxInteger": 4095}, "min": 0, "max": 4096})
SMAP = _type({"key": "string", "value": "string", "min": 0,
              "max": "unlimited"})
FAIL_MODE = _type({"key": {"type": "string",
                           "enum": ["set", ["standalone", "secure"]]},
                   "min": 0, "max": 1})
PORT_REFS = _type({"key": {"type": "uuid", "refTable": "Port"}, "min": 0,
                   "max": "unlimited"})


def parse(text, type_):
    return vd.datum_to_string(vd.datum_from_string(text, type_))


@pytest.mark.parametrize("text,type_,want", [
    ("1-3,7", VLANS, "[1, 2, 3, 7]"),
    ("[1 2,3]", VLANS, "[1, 2, 3]"),
    ("[]", VLANS, "[]"),
    ("+3", OPT_TAG, "3"),
    (" { a = b } ", SMAP, "{a=b}"),
    ('a=b,c="x y"', SMAP, '{a=b, c="x y"}'),
    ('"a"="x\\ny"', SMAP, '{a="x\\ny"}'),
    ("[a]", STRING, "a"),
    ("a,", STRING, "a"),
    ('""', STRING, '""'),
    ("a;b", STRING, '"a;b"'),
    ("true", STRING, '"true"'),
    ("br0", STRING, "br0"),
])
def test_accepted_values_round_trip(text, type_, want):
    assert parse(text, type_) == want


@pytest.mark.parametrize("text,type_,message", [
    ("{1}", VLANS, '{1}: unexpected "{" parsing set of up to 4096 integers'),
    ("1,1", VLANS, "1,1: set contains duplicate value"),
    ("5-3", VLANS, '"5-3" is not a valid range. Range end cannot be before '
                   'start.'),
    ("1-4097", VLANS, "constraint violation: 4097 is not in the valid range "
                      "0 to 4095 (inclusive)"),
    ("0x10", OPT_TAG, '"0x10" is not a valid integer or range'),
    ("1-2", OPT_TAG, "1-2: 2 value(s) specified but the maximum number is 1"),
    ("a b", SMAP, 'a b: syntax error at "b" expecting "="'),
    ("a", SMAP, 'a: syntax error at "'),
    ("a=b,,c=d", SMAP, 'a=b,,c=d: unexpected "," parsing map of (string, '
                       'string) pairs'),
    ("a=b,a=c", SMAP, "a=b,a=c: map contains duplicate key"),
    ("{a=b", SMAP, '{a=b: missing "}" at end of data'),
    ("[a]x", STRING, '[a]x: trailing garbage after "]"'),
    ("a b", STRING, "a b: 2 value(s) specified but the maximum number is 1"),
    ("[]", STRING, "[]: 0 value(s) specified but the minimum number is 1"),
    ("a:b", STRING, 'a:b: unexpected ":" parsing string'),
    ('"a\\q"', STRING, '"a\\q": bad escape \\q'),
    ('a"b', STRING, 'a"b: quoted string extends past end of argument'),
    ('"a"b', STRING, '"a"b: missing quote at end of quoted string'),
    ("bogus", FAIL_MODE, "constraint violation: bogus is not one of the "
                         "allowed values ([secure, standalone])"),
    ("abc", PORT_REFS, '"abc" is not a valid UUID'),
])
def test_rejected_values_report_ovs_vsctl_messages(text, type_, message):
    with pytest.raises(vd.ValueSyntaxError) as info:
        vd.datum_from_string(text, type_)
    assert str(info.value) == message


def test_empty_string_needs_quotes():
    with pytest.raises(vd.ValueSyntaxError, match="use \"\" to represent"):
        vd.datum_from_string("a=", SMAP)


def test_named_uuids_resolve_through_callback():
    seen = []
    fixed = uuid.UUID(int=7)

    def resolve(name, base):
        seen.append((name, base.ref_table_name))
        return fixed
    datum = vd.datum_from_string("@p", PORT_REFS, resolve)
    assert seen == [("@p", "Port")]
    assert vd.datum_to_string(datum) == "[%s]" % fixed


def test_single_atom_path_keeps_spaces_and_equals():
    atom = vd.atom_from_string("b=c d", SMAP.value)
    assert atom.value == "b=c d"


def test_bare_and_json_rendering():
    datum = vd.datum_from_string('a="x y",b=1', SMAP)
    assert vd.datum_to_cell(datum, "bare") == "a=x y b=1"
    assert vd.datum_to_cell(datum, "json") == \
        '["map",[["a","x y"],["b","1"]]]'
    tag = vd.datum_from_string("5", OPT_TAG)
    assert vd.datum_to_cell(tag, "json") == "5"
    assert vd.datum_to_cell(vd.datum_from_string("[]", OPT_TAG), "json") == \
        '["set",[]]'


def test_pretty_json_matches_ovs_layout():
    text = vd.json_to_text({"headings": ["a"], "data": [["x"]]}, pretty=True)
    assert text == ('{\n  "data": [\n    [\n      "x"]],\n'
                    '  "headings": [\n    "a"]}')


def test_defaults():
    assert vd.is_default(vd.default_datum(_type("boolean")))
    assert not vd.is_default(vd.datum_from_string("internal", STRING))
    assert vd.is_default(vd.datum_from_string("[]", OPT_TAG))
