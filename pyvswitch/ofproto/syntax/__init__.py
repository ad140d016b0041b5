"""ovs-ofctl's flow syntax: matches, actions and whole flows, parsed and printed.

lexer.py splits text into items; values.py reads and writes one field value, port or
subfield; match_text.py, actions_text.py (with learn_text.py) and flow_text.py build on them.
Everything raises FlowSyntaxError, whose text is what ovs-ofctl prints after "ovs-ofctl: ".
"""
from pyvswitch.ofproto.syntax.actions_print import format_actions
from pyvswitch.ofproto.syntax.actions_text import parse_actions
from pyvswitch.ofproto.syntax.flow_text import (
    format_duration, format_flow_mod, format_flow_stats, parse_flow)
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames
from pyvswitch.ofproto.syntax.match_text import format_match, parse_match

__all__ = ["FlowSyntaxError", "PortNames", "parse_flow", "parse_match", "parse_actions",
           "format_match", "format_actions", "format_flow_stats", "format_flow_mod",
           "format_duration"]
