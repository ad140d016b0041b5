"""pyvs-ofctl's command line: the flow-table options, their errors, and --help."""
import pytest

from pyvswitch import fields as F
from pyvswitch.cli import flow_sort, ofctl
from pyvswitch.ofproto.protocol.versions import OFP10, OFP13, OFP14, OFP15


def parse(*argv):
    return ofctl.parse_options(list(argv))


def test_defaults():
    options, arguments = parse("dump-flows", "br0")
    assert arguments == ["dump-flows", "br0"]
    assert (options.versions, options.strict, options.bundle, options.show_stats,
            options.names, options.sort) == (frozenset({OFP10}), False, False, True, None, [])
    assert options.accept_names


def test_flags_anywhere_on_the_line():
    options, arguments = parse("del-flows", "br0", "--strict", "--no-stats", "--no-names",
                               "in_port=1", "--readd")
    assert arguments == ["del-flows", "br0", "in_port=1"]
    assert (options.strict, options.show_stats, options.names, options.readd) == (
        True, False, False, True)
    assert not options.accept_names and not options.show_names


def test_names_forces_names_on():
    assert parse("--names", "dump-flows", "br0")[0].show_names


def test_sort_options_with_and_without_field_keep_their_order():
    options, arguments = parse("--sort", "dump-flows", "--rsort=tcp_dst", "br0",
                               "--sort=priority")
    assert arguments == ["dump-flows", "br0"]
    assert options.sort == [flow_sort.SortCriterion(None, False),
                            flow_sort.SortCriterion(F.field("tcp_dst").name, True),
                            flow_sort.SortCriterion(None, False)]


def test_sort_after_double_dash_is_an_argument():
    assert parse("dump-flows", "--", "--sort")[1] == ["dump-flows", "--sort"]


def test_unknown_sort_field():
    with pytest.raises(ofctl.OfctlError, match="^foo: unknown field name$"):
        parse("--sort=foo", "dump-flows", "br0")


@pytest.mark.parametrize("argv, versions", [
    (["--bundle"], {OFP14}),                                 # stock: HELLO OF1.4 only
    (["-O", "OpenFlow10", "--bundle"], {OFP14}),
    (["-O", "OpenFlow13", "--bundle"], {OFP13}),
    (["-O", "OpenFlow10,OpenFlow15", "--bundle"], {OFP15}),
])
def test_bundle_needs_openflow13_or_later(argv, versions):
    assert parse(*argv, "add-flow", "br0", "actions=drop")[0].versions == frozenset(versions)


def test_help_lists_the_flow_commands(capsys):
    with pytest.raises(SystemExit):
        parse("--help")
    text = capsys.readouterr().out
    for line in ("  dump-flows SWITCH FLOW      print matching FLOWs\n",
                 "  add-flows SWITCH FILE       add flows from FILE\n",
                 "  del-flows SWITCH [FLOW]     delete matching FLOWs\n",
                 "  replace-flows SWITCH FILE   replace flows with those in FILE\n",
                 "  diff-flows SOURCE1 SOURCE2  compare flows from two sources\n",
                 "  --strict                    use strict match for flow commands\n",
                 "  --sort[=field]              sort in ascending order\n"):
        assert line in text


def test_every_listed_command_exists():
    for name in ("dump-flows", "dump-aggregate", "add-flow", "add-flows", "mod-flows",
                 "del-flows", "replace-flows", "diff-flows", "parse-flow", "parse-flows"):
        assert name in ofctl.COMMANDS
