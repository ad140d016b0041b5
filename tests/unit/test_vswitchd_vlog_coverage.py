"""OVS log line format and coverage/show format."""
import datetime
import re

from pyvswitch import coverage, vlog

WHEN = datetime.datetime(2026, 11, 21, 13, 0, 0, 5000, tzinfo=datetime.timezone.utc)


def test_log_lines_match_ovs_patterns():
    assert vlog.format_line("file", 1, "bridge", "info", "hello", now=WHEN) == \
        "2026-11-21T13:00:00.005Z|00001|bridge|INFO|hello"
    assert vlog.format_line("console", 42, "bridge", "warn", "x", now=WHEN) == \
        "2026-11-21T13:00:00Z|00042|bridge|WARN|x"
    assert vlog.format_line("syslog", 3, "dpif", "dbg", "y", thread_name="pmd0") == \
        "ovs|00003|dpif(pmd0)|DBG|y"
    assert vlog.module_of("pyvswitch.ofproto.bridge") == "bridge"


def test_coverage_rates_and_format():
    coverage.define("test_cov_never", "test_cov_hits")
    coverage.run(1000.0)
    coverage.inc("test_cov_hits", 10)
    coverage.run(1005.0)               # one 5-second slot closes with 10 events
    text = coverage.show()
    assert re.match(r"Event coverage, avg rate over last: 5 seconds, last minute, last hour,  "
                    r"hash=[0-9a-f]{8}:\n", text)
    assert "test_cov_hits              2.0/sec     0.167/sec        0.0028/sec   total: 10\n" in text
    assert "test_cov_never" not in text
    assert re.search(r"^\d+ events never hit\n\Z", text, re.M)
