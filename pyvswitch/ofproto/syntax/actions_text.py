"""Action lists in ovs-ofctl syntax (ovs-actions(7)) parsed into ofpact objects.

`_PARSERS` maps an action keyword to a function of its argument text returning one
ofpact; actions_print.py's `_PRINTERS` maps each ofpact class back to text.  Adding an
action means one entry in each.  A bare word that is no keyword is an output port
(`2`, `LOCAL`, `NORMAL`, a port name); `CONTROLLER` is the controller action.

Where ovs-ofctl keeps how an action was written (load vs set_field, strip_vlan vs pop_vlan,
set_tunnel vs set_tunnel64, dec_ttl vs dec_ttl(0)) the parser records it in the object and
the printer honours it.  Instructions (meter, clear_actions, write_actions, write_metadata,
goto_table) must come in OpenFlow's order, each at most once, at the top level only;
`drop` stands alone; `conjunction` goes with nothing but `note`.  Actions pyvswitch does not
model (ct, nat, encap, ...) are refused rather than dropped.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol import actions_nicira as NX
from pyvswitch.ofproto.syntax import values
# The printers live in actions_print; they stay importable from here, where callers
# (trace, among others) have always found them.
from pyvswitch.ofproto.syntax.actions_print import format_action, format_actions
from pyvswitch.ofproto.syntax.learn_text import parse_learn
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames, split_args, split_items

_REASONS = {"no_match": A.OFPR_NO_MATCH, "action": A.OFPR_ACTION,
            "invalid_ttl": A.OFPR_INVALID_TTL, "action_set": 3, "group": 4, "packet_out": 5}
_MULTIPATH_FIELDS = ("eth_src", "symmetric_l4", "symmetric_l3l4", "symmetric_l3l4+udp",
                     "nw_src", "nw_dst", "symmetric_l3")
_MULTIPATH_ALGORITHMS = ("modulo_n", "hash_threshold", "hrw", "iter_hash")
_BUNDLE_ALGORITHMS = ("active_backup", "hrw")
#: Actions ovs-ofctl knows that pyvswitch does not model yet.
_UNSUPPORTED = ("ct", "ct_clear", "nat", "encap", "decap", "dec_nsh_ttl", "delete_field",
                "set_mpls_tc_", "debug_recirc", "debug_slow")
_INSTRUCTION_NAMES = {A.Meter: "meter", A.ClearActions: "clear_actions",
                      A.WriteActions: "write_actions", A.WriteMetadata: "write_metadata",
                      A.GotoTable: "goto_table"}
_INSTRUCTION_RANK = {A.Meter: 0, A.ClearActions: 2, A.WriteActions: 3, A.WriteMetadata: 4,
                     A.GotoTable: 5}
_APPLY_RANK = 1


class _Context:
    def __init__(self, ports: PortNames):
        self.ports = ports


def _number(text: str, bits: int = 64) -> int:
    value = values.parse_number(text)
    if value >> bits:
        raise FlowSyntaxError("invalid numeric format %s" % text)
    return value


def _port(text: str, ctx: _Context, what: str = "output to unknown port") -> int:
    port = values.parse_port(text.strip(), ctx.ports)
    if port is None:
        raise FlowSyntaxError("%s: %s" % (text, what))
    return port


def _arrow(text: str) -> tuple[str, str]:
    source, arrow, dest = text.partition("->")
    if not arrow:
        raise FlowSyntaxError("%s: missing `->'" % text)
    return source.strip(), dest.strip()


# ---- parsers ---------------------------------------------------------------------------

def _output_to(port: int, max_len: int = 0):
    if port == A.OFPP_CONTROLLER:
        return A.Controller(max_len=max_len or 0xFFFF)
    return A.Output(port, max_len)


# The reserved ports a truncating output may name.
_TRUNCATE_RESERVED = (A.OFPP_IN_PORT, A.OFPP_LOCAL)


def _parse_output_trunc(text: str, ctx: _Context) -> A.OutputTrunc:
    port_text, max_len = "", 0
    for key, value in split_items(text):
        if key == "port":
            port_text = value
        elif key == "max_len":
            if not value:
                raise FlowSyntaxError("missing required numeric argument")
            max_len = _number(value, 32)
        else:
            raise FlowSyntaxError("invalid key '%s' in output_trunc argument" % key)
    port = values.parse_port(port_text, ctx.ports) if port_text else None
    if port is None:
        raise FlowSyntaxError("output to unknown truncate port: %s" % port_text)
    if port >= A.OFPP_MAX and port not in _TRUNCATE_RESERVED:
        raise FlowSyntaxError("output to unsupported truncate port: %s" % port_text)
    if max_len < NX.OUTPUT_TRUNC_MIN_LEN:
        raise FlowSyntaxError("max_len %d is less than the minimum value %d"
                              % (max_len, NX.OUTPUT_TRUNC_MIN_LEN))
    return A.OutputTrunc(port, max_len)


def _parse_output(text: str, ctx: _Context):
    # Open vSwitch takes any argument naming both "port" and "max_len" as the truncating form.
    if "port" in text and "max_len" in text:
        return _parse_output_trunc(text, ctx)
    port = values.parse_port(text, ctx.ports)
    if port is not None:
        return _output_to(port)
    try:
        return A.OutputReg(values.parse_subfield(text))
    except FlowSyntaxError:
        raise FlowSyntaxError("%s: output to unknown port" % text) from None


def _controller_style(action: A.Controller) -> A.Controller:
    """`action` with the wire form ovs-ofctl would pick: OFPAT_OUTPUT when that can say it,
    NXAST_CONTROLLER2 for userdata, pause or a meter, NXAST_CONTROLLER otherwise."""
    if action.userdata or action.pause or action.meter_id is not None:
        style = "controller2"
    elif action.reason != A.OFPR_ACTION or action.controller_id:
        style = "controller"
    else:
        style = "output"
    return dataclasses.replace(action, style=style)


def _parse_controller(text: str, ctx: _Context):
    if not text:
        return A.Controller()
    number = values.parse_int(text)
    if number is not None:
        if number > 0xFFFF:
            raise FlowSyntaxError("invalid numeric format %s" % text)
        return A.Controller(max_len=number)
    args: dict = {}
    for key, value in split_items(text):
        if key == "reason":
            if value not in _REASONS:
                raise FlowSyntaxError("unknown reason \"%s\"" % value)
            args["reason"] = _REASONS[value]
        elif key == "max_len":
            args["max_len"] = _number(value, 16)
        elif key == "id":
            args["controller_id"] = _number(value, 16)
        elif key == "userdata":
            try:
                args["userdata"] = bytes.fromhex(value.replace(".", ""))
            except ValueError:
                raise FlowSyntaxError("%s: bad userdata" % value) from None
        elif key == "pause":
            args["pause"] = True
        elif key == "meter_id":
            args["meter_id"] = _number(value, 32)
        else:
            raise FlowSyntaxError("%s: unknown controller action argument" % key)
    return _controller_style(A.Controller(**args))


def _parse_enqueue(text: str, ctx: _Context):
    parts = text.split(":") if ":" in text else split_args(text)
    if len(parts) != 2 or not all(parts):
        raise FlowSyntaxError('"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"')
    return A.Enqueue(_port(parts[0], ctx), _number(parts[1], 32))


def _parse_table(text: str) -> Optional[int]:
    if not text or text == "255":
        return None
    table = values.parse_int(text)
    if table is None or table > 254:
        raise FlowSyntaxError("%s: resubmit to unknown table" % text)
    return table


def _parse_resubmit(text: str, ctx: _Context):
    args = split_args(text)
    if len(args) == 1 and text.strip() and "," not in text:
        port = _port(args[0], ctx, "resubmit to unknown port")
        if port == A.OFPP_IN_PORT:
            raise FlowSyntaxError('at least one "in_port" or "table" must be specified on '
                                  'resubmit')
        return A.Resubmit(in_port=port)
    if len(args) > 3:
        raise FlowSyntaxError("%s: too many arguments to resubmit" % text)
    args += [""] * (3 - len(args))
    port = A.OFPP_UNSET
    if args[0]:
        port = _port(args[0], ctx, "resubmit to unknown port")
        if port == A.OFPP_IN_PORT:
            port = A.OFPP_UNSET
    table = _parse_table(args[1])
    if args[2] and args[2] != "ct":
        raise FlowSyntaxError("%s: unknown parameter" % args[2])
    if port == A.OFPP_UNSET and table is None:
        raise FlowSyntaxError('at least one "in_port" or "table" must be specified on resubmit')
    return A.Resubmit(port, table, args[2] == "ct")


def _parse_set_field(text: str, ctx: _Context):
    value_text, dst_text = _arrow(text)
    field = values.lookup_field(dst_text)
    if field is None:
        raise FlowSyntaxError("%s is not a valid OXM field name" % dst_text)
    field = values.canonical_field(field)
    if not field.writable:
        raise FlowSyntaxError("%s is read-only" % dst_text)
    if field.name.startswith("ct_"):
        raise FlowSyntaxError("cannot set CT fields outside of ct action")
    value, mask = values.parse_value(field, value_text, ctx.ports)
    full = field.value_mask
    return A.SetField(field.name, value & full, full if mask is None else mask & full)


def _parse_load(text: str, ctx: _Context):
    value_text, dst_text = _arrow(text)
    dst = values.parse_subfield(dst_text)
    value = values.parse_int(value_text)
    if value is None:
        field = F.FIELDS[dst.field]
        try:
            value, _ = values.parse_value(field, value_text, ctx.ports)
        except FlowSyntaxError:
            raise FlowSyntaxError("%s: bad syntax for load value" % text) from None
    if value >> dst.n_bits:
        raise FlowSyntaxError("%s: value %s does not fit into %d bits"
                              % (text, value_text, dst.n_bits))
    return A.Load(dst, value)


def _parse_move(text: str, ctx: _Context):
    src_text, dst_text = _arrow(text)
    src = values.parse_subfield(src_text, text)
    dst = values.parse_subfield(dst_text, text)
    if src.n_bits != dst.n_bits:
        raise FlowSyntaxError("%s: source field is %d bits wide but destination is %d bits wide"
                              % (text, src.n_bits, dst.n_bits))
    return A.Move(src, dst)


def _parse_mac_action(cls):
    def parse(text: str, ctx: _Context):
        mac = values.parse_mac(text)
        if mac is None:
            raise FlowSyntaxError("%s: invalid Ethernet address" % text)
        return cls(mac)
    return parse


def _parse_ipv4_action(cls):
    def parse(text: str, ctx: _Context):
        ip = values.parse_ipv4(text)
        if ip is None:
            raise FlowSyntaxError("%s: invalid IP address" % text)
        return cls(ip)
    return parse


def _parse_int_action(cls, bits: int):
    def parse(text: str, ctx: _Context):
        return cls(_number(text, bits))
    return parse


def _parse_tos(text: str, ctx: _Context):
    tos = _number(text, 8)
    if tos & ~0xFC:
        raise FlowSyntaxError("%s: not a valid TOS" % text)
    return A.SetIpDscp(tos)


def _parse_ecn(text: str, ctx: _Context):
    ecn = _number(text, 8)
    if ecn > 3:
        raise FlowSyntaxError("%s: not a valid ECN" % text)
    return A.SetIpEcn(ecn)


def _parse_vlan_vid(text: str, ctx: _Context):
    vid = _number(text, 16)
    if vid > 0xFFF:
        raise FlowSyntaxError("%s: not a valid VLAN VID" % text)
    return A.SetVlanVid(vid)


def _parse_vlan_pcp(text: str, ctx: _Context):
    pcp = _number(text, 8)
    if pcp > 7:
        raise FlowSyntaxError("%s: not a valid VLAN PCP" % text)
    return A.SetVlanPcp(pcp)


def _parse_push_vlan(text: str, ctx: _Context):
    ethertype = _number(text, 16)
    if ethertype not in (F.ETH_TYPE_VLAN, F.ETH_TYPE_VLAN_8021AD):
        raise FlowSyntaxError("%s: not a valid VLAN ethertype" % text)
    return A.PushVlan(ethertype)


def _parse_set_tunnel(wide: bool):
    def parse(text: str, ctx: _Context):
        tun_id = _number(text, 64)
        return A.SetTunnel(tun_id, wide or tun_id > 0xFFFFFFFF)
    return parse


def _parse_dec_ttl(text: str, ctx: _Context):
    if not text:
        return A.DecTtl()
    ids = []
    for arg in split_args(text):
        number = values.parse_int(arg)
        ids.append(number if number is not None else 0)
    return A.DecTtl(tuple(ids), explicit_ids=True)


def _parse_note(text: str, ctx: _Context):
    digits = text.replace(".", "")
    if len(digits) % 2 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise FlowSyntaxError("bad hex digit in `note' argument")
    data = bytes.fromhex(digits)
    # NXAST_NOTE is padded to a multiple of 8 bytes, and ovs-ofctl shows the padding as part
    # of the note, so the note is kept as it will travel (10 header bytes + data + zeros).
    return A.Note(data + bytes(-(10 + len(data)) % 8))


def _parse_conjunction(text: str, ctx: _Context):
    args = split_args(text)
    clause_text = args[1] if len(args) == 2 else ""
    k_text, slash, n_text = clause_text.partition("/")
    conj_id, k, n = (values.parse_int(args[0]), values.parse_int(k_text),
                     values.parse_int(n_text))
    if len(args) != 2 or not slash or None in (conj_id, k, n):
        raise FlowSyntaxError('"conjunction" syntax is "conjunction(id,i/n)"')
    if n < 2:
        raise FlowSyntaxError("conjunction must have at least 2 clauses")
    if n > 64:
        raise FlowSyntaxError("conjunction must have at most 64 clauses")
    if k < 1:
        raise FlowSyntaxError("clause index must be positive")
    if k > n:
        raise FlowSyntaxError("clause index must be less than or equal to number of clauses")
    return A.Conjunction(conj_id, k - 1, n)


def _parse_fin_timeout(text: str, ctx: _Context):
    timeouts = {}
    for key, value in split_items(text):
        if key not in ("idle_timeout", "hard_timeout"):
            raise FlowSyntaxError("invalid key '%s' in 'fin_timeout' argument" % key)
        timeouts[key] = _number(value, 16)
    return A.FinTimeout(**timeouts)


def _parse_check_pkt_larger(text: str, ctx: _Context):
    # The lexer gives "(N)" to the key and leaves "->DST" as the following item, so the
    # flow parser rejoins them before calling here: text is "N)->DST" or "N->DST".
    length_text, dst_text = _arrow(text.replace(")", ""))
    return A.CheckPktLarger(_number(length_text, 16), values.parse_subfield(dst_text))


def _parse_multipath(text: str, ctx: _Context):
    args = split_args(text)
    if len(args) != 6:
        raise FlowSyntaxError("%s: not enough arguments to multipath action" % text)
    fields, basis, algorithm, n_links_text, arg, dst = args
    if fields not in _MULTIPATH_FIELDS:
        raise FlowSyntaxError("%s: unknown fields `%s'" % (text, fields))
    if algorithm not in _MULTIPATH_ALGORITHMS:
        raise FlowSyntaxError("%s: unknown algorithm `%s'" % (text, algorithm))
    n_links = _number(n_links_text, 32)
    if not 1 <= n_links <= 65536:
        raise FlowSyntaxError("%s: n_links %d is not in valid range 1 to 65536" % (text, n_links))
    subfield = values.parse_subfield(dst)
    if n_links > 1 << min(subfield.n_bits, 16):
        raise FlowSyntaxError("%s: %d-bit destination field has %d possible values, less than "
                              "specified n_links %d" % (text, subfield.n_bits,
                                                        1 << subfield.n_bits, n_links))
    return A.Multipath(fields, _number(basis, 16), algorithm, n_links - 1, _number(arg, 32),
                       subfield)


def _parse_bundle(with_dst: bool):
    def parse(text: str, ctx: _Context):
        args = split_args(text)
        n_fixed = 5 if with_dst else 4
        if len(args) < n_fixed + 1:
            raise FlowSyntaxError("%s: not enough arguments to bundle action" % text)
        fields, basis, algorithm, member_type = args[:4]
        first = args[n_fixed]
        label, colon, first_member = first.partition(":")
        if label not in ("members", "slaves") or not colon:
            raise FlowSyntaxError("%s: missing member delimiter, expected `members', got `%s'"
                                  % (text, ",".join(args[n_fixed:])))
        if algorithm not in _BUNDLE_ALGORITHMS:
            raise FlowSyntaxError("%s: unknown algorithm `%s'" % (text, algorithm))
        if member_type != "ofport":
            raise FlowSyntaxError("%s: unknown member_type `%s'" % (text, member_type))
        members = tuple(_port(member, ctx) for member in [first_member] + args[n_fixed + 1:]
                        if member)
        dst = values.parse_subfield(args[4]) if with_dst else None
        return A.Bundle(algorithm, fields, _number(basis, 16), members, dst)
    return parse


def _parse_sample(text: str, ctx: _Context):
    args: dict = {}
    for key, value in split_items(text):
        if key in ("probability", "collector_set_id", "obs_domain_id", "obs_point_id"):
            args[key] = _number(value, 16 if key == "probability" else 32)
        elif key == "sampling_port":
            args[key] = _port(value, ctx)
        elif key in ("ingress", "egress"):
            args["direction"] = key
        else:
            raise FlowSyntaxError('invalid key "%s" in "sample" argument' % key)
    if not args.get("probability"):
        raise FlowSyntaxError("non-zero \"probability\" must be specified on sample")
    return A.Sample(**args)


def _parse_write_metadata(text: str, ctx: _Context):
    value_text, slash, mask_text = text.partition("/")
    value = _number(value_text, 64)
    mask = _number(mask_text, 64) if slash else 0xFFFFFFFFFFFFFFFF
    return A.WriteMetadata(value & mask, mask)


def _parse_goto_table(text: str, ctx: _Context):
    table = values.parse_int(text)
    if table is None or table > 254:
        raise FlowSyntaxError("unknown table \"%s\"" % text)
    return A.GotoTable(table)


def _parse_meter(text: str, ctx: _Context):
    return A.Meter(_number(text, 32))


def _no_argument(make):
    def parse(text: str, ctx: _Context):
        return make()
    return parse


def _parse_stack(cls):
    def parse(text: str, ctx: _Context):
        return cls(values.parse_subfield(text))
    return parse


def _parse_mpls_ethertype(cls):
    def parse(text: str, ctx: _Context):
        return cls(_number(text, 16))
    return parse


_PARSERS: dict[str, Callable] = {
    "output": _parse_output, "controller": _parse_controller, "enqueue": _parse_enqueue,
    "resubmit": _parse_resubmit, "set_field": _parse_set_field, "load": _parse_load,
    "move": _parse_move, "group": _parse_int_action(A.Group, 32),
    "mod_dl_src": _parse_mac_action(A.SetEthSrc), "mod_dl_dst": _parse_mac_action(A.SetEthDst),
    "mod_nw_src": _parse_ipv4_action(A.SetIpv4Src),
    "mod_nw_dst": _parse_ipv4_action(A.SetIpv4Dst),
    "mod_nw_tos": _parse_tos, "mod_nw_ecn": _parse_ecn,
    "mod_nw_ttl": _parse_int_action(A.SetIpTtl, 8),
    "mod_tp_src": _parse_int_action(A.SetL4SrcPort, 16),
    "mod_tp_dst": _parse_int_action(A.SetL4DstPort, 16),
    "mod_vlan_vid": _parse_vlan_vid, "mod_vlan_pcp": _parse_vlan_pcp,
    "strip_vlan": _no_argument(lambda: A.StripVlan("strip_vlan")),
    "pop_vlan": _no_argument(lambda: A.StripVlan("pop_vlan")),
    "push_vlan": _parse_push_vlan,
    "push_mpls": _parse_mpls_ethertype(A.PushMpls), "pop_mpls": _parse_mpls_ethertype(A.PopMpls),
    "set_mpls_label": _parse_int_action(A.SetMplsLabel, 20),
    "set_mpls_tc": _parse_int_action(A.SetMplsTc, 3),
    "set_mpls_ttl": _parse_int_action(A.SetMplsTtl, 8),
    "dec_mpls_ttl": _no_argument(A.DecMplsTtl),
    "set_tunnel": _parse_set_tunnel(False), "set_tunnel64": _parse_set_tunnel(True),
    "set_queue": _parse_int_action(A.SetQueue, 32), "pop_queue": _no_argument(A.PopQueue),
    "dec_ttl": _parse_dec_ttl, "note": _parse_note, "conjunction": _parse_conjunction,
    "fin_timeout": _parse_fin_timeout, "check_pkt_larger": _parse_check_pkt_larger,
    "multipath": _parse_multipath, "bundle": _parse_bundle(False),
    "bundle_load": _parse_bundle(True), "sample": _parse_sample,
    "push": _parse_stack(A.StackPush), "pop": _parse_stack(A.StackPop),
    "exit": _no_argument(A.Exit), "learn": lambda text, ctx: parse_learn(text, ctx.ports),
    "write_metadata": _parse_write_metadata, "goto_table": _parse_goto_table,
    "meter": _parse_meter, "clear_actions": _no_argument(A.ClearActions),
}


def _parse_list(text: str, ctx: _Context, top_level: bool) -> tuple:
    items = list(split_items(text))
    actions = []
    instructions = []
    saw_drop = False
    index = 0
    while index < len(items):
        key, value = items[index]
        index += 1
        word = key.lower()
        if word == "check_pkt_larger" and index < len(items) and items[index][0].startswith("->"):
            value = value + items[index][0] + (":" + items[index][1] if items[index][1] else "")
            index += 1
        if word == "drop":
            saw_drop = True
            continue
        if word == "apply_actions":
            raise FlowSyntaxError("apply_actions is the default instruction")
        if word in ("clone", "write_actions"):
            if word == "write_actions" and not top_level:
                raise FlowSyntaxError("write_actions instruction not allowed here")
            nested = _parse_list(value, ctx, False)
            action = A.Clone(nested) if word == "clone" else A.WriteActions(nested)
        elif word in _PARSERS:
            action = _PARSERS[word](value, ctx)
        elif word in _UNSUPPORTED:
            if word == "nat":
                raise FlowSyntaxError('Cannot have NAT action outside of "ct" action')
            raise FlowSyntaxError("%s action is not supported" % word)
        elif not value:
            port = values.parse_port(key, ctx.ports)
            if port is None:
                raise FlowSyntaxError("unknown action %s" % key)
            action = _output_to(port)
        else:
            raise FlowSyntaxError("unknown action %s" % key)
        if type(action) in _INSTRUCTION_RANK:
            if not top_level:
                raise FlowSyntaxError("%s instruction not allowed here"
                                  % _INSTRUCTION_NAMES[type(action)])
            instructions.append(action)
        else:
            later = [i for i in instructions if _INSTRUCTION_RANK[type(i)] > _APPLY_RANK]
            if later:
                raise FlowSyntaxError(
                    "invalid instruction ordering: apply_actions must appear before %s, "
                    "for OpenFlow 1.1+ compatibility" % _INSTRUCTION_NAMES[type(later[0])])
            actions.append(action)
    if saw_drop and (actions or instructions):
        raise FlowSyntaxError('"drop" must not be accompanied by any other action or instruction')
    _check_instructions(instructions)
    _check_conjunctions(actions)
    meters = [i for i in instructions if isinstance(i, A.Meter)]
    rest = sorted((i for i in instructions if not isinstance(i, A.Meter)),
                  key=lambda i: _INSTRUCTION_RANK[type(i)])
    return tuple(meters) + tuple(actions) + tuple(rest)


def _check_instructions(instructions: list) -> None:
    seen = set()
    for position, instruction in enumerate(instructions):
        kind = type(instruction)
        if kind in seen:
            raise FlowSyntaxError("duplicate %s instruction not allowed, for OpenFlow 1.1+ "
                                  "compatibility" % _INSTRUCTION_NAMES[kind])
        seen.add(kind)
        for later in instructions[position + 1:]:
            if _INSTRUCTION_RANK[type(later)] < _INSTRUCTION_RANK[kind]:
                raise FlowSyntaxError(
                    "invalid instruction ordering: %s must appear before %s, for OpenFlow "
                    "1.1+ compatibility" % (_INSTRUCTION_NAMES[type(later)],
                                            _INSTRUCTION_NAMES[kind]))


_NAMES_FOR_ERRORS = {A.Output: "output", A.Controller: "controller", A.DecTtl: "dec_ttl",
                     A.Resubmit: "resubmit", A.Load: "load", A.SetField: "set_field",
                     A.Move: "move", A.Learn: "learn", A.Group: "group"}


def _check_conjunctions(actions: list) -> None:
    if not any(isinstance(a, A.Conjunction) for a in actions):
        return
    for action in actions:
        if not isinstance(action, (A.Conjunction, A.Note)):
            name = _NAMES_FOR_ERRORS.get(type(action), type(action).__name__.lower())
            raise FlowSyntaxError('"conjunction" actions may be used along with "note" but not '
                                  'any other kind of action (such as the "%s" action used here)'
                                  % name)


def parse_actions(text: str, ports: PortNames = PortNames()) -> tuple:
    """A flow's actions (instructions included) from ovs-ofctl text; () for `drop`."""
    return _parse_list(text, _Context(ports), True)


__all__ = ["parse_actions", "format_action", "format_actions"]
