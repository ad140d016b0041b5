"""Records what stock `ovs-ofctl` sends for flow-table commands, for tests/data/flow_codec/.

Run `python tests/golden/capture_flow_codec.py` with Open vSwitch installed; it points every
command of COMMANDS, in every OpenFlow version, at a FakeSwitch and writes
tests/data/flow_codec/requests.json: one entry per command that ovs-ofctl accepted, with the
messages it sent that belong to the flow codec (connection setup, barriers, echoes and the
port/table descriptions ovs-ofctl asks for first are left out).
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from fake_switch import FakeSwitch  # noqa: E402

OUTPUT = pathlib.Path(__file__).parents[1] / "data" / "flow_codec" / "requests.json"
VERSIONS = [None, "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14", "OpenFlow15"]

FLOWS = [
    "actions=drop",
    "priority=100,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2",
    "in_port=1,dl_src=00:11:22:33:44:55,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=drop",
    "table=1,cookie=0x1234,idle_timeout=10,hard_timeout=20,send_flow_rem,check_overlap,"
    "priority=5,arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,actions=drop",
    "dl_vlan=10,dl_vlan_pcp=3,actions=drop",
    "vlan_tci=0x0000/0x1fff,actions=drop",
    "udp,tp_src=53,nw_tos=16,actions=drop",
    "icmp,icmp_type=8,icmp_code=0,nw_dst=192.168.1.1,actions=drop",
    "ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,actions=drop",
    "reg0=0x5/0xff,reg3=7,actions=drop",
    "tun_id=0x10,actions=drop",
    "metadata=0x1/0xff,actions=drop",
    "tcp,tcp_flags=+syn-ack,actions=drop",
    "ip,nw_frag=later,nw_ttl=3,nw_ecn=1,actions=drop",
    "icmp6,icmp_type=135,nd_target=fe80::1,nd_sll=00:00:00:00:00:01,actions=drop",
    "arp,arp_sha=00:11:22:33:44:55,arp_tha=aa:bb:cc:dd:ee:ff,actions=drop",
    "sctp,sctp_src=1,sctp_dst=2,actions=drop",
    "in_port=LOCAL,actions=drop",
    "importance=7,actions=drop",
    "reset_counts,no_packet_counts,no_byte_counts,actions=drop",
    "table=200,cookie=0xffffffffffffffff,priority=0,actions=output:1",
    "ipv6,ipv6_label=0x12345,actions=drop",
]
# (ovs-ofctl command, its arguments) run after add-flow of every FLOWS entry.
OTHER_COMMANDS = [
    ("mod-flows", ["ip,actions=drop"]),
    ("mod-flows", ["--strict", "priority=5,tcp,tp_dst=22,actions=output:3"]),
    ("mod-flows", ["cookie=0x10/0xff,actions=drop"]),
    ("del-flows", []),
    ("del-flows", ["ip"]),
    ("del-flows", ["--strict", "priority=5,ip"]),
    ("del-flows", ["out_port=2"]),
    ("del-flows", ["table=2,cookie=0x10/0xff"]),
    ("del-flows", ["reg1=9"]),
    ("dump-flows", []),
    ("dump-flows", ["table=1,ip,cookie=1/-1,out_port=3"]),
    ("dump-flows", ["reg2=1"]),
    ("dump-aggregate", []),
    ("dump-aggregate", ["table=3,tcp,out_port=1"]),
    ("--bundle", ["add-flow", "ip,actions=output:1"]),
]
_SETUP_TYPES = {0, 2, 3, 5, 7}            # HELLO, ECHO, FEATURES, GET_CONFIG


def _interesting(version: int, msg_type: int, hex_bytes: str) -> bool:
    if msg_type in _SETUP_TYPES or msg_type == (18 if version == 1 else 20):
        return False
    if (version == 1 and msg_type == 16) or (version > 1 and msg_type == 18):
        stats_type = int(hex_bytes[16:20], 16)
        return stats_type not in (3, 12, 13)   # table (1.0: 3), table features, port desc
    return True


def main() -> None:
    entries = []
    with tempfile.TemporaryDirectory() as directory:
        socket_path = directory + "/switch.sock"
        switch = FakeSwitch(socket_path).start()
        commands = [("add-flow", [flow]) for flow in FLOWS] + OTHER_COMMANDS
        for version in VERSIONS:
            for command, arguments in commands:
                options = ["-O", version] if version else []
                if command == "--bundle":
                    argv = options + ["--bundle", arguments[0], "unix:" + socket_path,
                                      *arguments[1:]]
                else:
                    options += [a for a in arguments if a.startswith("--")]
                    flows = [a for a in arguments if not a.startswith("--")]
                    argv = options + [command, "unix:" + socket_path, *flows]
                result = subprocess.run(["ovs-ofctl", "--timeout=5", *argv],
                                        capture_output=True, text=True)
                time.sleep(0.05)
                messages = [hex_bytes for v, t, hex_bytes in switch.messages()
                            if _interesting(v, t, hex_bytes)]
                if result.returncode != 0:
                    print("ovs-ofctl refused %s: %s" % (argv, result.stderr.strip()),
                          file=sys.stderr)
                    continue
                entries.append({"argv": argv,
                                "version": version or "OpenFlow10",
                                "command": command, "arguments": arguments,
                                "messages": messages})
        switch.close()
    for entry in entries:
        entry["argv"] = [a.replace("unix:" + socket_path, "unix:SOCK") for a in entry["argv"]]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(entries, indent=1) + "\n")
    print("%d commands recorded in %s" % (len(entries), OUTPUT))


if __name__ == "__main__":
    main()
