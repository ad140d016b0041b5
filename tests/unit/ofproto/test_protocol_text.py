"""OpenFlow messages printed as ovs-ofctl prints them.  Expected texts are stock ovs-ofctl
3.1's output for the same bytes; where ovs-ofctl is installed, its `ofp-print` is also asked
directly for every sample."""
import shutil
import subprocess

import pytest

import pyvswitch  # noqa: F401
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import flags as f
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import PortDesc

REAL_FEATURES_10 = (
    "010601100000000200009a5456092f4300000000fe000000000000c700000fff000426d4713624ba7661"
    "00000000000000000000000000000000000000000000000000c0000000000000000000000000fffe9a54"
    "56092f43627230000000000000000000000000000000000000000000000000c000000000000000000000"
    "000000010edd002df9a4766400000000000000000000000000000000000100000001000000c000000000"
    "00000000000000000002cee9443edd9f7663000000000000000000000000000000000000000000010000"
    "00c000000000000000000000000000031660be467d75696e310000000000000000000000000000000000"
    "00000000000000c0000000000000000000000000")

VETH_PORT_LINES = "     current:    10GB-FD COPPER\n     speed: 10000 Mbps now, 0 Mbps max\n"
EXPECTED = [
    (REAL_FEATURES_10,
     "OFPT_FEATURES_REPLY (xid=0x2): dpid:00009a5456092f43\n"
     "n_tables:254, n_buffers:0\n"
     "capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP\n"
     "actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst "
     "mod_nw_src mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst\n"
     " 1(vd): addr:0e:dd:00:2d:f9:a4\n     config:     PORT_DOWN\n     state:      LINK_DOWN\n"
     + VETH_PORT_LINES +
     " 2(vc): addr:ce:e9:44:3e:dd:9f\n     config:     0\n     state:      LINK_DOWN\n"
     + VETH_PORT_LINES +
     " 3(in1): addr:16:60:be:46:7d:75\n     config:     0\n     state:      0\n"
     + VETH_PORT_LINES +
     " 4(va): addr:26:d4:71:36:24:ba\n     config:     0\n     state:      0\n"
     + VETH_PORT_LINES +
     " LOCAL(br0): addr:9a:54:56:09:2f:43\n     config:     0\n     state:      0\n"
     + VETH_PORT_LINES),
    ("040600200000000200009a5456092f4300000000fe0000000000004f00000000",
     "OFPT_FEATURES_REPLY (OF1.3) (xid=0x2): dpid:00009a5456092f43\n"
     "n_tables:254, n_buffers:0\n"
     "capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS\n"),
    ("010c00400000000002000000000000000005aa55aa5500137035000000000000000000000000000000000001"
     "0000000100000000000000000000000000000000",
     "OFPT_PORT_STATUS (xid=0x0): MOD: 5(p5): addr:aa:55:aa:55:00:13\n"
     "     config:     PORT_DOWN\n     state:      LINK_DOWN\n"
     "     speed: 0 Mbps now, 0 Mbps max\n"),
    ("0101001400000005000100010120000800000005",
     "OFPT_ERROR (xid=0x5): OFPBRC_BAD_TYPE\n***decode error: OFPBRC_BAD_TYPE***\n"
     "00000000  01 20 00 08 00 00 00 05-                        |. ......        |\n"),
    ("0108000c0000000400000000", "OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0\n"),
    ("0408000c0000000200070080",
     "OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x2): frags=nx-match miss_send_len=128\n"),
    ("0208000c00000002007f0080", "OFPT_GET_CONFIG_REPLY (OF1.1) (xid=0x2): frags=nx-match "
     "invalid_ttl_to_controller miss_send_len=128\n"),
    ("0600000800000001",
     "OFPT_HELLO (OF1.5) (xid=0x1):\n version bitmap: 0x01, 0x02, 0x03, 0x04, 0x05, 0x06\n"),
    ("04000010000000010001000800000012", "OFPT_HELLO (OF1.3) (xid=0x1):\n version bitmap: "
     "0x01, 0x04\n"),
    ("0700000800000001", "OFPT_HELLO (OF 0x07) (xid=0x1):\n version bitmap: 0x01, 0x02, 0x03,"
     " 0x04, 0x05, 0x06, 0x07\n"),
    ("0402000c00000009deadbeef", "OFPT_ECHO_REQUEST (OF1.3) (xid=0x9): 4 bytes of payload\n"
     "00000000  de ad be ef                                     |....            |\n"),
    ("0103000800000009", "OFPT_ECHO_REPLY (xid=0x9): 0 bytes of payload\n"),
    ("0415000800000009", "OFPT_BARRIER_REPLY (OF1.3) (xid=0x9):\n"),
    ("0105000800000002", "OFPT_FEATURES_REQUEST (xid=0x2):\n"),
    ("0110000c00000002000d0000", "OFPST_PORT_DESC request (xid=0x2): port=ANY\n"),
    ("0612001800000003000d000000000000ffffffff00000000",
     "OFPST_PORT_DESC request (OF1.5) (xid=0x3): port=ANY\n"),
    ("0413001000000003000d000100000000", "OFPST_PORT_DESC reply (OF1.3) (xid=0x3): "
     "flags=[more]\n"),
    ("04120010000000030000000100000000", "OFPST_DESC request (OF1.3) (xid=0x3): flags=[more]\n"),
    ("010100650000000000000000" + b"We support version 0x06 and earlier, you support "
     b"versions 0x07, 0x08, no common versions.".hex(),
     "OFPT_ERROR (xid=0x0): OFPHFC_INCOMPATIBLE\nWe support version 0x06 and earlier, you "
     "support versions 0x07, 0x08, no common versions.\n"),
    ("0101001000000005000000010000000a",
     "OFPT_ERROR (xid=0x5): OFPHFC_EPERM\n\\000\\000\\000\\012\n"),
    ("0101000e0000000500010001aabb", "OFPT_ERROR (xid=0x5): OFPBRC_BAD_TYPE\n"
     "OpenFlow packet too short (only 2 bytes):\n"
     "00000000  aa bb                                           |..              |\n"),
    ("0101000c0000000200630000", "OFPT_ERROR (xid=0x2): ***decode error: OFPBRC_BAD_LEN***\n"
     "00000000  01 01 00 0c 00 00 00 02-00 63 00 00             |.........c..    |\n"),
    ("010100140000000500010001010500080000000500", "(***only uses 20 bytes out of 21***)\n"
     "00000000  01 01 00 14 00 00 00 05-00 01 00 01 01 05 00 08 |................|\n"
     "00000010  00 00 00 05 00                                  |.....           |\n"),
]


@pytest.mark.parametrize("hex_bytes,text", EXPECTED, ids=[h[:24] for h, _ in EXPECTED])
def test_prints_like_ovs_ofctl(hex_bytes, text):
    assert ofctl_text.format_bytes(bytes.fromhex(hex_bytes)) == text


@pytest.mark.skipif(shutil.which("ovs-ofctl") is None, reason="stock ovs-ofctl not installed")
@pytest.mark.parametrize("hex_bytes", [h for h, _ in EXPECTED] + [
    codec.encode(m.DescReply(version=1, xid=10, mfr_desc="Nicira, Inc.",
                             hw_desc="Open vSwitch", sw_desc="3.1.0", serial_num="None",
                             dp_desc="None")).hex(),
    codec.encode(m.PortDescReply(version=5, xid=3, flags=1, ports=(
        PortDesc(5, bytes.fromhex("aabbccddeeff"), "eth5", f.PortConfig(0x65),
                 f.PortState(7), f.PortFeatures(0xffff), f.PortFeatures.AUTONEG,
                 f.PortFeatures.PAUSE, f.PortFeatures.PAUSE_ASYM, 12345678, 1000),))).hex(),
    codec.encode(m.FeaturesReply(version=1, xid=2, datapath_id=0xaabbccddeeff, n_buffers=256,
                                 capabilities=f.Capabilities(0x7ff), ports=(
        PortDesc(1, bytes(6), "eth1", f.PortConfig(0x7f), f.PortState(0x301),
                 f.PortFeatures(0xf87f), f.PortFeatures(1), f.PortFeatures(2),
                 f.PortFeatures(4)),
        PortDesc(7, bytes(6), "a\x01bc", state=f.PortState.STP_FORWARD),
        PortDesc(3, bytes(6), "abcdefghijklmno")))).hex(),
    codec.encode(m.FeaturesReply(version=4, xid=2, datapath_id=1, auxiliary_id=3,
                                 capabilities=f.Capabilities(0x7ff))).hex(),
])
def test_agrees_with_stock_ofp_print(hex_bytes):
    stock = subprocess.run(["ovs-ofctl", "ofp-print", hex_bytes], capture_output=True,
                           text=True, check=True).stdout
    assert ofctl_text.format_bytes(bytes.fromhex(hex_bytes)) == stock


def test_stp_state_runs_into_the_next_word_like_ovs_ofctl():
    port = PortDesc(1, bytes(6), "p", state=f.STP_BLOCK | f.PortState.LINK_DOWN)
    assert "     state:      STP_BLOCKLINK_DOWN\n" in ofctl_text.format_port(port)


def test_ports_print_in_port_number_order_with_local_last():
    ports = [PortDesc(0xfffe, bytes(6), "br0"), PortDesc(10, bytes(6), "b"),
             PortDesc(2, bytes(6), "a")]
    heads = [line for line in ofctl_text.format_ports(ports).splitlines() if "addr:" in line]
    assert [h.split(":")[0] for h in heads] == [" 2(a)", " 10(b)", " LOCAL(br0)"]
