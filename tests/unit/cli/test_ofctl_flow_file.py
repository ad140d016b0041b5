"""Flow files read as ovs-ofctl 3.1 reads them (checked with `ovs-ofctl parse-flows`)."""
import io

import pytest

from pyvswitch.cli import flow_file


def test_comments_blank_lines_and_white_space():
    text = ("# comment\n\n   in_port=1,actions=drop  # trailing\n\t  \n"
            "ip,nw_src=1.2.3.4 actions=output:2#x\n")
    assert list(flow_file.flow_lines(io.StringIO(text))) == [
        (3, "in_port=1,actions=drop"), (5, "ip,nw_src=1.2.3.4 actions=output:2")]


def test_a_trailing_backslash_does_not_continue_the_line():
    # Stock 3.1 reports "pre.txt:1: must specify an action" for this file: no continuation.
    text = "in_port=2,\\\nactions=drop\n"
    assert list(flow_file.flow_lines(io.StringIO(text))) == [
        (1, "in_port=2,\\"), (2, "actions=drop")]


def test_last_line_without_newline():
    assert list(flow_file.flow_lines(io.StringIO("a\nb"))) == [(1, "a"), (2, "b")]


def test_dash_reads_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("x=1\n#\ny=2\n"))
    assert flow_file.read_flow_file("-") == [(1, "x=1"), (3, "y=2")]


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        flow_file.read_flow_file(str(tmp_path / "nonexistent"))
