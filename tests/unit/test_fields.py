"""The field registry: layout invariants and per-field get/set."""
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
    assert F.field("ipv4_dst") is F.FIELDS["nw_dst"]
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
