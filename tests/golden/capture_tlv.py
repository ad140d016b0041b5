"""Records stock ovs-ofctl's Geneve TLV map behaviour for tests/data/tlv/.

Run `python tests/golden/capture_tlv.py` with Open vSwitch installed.  It writes
tests/data/tlv/golden.json with two lists:
  * "requests": add-tlv-map / del-tlv-map / dump-tlv-map with each MAP of MAPS, in OpenFlow
    1.0, 1.3 and 1.5, pointed at a FakeSwitch: ovs-ofctl's exit status, its stderr when it
    refuses the MAP, and the experimenter messages it sent (hex);
  * "print": messages built here byte by byte (table mods, replies, errors quoting them,
    malformed ones), each with what `ovs-ofctl ofp-print` prints for it (stdout, and
    stderr with the log timestamp cut off).
"""
from __future__ import annotations

import json
import pathlib
import re
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from fake_switch import FakeSwitch  # noqa: E402

OUTPUT = pathlib.Path(__file__).parents[1] / "data" / "tlv" / "golden.json"
VERSIONS = [None, "OpenFlow13", "OpenFlow15"]
MAPS = [
    "{class=0xffff,type=0,len=4}->tun_metadata0",
    "{class=0x102,type=0x80,len=8}->tun_metadata1,{class=0xffff,type=3,len=16}->tun_metadata63",
    ",{class=1,type=2,len=0}->tun_metadata5",
    "{class=010,type=0x10,len=12}->tun_metadata010",
    "{class=0x10000,type=256,len=260}->tun_metadata65536",
    "{class=-1,type=-1,len=4}->tun_metadata2",
    "{class= 7,type= 8,len= 4}->tun_metadata 9",
    "{class=1,type=1,len=5}->tun_metadata1",
    "{class=1,type=1,len=124}->tun_metadata64",
    "",
    "{class = 1,type=9,len=4}->tun_metadata9",
    "{class=1,type=9,len=4}->tun_metadata9 ,{class=1,type=10,len=4}->tun_metadata10",
    "{class=1,type=11,len=4}->tun_metadata11,,{class=1,type=12,len=4}->tun_metadata12",
    "{class=1,type=11,len=4}->tun_metadata11,",
    "{class=1,type=13,len=4}->tun_metadata13x",
    "{type=1,class=1,len=4}->tun_metadata1",
    "{class=1,type=1,len=4}->tun_metadata",
    "garbage",
]
_NX = 0x2320
_MOD, _REQUEST, _REPLY = 24, 25, 26
_VERSION_BYTES = {None: 1, "OpenFlow13": 4, "OpenFlow15": 6}


def _nx_message(version: int, xid: int, subtype: int, body: bytes) -> bytes:
    return struct.pack("!BBHIII", version, 4, 16 + len(body), xid, _NX, subtype) + body


def _mappings(*mappings) -> bytes:
    return b"".join(struct.pack("!HBBH2x", *mapping) for mapping in mappings)


def _mod(version: int, command: int, *mappings) -> bytes:
    return _nx_message(version, 4, _MOD, struct.pack("!H6x", command) + _mappings(*mappings))


def _reply(version: int, space: int, fields: int, *mappings) -> bytes:
    return _nx_message(version, 2, _REPLY, struct.pack("!IH10x", space, fields)
                       + _mappings(*mappings))


def _error(version: int, code_10: int, code_12: int, quoted: bytes) -> bytes:
    if version < 3:
        body = struct.pack("!HHIHH", 0xb0c2, 0, _NX, 1, code_10) + quoted
    else:
        body = struct.pack("!HHI", 0xffff, code_12, _NX) + quoted
    return struct.pack("!BBHI", version, 1, 8 + len(body), 4) + body


def printed_messages() -> list[bytes]:
    messages = []
    for version in (1, 4, 6):
        ovn = (0x102, 0x80, 4, 0)
        messages += [
            _mod(version, 0, ovn),
            _mod(version, 0),
            _mod(version, 1, (0xffff, 0, 8, 1), (0, 3, 124, 63)),
            _mod(version, 2),
            _nx_message(version, 3, _REQUEST, b""),
            _reply(version, 256, 64),
            _reply(version, 256, 64, ovn, (1, 0, 0, 2), (0xffff, 0xff, 16, 63)),
            _reply(version, 1024, 8, (0x10, 0x1, 12, 7)),
            _mod(version, 3),
            _mod(version, 0, (1, 1, 5, 1)),
            _mod(version, 0, (1, 1, 128, 1)),
            _mod(version, 0, (1, 1, 4, 64)),
            _nx_message(version, 4, _MOD, struct.pack("!H6x", 0) + b"\0" * 4),
            _reply(version, 256, 8, (1, 1, 4, 8)),
        ]
        for code_10, code_12, quoted in (
                (531, 20, _mod(version, 0, ovn)), (532, 21, _mod(version, 0, ovn)),
                (530, 19, _mod(version, 0, ovn)), (537, 38, _mod(version, 1, ovn)),
                (537, 38, _mod(version, 2)), (528, 17, _mod(version, 0, (1, 1, 5, 1))),
                (529, 18, _mod(version, 0, (1, 1, 4, 64))),
                (527, 16, _mod(version, 3)), (528, 17, _mod(version, 0, (1, 1, 20, 1)))):
            messages.append(_error(version, code_10, code_12, quoted))
    return messages


def _without_timestamp(text: str) -> str:
    return re.sub(r"^\S+\|\d+\|", "", text, flags=re.M)


def main() -> None:
    requests = []
    with tempfile.TemporaryDirectory() as directory:
        socket_path = directory + "/switch.sock"
        switch = FakeSwitch(socket_path).start()
        commands = ([("add-tlv-map", [text]) for text in MAPS]
                    + [("del-tlv-map", [text]) for text in MAPS[:3]]
                    + [("del-tlv-map", []), ("dump-tlv-map", [])])
        for version in VERSIONS:
            for command, arguments in commands:
                options = ["-O", version] if version else []
                # The fake switch does not answer a TLV table request: give up after 1 s.
                timeout = "--timeout=1" if command == "dump-tlv-map" else "--timeout=5"
                result = subprocess.run(["ovs-ofctl", timeout, *options, command,
                                         "unix:" + socket_path, *arguments],
                                        capture_output=True, text=True)
                time.sleep(0.05)
                messages = [hex_bytes for _, msg_type, hex_bytes in switch.messages()
                            if msg_type == 4]
                requests.append({"version": version or "OpenFlow10", "command": command,
                                 "arguments": arguments,
                                 "status": result.returncode if command != "dump-tlv-map"
                                 else None,
                                 "stderr": result.stderr if command != "dump-tlv-map"
                                 else None,
                                 "messages": messages})
        switch.close()
    printed = []
    for message in printed_messages():
        result = subprocess.run(["ovs-ofctl", "ofp-print", message.hex()],
                                capture_output=True, text=True)
        printed.append({"hex": message.hex(), "status": result.returncode,
                        "stdout": result.stdout, "stderr": _without_timestamp(result.stderr)})
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps({"requests": requests, "print": printed}, indent=1) + "\n")
    print("%d requests and %d printed messages recorded in %s"
          % (len(requests), len(printed), OUTPUT))


if __name__ == "__main__":
    main()
