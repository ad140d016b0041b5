"""The fuzz harnesses of fuzz/: their contracts, a short bounded run of each, and the crashes
they found.

Each harness's `check` must accept what the decoder or parser handles by its own contract
(a value, or DecodeError / FlowSyntaxError) and raise for anything else.  The bounded runs
(fuzz.bounded, ~10 s each) go over the seed corpus and then random mutations of it; a failure
fails the run unless it is one of the KNOWN crashes below, found by longer runs and kept as
strict xfail regression tests until their owners fix them (a fixed one then XPASSes: move it
out of KNOWN).  Inputs are the minimized ones, in hex.
"""
import dataclasses
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

from fuzz import bounded, flow_syntax, openflow_decode
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.syntax import FlowSyntaxError

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUN_SECONDS = 10
ECHO_REQUEST = bytes.fromhex("040200080000000a")
ATHERIS_SEEDS = 30
ATHERIS_RUNS = 500

# Crashes of a harness's contract found by long runs: (harness, minimized input hex, what is
# wrong and in whose file).  Each is a strict xfail regression test and is excused in the
# bounded runs; once fixed its test XPASSes, and it leaves this list.
KNOWN = [
    (openflow_decode,
     "050e005800000006000000000000000000000000000000000000000000008000ffffffffffffffffffffffff"
     "0000000000010004000000000004002000000000ffff00180000232000060020000000008000000400010204",
     "a 1.4 NXAST_REG_MOVE from OXM_OF_IN_PORT[0..31] decodes as Move(in_port[0..31]); "
     "actions_nicira.pack_reg_move writes the 16-bit NXM_OF_IN_PORT header, whose 32 bits "
     "action_fields.check_subfield then refuses (DecodeError: in_port[0..31] is outside the field)"),
    (openflow_decode,
     "050e004800000073000000000000000000000000000000000000000000008000ffffffffffffffffffffffff"
     "00000000000100120000080200018000000400000002000000000000",
     "an NXM_OF_VLAN_TCI=0x0001 entry (VID, no present bit) in a 1.4 match is accepted; "
     "nx_match._entries writes OXM vlan_pcp whenever vlan_vid is non-zero, and the decoder "
     "refuses its own output (DecodeError: vlan_pcp without a VLAN)"),
]

# Normalizations `openflow_decode.check_strict` finds: messages whose encoding decodes to a
# different (if then stable) message.  Reported to the codec owners; strict xfails likewise.
STRICT_FINDINGS = [
    ("040e00380000000600000000000000000000000000ffffffff00000000008000ffffffffffffffffffffff92"
     "000000000001000400000000",
     "a 1.3 add flow_mod for table_id 255 decodes as table 255; "
     "flow_mod_codec.encode_flow_mod_11 writes table 0"),
    ("030b00580000000000000000000000550007000200000003000003e8003c00050000000000000004000000"
     "00000001900001002180000a020800800017080a000000ff000000804014010680001c0200500000000000"
     "0000",
     "flow_mod_codec decodes a flow_removed match with strict=False, keeping fields whose "
     "prerequisites fail (tcp_dst under nw_proto 0x14); nx_match._entries never writes them"),
    ("060e008000000006000000000000000000000000000000000000000000008000ffffffffffffffffffffffff"
     "000000000001000400000000000400480000000000110008810000000019001080000c02100400000000000"
     "00000001000000001000000000000000000120008000000000004001000000000000f000840000000",
     "1.1's set_dl_dst in a 1.5 flow_mod decodes as SetEthDst, encodes as set_field and "
     "decodes as SetField (set_dl_src now decodes as SetField directly)"),
    ("0504004800000000000023200000000e0000000000c0ffee0009010100000001001e84800000000b000000"
     "00000000000000000000ab000000000602080000000c01110000000000",
     "an NXT_FLOW_REMOVED in 1.4 decodes with nxm=True; encode writes the standard form"),
    ("0504004800000008000023200000000d00000000000000000000000000008000ffffffffffff0000001700"
     "000000000000000602080000000c018480002202000180002402000200",
     "an NXT_FLOW_MOD in 1.4 decodes with wire='nxm'; encode writes an OFPT_FLOW_MOD"),
    ("030c005000000006000000000000000000000000000000000000000000008000ffffffffffffffffffffffff"
     "000000000001000400000000000400180000000000190010800030060000000000010000",
     "a port name that is not UTF-8 decodes with replacement characters, which encode as "
     "other bytes"),
    ("010e007000005006003820ff00000000000000007f0000000000000000000003ffffffff00000000000000"
     "0000000001ffffffffffffffff0001000a80000a020800000000000000",
     "a 1.0 modify flow_mod decodes with new_cookie None, re-decodes with new_cookie 0"),
]


def _signature_of(check, data: bytes):
    try:
        check(data)
    except Exception as error:  # noqa: BLE001 - whatever a known crash raises
        return bounded.signature(error)
    return None


def _known_signatures(harness) -> set:
    return {_signature_of(h.check, bytes.fromhex(text)) for h, text, _ in KNOWN if h is harness}


@pytest.mark.parametrize("harness, text", [
    pytest.param(harness, text, id="%s-%d" % (harness.__name__.split(".")[-1], n),
                 marks=pytest.mark.xfail(strict=True, reason=reason))
    for n, (harness, text, reason) in enumerate(KNOWN)])
def test_known_crash(harness, text):
    harness.check(bytes.fromhex(text))


@pytest.mark.parametrize("text", [
    pytest.param(text, id="strict-%d" % n,
                 marks=pytest.mark.xfail(strict=True, raises=openflow_decode.RoundTripError,
                                         reason=reason))
    for n, (text, reason) in enumerate(STRICT_FINDINGS)])
def test_strict_round_trip_finding(text):
    openflow_decode.check(bytes.fromhex(text))
    openflow_decode.check_strict(bytes.fromhex(text))


@pytest.mark.parametrize("harness, tokens", [(openflow_decode, ()),
                                             (flow_syntax, flow_syntax.tokens())],
                         ids=["openflow_decode", "flow_syntax"])
def test_bounded_run_finds_no_new_crash(harness, tokens):
    result = bounded.run(harness.check, harness.seeds(), RUN_SECONDS, rng_seed=0, tokens=tokens)
    assert result.executions > len(harness.seeds())
    known = _known_signatures(harness)
    new = [failure.report() for failure in result.failures
           if bounded.signature(failure.error) not in known]
    assert not new, "\n".join(new)


# ------------------------------------------------------------------ the contracts themselves
def test_openflow_framing_makes_the_length_field_match():
    message = openflow_decode.framed(bytes.fromhex("0402ffff00000001") + b"abc")
    assert codec.message_length(message) == len(message) == 11
    assert openflow_decode.framed(b"\x04\x02") == b"\x04\x02"
    assert len(openflow_decode.framed(bytes(70000))) == codec.MAX_MESSAGE_LEN


def test_openflow_check_accepts_decode_errors_and_flags_other_exceptions(monkeypatch):
    openflow_decode.check(b"\x04\x00")                          # DecodeError: too short
    openflow_decode.check(bytes.fromhex("ff0e000800000001"))    # DecodeError: bad version
    monkeypatch.setattr(codec, "decode", lambda data: {}[data])
    with pytest.raises(KeyError):
        openflow_decode.check(ECHO_REQUEST)


def test_openflow_check_flags_encodings_that_never_settle(monkeypatch):
    real_encode = codec.encode
    monkeypatch.setattr(codec, "encode", lambda message: real_encode(
        dataclasses.replace(message, xid=message.xid + 1)))
    with pytest.raises(openflow_decode.RoundTripError):
        openflow_decode.check(ECHO_REQUEST)


def test_openflow_check_strict_flags_a_normalizing_encoding(monkeypatch):
    real_encode = codec.encode
    monkeypatch.setattr(codec, "encode", lambda message: real_encode(
        dataclasses.replace(message, xid=0)))
    openflow_decode.check(ECHO_REQUEST)
    with pytest.raises(openflow_decode.RoundTripError):
        openflow_decode.check_strict(ECHO_REQUEST)


def test_flow_syntax_check_accepts_syntax_errors_and_flags_other_exceptions(monkeypatch):
    flow_syntax.check(b"foo=1,actions=drop")
    flow_syntax.check(b"\xff\xfe(((")
    monkeypatch.setattr(flow_syntax, "parse_actions", lambda text: [][1])
    with pytest.raises(IndexError):
        flow_syntax.check(b"actions=drop")


def test_flow_syntax_check_flags_printing_that_is_not_stable(monkeypatch):
    printed = iter(["output:1", "output:2"])
    monkeypatch.setattr(flow_syntax, "format_actions", lambda actions: next(printed))
    with pytest.raises(flow_syntax.RoundTripError):
        flow_syntax.check(b"actions=output:1")
    with pytest.raises(FlowSyntaxError):
        flow_syntax.parse_actions("output(")


@pytest.mark.parametrize("harness", [openflow_decode, flow_syntax],
                         ids=["openflow_decode", "flow_syntax"])
def test_committed_corpus_keeps_the_contract(harness):
    corpus = [path.read_bytes() for path in harness.CORPUS.iterdir()]
    assert len(corpus) > 500
    for seed in corpus:
        harness.check(seed)


def test_bounded_loop_shrinks_a_crash_and_reports_it_once():
    def check(data: bytes) -> None:
        if b"\x42" in data:
            raise ValueError("found it")
    result = bounded.run(check, [b"\x00" * 40 + b"\x42" + b"\x00" * 40], 0.5, rng_seed=1)
    assert [failure.data for failure in result.failures] == [b"\x42"]
    assert "ValueError: found it" in result.failures[0].report()


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
@pytest.mark.parametrize("harness", [openflow_decode, flow_syntax],
                         ids=["openflow_decode", "flow_syntax"])
def test_atheris_runs_the_harness(harness, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, seed in enumerate(harness.seeds()[:ATHERIS_SEEDS]):
        (corpus / str(n)).write_bytes(seed)
    result = subprocess.run([sys.executable, "-m", harness.__name__, "-runs=%d" % ATHERIS_RUNS,
                             "-artifact_prefix=%s/" % tmp_path, str(corpus)],
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "INITED" in result.stderr and "Done %d runs" % ATHERIS_RUNS in result.stderr
