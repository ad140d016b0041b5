"""fdb/* unixctl commands: replies and errors worded like ovs-vswitchd 3.1."""
import ovs.unixctl
import pytest

from pyvswitch.ofproto.bridge import LOCAL
from pyvswitch.ofproto.commands import register_unixctl_commands
from tests.unit.ofproto.fakeswitch import Switch, eth

FDB_COMMANDS = ("fdb/show", "fdb/flush", "fdb/stats-show", "fdb/stats-clear")


class Reply:
    def __init__(self):
        self.text = self.error = None

    def reply(self, text):
        self.text = text

    def reply_error(self, text):
        self.error = text


@pytest.fixture
def fdb():
    """Runs an fdb/* command against the bridges in `fdb.bridges`."""
    saved = {name: ovs.unixctl.commands.pop(name) for name in FDB_COMMANDS
             if name in ovs.unixctl.commands}
    bridges = {}
    register_unixctl_commands(lambda: bridges)

    def run(*argv):
        command = ovs.unixctl.commands[argv[0]]
        assert command.min_args <= len(argv) - 1 <= command.max_args
        conn = Reply()
        command.callback(conn, list(argv[1:]), command.aux)
        return conn

    run.bridges = bridges
    yield run
    for name in FDB_COMMANDS:
        ovs.unixctl.commands.pop(name, None)
    ovs.unixctl.commands.update(saved)


def test_show_lists_entries_oldest_first_with_ages(fdb):
    sw = Switch()
    fdb.bridges["br0"] = sw.bridge
    sw.send(3, eth("50:54:00:00:00:01", "ff:ff:ff:ff:ff:ff"))
    sw.clock.now += 7
    sw.send(LOCAL, eth("50:54:00:00:00:02", "ff:ff:ff:ff:ff:ff", vid=4095))
    sw.clock.now += 2.5
    assert fdb("fdb/show", "br0").text == (" port  VLAN  MAC                Age\n"
                                           "    3     0  50:54:00:00:00:01    9\n"
                                           "LOCAL  4095  50:54:00:00:00:02    2\n")


def test_flush_one_bridge_or_all(fdb):
    sw1, sw2 = Switch(), Switch()
    fdb.bridges.update(br1=sw1.bridge, br2=sw2.bridge)
    for sw in (sw1, sw2):
        sw.send(1, eth("50:54:00:00:00:01", "ff:ff:ff:ff:ff:ff"))
    assert fdb("fdb/flush", "br1").text == "table successfully flushed"
    assert (len(sw1.bridge.mac_entries()), len(sw2.bridge.mac_entries())) == (0, 1)
    assert fdb("fdb/flush").text == "table successfully flushed"
    assert len(sw2.bridge.mac_entries()) == 0


def test_stats_show_and_clear(fdb):
    sw = Switch()
    fdb.bridges["br0"] = sw.bridge
    sw.send(1, eth("50:54:00:00:00:01", "ff:ff:ff:ff:ff:ff"))
    sw.send(2, eth("50:54:00:00:00:01", "ff:ff:ff:ff:ff:ff"))
    sw.send(2, eth("50:54:00:00:00:02", "ff:ff:ff:ff:ff:ff"))
    sw.clock.now += 300
    assert fdb("fdb/stats-show", "br0").text == (
        'Statistics for bridge "br0":\n'
        "  Current/maximum MAC entries in the table: 0/8192\n"
        "  Current static MAC entries in the table : 0\n"
        "  Total number of learned MAC entries     : 2\n"
        "  Total number of expired MAC entries     : 2\n"
        "  Total number of evicted MAC entries     : 0\n"
        "  Total number of port moved MAC entries  : 1\n")
    assert fdb("fdb/stats-clear", "br0").text == "statistics successfully cleared"
    assert "learned MAC entries     : 0\n" in fdb("fdb/stats-show", "br0").text


@pytest.mark.parametrize("argv", [("fdb/show", "br9"), ("fdb/flush", "br9"),
                                  ("fdb/stats-show", "br9"), ("fdb/stats-clear", "br9")])
def test_unknown_bridge(fdb, argv):
    fdb.bridges["br0"] = Switch().bridge
    reply = fdb(*argv)
    assert (reply.text, reply.error) == (None, "no such bridge")
