"""ovs-vsctl's switch-level commands: bridges, ports, bonds, interfaces,
controllers, fail modes, managers, SSL and emer-reset.

Each command is a function (ctx, command) over the Model of real and fake
bridges; it edits rows through the CommandContext and prints through
ctx.put().  Interfaces a command creates are remembered in
ctx.expected_ifaces so the runner can report set-up errors once
ovs-vswitchd has applied the change.
"""
import re

from ovs.db import types
from ovs.db.data import Atom, Datum

from pyvswitch.cli.vsctl_context import VsctlError
from pyvswitch.cli.vsctl_db import set_column
from pyvswitch.cli.vsctl_model import model_of


# ------------------------------------------------------------ row editing --

def _string(value):
    return Atom(types.StringType, value)


def _set_scalar(ctx, row, column, value):
    ctype = row._table.columns[column].type
    if value is None:
        datum = Datum(ctype, {})
    else:
        datum = Datum(ctype, {Atom(ctype.key.type, value): None})
    ctx.write(row, column, datum)


def _set_refs(ctx, row, column, uuids):
    ctype = row._table.columns[column].type
    ctx.write(row, column, Datum(ctype, {Atom(types.UuidType, u): None
                                         for u in uuids}))


def _ref_uuids(ctx, row, column):
    return [a.value for a in ctx.read(row, column).values]


def _add_ref(ctx, row, column, new_uuid):
    ctx.verify(row, column)
    _set_refs(ctx, row, column, _ref_uuids(ctx, row, column) + [new_uuid])


def _remove_ref(ctx, row, column, old_uuid):
    ctx.verify(row, column)
    _set_refs(ctx, row, column,
              [u for u in _ref_uuids(ctx, row, column) if u != old_uuid])


def _string_map(ctx, row, column):
    datum = ctx.read(row, column)
    return {k.value: v.value for k, v in datum.values.items()}


def _set_string_map(ctx, row, column, mapping):
    ctype = row._table.columns[column].type
    ctx.write(row, column, Datum(ctype, {_string(k): _string(v)
                                         for k, v in mapping.items()}))


def _new_iface(ctx, name, iface_type=None):
    row = ctx.insert("Interface")
    _set_scalar(ctx, row, "name", name)
    if iface_type:
        _set_scalar(ctx, row, "type", iface_type)
    ctx.expected_ifaces.append(row.uuid)
    return row


def _new_port(ctx, name, iface_rows):
    row = ctx.insert("Port")
    _set_scalar(ctx, row, "name", name)
    _set_refs(ctx, row, "interfaces", [r.uuid for r in iface_rows])
    return row


def _delete_rows_of_port(ctx, port):
    for iface in port.ifaces.values():
        ctx.delete(iface.row)
    ctx.delete(port.row)


def _del_port(ctx, port):
    _remove_ref(ctx, port.bridge.real.row, "ports", port.row.uuid)
    _delete_rows_of_port(ctx, port)


def _del_bridge(ctx, model, br):
    for child in list(br.children.values()):
        _del_bridge(ctx, model, child)
    for port in list(br.ports.values()):
        _del_port(ctx, port)
    if not br.is_fake:
        root = ctx.root()
        _remove_ref(ctx, root, "bridges", br.row.uuid)
        ctx.delete(br.row)


# --------------------------------------------------------------- bridges --

def cmd_init(ctx, command):
    """The runner already created the Open_vSwitch row if it was missing."""


def cmd_add_br(ctx, command):
    args = command.args
    may_exist = "--may-exist" in command.options
    name = args[0]
    if len(args) == 2:
        raise VsctlError("'add-br' command takes exactly 1 or 3 arguments")
    parent_name = vlan = None
    if len(args) == 3:
        parent_name = args[1]
        leading = re.match(r"\s*[+-]?[0-9]+", args[2])
        vlan = int(leading.group(0)) if leading else 0
        if not 0 <= vlan <= 4095:
            raise VsctlError("%s: vlan must be between 0 and 4095" % "add-br")
    model = model_of(ctx)
    existing = model.bridge(name, must_exist=False)
    if existing is not None and may_exist:
        if parent_name is None:
            if existing.is_fake:
                raise VsctlError('"--may-exist add-br %s" but %s is a VLAN '
                                 'bridge for VLAN %d'
                                 % (name, name, existing.vlan))
        elif not existing.is_fake:
            raise VsctlError('"--may-exist add-br %s %s %d" but %s is not a '
                             'VLAN bridge' % (name, parent_name, vlan, name))
        elif existing.parent.name != parent_name:
            raise VsctlError('"--may-exist add-br %s %s %d" but %s has the '
                             'wrong parent %s' % (name, parent_name, vlan,
                                                  name, existing.parent.name))
        elif existing.vlan != vlan:
            raise VsctlError('"--may-exist add-br %s %s %d" but %s is a VLAN '
                             'bridge for the wrong VLAN %d'
                             % (name, parent_name, vlan, name, existing.vlan))
        return
    if existing is not None:
        raise VsctlError("cannot create a bridge named %s because a bridge "
                         "named %s already exists" % (name, name))
    port = model.port(name, must_exist=False)
    if port is not None:
        raise VsctlError("cannot create a bridge named %s because a port named "
                         "%s already exists on bridge %s"
                         % (name, name, port.bridge.name))
    iface = model.iface(name, must_exist=False)
    if iface is not None:
        raise VsctlError("cannot create a bridge named %s because an interface "
                         "named %s already exists on bridge %s"
                         % (name, name, iface.port.bridge.name))
    if parent_name is None:
        if_row = _new_iface(ctx, name, "internal")
        port_row = _new_port(ctx, name, [if_row])
        br_row = ctx.insert("Bridge")
        _set_scalar(ctx, br_row, "name", name)
        _set_refs(ctx, br_row, "ports", [port_row.uuid])
        _add_ref(ctx, ctx.root(), "bridges", br_row.uuid)
    else:
        parent = model.bridge(parent_name, must_exist=False)
        if parent is None:
            raise VsctlError("parent bridge %s does not exist" % parent_name)
        if parent.is_fake:
            raise VsctlError("cannot create bridge with fake bridge as parent")
        if vlan in parent.children:
            raise VsctlError("bridge %s already has a child VLAN bridge %s on "
                             "VLAN %d" % (parent_name,
                                          parent.children[vlan].name, vlan))
        if_row = _new_iface(ctx, name, "internal")
        port_row = _new_port(ctx, name, [if_row])
        _set_scalar(ctx, port_row, "fake_bridge", True)
        _set_scalar(ctx, port_row, "tag", vlan)
        _add_ref(ctx, parent.row, "ports", port_row.uuid)
    ctx.invalidate_model()


def cmd_del_br(ctx, command):
    model = model_of(ctx)
    br = model.bridge(command.args[0],
                      must_exist="--if-exists" not in command.options)
    if br is not None:
        _del_bridge(ctx, model, br)
        ctx.invalidate_model()


def cmd_list_br(ctx, command):
    real = "--real" in command.options
    fake = "--fake" in command.options
    if real and fake:
        raise VsctlError("--real and --fake are mutually exclusive")
    names = [name for name, br in model_of(ctx).bridges.items()
             if (not real or not br.is_fake) and (not fake or br.is_fake)]
    for name in sorted(names):
        ctx.put(name + "\n")


def cmd_br_exists(ctx, command):
    if model_of(ctx).bridge(command.args[0], must_exist=False) is None:
        raise VsctlError(None, status=2)


def cmd_br_to_vlan(ctx, command):
    ctx.put("%d\n" % model_of(ctx).bridge(command.args[0]).vlan)


def cmd_br_to_parent(ctx, command):
    ctx.put(model_of(ctx).bridge(command.args[0]).real.name + "\n")


def _external_ids_target(ctx, br):
    """(row, key prefix) holding a bridge's external ids."""
    if br.is_fake:
        return br.real.ports[br.name].row if br.name in br.real.ports \
            else model_of(ctx).ports[br.name].row, "fake-bridge-"
    return br.row, ""


def cmd_br_set_external_id(ctx, command):
    br = model_of(ctx).bridge(command.args[0])
    row, prefix = _external_ids_target(ctx, br)
    ctx.verify(row, "external_ids")
    ids = _string_map(ctx, row, "external_ids")
    key = prefix + command.args[1]
    if len(command.args) > 2:
        ids[key] = command.args[2]
    else:
        ids.pop(key, None)
    _set_string_map(ctx, row, "external_ids", ids)


def cmd_br_get_external_id(ctx, command):
    br = model_of(ctx).bridge(command.args[0])
    row, prefix = _external_ids_target(ctx, br)
    ctx.verify(row, "external_ids")
    ids = _string_map(ctx, row, "external_ids")
    if len(command.args) > 1:
        value = ids.get(prefix + command.args[1])
        if value is not None:
            ctx.put(value + "\n")
        return
    for key in sorted(ids):
        if key.startswith(prefix):
            ctx.put("%s=%s\n" % (key[len(prefix):], ids[key]))


# ----------------------------------------------------------------- ports --

def cmd_list_ports(ctx, command):
    br = model_of(ctx).bridge(command.args[0])
    for name in sorted(br.ports):
        if name != br.name:
            ctx.put(name + "\n")


def _add_port(ctx, command, br_name, port_name, iface_names, settings,
              fake_iface=False):
    may_exist = "--may-exist" in command.options
    model = model_of(ctx)
    existing = model.port(port_name, must_exist=False)
    if may_exist and existing is not None:
        want = sorted(iface_names)
        have = sorted(existing.ifaces)
        br = model.bridge(br_name)
        if existing.bridge is not br:
            raise VsctlError('"--may-exist add-port %s %s" but %s is actually '
                             'attached to bridge %s'
                             % (br_name, port_name, port_name,
                                existing.bridge.name))
        if want != have:
            invocation = " ".join([command.spec.name, br_name, port_name]
                                  + (iface_names if command.spec.name
                                     == "add-bond" else []))
            raise VsctlError('"--may-exist %s" but %s actually has '
                             'interface(s) %s'
                             % (invocation, port_name, ", ".join(have)))
        return
    br = model.bridge(br_name)
    if port_name in model.bridges:
        raise VsctlError("cannot create a port named %s because a bridge "
                         "named %s already exists" % (port_name, port_name))
    if existing is not None:
        raise VsctlError("cannot create a port named %s because a port named "
                         "%s already exists on bridge %s"
                         % (port_name, port_name, existing.bridge.name))
    for if_name in iface_names:
        iface = model.iface(if_name, must_exist=False)
        if iface is not None:
            raise VsctlError("cannot create an interface named %s because an "
                             "interface named %s already exists on bridge %s"
                             % (if_name, if_name, iface.port.bridge.name))
    if_rows = [_new_iface(ctx, name) for name in iface_names]
    port_row = _new_port(ctx, port_name, if_rows)
    if fake_iface:
        _set_scalar(ctx, port_row, "bond_fake_iface", True)
    if br.is_fake:
        _set_scalar(ctx, port_row, "tag", br.vlan)
    for setting in settings:
        set_column(ctx, port_row, setting)
    _add_ref(ctx, br.real.row, "ports", port_row.uuid)
    ctx.invalidate_model()


def cmd_add_port(ctx, command):
    br_name, port_name = command.args[:2]
    _add_port(ctx, command, br_name, port_name, [port_name],
              command.args[2:])


def cmd_add_bond(ctx, command):
    br_name, port_name = command.args[:2]
    rest = command.args[2:]
    split = next((i for i, a in enumerate(rest) if "=" in a), len(rest))
    ifaces, settings = rest[:split], rest[split:]
    if len(ifaces) < 2:
        raise VsctlError("add-bond requires at least 2 interfaces, but only %d "
                         "were specified" % len(ifaces))
    _add_port(ctx, command, br_name, port_name, ifaces, settings,
              "--fake-iface" in command.options)


def cmd_del_port(ctx, command):
    if_exists = "--if-exists" in command.options
    with_iface = "--with-iface" in command.options
    model = model_of(ctx)
    target = command.args[-1]
    port = model.port(target, must_exist=False)
    if port is None and with_iface:
        iface = model.iface(target, must_exist=False)
        port = iface.port if iface is not None else None
        if port is None and not if_exists:
            raise VsctlError("no port or interface named %s" % target)
    elif port is None and not if_exists:
        raise VsctlError("no port named %s" % target)
    if port is None:
        return
    if len(command.args) == 2:
        br = model.bridge(command.args[0])
        if port.bridge is not br:
            if port.bridge.parent is br:
                raise VsctlError("bridge %s does not have a port %s (although "
                                 "its child bridge %s does)"
                                 % (br.name, target, port.bridge.name))
            raise VsctlError("bridge %s does not have a port %s"
                             % (br.name, target))
    if port.name in model.bridges:
        raise VsctlError("cannot delete port %s because it is the local port "
                         "for bridge %s (deleting this port requires deleting "
                         "the entire bridge)" % (port.name, port.name))
    _del_port(ctx, port)
    ctx.invalidate_model()


def cmd_port_to_br(ctx, command):
    ctx.put(model_of(ctx).port(command.args[0]).bridge.name + "\n")


def cmd_list_ifaces(ctx, command):
    br = model_of(ctx).bridge(command.args[0])
    names = [n for port in br.ports.values() for n in port.ifaces]
    for name in sorted(names):
        if name != br.name:
            ctx.put(name + "\n")


def cmd_iface_to_br(ctx, command):
    ctx.put(model_of(ctx).iface(command.args[0]).port.bridge.name + "\n")


def cmd_add_bond_iface(ctx, command):
    model = model_of(ctx)
    port = model.port(command.args[0])
    if_name = command.args[1]
    iface = model.iface(if_name, must_exist=False)
    if iface is not None:
        if iface.port is port and "--may-exist" in command.options:
            return
        raise VsctlError("%s: cannot add interface because it is already "
                         "part of %s" % (if_name, iface.port.name))
    if_row = _new_iface(ctx, if_name)
    _add_ref(ctx, port.row, "interfaces", if_row.uuid)
    ctx.invalidate_model()


def cmd_del_bond_iface(ctx, command):
    model = model_of(ctx)
    if_name = command.args[-1]
    iface = model.iface(if_name, must_exist=False)
    if iface is None:
        if "--if-exists" in command.options:
            return
        raise VsctlError("no interface named %s" % if_name)
    if len(command.args) == 2:
        port = model.port(command.args[0])
        if iface.port is not port:
            raise VsctlError("port %s does not have an interface %s"
                             % (port.name, if_name))
    if len(iface.port.ifaces) == 1:
        raise VsctlError("cannot remove %s from %s because it is the only "
                         "interface in %s" % (if_name, iface.port.name,
                                              iface.port.name))
    _remove_ref(ctx, iface.port.row, "interfaces", iface.row.uuid)
    ctx.delete(iface.row)
    ctx.invalidate_model()


# ----------------------------------------------- controllers and fail mode --

def _targets(ctx, row, column, table):
    names = []
    for row_uuid in _ref_uuids(ctx, row, column):
        ref = ctx.row_by_uuid(table, row_uuid)
        if ref is not None:
            names.append(next(iter(ctx.read(ref, "target").values)).value)
    return sorted(names)


def _replace_targets(ctx, row, column, table, targets, probe):
    for row_uuid in _ref_uuids(ctx, row, column):
        ref = ctx.row_by_uuid(table, row_uuid)
        if ref is not None:
            ctx.delete(ref)
    new_uuids = []
    for target in targets:
        ref = ctx.insert(table)
        _set_scalar(ctx, ref, "target", target)
        if probe is not None:
            _set_scalar(ctx, ref, "inactivity_probe", _probe_msecs(probe))
        new_uuids.append(ref.uuid)
    _set_refs(ctx, row, column, new_uuids)


def _probe_msecs(text):
    try:
        return int(text)
    except ValueError:
        raise VsctlError('--inactivity-probe: "%s" is not a valid integer'
                         % text)


def cmd_get_controller(ctx, command):
    br = model_of(ctx).bridge(command.args[0]).real
    ctx.verify(br.row, "controller")
    for target in _targets(ctx, br.row, "controller", "Controller"):
        ctx.put(target + "\n")


def cmd_del_controller(ctx, command):
    br = model_of(ctx).bridge(command.args[0]).real
    ctx.verify(br.row, "controller")
    _replace_targets(ctx, br.row, "controller", "Controller", [], None)


def cmd_set_controller(ctx, command):
    br = model_of(ctx).bridge(command.args[0]).real
    ctx.verify(br.row, "controller")
    _replace_targets(ctx, br.row, "controller", "Controller",
                     command.args[1:], command.options.get("--inactivity-probe"))


def cmd_get_fail_mode(ctx, command):
    br = model_of(ctx).bridge(command.args[0]).real
    ctx.verify(br.row, "fail_mode")
    for atom in ctx.read(br.row, "fail_mode").values:
        ctx.put(atom.value + "\n")


def cmd_del_fail_mode(ctx, command):
    br = model_of(ctx).bridge(command.args[0]).real
    _set_scalar(ctx, br.row, "fail_mode", None)


def cmd_set_fail_mode(ctx, command):
    br = model_of(ctx).bridge(command.args[0]).real
    mode = command.args[1]
    if mode not in ("standalone", "secure"):
        raise VsctlError('fail-mode must be "standalone" or "secure"')
    _set_scalar(ctx, br.row, "fail_mode", mode)


# ------------------------------------------------------- managers and SSL --

def cmd_get_manager(ctx, command):
    root = ctx.root()
    ctx.verify(root, "manager_options")
    for target in _targets(ctx, root, "manager_options", "Manager"):
        ctx.put(target + "\n")


def cmd_del_manager(ctx, command):
    root = ctx.root()
    ctx.verify(root, "manager_options")
    _replace_targets(ctx, root, "manager_options", "Manager", [], None)


def cmd_set_manager(ctx, command):
    root = ctx.root()
    ctx.verify(root, "manager_options")
    _replace_targets(ctx, root, "manager_options", "Manager", command.args,
                     command.options.get("--inactivity-probe"))


def _ssl_row(ctx):
    root = ctx.root()
    ctx.verify(root, "ssl")
    refs = _ref_uuids(ctx, root, "ssl")
    return ctx.row_by_uuid("SSL", refs[0]) if refs else None


def cmd_get_ssl(ctx, command):
    ssl = _ssl_row(ctx)
    if ssl is None:
        return
    for label, column in (("Private key", "private_key"),
                          ("Certificate", "certificate"),
                          ("CA Certificate", "ca_cert")):
        ctx.put("%s: %s\n" % (label, next(iter(ctx.read(ssl, column)
                                                .values)).value))
    bootstrap = next(iter(ctx.read(ssl, "bootstrap_ca_cert").values)).value
    ctx.put("Bootstrap: %s\n" % ("true" if bootstrap else "false"))


def cmd_del_ssl(ctx, command):
    ssl = _ssl_row(ctx)
    if ssl is not None:
        ctx.delete(ssl)
        _set_refs(ctx, ctx.root(), "ssl", [])


def cmd_set_ssl(ctx, command):
    old = _ssl_row(ctx)
    if old is not None:
        ctx.delete(old)
    ssl = ctx.insert("SSL")
    for column, value in zip(("private_key", "certificate", "ca_cert"),
                             command.args):
        _set_scalar(ctx, ssl, column, value)
    _set_scalar(ctx, ssl, "bootstrap_ca_cert", "--bootstrap" in command.options)
    _set_refs(ctx, ctx.root(), "ssl", [ssl.uuid])


# ------------------------------------------------------------- emer-reset --

_BRIDGE_CLEARED = ("controller", "fail_mode", "mirrors", "netflow", "sflow",
                   "ipfix", "flood_vlans")
_TABLES_EMPTIED = ("Mirror", "Controller", "Manager", "NetFlow", "sFlow",
                   "IPFIX", "SSL")


def cmd_emer_reset(ctx, command):
    root = ctx.root()
    _set_refs(ctx, root, "manager_options", [])
    _set_refs(ctx, root, "ssl", [])
    for br_row in ctx.rows("Bridge"):
        for column in _BRIDGE_CLEARED:
            if column in br_row._table.columns:
                ctype = br_row._table.columns[column].type
                ctx.write(br_row, column, Datum(ctype, {}))
        other = _string_map(ctx, br_row, "other_config")
        kept = {"hwaddr": other["hwaddr"]} if "hwaddr" in other else {}
        _set_string_map(ctx, br_row, "other_config", kept)
    for port_row in ctx.rows("Port"):
        _set_string_map(ctx, port_row, "other_config", {})
    for if_row in ctx.rows("Interface"):
        _set_scalar(ctx, if_row, "ingress_policing_rate", 0)
        _set_scalar(ctx, if_row, "ingress_policing_burst", 0)
    for table in _TABLES_EMPTIED:
        if table in ctx.tables:
            for row in ctx.rows(table):
                ctx.delete(row)
    ctx.invalidate_model()

