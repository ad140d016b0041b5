"""Command-line splitting and option checks of pyvs-vsctl."""
import pytest

import pyvswitch  # noqa: F401
from pyvswitch.cli.vsctl import _parse_global
from pyvswitch.cli.vsctl_commands import parse_commands
from pyvswitch.cli.vsctl_context import VsctlError


def words(line):
    opts, rest = _parse_global(line.split(), "pyvs-vsctl")
    return opts, parse_commands(rest, opts.first_command_options)


def test_commands_split_on_double_dash_with_their_options():
    _, cmds = words("--may-exist add-br br0 -- --if-exists del-port p0 -- "
                    "--columns=name list bridge")
    assert [c.spec.name for c in cmds] == ["add-br", "del-port", "list"]
    assert cmds[0].options == {"--may-exist": None}
    assert cmds[1].options == {"--if-exists": None}
    assert cmds[2].options == {"--columns": "name"}
    assert cmds[2].args == ["bridge"]


def test_global_options():
    opts, _ = words("--no-wait --dry-run -t 5 -f csv -d bare --oneline list-br")
    assert (opts.wait, opts.dry_run, opts.timeout, opts.oneline) == \
        (False, True, 5, True)
    assert (opts.style.format, opts.style.data) == ("csv", "bare")
    opts, _ = words("--bare list-br")
    assert (opts.style.format, opts.style.data, opts.style.headings) == \
        ("list", "bare", False)


@pytest.mark.parametrize("line,message", [
    ("", "missing command name (use --help for help)"),
    ("--may-exist", "missing command name (use --help for help)"),
    ("frob", "unknown command 'frob'; use --help for help"),
    ("add-br", "'add-br' command requires at least 1 arguments"),
    ("add-br a b c d", "'add-br' command takes at most 3 arguments"),
    ("--may-exist list-br", "'list-br' command has no '--may-exist' option"),
    ("-- --if-exists --if-exists del-br x",
     "'--if-exists' option specified multiple times"),
    ("--fake=3 list-br", "option '--fake' doesn't allow an argument"),
    ("--nosuch list-br", "unrecognized option '--nosuch'"),
    ("-x list-br", "invalid option -- 'x'"),
    ("-f foo list-br", 'unknown output format "foo"'),
    ("-d foo list-br", 'unknown data format "foo"'),
    ("-t -1 list-br", "value -1 on -t or --timeout is invalid"),
    ("-- --id list bridge", "'list' command has no '--id' option"),
    ("-- --columns list bridge",
     "missing argument to '--columns' option on 'list' command"),
])
def test_errors(line, message):
    with pytest.raises(VsctlError) as info:
        words(line)
    assert str(info.value) == message
