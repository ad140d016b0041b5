"""OpenFlow port numbering of pyvswitchd's bridge layer (pure)."""
from pyvswitch.vswitchd.ofports import LOCAL, OfportTable


def test_local_port_requests_and_lowest_free():
    table = OfportTable("br0")
    assert table.plan({"br0": None, "a": None, "b": 7, "c": None}) == \
        {"br0": LOCAL, "a": 1, "b": 7, "c": 2}


def test_numbers_are_stable_and_freed_numbers_reused():
    table = OfportTable("br0")
    table.plan({"a": None, "b": None, "c": None})
    table.release("b")
    assert table.plan({"a": None, "c": None, "d": None}) == {"a": 1, "c": 3, "d": 2}


def test_request_taken_by_existing_port_falls_back_and_changed_request_moves():
    table = OfportTable("br0")
    table.plan({"a": None})
    assert table.plan({"a": None, "b": 1})["b"] == 2
    assert table.plan({"a": None, "b": 9}) == {"a": 1, "b": 9}
    # Requests out of range (0, >65279) are ignored.
    assert table.plan({"a": None, "b": 9, "c": 65280, "d": 0}) == {"a": 1, "b": 9, "c": 2, "d": 3}


def test_new_request_beats_automatic_numbers_in_the_same_batch():
    table = OfportTable("br0")
    assert table.plan({"a": None, "z": 1}) == {"a": 2, "z": 1}


def test_hints_from_the_database_are_reused_when_free():
    table = OfportTable("br0")
    assert table.plan({"a": None, "b": None}, {"a": 2, "b": 2}) == {"a": 2, "b": 1}
    # A hint never moves an interface that already has a number.
    assert table.plan({"a": None, "b": None, "c": None}, {"b": 7, "c": 7}) == {"a": 2, "b": 1, "c": 7}
