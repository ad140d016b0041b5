"""The field registry: layout invariants, per-field get/set, and completeness against
ovs-fields(7) and stock ovs-ofctl (golden data in data/ovs_fields.json: the manual's field
blocks, and the entries stock ovs-ofctl writes for `probe_text(field)`, which the last test
re-checks when ovs-ofctl is installed)."""
import json
import pathlib
import re
import shutil
import subprocess

import pytest

from pyvswitch import fields as F

# Fields that are views onto another field's storage, and the field that owns it.
VIEWS = {
    "dl_vlan": "vlan_tci", "dl_vlan_pcp": "vlan_tci", "vlan_vid": "vlan_tci", "vlan_pcp": "vlan_tci",
    "nw_tos": "nw_tos_byte", "ip_dscp": "nw_tos_byte", "nw_ecn": "nw_tos_byte",
    "tcp_src": "tp_src", "udp_src": "tp_src", "sctp_src": "tp_src", "icmp_type": "tp_src",
    "icmpv6_type": "tp_src", "tcp_dst": "tp_dst", "udp_dst": "tp_dst", "sctp_dst": "tp_dst",
    "icmp_code": "tp_dst", "icmpv6_code": "tp_dst", "arp_op": "nw_proto", "arp_spa": "nw_src",
    "arp_tpa": "nw_dst", "arp_sha": "arp_sha", "arp_tha": "arp_tha", "nd_sll": "arp_sha",
    "nd_tll": "arp_tha", "mpls_label": "mpls_lse", "mpls_tc": "mpls_lse", "mpls_bos": "mpls_lse",
    "mpls_ttl": "mpls_lse",
    **{"xreg%d" % i: ("reg%d" % (2 * i), "reg%d" % (2 * i + 1)) for i in range(8)},
    **{"xxreg%d" % i: tuple("reg%d" % (4 * i + j) for j in range(4)) for i in range(4)},
}
# Storage that no single field owns whole.
PSEUDO_STORAGE = {"nw_tos_byte": 0xFF << F.SHIFT_NW_TOS, "mpls_lse": 0xFFFFFFFF << F.SHIFT_MPLS_LSE}


def storage(field):
    names = VIEWS.get(field.name, field.name)
    mask = 0
    for name in (names,) if isinstance(names, str) else names:
        mask |= PSEUDO_STORAGE[name] if name in PSEUDO_STORAGE else F.FIELDS[name].mask
    return mask


def test_storage_of_distinct_fields_never_overlaps():
    owners = {}
    for field in F.FIELDS.values():
        if field.name not in VIEWS or isinstance(VIEWS[field.name], str):
            owners.setdefault(VIEWS.get(field.name, field.name), storage(field))
    seen = 0
    for name, mask in owners.items():
        assert not seen & mask, name
        seen |= mask


def test_views_lie_inside_their_storage():
    for field in F.FIELDS.values():
        assert field.mask & ~storage(field) == 0, field.name


def test_packet_fields_below_metadata_and_registers_on_top():
    for name in ("dl_src", "nw_dst", "ipv6_src", "nd_target", "tcp_flags"):
        assert F.FIELDS[name].mask >> F.PACKET_KEY_BITS == 0
    for name in ("metadata", "reg0", "reg15", "xxreg3", "conj_id", "actset_output"):
        assert F.FIELDS[name].mask & F.DATAPATH_KEY_MASK == 0
    for name in ("recirc_id", "tun_id", "ct_label", "tun_metadata0", "tun_metadata63"):
        assert F.FIELDS[name].mask & ~F.DATAPATH_KEY_MASK == 0
    assert F.FIELDS["tun_metadata63"].mask.bit_length() == F.KEY_BITS


def test_get_and_set_round_trip_and_leave_other_fields_alone():
    key = 0
    values = {}
    for i, field in enumerate(f for f in F.FIELDS.values() if f.name not in VIEWS):
        value = (0x5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A + i) & field.value_mask
        key = field.set(key, value)
        values[field.name] = value
    for name, value in values.items():
        assert F.FIELDS[name].get(key) == value, name


def test_views_read_their_bits():
    key = F.FIELDS["vlan_tci"].set(0, 0x1000 | 5 << 13 | 123)
    assert F.FIELDS["dl_vlan"].get(key) == 123
    assert F.FIELDS["dl_vlan_pcp"].get(key) == 5
    assert F.FIELDS["vlan_vid"].get(key) == 0x1000 | 123
    key = (0xB9 << F.SHIFT_NW_TOS)
    assert F.FIELDS["nw_tos"].get(key) == 0xB8
    assert F.FIELDS["ip_dscp"].get(key) == 0x2E
    assert F.FIELDS["nw_ecn"].get(key) == 1


def test_aliases_and_unknown_names():
    assert F.field("eth_src") is F.FIELDS["dl_src"]
    assert F.field("ip_dst") is F.FIELDS["nw_dst"]
    assert F.field("NXM_OF_IP_DST") is F.FIELDS["nw_dst"]
    # Names ovs-ofctl 3.1 does not know are not names here either.
    for name in ("ipv4_dst", "tun_ipv4_src", "icmpv4_type", "ip_ttl", "ipv6_flabel"):
        with pytest.raises(KeyError):
            F.field(name)
    with pytest.raises(KeyError):
        F.field("no_such_field")


def test_nxm_and_oxm_codes_are_unique():
    for attr in ("nxm", "oxm"):
        codes = [getattr(f, attr)[:2] for f in F.FIELDS.values() if getattr(f, attr)]
        assert len(codes) == len(set(codes)), attr


def test_prerequisites():
    tcp = F.FIELDS["dl_type"].set(0, F.ETH_TYPE_IP)
    tcp = F.FIELDS["nw_proto"].set(tcp, F.IPPROTO_TCP)
    assert F.prereqs_met(tcp, F.FIELDS["tcp_src"])
    assert not F.prereqs_met(tcp, F.FIELDS["udp_src"])
    assert not F.prereqs_met(tcp, F.FIELDS["arp_op"])
    arp = F.FIELDS["dl_type"].set(0, F.ETH_TYPE_ARP)
    assert F.prereqs_met(arp, F.FIELDS["arp_spa"])
    assert not F.prereqs_met(arp, F.FIELDS["nw_src"])
    # tcp_src on an ARP frame whose nw_proto bits happen to be 6 (ARP op 6): not met.
    assert not F.prereqs_met(F.FIELDS["nw_proto"].set(arp, 6), F.FIELDS["tcp_src"])


# ---- completeness against ovs-fields(7) and what stock ovs-ofctl writes ----

GOLDEN = json.loads((pathlib.Path(__file__).parent / "data" / "ovs_fields.json").read_text())
MAN = GOLDEN["man"]
# ovs-fields(7) fields this switch does not have: it cannot parse or encapsulate ERSPAN, GTP-U
# or NSH.
NOT_SUPPORTED = {"tun_erspan_ver", "tun_erspan_idx", "tun_erspan_dir", "tun_erspan_hwid",
                 "tun_gtpu_flags", "tun_gtpu_msgtype", "nsh_flags", "nsh_ttl", "nsh_mdtype",
                 "nsh_np", "nsh_spi", "nsh_si", "nsh_c1", "nsh_c2", "nsh_c3", "nsh_c4"}
# Widths that differ from ovs-fields(7) on purpose (see the registry's docstrings): in_port is
# stored as the 32-bit datapath port, vlan_vid includes the OFPVID_PRESENT bit, tun_metadata is
# capped at 16 bytes.
WIDTH_EXCEPTIONS = {"in_port": 32, "vlan_vid": 13, "tun_metadata0": 128}
FORMATS = {"decimal": "decimal", "hexadecimal": "hex", "Ethernet": "mac", "IPv4": "ipv4",
           "IPv6": "ipv6", "OpenFlow 1.0 port": "port", "OpenFlow 1.1+ port": "port",
           "frag": "frag", "TCP flags": "tcp_flags", "ct state": "ct_state",
           "tunnel flags": "tun_flags", "packet type": "packet_type"}
# ovs-fields(7) says ct_zone is hexadecimal; `ovs-ofctl parse-flow ct_zone=0x10` prints ct_zone=16.
FORMAT_EXCEPTIONS = {"ct_zone": "decimal"}
_L4 = {"dl_type": {0x0800, 0x86DD}}
MAN_PREREQS = {
    "none": {}, "Ethernet": {}, "VLAN VID": {}, "CT": {},
    "MPLS": {"dl_type": {0x8847, 0x8848}}, "IPv4": {"dl_type": {0x0800}},
    "IPv6": {"dl_type": {0x86DD}}, "IPv4/IPv6": _L4, "ARP": {"dl_type": {0x0806, 0x8035}},
    "TCP": {**_L4, "nw_proto": {6}}, "UDP": {**_L4, "nw_proto": {17}},
    "SCTP": {**_L4, "nw_proto": {132}}, "ICMPv4": {"dl_type": {0x0800}, "nw_proto": {1}},
    "ICMPv6": {"dl_type": {0x86DD}, "nw_proto": {58}},
    "ND": {"dl_type": {0x86DD}, "nw_proto": {58}, "icmpv6_type": {135, 136}},
    "ND solicit": {"dl_type": {0x86DD}, "nw_proto": {58}, "icmpv6_type": {135}},
    "ND advert": {"dl_type": {0x86DD}, "nw_proto": {58}, "icmpv6_type": {136}},
}
# Prerequisites the registry adds to ovs-fields(7)'s, because Open vSwitch enforces them too
# (`ovs-ofctl parse-flow` drops or refuses the field without them).
EXTRA_PREREQS = {"ct_nw_src": {"dl_type"}, "ct_nw_dst": {"dl_type"}, "ct_ipv6_src": {"dl_type"},
                 "ct_ipv6_dst": {"dl_type"}, "ct_tp_src": {"ct_nw_proto"},
                 "ct_tp_dst": {"ct_nw_proto"}}
OF_VERSIONS = {None: F.OFP10, "1.2": F.OFP12, "1.3": F.OFP13, "1.5": F.OFP15}


def man_entries():
    """(registry field, ovs-fields(7) block) for every block, reg0/xreg0/xxreg0/tun_metadata0
    standing for their whole families as the manual says."""
    for name, block in MAN.items():
        if name in NOT_SUPPORTED:
            continue
        if name in ("reg0", "xreg0", "xxreg0", "tun_metadata0"):
            family = name[:-1]
            count = {"reg": 16, "xreg": 8, "xxreg": 4, "tun_metadata": 64}[family]
            for i in range(count):
                yield F.field(family + str(i)), block, i
        else:
            yield F.field(name), block, 0


def renumbered(point, i):
    """A family's code point for member i (NXM_NX_REG0 (0) -> NXM_NX_REG5 (5) ...)."""
    name, number, since = point
    return [re.sub(r"0$", str(i), name), number + i, since]


def prereq_closure(field, out=None):
    out = {} if out is None else out
    for name, allowed in field.prereqs:
        out[name] = out.get(name, set(allowed)) & set(allowed)
        prereq_closure(F.FIELDS[name], out)
    return out


def test_every_ovs_fields_field_is_registered():
    missing = [name for name in MAN if name not in NOT_SUPPORTED and name not in F.FIELDS
               and name not in F.ALIASES]
    assert not missing


@pytest.mark.parametrize("field,block,i", list(man_entries()), ids=lambda v: getattr(v, "name", ""))
def test_field_agrees_with_ovs_fields(field, block, i):
    width = re.match(r"(\d+) bits(?: \(only the least-significant (\d+) bits)?", block["width"])
    exception = WIDTH_EXCEPTIONS.get(re.sub(r"^tun_metadata\d+$", "tun_metadata0", field.name))
    assert field.width == (exception or int(width.group(2) or width.group(1)))
    assert field.fmt == FORMAT_EXCEPTIONS.get(field.name, FORMATS[block["format"]])
    assert field.maskable == (block["masking"] != "not maskable")
    assert field.writable == (block["access"] == "read/write")
    assert field.needs_ct == (block["prereqs"] == "CT")
    closure = prereq_closure(field)
    expected = MAN_PREREQS[block["prereqs"]]
    assert {n: v for n, v in closure.items() if n not in EXTRA_PREREQS.get(field.name, ())} == expected
    man_points = [renumbered(p, i) for p in block["nxm"] + block["oxm"]]
    ours = {p.name: p for p in field.codes}
    for name, number, since in man_points:
        assert ours[name].code[1] == number, name
        assert ours[name].since == OF_VERSIONS[since], name
        if not field.name.startswith("tun_metadata"):
            assert ours[name].code[2] * 8 == int(width.group(1)), name


def test_code_points_are_exactly_the_manual_ones():
    listed = {}
    for field, block, i in man_entries():
        for point in block["nxm"] + block["oxm"]:
            listed.setdefault(field.name, set()).add(renumbered(point, i)[0])
    for field in F.FIELDS.values():
        assert {p.name for p in field.codes} == listed.get(field.name, set()) | (
            {"NXM_NX_RECIRC_ID"} if field.name == "recirc_id" else
            {"NXM_NX_DP_HASH"} if field.name == "dp_hash" else set()), field.name


def test_code_points_are_unique_and_classes_follow_their_names():
    seen = {}
    for field in F.FIELDS.values():
        for point in field.codes:
            key = (point.code[0], point.code[1], point.code[3] if len(point.code) > 3 else None)
            assert key not in seen, (point.name, seen.get(key))
            seen[key] = field.name
            prefix_class = {"NXM_OF_": 0x0000, "NXM_NX_": 0x0001, "ERICOXM_OF_": 0x1000,
                            "OXM_OF_PKT_REG": 0x8001, "ONFOXM_ET_": 0xFFFF}
            expected = next((c for p, c in prefix_class.items() if point.name.startswith(p)), 0x8000)
            assert point.code[0] == expected, point.name
            assert (len(point.code) == 4) == (expected == 0xFFFF), point.name


def test_names_attributes_match_code_points():
    for field in F.FIELDS.values():
        assert (field.nxm_name is None) == (field.nxm is None), field.name
        assert (field.oxm_name is None) == (field.oxm is None), field.name
        if field.nxm_name:
            assert F.by_nxm_name(field.nxm_name) is field
            assert field.nxm[0] in (0x0000, 0x0001, 0x1000)
        if field.oxm_name:
            assert F.by_nxm_name(field.oxm_name) is field
            assert field.oxm[0] not in (0x0000, 0x0001, 0x1000)
        for point in field.codes:
            assert F.field(point.name) is field
    assert F.field("NXM_OF_ETH_SRC").name == "dl_src"
    assert F.field("OXM_OF_METADATA").name == "metadata"
    assert F.field("NXM_NX_TUN_METADATA0").name == "tun_metadata0"
    assert F.by_nxm_name("NXM_NX_NO_SUCH") is None


@pytest.mark.parametrize("name", sorted(GOLDEN["written"]))
def test_headers_are_the_ones_stock_ovs_writes(name):
    field = F.FIELDS[name]
    versions = {"nxm": F.OFP10, "of12": F.OFP12, "of13": F.OFP13, "of14": F.OFP14, "of15": F.OFP15}
    for label, entries in GOLDEN["written"][name].items():
        for written, cls, number, length, experimenter in entries:
            hasmask = written.endswith("_W")
            point = next(p for p in F.by_nxm_name(written.removesuffix("_W")).codes
                         if p.name == written.removesuffix("_W"))
            payload = length - (4 if experimenter is not None else 0)
            assert point.code[:2] == (cls, number), written
            if not point.name.startswith("NXM_NX_TUN_METADATA"):
                assert point.code[2] == (payload // 2 if hasmask else payload), written
            assert (point.code[3] if len(point.code) > 3 else None) == experimenter, written
        own = [e[0].removesuffix("_W") for e in entries
               if F.by_nxm_name(e[0].removesuffix("_W")) is field]
        if own:
            assert F.oxm_code_for(field, versions[label]).name == own[-1], label


def test_every_alias_resolves_and_is_a_name_ovs_fields_gives():
    manual_names = set(MAN) | {aka for block in MAN.values() for aka in block["aka"]}
    for alias, name in F.ALIASES.items():
        assert name in F.FIELDS and alias in manual_names, alias
    for name, block in MAN.items():
        for aka in block["aka"]:
            if name not in NOT_SUPPORTED:
                # tp_src/tp_dst are fields of their own here (any transport protocol) over the
                # bits tcp_src/tcp_dst name.
                assert F.field(aka).mask == F.field(name).mask, aka


def test_every_field_is_described():
    formats = set(FORMATS.values())
    for field in F.FIELDS.values():
        assert field.name and field.width > 0 and isinstance(field.maskable, bool)
        assert field.fmt in formats, field.name
        assert field.value_mask > 0 and field.value_mask.bit_length() <= field.width + 13
        for name, allowed in field.prereqs:
            assert name in F.FIELDS and allowed, field.name
        assert field.mask & ~((1 << F.KEY_BITS) - 1) == 0, field.name


def test_datapath_mask_is_packet_plus_datapath_metadata_plus_tun_metadata():
    for field in F.FIELDS.values():
        inside = field.mask & F.DATAPATH_KEY_MASK
        assert inside in (0, field.mask), field.name
        openflow_only = field.name in ("metadata", "conj_id", "actset_output") or \
            re.fullmatch(r"x{0,2}reg\d+", field.name)
        assert (inside == 0) == bool(openflow_only), field.name
    assert F.PACKET_KEY_MASK & ~F.DATAPATH_KEY_MASK == 0


def test_register_views():
    key = 0
    for i in range(16):
        key = F.field("reg%d" % i).set(key, 0x1000 + i)
    assert F.field("xreg0").get(key) == 0x1000 << 32 | 0x1001
    assert F.field("xreg7").get(key) == 0x100E << 32 | 0x100F
    assert F.field("xxreg1").get(key) == int("00001004000010050000100600001007", 16)
    key = F.field("xxreg3").set(key, 0xAAAAAAAA_BBBBBBBB_CCCCCCCC_DDDDDDDD)
    assert [F.field("reg%d" % i).get(key) for i in (11, 12, 13, 14, 15)] == [
        0x100B, 0xAAAAAAAA, 0xBBBBBBBB, 0xCCCCCCCC, 0xDDDDDDDD]


def test_mpls_views():
    key = F.field("mpls_label").set(0, 0xABCDE)
    key = F.field("mpls_tc").set(key, 5)
    key = F.field("mpls_bos").set(key, 1)
    key = F.field("mpls_ttl").set(key, 64)
    assert (key >> F.SHIFT_MPLS_LSE) & 0xFFFFFFFF == 0xABCDE << 12 | 5 << 9 | 1 << 8 | 64


def test_oxm_code_for_follows_the_version():
    tcp_flags = F.field("tcp_flags")
    versions = (F.OFP10, F.OFP12, F.OFP13, F.OFP14, F.OFP15)
    assert [F.oxm_code_for(tcp_flags, v).name for v in versions] == [
        "NXM_NX_TCP_FLAGS", "NXM_NX_TCP_FLAGS", "ONFOXM_ET_TCP_FLAGS", "ONFOXM_ET_TCP_FLAGS",
        "OXM_OF_TCP_FLAGS"]
    assert F.oxm_code_for(F.field("actset_output"), F.OFP12).name == "ONFOXM_ET_ACTSET_OUTPUT"
    assert F.oxm_code_for(F.field("dl_vlan"), F.OFP13) is None


def test_ct_prerequisite():
    field = F.field("ct_nw_proto")
    ct_state = F.field("ct_state")
    assert not F.prereqs_met(0, field)
    assert F.prereqs_met(ct_state.set(0, F.CS_TRACKED | F.CS_NEW), field)
    assert F.prereqs_met(ct_state.set(0, F.CS_TRACKED), field)
    assert not F.prereqs_met(ct_state.set(0, F.CS_TRACKED | F.CS_INVALID), field)
    assert F.ct_valid(F.CS_TRACKED, F.CS_TRACKED | F.CS_INVALID)
    assert not F.ct_valid(F.CS_TRACKED, F.CS_TRACKED)
    assert F.ct_valid(F.CS_ESTABLISHED, F.CS_ESTABLISHED)
    assert not F.ct_valid(0, F.CS_NEW)


# ---- the golden "written" entries are what the installed stock ovs-ofctl writes ----

_PROBE_VALUES = {"vlan_vid": 0x1001, "vlan_tci": 0x1001, "ip_frag": 1, "tcp_flags": 2,
                 "in_port": 1, "nw_tos": 4, "ct_state": 0x21, "packet_type": 0, "tun_flags": 1}
_PROBE_COMMANDS = {"nxm": ["parse-nx-match"], "of12": ["parse-oxm", "OpenFlow12"],
                   "of13": ["parse-oxm", "OpenFlow13"], "of14": ["parse-oxm", "OpenFlow14"],
                   "of15": ["parse-oxm", "OpenFlow15"]}


def _probe_entry(field, value):
    point = field.codes[0]
    return "%s(%0*x)" % (point.name, 2 * point.code[2], value)


def _probe_prereqs(field, values):
    for name, allowed in field.prereqs:
        _probe_prereqs(F.FIELDS[name], values)
        values.setdefault(name, allowed[0])
    return values


def probe_text(field):
    """An nx_match in ovs-ofctl's text form: `field` = a typical value, after its prerequisites."""
    values = {name: allowed[0] for name, allowed in field.prereqs}
    entries = [_probe_entry(F.FIELDS[n], v) for n, v in _probe_prereqs(field, values).items()]
    if field.needs_ct:
        entries.insert(0, _probe_entry(F.FIELDS["ct_state"], 0x21))
    if field.name == "vlan_pcp":
        entries.append(_probe_entry(F.FIELDS["vlan_vid"], 0x1001))
    return ", ".join(entries + [_probe_entry(field, _PROBE_VALUES.get(field.name, 1))])


def parse_written(lines, skip):
    """[name, class, field, TLV length, experimenter] per entry of one match `ovs-ofctl -m`
    printed (its text line, then its hex dump lines)."""
    names = re.findall(r"(\w+)\(", lines[0])
    data = bytes.fromhex("".join(line[10:58].replace("-", " ") for line in lines[1:]))[skip:]
    entries = []
    for name in names:
        word = int.from_bytes(data[:4], "big")
        cls, number, length = word >> 16, (word >> 9) & 0x7F, word & 0xFF
        experimenter = int.from_bytes(data[4:8], "big") if cls == 0xFFFF else None
        entries.append([name, cls, number, length, experimenter])
        data = data[4 + length:]
    return entries


@pytest.mark.skipif(shutil.which("ovs-ofctl") is None, reason="needs stock ovs-ofctl")
def test_golden_written_entries_are_what_stock_ovs_writes():
    names = sorted(GOLDEN["written"])
    text = "".join(probe_text(F.FIELDS[name]) + "\n" for name in names)
    for label, command in _PROBE_COMMANDS.items():
        out = subprocess.run(["ovs-ofctl", "-m", *command], input=text, capture_output=True,
                             text=True, check=True).stdout
        matches = []
        for line in out.splitlines():
            if re.match(r"[0-9a-f]{8}  ", line):
                matches[-1].append(line)
            else:
                matches.append([line])
        assert len(matches) == len(names)
        for name, lines in zip(names, matches):
            written = parse_written(lines, 0 if label == "nxm" else 4)
            assert written == GOLDEN["written"][name][label], (name, label)


def test_region_masks():
    assert F.TUNNEL_KEY_MASK == sum(f.mask for f in F.FIELDS.values()
                                    if f.name.startswith("tun_"))
    for name in ("tun_id", "tun_flags", "tun_ipv6_src", "tun_metadata63"):
        assert F.TUNNEL_KEY_MASK & F.field(name).mask == F.field(name).mask
    assert F.CONNTRACK_KEY_MASK & F.field("ct_label").mask == F.field("ct_label").mask
    assert F.OPENFLOW_METADATA_MASK == (
        ((1 << F.SHIFT_TUN_METADATA) - 1) & ~((1 << F.SHIFT_METADATA) - 1))
    for mask in (F.TUNNEL_KEY_MASK, F.CONNTRACK_KEY_MASK):
        assert mask & F.PACKET_KEY_MASK == 0 and mask & F.OPENFLOW_METADATA_MASK == 0
