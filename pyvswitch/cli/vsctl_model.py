"""ovs-vsctl's view of the switch: real and fake bridges, ports, interfaces.

Built from the IDL replica on demand (and rebuilt after any command changes
the database), this model answers "which bridge owns port P" the way
ovs-vsctl does: a port tagged with VLAN v on bridge B belongs to B's fake
(VLAN) bridge for v if one exists, else to B; a fake bridge is a port with
fake_bridge=true and a tag in 0..4095.  The first of several same-named
bridges/ports/interfaces wins, as in ovs-vsctl.  Reading the model verifies
the columns it was built from, so a concurrent change makes the transaction
retry instead of acting on stale topology.
"""
from dataclasses import dataclass, field

from pyvswitch.cli.vsctl_context import VsctlError

# The columns the model is built from (what ovs-vsctl's pre_get_info registers).
COLUMNS = {
    "Open_vSwitch": ("bridges",),
    "Bridge": ("name", "ports"),
    "Port": ("name", "fake_bridge", "tag", "interfaces"),
    "Interface": ("name",),
}


@dataclass(eq=False)
class Bridge:
    name: str
    row: object               # the Bridge row (the parent's, for a fake bridge)
    parent: "Bridge" = None
    vlan: int = 0
    ports: dict = field(default_factory=dict)
    children: dict = field(default_factory=dict)   # vlan -> fake Bridge

    @property
    def is_fake(self):
        return self.parent is not None

    @property
    def real(self):
        return self.parent or self


@dataclass(eq=False)
class Port:
    name: str
    row: object
    bridge: Bridge
    ifaces: dict = field(default_factory=dict)


@dataclass(eq=False)
class Iface:
    name: str
    row: object
    port: Port


def _single_int(datum):
    if len(datum.values) == 1:
        return next(iter(datum.values)).value
    return None


def _name(ctx, row):
    return next(iter(ctx.read(row, "name").values)).value


def _refs(ctx, row, column, table):
    rows = []
    for atom in sorted(ctx.read(row, column).values):
        ref = ctx.row_by_uuid(table, atom.value)
        if ref is not None:
            rows.append(ref)
    return rows


def port_fake_vlan(ctx, port_row):
    """The VLAN of the fake bridge `port_row` stands for, else None."""
    fake = ctx.read(port_row, "fake_bridge")
    tag = _single_int(ctx.read(port_row, "tag"))
    if any(a.value for a in fake.values) and tag is not None \
            and 0 <= tag <= 4095:
        return tag
    return None


class Model:
    def __init__(self, ctx):
        self.bridges = {}
        self.ports = {}
        self.ifaces = {}
        root = ctx.root()
        if root is None:
            return
        ctx.verify(root, "bridges")
        bridge_rows = []
        for br_row in _refs(ctx, root, "bridges", "Bridge"):
            name = _name(ctx, br_row)
            if name in self.bridges:
                continue
            self.bridges[name] = Bridge(name, br_row)
            bridge_rows.append(br_row)
        for br_row in bridge_rows:
            ctx.verify(br_row, "ports")
            br = self.bridges[_name(ctx, br_row)]
            for port_row in _refs(ctx, br_row, "ports", "Port"):
                vlan = port_fake_vlan(ctx, port_row)
                name = _name(ctx, port_row)
                if vlan is not None and name not in self.bridges:
                    fake = Bridge(name, br_row, br, vlan)
                    self.bridges[name] = fake
                    br.children.setdefault(vlan, fake)
        for br_row in bridge_rows:
            br = self.bridges[_name(ctx, br_row)]
            for port_row in _refs(ctx, br_row, "ports", "Port"):
                name = _name(ctx, port_row)
                if name in self.ports:
                    continue
                owner = br
                tag = _single_int(ctx.read(port_row, "tag"))
                if tag is not None and tag in br.children:
                    owner = br.children[tag]
                port = Port(name, port_row, owner)
                self.ports[name] = port
                owner.ports[name] = port
                ctx.verify(port_row, "interfaces")
                for if_row in _refs(ctx, port_row, "interfaces", "Interface"):
                    if_name = _name(ctx, if_row)
                    if if_name not in self.ifaces:
                        iface = Iface(if_name, if_row, port)
                        self.ifaces[if_name] = iface
                        port.ifaces[if_name] = iface

    def bridge(self, name, must_exist=True):
        br = self.bridges.get(name)
        if br is None and must_exist:
            raise VsctlError("no bridge named %s" % name)
        return br

    def port(self, name, must_exist=True):
        port = self.ports.get(name)
        if port is None and must_exist:
            raise VsctlError("no port named %s" % name)
        return port

    def iface(self, name, must_exist=True):
        iface = self.ifaces.get(name)
        if iface is None and must_exist:
            raise VsctlError("no interface named %s" % name)
        return iface


def model_of(ctx):
    if ctx.model is None:
        ctx.model = Model(ctx)
    return ctx.model
