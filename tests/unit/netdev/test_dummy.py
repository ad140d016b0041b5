"""Dummy netdevs, their pcap files, `netdev-dummy/receive` and open_netdev's type dispatch."""
import errno
import select
import sys
import uuid

import ovs.unixctl
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import rdpcap

import pyvswitch  # noqa: F401
from pyvswitch.netdev import NetdevError, open_netdev
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, VnetHdr
from pyvswitch.netdev.dummy import DummyNetdev, lookup, register_unixctl_commands
from pyvswitch.netdev.pcap import file_header, read_frames, record

FRAME = bytes.fromhex("ffffffffffff" "aa55aa550001" "0800") + bytes(20)


@pytest.fixture
def name():
    return "d" + uuid.uuid4().hex[:10]


@pytest.fixture
def netdev(name, tmp_path):
    dev = open_netdev(name, "dummy", {"tx_pcap": str(tmp_path / "tx.pcap"),
                                      "rxq_pcap": str(tmp_path / "rx.pcap")}, dummy="system")
    yield dev
    dev.close()


def readable(dev) -> bool:
    poller = select.poll()
    poller.register(dev.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def test_received_frames_wake_the_poller_and_come_out_in_batches(netdev, tmp_path):
    assert not readable(netdev) and netdev.recv_batch(10) == []
    for i in range(5):
        netdev.receive(FRAME + bytes([i]))
    assert readable(netdev)
    first = netdev.recv_batch(3)
    assert [f[-1] for f, _ in first] == [0, 1, 2] and all(h is None for _, h in first)
    assert readable(netdev)
    assert [f[-1] for f, _ in netdev.recv_batch(10)] == [3, 4]
    assert not readable(netdev)
    stats = netdev.get_stats()
    assert (stats.rx_packets, stats.rx_bytes) == (5, 5 * (len(FRAME) + 1))
    assert [bytes(p) for p in rdpcap(str(tmp_path / "rx.pcap"))] == [FRAME + bytes([i]) for i in range(5)]


def test_sent_frames_are_kept_and_captured_with_offloads_done_in_software(netdev, tmp_path):
    payload = bytes(range(256)) * 12
    pkt = Ether() / IP(src="1.1.1.1", dst="2.2.2.2") / TCP(flags="PA") / Raw(payload)
    frame = bytes(pkt)
    hdr = VnetHdr(flags=VNET_HDR_F_NEEDS_CSUM, gso_type=VNET_HDR_GSO_TCPV4, gso_size=1000,
                  csum_start=34, csum_offset=16)
    netdev.send_batch([(FRAME, None), (frame, hdr)])
    sent = netdev.sent()
    assert len(sent) == 5 and sent[0] == FRAME
    assert b"".join(bytes(Ether(s)[TCP].payload) for s in sent[1:]) == payload
    assert [bytes(p) for p in rdpcap(str(tmp_path / "tx.pcap"))] == sent
    with open(tmp_path / "tx.pcap", "rb") as f:
        assert read_frames(f.read()) == sent
    assert netdev.get_stats().tx_packets == 5


def test_statistics_column_has_the_counters_ovs_dummies_report(netdev):
    netdev.receive(FRAME)
    netdev.recv_batch(10)
    netdev.send_batch([(FRAME, None), (FRAME, None)])
    rx, tx = {"packets": 1, "bytes": len(FRAME)}, {"packets": 2, "bytes": 2 * len(FRAME)}
    expected = {"rx_custom_packets_1": 1, "rx_custom_packets_2": 1}
    for prefix, counts in (("rx_", rx), ("tx_", tx), ("rx_q0_", rx), ("tx_q0_", tx)):
        expected.update({prefix + key: value for key, value in counts.items()})
    assert netdev.get_statistics() == expected
    netdev.set_admin_state(False)
    netdev.set_admin_state(True)
    assert netdev.get_carrier_resets() == 0


def test_mac_mtu_and_states(netdev, name):
    mac = netdev.get_mac()
    assert mac[:4] == bytes.fromhex("aa55aa55")
    other = open_netdev(name + "x", "", {}, dummy="override")
    assert other.get_mac() != mac
    other.close()
    assert netdev.get_mtu() == 1500
    netdev.set_mtu(9000)
    netdev.set_mac(bytes.fromhex("020000000001"))
    assert (netdev.get_mtu(), netdev.get_mac()) == (9000, bytes.fromhex("020000000001"))
    assert (netdev.get_link_state(), netdev.get_admin_state()) == ("up", "up")


class FakeConnection:
    def __init__(self):
        self.replies = []

    def reply(self, body):
        self.replies.append(("ok", body))

    def reply_error(self, body):
        self.replies.append(("error", body))


def run_command(name, *argv):
    register_unixctl_commands()
    command = ovs.unixctl.commands[name]
    assert command.min_args <= len(argv) <= command.max_args
    conn = FakeConnection()
    command.callback(conn, list(argv), command.aux)
    return conn.replies[0]


def run_receive(*argv):
    return run_command("netdev-dummy/receive", *argv)


def test_unixctl_receive_injects_hex_packets(netdev, name):
    hexframe = FRAME.hex()
    assert run_receive(name, hexframe, hexframe.upper()) == ("ok", None)
    assert run_receive(name, "--qid", "0", hexframe) == ("ok", None)
    assert [f for f, _ in netdev.recv_batch(10)] == [FRAME] * 3


@pytest.mark.parametrize("argv,error", [
    (("nonexistent0", "00" * 14), "no such dummy netdev"),
    (("{name}", "ff" * 6), "syntax error at " + "ff" * 6),
    (("{name}", "abc"), "syntax error at abc"),
    (("{name}", "--qid", "1", "ff" * 14), "bad rx queue id."),
    (("{name}", "--qid"), "syntax error at --qid"),
])
def test_unixctl_receive_errors_match_ovs(netdev, name, argv, error):
    assert run_receive(*(a.format(name=name) for a in argv)) == ("error", error)
    assert netdev.recv_batch(10) == []


def test_unixctl_set_admin_state(netdev, name):
    other = DummyNetdev(name + "o")
    try:
        assert run_command("netdev-dummy/set-admin-state", name, "down") == ("ok", "OK")
        assert (netdev.get_admin_state(), netdev.get_link_state()) == ("down", "down")
        assert other.get_admin_state() == "up"
        assert run_command("netdev-dummy/set-admin-state", "DOWN") == ("ok", "OK")
        assert other.get_link_state() == "down"
        assert run_command("netdev-dummy/set-admin-state", "up") == ("ok", "OK")
        assert (netdev.get_admin_state(), other.get_admin_state()) == ("up", "up")
        assert run_command("netdev-dummy/set-admin-state", name, "sideways") == ("error", "Invalid Admin State")
        assert run_command("netdev-dummy/set-admin-state", "nope0", "down") == ("error", "Unknown Dummy Interface")
    finally:
        other.close()


def test_registry_follows_open_and_close(name):
    dev = DummyNetdev(name)
    assert lookup(name) is dev
    dev.close()
    assert lookup(name) is None
    dev.receive(FRAME)  # a late injection after close is ignored


def test_open_netdev_dispatch(name, tmp_path):
    override = open_netdev(name, "internal", {}, dummy="override")
    assert isinstance(override, DummyNetdev) and override.kind == "internal"
    override.close()
    system = open_netdev(name, "", {}, dummy="override")
    assert isinstance(system, DummyNetdev) and system.kind == "system"
    system.close()
    for kind, dummy in (("dummy", ""), ("foo", "override"), ("stt", "")):
        with pytest.raises(NetdevError) as e:
            open_netdev(name, kind, {}, dummy=dummy)
        assert str(e.value) == "could not open network device %s (Address family not supported by protocol)" % name
        assert e.value.errno == errno.EAFNOSUPPORT
    with pytest.raises(NetdevError) as e:
        open_netdev(name, "dummy", {"tx_pcap": str(tmp_path / "no" / "such" / "dir")}, dummy="system")
    assert e.value.errno == errno.ENOENT
    assert lookup(name) is None


def test_pcap_codec():
    header = file_header()
    assert len(header) == 24 and int.from_bytes(header[20:24], sys.byteorder) == 1
    rec = record(b"abc", 1700000000.25)
    assert int.from_bytes(rec[:4], sys.byteorder) == 1700000000
    assert int.from_bytes(rec[4:8], sys.byteorder) == 250000
    assert read_frames(header + rec + record(b"de", 1.0) + rec[:10]) == [b"abc", b"de"]
