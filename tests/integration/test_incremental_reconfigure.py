"""pyvswitchd reconfigures only what changed: every kind of database change still
reaches the running switch, and the work of an add-port does not grow with the
number of ports (only the new port's device is queried for its status).
"""
import re
import time

import pytest

from tests.harness import Daemon


@pytest.fixture
def switch():
    with Daemon() as daemon:
        yield daemon


def get(daemon, table, record, column):
    return daemon.vsctl("get", table, record, column).stdout.strip()


def ofctl_ports(daemon, bridge):
    """{name: OpenFlow number} as `ovs-ofctl show` lists them (LOCAL left out)."""
    show = daemon.run("ovs-ofctl", "show", bridge).stdout
    return {name: int(number) for number, name in re.findall(r"^ (\d+)\((\S+)\):", show, re.M)}


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_each_kind_of_change_reaches_the_switch(switch):
    switch.vsctl("add-br", "br0", "--", "add-br", "br1",
                 "--", "add-port", "br0", "a", "--", "add-port", "br0", "b",
                 "--", "add-port", "br0", "c", "--", "add-port", "br1", "d")
    assert ofctl_ports(switch, "br0") == {"a": 1, "b": 2, "c": 3}
    assert ofctl_ports(switch, "br1") == {"d": 1}

    # A new Interface row under an old name is a new interface.
    switch.vsctl("del-port", "a", "--", "add-port", "br0", "a",
                 "--", "set", "Interface", "a", "ofport_request=7")
    assert ofctl_ports(switch, "br0") == {"a": 7, "b": 2, "c": 3}

    # A port moves between bridges in one transaction.
    switch.vsctl("del-port", "b", "--", "add-port", "br1", "b")
    assert ofctl_ports(switch, "br0") == {"a": 7, "c": 3}
    assert ofctl_ports(switch, "br1") == {"b": 2, "d": 1}

    # A request for a taken number waits, then is met once the number is free.
    switch.vsctl("set", "Interface", "c", "ofport_request=7")
    assert get(switch, "Interface", "c", "ofport") == "3"
    switch.vsctl("set", "Interface", "a", "ofport_request=8")
    assert ofctl_ports(switch, "br0") == {"a": 8, "c": 7}
    assert get(switch, "Interface", "c", "ofport") == "7"

    # A changed device type reopens the interface; a port row change (VLAN tag) alone
    # keeps it attached.
    switch.vsctl("set", "Interface", "d", "type=internal", "--", "set", "Port", "b", "tag=10")
    assert get(switch, "Interface", "d", "error") == "[]"
    assert ofctl_ports(switch, "br1") == {"b": 2, "d": 1}
    assert "bridge br1: deleted interface d on port 1" in switch.log_text()
    assert "bridge br1: deleted interface b" not in switch.log_text()

    # A port listed by two bridges stays on the first by name, and goes to the
    # other as soon as the first lets it go.
    port_uuid = get(switch, "Port", "c", "_uuid")
    switch.vsctl("add", "Bridge", "br1", "ports", port_uuid)
    wait_until(lambda: "c interface is on multiple bridges" in switch.log_text())
    assert ofctl_ports(switch, "br1") == {"b": 2, "d": 1}
    switch.vsctl("remove", "Bridge", "br0", "ports", port_uuid)
    assert ofctl_ports(switch, "br0") == {"a": 8}
    assert ofctl_ports(switch, "br1") == {"b": 2, "c": 7, "d": 1}

    # Bridge settings alone, then a whole bridge going away.
    switch.vsctl("set", "Bridge", "br0", "other_config:datapath-id=00000000000000cd")
    wait_until(lambda: get(switch, "Bridge", "br0", "datapath_id") == '"00000000000000cd"')
    switch.vsctl("del-br", "br1")
    assert switch.run("ovs-ofctl", "show", "br1", check=False).returncode != 0
    assert switch.vsctl("list-br").stdout.split() == ["br0"]
    assert get(switch, "Open_vSwitch", ".", "cur_cfg") == get(switch, "Open_vSwitch", ".", "next_cfg")


def _status_queries(daemon) -> int:
    shown = daemon.appctl("coverage/show").stdout
    match = re.search(r"^netdev_get_stats\s.*total: (\d+)", shown, re.M)
    return int(match.group(1)) if match else 0


def test_adding_a_port_queries_only_the_new_device(switch):
    switch.vsctl("add-br", "br0", *[arg for i in range(40)
                                    for arg in ("--", "add-port", "br0", "p%d" % i)])
    # Statistics of every device are refreshed every 5 s; one of three add-ports a
    # fraction of a second apart is clear of that refresh.
    costs = []
    for name in ("q1", "q2", "q3"):
        before = _status_queries(switch)
        switch.vsctl("add-port", "br0", name)
        wait_until(lambda: get(switch, "Interface", name, "mtu") == "1500")
        costs.append(_status_queries(switch) - before)
    assert min(costs) == 1
    assert get(switch, "Interface", "p0", "ofport") == "1"
    assert get(switch, "Interface", "q3", "ofport") == "43"
