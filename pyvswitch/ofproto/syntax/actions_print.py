"""Action lists printed as ovs-ofctl prints them (ovs-actions(7) syntax).

`_PRINTERS` maps each ofpact class to a function of (action, port names or None) giving
its text; `format_actions` joins them with commas and prints the empty tuple as "drop".
Ports print as numbers, reserved names, or (given PortNames) names quoted as ovs-ofctl
quotes them; subfields under their NXM/OXM names; values in C's "%#x" style where
ovs-ofctl uses it.  actions_text.py is the parsing side; both are tested against stock.
"""
from __future__ import annotations

from typing import Callable, Optional

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.syntax import values
from pyvswitch.ofproto.syntax.learn_text import format_learn
from pyvswitch.ofproto.syntax.lexer import PortNames

_REASON_NAMES = {0: "no_match", 1: "action", 2: "invalid_ttl", 3: "action_set", 4: "group",
                 5: "packet_out"}

_OUTPUT_NAMES = {A.OFPP_IN_PORT: "IN_PORT", A.OFPP_TABLE: "TABLE", A.OFPP_NORMAL: "NORMAL",
                 A.OFPP_FLOOD: "FLOOD", A.OFPP_ALL: "ALL", A.OFPP_LOCAL: "LOCAL"}


def _format_output(action: A.Output, ports):
    # Only an output to CONTROLLER shows its max_len; a truncating output is OutputTrunc.
    if action.port in _OUTPUT_NAMES:
        return _OUTPUT_NAMES[action.port]
    if action.port == A.OFPP_CONTROLLER:
        return "CONTROLLER:%d" % action.max_len
    return "output:" + values.format_port(action.port, ports)


def _format_controller(action: A.Controller, ports):
    if (action.reason == A.OFPR_ACTION and not action.controller_id and not action.userdata
            and not action.pause and action.meter_id is None):
        return "CONTROLLER:%d" % action.max_len
    args = []
    if action.reason != A.OFPR_ACTION:
        args.append("reason=" + _REASON_NAMES.get(action.reason, str(action.reason)))
    if action.max_len != 0xFFFF:
        args.append("max_len=%d" % action.max_len)
    if action.controller_id:
        args.append("id=%d" % action.controller_id)
    if action.userdata:
        args.append("userdata=" + ".".join("%02x" % b for b in action.userdata))
    if action.pause:
        args.append("pause")
    if action.meter_id is not None:
        args.append("meter_id=%d" % action.meter_id)
    return "controller(%s)" % ",".join(args)


def _format_resubmit(action: A.Resubmit, ports):
    port = "" if action.in_port == A.OFPP_UNSET else values.format_port(action.in_port, ports)
    if action.table_id is None and not action.with_ct_orig:
        return "resubmit:" + port
    text = "resubmit(%s,%s" % (port, "" if action.table_id is None else action.table_id)
    return text + (",ct)" if action.with_ct_orig else ")")


def _format_set_field(action: A.SetField, ports):
    field = F.FIELDS[action.field]
    text = values.format_immediate(field, action.value)
    whole = values.is_whole_field(A.Subfield(field.name, 0, action.mask.bit_length()))
    if action.mask != field.value_mask and not (whole and action.mask & (action.mask + 1) == 0):
        text += "/" + values.format_immediate(field, action.mask)
    return "set_field:%s->%s" % (text, values.ovs_name(field))


def _format_bundle(action: A.Bundle, ports):
    head = "bundle_load" if action.dst is not None else "bundle"
    args = [action.fields, str(action.basis), action.algorithm, "ofport"]
    if action.dst is not None:
        args.append(values.format_subfield(action.dst))
    members = ",".join(values.format_port(port, ports) for port in action.members)
    return "%s(%s,members:%s)" % (head, ",".join(args), members)


def _format_sample(action: A.Sample, ports):
    text = ("sample(probability=%d,collector_set_id=%d,obs_domain_id=%d,obs_point_id=%d"
            % (action.probability, action.collector_set_id, action.obs_domain_id,
               action.obs_point_id))
    if action.sampling_port != A.OFPP_NONE:
        text += ",sampling_port=" + values.format_port(action.sampling_port, ports)
    if action.direction != "default":
        text += "," + action.direction
    return text + ")"


def _format_fin_timeout(action: A.FinTimeout, ports):
    args = []
    if action.idle_timeout:
        args.append("idle_timeout=%d" % action.idle_timeout)
    if action.hard_timeout:
        args.append("hard_timeout=%d" % action.hard_timeout)
    return "fin_timeout(%s)" % ",".join(args)


def _format_write_metadata(action: A.WriteMetadata, ports):
    if action.mask == 0xFFFFFFFFFFFFFFFF:
        return "write_metadata:%s" % values.c_hex(action.value)
    return "write_metadata:%s/%s" % (values.c_hex(action.value), values.c_hex(action.mask))


_PRINTERS: dict[type, Callable] = {
    A.Output: _format_output, A.Controller: _format_controller,
    A.Enqueue: lambda a, p: "enqueue:%s:%d" % (values.format_port(a.port, p), a.queue_id),
    A.OutputTrunc: lambda a, p: "output(port=%s,max_len=%d)" % (values.format_port(a.port, p),
                                                                a.max_len),
    A.OutputReg: lambda a, p: ("output(port=%s,max_len=%d)" % (values.format_subfield(a.src),
                                                               a.max_len)
                               if a.max_len else "output:" + values.format_subfield(a.src)),
    A.Group: lambda a, p: "group:%d" % a.group_id,
    A.SetVlanVid: lambda a, p: "mod_vlan_vid:%d" % a.vid,
    A.SetVlanPcp: lambda a, p: "mod_vlan_pcp:%d" % a.pcp,
    A.StripVlan: lambda a, p: a.style,
    A.PushVlan: lambda a, p: "push_vlan:%#x" % a.ethertype,
    A.PushMpls: lambda a, p: "push_mpls:0x%04x" % a.ethertype,
    A.PopMpls: lambda a, p: "pop_mpls:0x%04x" % a.ethertype,
    A.SetMplsLabel: lambda a, p: "set_mpls_label(%d)" % a.label,
    A.SetMplsTc: lambda a, p: "set_mpls_tc(%d)" % a.tc,
    A.SetMplsTtl: lambda a, p: "set_mpls_ttl(%d)" % a.ttl,
    A.DecMplsTtl: lambda a, p: "dec_mpls_ttl",
    A.SetEthSrc: lambda a, p: "mod_dl_src:" + values.format_mac(a.mac),
    A.SetEthDst: lambda a, p: "mod_dl_dst:" + values.format_mac(a.mac),
    A.SetIpv4Src: lambda a, p: "mod_nw_src:" + values.format_ipv4(a.ip),
    A.SetIpv4Dst: lambda a, p: "mod_nw_dst:" + values.format_ipv4(a.ip),
    A.SetIpDscp: lambda a, p: "mod_nw_tos:%d" % a.tos,
    A.SetIpEcn: lambda a, p: "mod_nw_ecn:%d" % a.ecn,
    A.SetIpTtl: lambda a, p: "mod_nw_ttl:%d" % a.ttl,
    A.DecTtl: lambda a, p: ("dec_ttl(%s)" % ",".join(map(str, a.controller_ids))
                            if a.explicit_ids else "dec_ttl"),
    A.SetL4SrcPort: lambda a, p: "mod_tp_src:%d" % a.port,
    A.SetL4DstPort: lambda a, p: "mod_tp_dst:%d" % a.port,
    A.SetField: _format_set_field,
    A.Load: lambda a, p: "load:%s->%s" % (values.c_hex(a.value), values.format_subfield(a.dst)),
    A.Move: lambda a, p: "move:%s->%s" % (values.format_subfield(a.src),
                                          values.format_subfield(a.dst)),
    A.SetTunnel: lambda a, p: ("set_tunnel64:" if a.wide else "set_tunnel:") + values.c_hex(a.tun_id),
    A.SetQueue: lambda a, p: "set_queue:%d" % a.queue_id,
    A.PopQueue: lambda a, p: "pop_queue",
    A.Resubmit: _format_resubmit,
    A.Clone: lambda a, p: "clone(%s)" % format_actions(a.actions, p),
    A.StackPush: lambda a, p: "push:" + values.format_subfield(a.src),
    A.StackPop: lambda a, p: "pop:" + values.format_subfield(a.dst),
    A.Exit: lambda a, p: "exit",
    A.Note: lambda a, p: "note:" + ".".join("%02x" % b for b in a.data),
    A.Conjunction: lambda a, p: "conjunction(%d,%d/%d)" % (a.conj_id, a.clause + 1,
                                                           a.n_clauses),
    A.FinTimeout: _format_fin_timeout,
    A.CheckPktLarger: lambda a, p: "check_pkt_larger(%d)->%s" % (
        a.pkt_len, values.format_subfield(a.dst)),
    A.Sample: _format_sample,
    A.Multipath: lambda a, p: "multipath(%s,%d,%s,%d,%d,%s)" % (
        a.fields, a.basis, a.algorithm, a.max_link + 1, a.arg, values.format_subfield(a.dst)),
    A.Bundle: _format_bundle,
    A.Learn: lambda a, p: format_learn(a),
    A.Meter: lambda a, p: "meter:%d" % a.meter_id,
    A.ClearActions: lambda a, p: "clear_actions",
    A.WriteActions: lambda a, p: "write_actions(%s)" % format_actions(a.actions, p),
    A.WriteMetadata: _format_write_metadata,
    A.GotoTable: lambda a, p: "goto_table:%d" % a.table_id,
}


def format_action(action, ports: Optional[PortNames] = None) -> str:
    return _PRINTERS[type(action)](action, ports)


def format_actions(actions, ports: Optional[PortNames] = None) -> str:
    """ovs-ofctl's text for an action tuple; "drop" when it is empty."""
    if not actions:
        return "drop"
    return ",".join(format_action(action, ports) for action in actions)
