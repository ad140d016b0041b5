"""pyvswitch: a userspace virtual switch that speaks Open vSwitch's languages.

python-ovs's poller probes whether eventlet has monkey-patched `select`.  We
never monkey-patch, but os-ken (one of our dependencies) installs eventlet,
whose import prints a deprecation warning and costs ~100 ms on every CLI run.
Hide eventlet from that one probe; any later `import eventlet` works normally.
"""
import sys

if "ovs.poller" not in sys.modules and "eventlet" not in sys.modules:
    sys.modules["eventlet"] = None  # makes `from eventlet import ...` raise ImportError
    try:
        import ovs.poller  # noqa: F401
    finally:
        del sys.modules["eventlet"]

__version__ = "0.1.0"
# The Open vSwitch release whose behaviour and schema we follow (ovs_version).
OVS_COMPAT_VERSION = "3.1.0"
