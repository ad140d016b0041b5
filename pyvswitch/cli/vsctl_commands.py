"""The pyvs-vsctl command table and command-line splitting.

Owns which commands exist, how many arguments each takes, which per-command
options each accepts ("--name" flags, "--name=" options requiring a value),
and how argv after the global options becomes a list of Commands: commands
are separated by "--", each starting with its own options.  Options given
among the global options belong to the first command.  Errors raise
VsctlError with ovs-vsctl's wording.
"""
from dataclasses import dataclass

from pyvswitch.cli import vsctl_db as db
from pyvswitch.cli import vsctl_model as model
from pyvswitch.cli import vsctl_show as show
from pyvswitch.cli import vsctl_switch as sw
from pyvswitch.cli.vsctl_context import Command, VsctlError

UNLIMITED = 2 ** 31 - 1


ALL = "all columns"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    min_args: int
    max_args: int
    options: tuple          # e.g. ("--if-exists", "--id=")
    run: object
    post: object = None
    # What the command reads or writes, so that the replica holds only that (as
    # ovs-vsctl registers columns per command): {table: columns or ALL}, or a
    # function of the Command giving one; None means every table and column.
    columns: object = None


def _merged(*needs):
    merged = {}
    for need in needs:
        for table, columns in need.items():
            if columns is ALL or merged.get(table) is ALL:
                merged[table] = ALL
            else:
                merged[table] = tuple(sorted(set(merged.get(table, ())) | set(columns)))
    return merged


# The switch commands' columns: the model, plus what they write.
_TOPOLOGY = _merged(model.COLUMNS, {"Interface": ("type",), "Port": ("bond_fake_iface",)})
_EXTERNAL_IDS = _merged(_TOPOLOGY, {"Bridge": ("external_ids",), "Port": ("external_ids",)})


def _port_adding(settings_of):
    """add-port/add-bond: COLUMN[:KEY]=VALUE settings may name any Port column."""
    def columns(command):
        if settings_of(command.args):
            return _merged(_TOPOLOGY, {"Port": ALL})
        return _TOPOLOGY
    return columns


def replicated_columns(commands, wait):
    """{table: columns or ALL} that running `commands` needs, or None for everything.

    Besides the commands' own needs, the runner increments next_cfg and, when it
    waits for ovs-vswitchd, reads cur_cfg and the new interfaces' status."""
    needs = [{"Open_vSwitch": ("next_cfg", "cur_cfg")}]
    if wait:
        needs.append({"Interface": ("name", "ofport", "error")})
    for command in commands:
        columns = command.spec.columns
        if callable(columns):
            columns = columns(command)
        if columns is None:
            return None
        needs.append(columns)
    return _merged(*needs)


_SPECS = [
    CommandSpec("init", 0, 0, (), sw.cmd_init, columns={}),
    CommandSpec("show", 0, 0, (), show.cmd_show),
    CommandSpec("emer-reset", 0, 0, (), sw.cmd_emer_reset),
    CommandSpec("add-br", 1, 3, ("--may-exist",), sw.cmd_add_br, columns=_TOPOLOGY),
    CommandSpec("del-br", 1, 1, ("--if-exists",), sw.cmd_del_br, columns=_TOPOLOGY),
    CommandSpec("list-br", 0, 0, ("--real", "--fake"), sw.cmd_list_br,
                columns=_TOPOLOGY),
    CommandSpec("br-exists", 1, 1, (), sw.cmd_br_exists, columns=_TOPOLOGY),
    CommandSpec("br-to-vlan", 1, 1, (), sw.cmd_br_to_vlan, columns=_TOPOLOGY),
    CommandSpec("br-to-parent", 1, 1, (), sw.cmd_br_to_parent, columns=_TOPOLOGY),
    CommandSpec("br-set-external-id", 2, 3, (), sw.cmd_br_set_external_id,
                columns=_EXTERNAL_IDS),
    CommandSpec("br-get-external-id", 1, 2, (), sw.cmd_br_get_external_id,
                columns=_EXTERNAL_IDS),
    CommandSpec("list-ports", 1, 1, (), sw.cmd_list_ports, columns=_TOPOLOGY),
    CommandSpec("add-port", 2, UNLIMITED, ("--may-exist",), sw.cmd_add_port,
                columns=_port_adding(lambda args: args[2:])),
    CommandSpec("add-bond", 4, UNLIMITED, ("--may-exist", "--fake-iface"),
                sw.cmd_add_bond,
                columns=_port_adding(lambda args: any("=" in a for a in args[2:]))),
    CommandSpec("add-bond-iface", 2, 2, ("--may-exist",),
                sw.cmd_add_bond_iface, columns=_TOPOLOGY),
    CommandSpec("del-bond-iface", 1, 2, ("--if-exists",),
                sw.cmd_del_bond_iface, columns=_TOPOLOGY),
    CommandSpec("del-port", 1, 2, ("--if-exists", "--with-iface"),
                sw.cmd_del_port, columns=_TOPOLOGY),
    CommandSpec("port-to-br", 1, 1, (), sw.cmd_port_to_br, columns=_TOPOLOGY),
    CommandSpec("list-ifaces", 1, 1, (), sw.cmd_list_ifaces, columns=_TOPOLOGY),
    CommandSpec("iface-to-br", 1, 1, (), sw.cmd_iface_to_br, columns=_TOPOLOGY),
    CommandSpec("get-controller", 1, 1, (), sw.cmd_get_controller),
    CommandSpec("del-controller", 1, 1, (), sw.cmd_del_controller),
    CommandSpec("set-controller", 1, UNLIMITED, ("--inactivity-probe=",),
                sw.cmd_set_controller),
    CommandSpec("get-fail-mode", 1, 1, (), sw.cmd_get_fail_mode),
    CommandSpec("del-fail-mode", 1, 1, (), sw.cmd_del_fail_mode),
    CommandSpec("set-fail-mode", 2, 2, (), sw.cmd_set_fail_mode),
    CommandSpec("get-manager", 0, 0, (), sw.cmd_get_manager),
    CommandSpec("del-manager", 0, 0, (), sw.cmd_del_manager),
    CommandSpec("set-manager", 1, UNLIMITED, ("--inactivity-probe=",),
                sw.cmd_set_manager),
    CommandSpec("get-ssl", 0, 0, (), sw.cmd_get_ssl),
    CommandSpec("del-ssl", 0, 0, (), sw.cmd_del_ssl),
    CommandSpec("set-ssl", 3, 3, ("--bootstrap",), sw.cmd_set_ssl),
    CommandSpec("list", 1, UNLIMITED, ("--if-exists", "--columns="),
                db.cmd_list),
    CommandSpec("find", 1, UNLIMITED, ("--columns=",), db.cmd_find),
    CommandSpec("get", 2, UNLIMITED, ("--if-exists", "--id="), db.cmd_get),
    CommandSpec("set", 3, UNLIMITED, ("--if-exists",), db.cmd_set),
    CommandSpec("add", 4, UNLIMITED, ("--if-exists",), db.cmd_add),
    CommandSpec("remove", 4, UNLIMITED, ("--if-exists",), db.cmd_remove),
    CommandSpec("clear", 3, UNLIMITED, ("--if-exists",), db.cmd_clear),
    CommandSpec("create", 2, UNLIMITED, ("--id=",), db.cmd_create,
                db.post_create),
    CommandSpec("destroy", 1, UNLIMITED, ("--if-exists", "--all"),
                db.cmd_destroy),
    CommandSpec("wait-until", 2, UNLIMITED, (), db.cmd_wait_until),
    CommandSpec("comment", 0, UNLIMITED, (), db.cmd_comment),
]
COMMANDS = {spec.name: spec for spec in _SPECS}


def command_options():
    """Every per-command option: name -> True if it requires a value."""
    options = {}
    for spec in _SPECS:
        for option in spec.options:
            options[option.rstrip("=")] = option.endswith("=")
    return options


def _parse_command(words, options):
    i = 0
    while i < len(words) and words[i].startswith("-"):
        word = words[i]
        name, eq, value = word.partition("=")
        if name in options:
            raise VsctlError("'%s' option specified multiple times" % word)
        options[name] = value if eq else None
        i += 1
    if i == len(words):
        raise VsctlError("missing command name (use --help for help)")
    spec = COMMANDS.get(words[i])
    if spec is None:
        raise VsctlError("unknown command '%s'; use --help for help"
                         % words[i])
    allowed = {o.rstrip("="): o.endswith("=") for o in spec.options}
    for name, value in options.items():
        if name not in allowed:
            raise VsctlError("'%s' command has no '%s' option"
                             % (spec.name, name))
        if allowed[name] and value is None:
            raise VsctlError("missing argument to '%s' option on '%s' command"
                             % (name, spec.name))
        if not allowed[name] and value is not None:
            raise VsctlError("'%s' option on '%s' does not accept an argument"
                             % (name, spec.name))
    args = words[i + 1:]
    if len(args) < spec.min_args:
        raise VsctlError("'%s' command requires at least %d arguments"
                         % (spec.name, spec.min_args))
    if len(args) > spec.max_args:
        raise VsctlError("'%s' command takes at most %d arguments"
                         % (spec.name, spec.max_args))
    return Command(spec, options, args)


def parse_commands(argv, first_options):
    """Splits argv (after global options) into Commands."""
    commands = []
    options = dict(first_options)
    start = 0
    for i in range(len(argv) + 1):
        if i == len(argv) or argv[i] == "--":
            if i > start:
                commands.append(_parse_command(argv[start:i], options))
                options = {}
            elif options:
                raise VsctlError("missing command name (use --help for help)")
            start = i + 1
    if not commands:
        raise VsctlError("missing command name (use --help for help)")
    return commands
