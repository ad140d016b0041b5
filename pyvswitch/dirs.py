"""Where pyvswitch keeps its files, mirroring Open vSwitch's OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR.

Each directory comes from its environment variable, read at call time so tests can point a
whole daemon and its clients at a private directory.
"""
import os

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def rundir() -> str:
    return os.environ.get("PYVS_RUNDIR", "/var/run/pyvswitch")


def dbdir() -> str:
    return os.environ.get("PYVS_DBDIR", "/etc/pyvswitch")


def logdir() -> str:
    return os.environ.get("PYVS_LOGDIR", "/var/log/pyvswitch")


def db_sock() -> str:
    return os.path.join(rundir(), "db.sock")


def default_db() -> str:
    """The database remote clients use when given no --db."""
    return "unix:" + db_sock()


def conf_db() -> str:
    return os.path.join(dbdir(), "conf.db")


def schema_path(name: str = "vswitch") -> str:
    """Path of a bundled schema (schemas/NAME.ovsschema, shipped inside the package)."""
    return os.path.join(_PACKAGE_DIR, "schemas", name + ".ovsschema")
