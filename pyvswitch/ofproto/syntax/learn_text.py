"""The learn action's argument syntax (ovs-actions(7) "The learn action"), both directions.

Arguments are flow properties of the learned flow (`table=`, `idle_timeout=`, `priority=`,
`cookie=`, `send_flow_rem`, `delete_learned`, `limit=`, `result_dst=`...) and specs:

  FIELD[a..b]           match the learned flow on the packet's own bits of that subfield
  DST[a..b]=SRC[c..d]   match DST against the packet's SRC bits
  FIELD=VALUE           match FIELD against an immediate value in the field's syntax
  load:SRC->DST         the learned flow loads the packet's SRC (or an immediate) into DST
  output:SRC            the learned flow outputs to the port SRC holds

Printing follows ovs-ofctl: `table=` always, the other properties only when they differ
from their defaults, subfields under their NXM/OXM names, immediates in the field's syntax
when they fill the whole field.
"""
from __future__ import annotations

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.syntax import values
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames, split_items

_DEFAULT_PRIORITY = 0x8000
_TIMEOUTS = ("idle_timeout", "hard_timeout", "fin_idle_timeout", "fin_hard_timeout")


def _is_subfield_text(text: str) -> bool:
    name = text.split("[", 1)[0]
    return values.lookup_field(name) is not None


def _spec_width_check(text: str, src: A.Subfield, dst: A.Subfield) -> None:
    if src.n_bits != dst.n_bits:
        raise FlowSyntaxError("%s: source field is %d bits wide but destination is %d bits wide"
                              % (text, src.n_bits, dst.n_bits))


def _parse_load(text: str) -> A.LearnSpec:
    src_text, arrow, dst_text = text.partition("->")
    if not arrow:
        raise FlowSyntaxError("%s: missing `->' following source" % text)
    dst = values.parse_subfield(dst_text)
    if _is_subfield_text(src_text):
        src = values.parse_subfield(src_text)
        _spec_width_check(text, src, dst)
        return A.LearnSpec("load", dst.n_bits, dst=dst, src=src)
    value = values.parse_int(src_text)
    if value is None:
        raise FlowSyntaxError("%s: bad syntax for load value" % src_text)
    if value >> dst.n_bits:
        raise FlowSyntaxError("%s: value %s does not fit into %d bits"
                              % (text, src_text, dst.n_bits))
    return A.LearnSpec("load", dst.n_bits, dst=dst, value=value)


def _parse_match_spec(key: str, value: str, ports: PortNames) -> A.LearnSpec:
    whole = key + ("=" + value if value else "")
    dst_name = key.split("[", 1)[0]
    if values.lookup_field(dst_name) is None:
        raise FlowSyntaxError("%s: unknown keyword %s" % (whole, key))
    dst = values.parse_subfield(key)
    if not value:
        return A.LearnSpec("match", dst.n_bits, dst=dst, src=dst)
    if _is_subfield_text(value):
        src = values.parse_subfield(value)
        _spec_width_check(whole, src, dst)
        return A.LearnSpec("match", dst.n_bits, dst=dst, src=src)
    field = F.FIELDS[dst.field]
    if "[" in key:
        number = values.parse_int(value)
        if number is None:
            raise FlowSyntaxError("%s: bad syntax for immediate value" % whole)
        return A.LearnSpec("match", dst.n_bits, dst=dst, value=number)
    number, _mask = values.parse_value(field, value, ports)
    return A.LearnSpec("match", dst.n_bits, dst=dst, value=number)


def parse_learn(text: str, ports: PortNames = PortNames()) -> A.Learn:
    props: dict = {}
    flags = 0
    specs = []
    for key, value in split_items(text):
        if key == "table":
            table = values.parse_int(value)
            if table is None or table > 255:
                raise FlowSyntaxError('unknown table "%s"' % value)
            if table == 255:
                raise FlowSyntaxError("table=%s: table id 255 not valid for `learn' action"
                                      % value)
            props["table_id"] = table
        elif key in _TIMEOUTS or key in ("priority", "limit"):
            number = values.parse_int(value)
            limit_bits = 32 if key == "limit" else 16
            if number is None or number >> limit_bits:
                raise FlowSyntaxError("%s=%s: invalid %s" % (key, value, key))
            props[key] = number
        elif key == "cookie":
            number = values.parse_int(value)
            if number is None or number >> 64:
                raise FlowSyntaxError("%s=%s: invalid cookie" % (key, value))
            props["cookie"] = number
        elif key == "send_flow_rem":
            flags |= A.LEARN_SEND_FLOW_REM
        elif key == "delete_learned":
            flags |= A.LEARN_DELETE_LEARNED
        elif key == "result_dst":
            props["result_dst"] = values.parse_subfield(value)
        elif key == "load":
            specs.append(_parse_load(value))
        elif key == "output":
            src = values.parse_subfield(value)
            specs.append(A.LearnSpec("output", src.n_bits, src=src))
        else:
            spec = _parse_match_spec(key, value, ports)
            field = F.FIELDS[spec.dst.field]
            if field.nxm is None and field.oxm is None:
                raise FlowSyntaxError("%s: experimenter OXM field '%s' not supported"
                                      % (text, key.split("[", 1)[0]))
            specs.append(spec)
    return A.Learn(specs=tuple(specs), flags=flags, **props)


def _format_spec(spec: A.LearnSpec) -> str:
    if spec.kind == "output":
        return "output:" + values.format_subfield(spec.src)
    if spec.kind == "load":
        source = (values.format_subfield(spec.src) if spec.src is not None
                  else values.c_hex(spec.value))
        return "load:%s->%s" % (source, values.format_subfield(spec.dst))
    if spec.src is not None:
        if spec.src == spec.dst:
            return values.format_subfield(spec.dst)
        return "%s=%s" % (values.format_subfield(spec.dst), values.format_subfield(spec.src))
    field = F.FIELDS[spec.dst.field]
    if values.is_whole_field(spec.dst):
        return "%s=%s" % (values.ovs_name(field), values.format_immediate(field, spec.value))
    return "%s=0x%x" % (values.format_subfield(spec.dst), spec.value)


def format_learn(learn: A.Learn) -> str:
    parts = ["table=%d" % learn.table_id]
    for name in _TIMEOUTS:
        if getattr(learn, name):
            parts.append("%s=%d" % (name, getattr(learn, name)))
    if learn.priority != _DEFAULT_PRIORITY:
        parts.append("priority=%d" % learn.priority)
    if learn.flags & A.LEARN_SEND_FLOW_REM:
        parts.append("send_flow_rem")
    if learn.flags & A.LEARN_DELETE_LEARNED:
        parts.append("delete_learned")
    if learn.cookie:
        parts.append("cookie=%s" % values.c_hex(learn.cookie))
    if learn.limit:
        parts.append("limit=%d" % learn.limit)
    if learn.result_dst is not None:
        parts.append("result_dst=" + values.format_subfield(learn.result_dst))
    parts.extend(_format_spec(spec) for spec in learn.specs)
    return "learn(%s)" % ",".join(parts)
