"""Stock ovs-vsctl against stock Open vSwitch versus our client and our daemon: same script, same answers.

Each script runs once as the reference (stock ovs-vsctl against stock
ovsdb-server, with stock ovs-vswitchd --enable-dummy=override when the script
needs a switch) and once per candidate (pyvs-vsctl against the same stock
target; stock ovs-vsctl and pyvs-vsctl against pyvswitchd
--enable-dummy=override), each against its own freshly started target.  The
stock targets are initialised the way Debian's ovs-ctl units initialise a real
installation.  stdout, stderr and exit status of every step must match after
normalising what legitimately differs: UUIDs, log timestamps, program names,
interface MAC addresses and datapath IDs (random or timing-dependent in stock),
statistics counters, and the order of rows/ports that follows randomly assigned
UUIDs.  A target is a function (tmpdir) -> (db remote, cleanup).
"""
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid

import pytest

STOCK_TOOLS = ("ovs-vsctl", "ovsdb-server", "ovsdb-tool", "ovs-vswitchd")
STOCK_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(not all(shutil.which(t) for t in STOCK_TOOLS)
                       or not os.path.exists(STOCK_SCHEMA),
                       reason="stock Open vSwitch tools not installed"),
]


# ---------------------------------------------------------------- targets --

def _env(tmpdir):
    env = dict(os.environ)
    env.update(OVS_RUNDIR=tmpdir, OVS_DBDIR=tmpdir, OVS_LOGDIR=tmpdir,
               OVS_SYSCONFDIR=tmpdir, PYVS_RUNDIR=tmpdir, PYVS_DBDIR=tmpdir,
               PYVS_LOGDIR=tmpdir)
    return env


def _wait_for(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError("%s never appeared" % path)
        time.sleep(0.02)


def _kill_pidfile(path):
    try:
        with open(path) as f:
            pid = int(f.read().strip())
        os.kill(pid, 15)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.02)
    except (OSError, ValueError):
        pass


def _os_release():
    fields = {}
    with open("/etc/os-release") as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            fields[key] = value.strip('"')
    return fields.get("ID", "unknown"), fields.get("VERSION_ID", "unknown")


def _ovs_ctl_init_database(vsctl, env, rundir):
    """What `ovs-ctl start --system-id=random` (Debian's ovsdb-server unit)
    writes once ovsdb-server runs, so the reference is a real installation."""
    def run(*args):
        subprocess.run(vsctl + list(args), check=True, env=env, timeout=30)
    schema_version = subprocess.run(["ovsdb-tool", "schema-version", STOCK_SCHEMA], check=True,
                                    capture_output=True, text=True).stdout.strip()
    ovs_version = subprocess.run(["ovs-vswitchd", "--version"], check=True, capture_output=True,
                                 text=True).stdout.splitlines()[0].split()[-1]
    system_type, system_version = _os_release()
    run("--", "init", "--", "set", "Open_vSwitch", ".", "db-version=" + schema_version)
    run("set", "Open_vSwitch", ".", "ovs-version=" + ovs_version,
        'external-ids:system-id="%s"' % uuid.uuid4(), 'external-ids:rundir="%s"' % rundir,
        'system-type="%s"' % system_type, 'system-version="%s"' % system_version)


def _ovs_ctl_record_hostname(vsctl, env):
    """`ovs-ctl record-hostname-if-not-set` (Debian's ovs-record-hostname unit)."""
    hostname = subprocess.run(["hostname", "-f"], capture_output=True, text=True)
    if hostname.returncode != 0:
        hostname = subprocess.run(["uname", "-n"], capture_output=True, text=True)
    subprocess.run(vsctl + ["add", "Open_vSwitch", ".", "external-ids",
                            "hostname=" + hostname.stdout.strip()],
                   check=True, env=env, timeout=30)


def start_stock_ovsdb(tmpdir, with_vswitchd=False):
    env = _env(tmpdir)
    db = os.path.join(tmpdir, "conf.db")
    sock = os.path.join(tmpdir, "db.sock")
    vsctl = ["ovs-vsctl", "--no-wait", "--db=unix:" + sock]
    subprocess.run(["ovsdb-tool", "create", db, STOCK_SCHEMA], check=True,
                   env=env)
    pidfiles = [os.path.join(tmpdir, "ovsdb-server.pid")]

    def cleanup():
        for pidfile in pidfiles:
            _kill_pidfile(pidfile)
    try:
        subprocess.run(["ovsdb-server", db, "--remote=punix:" + sock,
                        "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
                        "--private-key=db:Open_vSwitch,SSL,private_key",
                        "--certificate=db:Open_vSwitch,SSL,certificate",
                        "--bootstrap-ca-cert=db:Open_vSwitch,SSL,ca_cert",
                        "--unixctl=" + os.path.join(tmpdir, "ovsdb-server.ctl"),
                        "--pidfile=" + pidfiles[0], "--detach", "--no-chdir",
                        "--log-file=" + os.path.join(tmpdir, "ovsdb-server.log")],
                       check=True, env=env)
        _wait_for(sock)
        _ovs_ctl_init_database(vsctl, env, tmpdir)
        if with_vswitchd:
            pidfiles.insert(0, os.path.join(tmpdir, "ovs-vswitchd.pid"))
            subprocess.run(["ovs-vswitchd", "--enable-dummy=override",
                            "--disable-system", "--detach", "--no-chdir",
                            "--pidfile=" + pidfiles[0],
                            "--unixctl=" + os.path.join(tmpdir, "vswitchd.ctl"),
                            "--log-file=" + os.path.join(tmpdir, "vswitchd.log"),
                            "-vconsole:off", "unix:" + sock], check=True, env=env)
            _ovs_ctl_record_hostname(vsctl, env)
    except BaseException:
        cleanup()
        raise
    return "unix:" + sock, cleanup


def stock_ovsdb(tmpdir):
    return start_stock_ovsdb(tmpdir)


def stock_vswitchd(tmpdir):
    return start_stock_ovsdb(tmpdir, with_vswitchd=True)


def pyvswitchd(tmpdir):
    env = _env(tmpdir)
    pidfile = os.path.join(tmpdir, "pyvswitchd.pid")
    try:
        subprocess.run(["pyvswitchd", "--enable-dummy=override", "--detach", "--no-chdir",
                        "--pidfile=" + pidfile, "--log-file", "-vconsole:off"],
                       check=True, env=env, timeout=60)
    except BaseException:
        _kill_pidfile(pidfile)
        raise
    return "unix:" + os.path.join(tmpdir, "db.sock"), lambda: _kill_pidfile(pidfile)


TARGETS = {"stock-ovsdb": stock_ovsdb, "stock-vswitchd": stock_vswitchd, "pyvswitchd": pyvswitchd}
CLIENTS = {"stock": "ovs-vsctl", "ours": "pyvs-vsctl"}


# ----------------------------------------------------------- normalising --

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                   r"[0-9a-f]{12}")
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\d+\|", re.M)
_HTML_ABBREV = re.compile(r'(<a (?:name|href)="[^"]*">)[^<]*(</a>)')
_STATISTICS = re.compile(r"^(statistics\s*: )(.*)$", re.M)
# Stock draws bridge MACs at random and numbers its dummies' MACs in an order
# that depends on timing.
_STATUS_MAC = re.compile(r'^((?:mac_in_use|bond_active_slave)\s*: )"[0-9a-f:]{17}"', re.M)


def _common(text):
    text = _UUID.sub("<UUID>", text)
    text = _STAMP.sub("<TIME>|", text)
    text = _HTML_ABBREV.sub(r"\1<ABBREV>\2", text)
    text = re.sub(r"^(ovs|pyvs)-vsctl:", "PROG:", text, flags=re.M)
    text = text.replace("ovs-vswitchd log", "pyvswitchd log")
    text = _STATUS_MAC.sub(r"\1<MAC>", text)
    text = _STATISTICS.sub(lambda m: m.group(1) + re.sub(r"=\d+", "=<N>", m.group(2)), text)
    return re.sub(r'"[0-9a-f]{16}"', '"<DPID>"', text)


def _tree(text):
    """Sorts sibling blocks of `show` output recursively."""
    lines = text.splitlines()

    def build(start, depth):
        children = []
        i = start
        while i < len(lines):
            indent = len(lines[i]) - len(lines[i].lstrip(" "))
            if indent < depth:
                break
            node, i = lines[i], i + 1
            sub, i = build(i, indent + 1)
            children.append(node + "".join("\n" + s for s in sub))
        return sorted(children), i
    return "\n".join(build(0, 0)[0])


NORMALISERS = {
    "exact": lambda t: t,
    "blocks": lambda t: "\n\n".join(sorted(t.rstrip("\n").split("\n\n"))),
    "lines": lambda t: "\n".join(sorted(t.splitlines())),
    "tree": _tree,
}


def _run_script(client, target, script, tmp_path):
    run_dir = str(tmp_path / ("%s-%s" % (client, uuid.uuid4().hex[:8])))
    os.makedirs(run_dir)
    remote, cleanup = TARGETS[target](run_dir)
    env = _env(run_dir)
    results = []
    try:
        for mode, line in script:
            argv = [CLIENTS[client], "--db=" + remote, "--timeout=20"]
            argv += shlex.split(line)
            proc = subprocess.run(argv, capture_output=True, text=True,
                                  env=env, timeout=60)
            norm = NORMALISERS[mode]
            stdout = proc.stdout.replace(run_dir, "<RUNDIR>")
            stderr = proc.stderr.replace(run_dir, "<RUNDIR>")
            results.append((line, norm(_common(stdout)), _common(stderr),
                            proc.returncode))
    finally:
        cleanup()
    return results


def compare(reference, candidate, script, tmp_path):
    """reference and candidate are (client, target) pairs, e.g. ("stock", "stock-vswitchd")."""
    stock = _run_script(*reference, script, tmp_path)
    ours = _run_script(*candidate, script, tmp_path)
    diffs = []
    for want, got in zip(stock, ours):
        if want != got:
            diffs.append("step: %s\n  stock: %r\n  ours:  %r"
                         % (want[0], want[1:], got[1:]))
    assert not diffs, "%d mismatching steps:\n%s" % (len(diffs),
                                                      "\n".join(diffs))


def _script(text):
    steps = []
    for raw in text.strip().splitlines():
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        mode, _, line = raw.partition(" ")
        if mode not in NORMALISERS:
            mode, line = "exact", raw
        steps.append((mode, line))
    return steps


# ---------------------------------------------------------------- scripts --

BRIDGES_AND_PORTS = _script(r"""
init
list-br
show
add-br br0
add-br br0
--may-exist add-br br0
add-br br1
list-br
br-exists br0
br-exists nobr
add-br vl10 br0 10
add-br vl10 br0 10
--may-exist add-br vl10 br0 10
--may-exist add-br vl10 br0 11
--may-exist add-br vl10 br1 10
--may-exist add-br br0 br1 5
add-br vl11 vl10 11
add-br vl12 br0 10
add-br vl12 br0 4096
add-br vl12 br0 x
add-br vl13 nobr 13
add-br a b
add-br
list-br
--real list-br
--fake list-br
br-to-vlan vl10
br-to-vlan br0
br-to-parent vl10
br-to-parent br0
br-to-parent nobr
add-port br0 p1
add-port br0 p1
--may-exist add-port br0 p1
--may-exist add-port br1 p1
add-port nobr p2
add-port br0 p2 tag=5 other_config:a=b
add-port br0 p3 tag=5000
add-port br0 p3 nocol=1
add-port br0 p3 -- set Interface p3 type=internal
add-port br0 p4 trunks=1,2,3 vlan_mode=trunk
add-port vl10 p5
add-port br1 br0
add-port br1 pp0 -- set interface pp0 type=patch options:peer=pp1
add-port br0 pp1 -- set interface pp1 type=patch options:peer=pp0
add-port br0 vx0 -- set interface vx0 type=vxlan options:remote_ip=10.0.0.1 options:key=flow
add-port br0 gn0 -- set interface gn0 type=geneve options:remote_ip=10.0.0.2
add-port br0 bad0 -- set interface bad0 type=bogus
add-bond br0 bond0 e1 e2 bond_mode=balance-slb lacp=active
add-bond br0 bond1 e3
--fake-iface add-bond br0 bond2 e4 e5
--may-exist add-bond br0 bond0 e1 e2
--may-exist add-bond br0 bond0 e1 e9
add-bond br0 bond3 e1 e6
list-ports br0
list-ports vl10
list-ports nobr
list-ifaces br0
list-ifaces vl10
port-to-br p5
port-to-br p1
port-to-br nope
iface-to-br e1
iface-to-br p5
iface-to-br nope
get port p2 tag other_config
get port p4 trunks vlan_mode
get interface vx0 type options
get interface vx0 options:remote_ip options:key
get port bond2 bond_fake_iface
tree show
del-port p1
del-port p1
--if-exists del-port p1
del-port br1 p2
del-port br0 p5
del-port vl10 p5
del-port br0 br0
--with-iface del-port br0 e3
--with-iface del-port e4
--with-iface del-port nope
--if-exists --with-iface del-port nope
list-ports br0
br-set-external-id br0 k1 v1
br-set-external-id br0 k2 v2
br-get-external-id br0
br-get-external-id br0 k1
br-get-external-id br0 nokey
br-set-external-id br0 k1
br-get-external-id br0
br-set-external-id vl10 fk fv
br-get-external-id vl10
br-get-external-id vl10 fk
get port vl10 external_ids
del-br vl10
list-br
del-br nobr
--if-exists del-br nobr
del-br br1
list-br
tree show
""")

# Listeners bind loopback ports the kernel picks and active targets point at a
# port nothing serves, so concurrent tests on this machine cannot interfere.
CONTROL = _script(r"""
add-br br0
get-controller br0
set-controller br0 tcp:127.0.0.1:1 ptcp:0:127.0.0.1
get-controller br0
get controller br0 target
blocks --columns=target,is_connected list controller
set-fail-mode br0 secure
get-fail-mode br0
set-fail-mode br0 bogus
del-fail-mode br0
get-fail-mode br0
set-fail-mode br0 standalone
set-manager ptcp:0:127.0.0.1 tcp:127.0.0.1:1
get-manager
get manager ptcp:0:127.0.0.1 target
--columns=target list manager ptcp:0:127.0.0.1
del-manager
get-manager
set-manager ptcp:0:127.0.0.1
tree show
del-controller br0
get-controller br0
set-controller br0 tcp:127.0.0.1:1
get-ssl
set-ssl /tmp/key.pem /tmp/cert.pem /tmp/ca.pem
get-ssl
--bootstrap set-ssl /tmp/k /tmp/c /tmp/ca
get-ssl
del-ssl
get-ssl
add-br br2 br0 7
get-controller br2
get-fail-mode br2
set bridge br0 other_config:hwaddr=00:11:22:33:44:55 other_config:x=y flood_vlans=1,2
add-port br0 p0 other_config:a=b -- set interface p0 ingress_policing_rate=100
emer-reset
get bridge br0 other_config flood_vlans fail_mode controller
get port p0 other_config
get interface p0 ingress_policing_rate
get-manager
tree show
""")

# Stock ovs-vsctl --dry-run without --no-wait waits for a reconfiguration it
# never asked for, until --timeout kills it; pyvs-vsctl returns at once.
DATABASE = _script(r"""
add-br br0
add-port br0 p0 tag=10 trunks=1,2 other_config:k=v external_ids:e=1
add-port br0 p1
--columns=name,tag,trunks,other_config list port p0
-f table --columns=name,tag,trunks,other_config,external_ids list port p0
-f csv --columns=name,tag,trunks,other_config,external_ids list port p0
-f html --columns=_uuid,name,tag,trunks,interfaces list port p0
-f json --columns=_uuid,name,tag,trunks,other_config list port p0
--pretty -f json --columns=name,tag,trunks,other_config list port p0
-d bare --columns=name,tag,trunks,other_config list port p0
-d json --columns=_uuid,name,tag,trunks,other_config list port p0
-f table -d json --columns=name,tag,trunks list port p0
-f csv -d bare --columns=name,trunks,other_config list port p0
--no-headings -f table --columns=name,tag list port p0
--no-headings -f csv --columns=name,tag list port p0
--no-headings -f html --columns=name,tag list port p0
--no-headings -f json --columns=name,tag list port p0
--bare --columns=name,trunks list port p0
--max-column-width=3 -f table --columns=name,trunks,other_config list port p0
list port p0
list interface p0
blocks list port p0 p1
blocks --columns=name list port
lines -f table --columns=name,tag list port
lines -f csv --columns=name,tag list port
list port nope
--if-exists list port nope
list nosuchtable
list i
list por p0
--columns=nme list port p0
--columns= list port p0
--columns=name,name list port p0
--oneline --columns=name list port p0 -- list-br -- get port p0 trunks tag -- set port p0 tag=11
--oneline get port p0 other_config -- list-ports br0
find port name=p0
blocks find port
--columns=name find port tag=11
blocks --columns=name find port tag!=11
--columns=name find port tag>5
blocks --columns=name find port tag<5
--columns=name find port other_config:k=v
--columns=name find port other_config:k!=v
--columns=name find port 'other_config{>=}k=v'
blocks --columns=name find port 'trunks{<=}1-5'
--columns=name find port 'trunks{>}1'
--columns=name find port 'trunks{=}1,2'
blocks --columns=name find port 'trunks{!=}1,2'
blocks --columns=name find port 'trunks{in}1,2,3'
blocks --columns=name find port 'trunks{not-in}2,3'
--columns=name find port name
--columns=name find port nocol=1
get port p0 name tag _uuid
get port p0 other_config:k
get port p0 other_config:nokey
--if-exists get port p0 other_config:nokey
get port p0 name:x
get port nope name
--if-exists get port nope name
get port p0 n
-- --id=@p get port p0 -- --id=@p get port p0
--id=p get port p0
--if-exists --id=@p get port p0
set port p0 tag=20 other_config:k2=v2 'external_ids={a=b, c=d}'
get port p0 tag other_config external_ids
set port p0 tag=5000
set port p0 tag=abc
set port p0 tag=1.5
set port p0 tag=1-2
set port p0 tag=[]
get port p0 tag
set port p0 name=x
set port p0 tag=
set port p0 tag
set port p0 =x
set port p0 trunks=1-3,7
get port p0 trunks
set port p0 trunks=5-3
set port p0 trunks=1,1
set port p0 'trunks={1}'
set port p0 'trunks=[1'
set port p0 'trunks=[1]x'
set port p0 vlan_mode=bogus
set port p0 vlan_mode=access
set port p0 'other_config=a b'
set port p0 'other_config=a=b,,c=d'
set port p0 'other_config=a'
set port p0 'other_config=a=b,a=c'
set port p0 'other_config={a=b'
set port p0 'other_config:x=a b' 'other_config:"y z"=w' other_config:q=x:y
get port p0 other_config
set port p0 'external_ids:t=true' 'external_ids:n=123' 'external_ids:e=""'
get port p0 external_ids
set port p0 'external_ids:s="a\q"'
set port p0 'external_ids=x"y'
set interface p0 ofport_request=99999
set bridge br0 stp_enable=maybe
set bridge br0 netflow=abc
set bridge br0 fail_mode=secure -- get bridge br0 fail_mode
--if-exists set port nope tag=1
set port nope tag=1
add port p0 trunks 9 10-11
get port p0 trunks
add port p0 other_config k=new n=1
get port p0 other_config
add port p0 other_config x
add port p0 name foo
add port p0 tag 1 2
remove port p0 trunks 9 1-2
get port p0 trunks
remove port p0 other_config k n=2 x=a\ b
get port p0 other_config
remove port p0 other_config n=1
get port p0 other_config
remove interface p0 name p0
clear port p0 trunks other_config
get port p0 trunks other_config
clear interface p0 type
clear port p0 nocol
--if-exists clear port nope trunks
create qos type=linux-htb other_config:max-rate=1000
--columns=type,other_config list qos
create qos
create flow_table name=ft1
-- --id=@q create qos type=linux-hfsc -- set port p0 qos=@q
get port p0 qos
--columns=type list qos p0
set port p0 qos=@nq
-- --id=@m create mirror name=m0 select_all=true
-- --id=@p0 get port p0 -- --id=@m create mirror name=m1 select_src_port=@p0 output_port=@p0 -- add bridge br0 mirrors @m
--columns=name,select_all list mirror m1
-- --id=@ft create flow_table name=ft2 flow_limit=100 -- set bridge br0 flow_tables:0=@ft
--columns=name,flow_limit list flow_table ft2
get bridge br0 flow_tables
-- --id=@m get mirror m1 -- remove bridge br0 mirrors @m
--columns=name list mirror
destroy qos
--all destroy qos x
destroy qos nope
--if-exists destroy qos nope
--all destroy qos
blocks --columns=type list qos
destroy bridge br0
list-br
set open . external_ids:system-id=abc
get open . external_ids
get open nope external_ids
comment hello world
comment
-t 1 wait-until port p0 tag=20
wait-until bridge br0
--no-wait --dry-run add-br br9
list-br
--no-wait --dry-run set port p0 tag=30
get port p0 tag
unknown-cmd
add-br
add-br a b c d
--may-exist list-br
-- --if-exists --if-exists list-br
--fake=3 list-br
-f bogus list-br
-d bogus list-br
-t abc list-br
--nosuchopt list-br
-x list-br

--
list-br -- -- list-br
""")


# Each script's reference is stock ovs-vsctl against stock OVS; the candidates are pyvs-vsctl against stock OVS
# (our client), and stock ovs-vsctl and pyvs-vsctl against pyvswitchd (our daemon and its embedded database).
CANDIDATES = [("ours", "stock-vswitchd"), ("stock", "pyvswitchd"), ("ours", "pyvswitchd")]


@pytest.mark.parametrize("candidate", CANDIDATES, ids="-".join)
def test_bridges_and_ports(candidate, tmp_path):
    compare(("stock", "stock-vswitchd"), candidate, BRIDGES_AND_PORTS, tmp_path)


@pytest.mark.parametrize("candidate", CANDIDATES, ids="-".join)
def test_controllers_managers_ssl_emer_reset(candidate, tmp_path):
    compare(("stock", "stock-vswitchd"), candidate, CONTROL, tmp_path)


# Our client needs no switch for the database commands (so they run with
# --no-wait against a bare ovsdb-server); against pyvswitchd, whose daemon fills
# in Interface status columns and answers every change by updating cur_cfg, the
# reference is a stock switch and every step waits for it.
@pytest.mark.parametrize("reference, candidate", [
    ("stock-ovsdb", ("ours", "stock-ovsdb")),
    ("stock-vswitchd", ("stock", "pyvswitchd")),
    ("stock-vswitchd", ("ours", "pyvswitchd")),
], ids=lambda x: "-".join(x) if isinstance(x, tuple) else x)
def test_database_commands(reference, candidate, tmp_path):
    prefix = "--no-wait " if reference == "stock-ovsdb" else ""
    compare(("stock", reference), candidate, [(mode, prefix + line) for mode, line in DATABASE], tmp_path)


def test_pyvswitchd_records_its_identity_once_per_start_like_ovs_ctl(tmp_path):
    """As `ovs-ctl start --system-id=random` on Debian: a random system-id that
    persists across restarts, the run directory, and the host name unless one
    is recorded already."""
    run_dir = str(tmp_path / ("pyvs-%s" % uuid.uuid4().hex[:8]))
    os.makedirs(run_dir)
    env = _env(run_dir)

    def vsctl(remote, *args):
        return subprocess.run(["ovs-vsctl", "--db=" + remote, "--timeout=20", *args], check=True,
                              capture_output=True, text=True, env=env, timeout=60).stdout.strip()

    def external_id(remote, key):
        return vsctl(remote, "get", "Open_vSwitch", ".", "external_ids:" + key).strip('"')

    hostname = subprocess.run(["hostname", "-f"], capture_output=True, text=True).stdout.strip()
    remote, cleanup = pyvswitchd(run_dir)
    try:
        system_id = external_id(remote, "system-id")
        assert str(uuid.UUID(system_id)) == system_id
        assert external_id(remote, "rundir") == run_dir
        assert external_id(remote, "hostname") == (hostname or os.uname().nodename)
        vsctl(remote, "set", "Open_vSwitch", ".", "external_ids:system-id=changed",
              "external_ids:hostname=chosen", "external_ids:rundir=elsewhere")
    finally:
        cleanup()
    remote, cleanup = pyvswitchd(run_dir)
    try:
        assert [external_id(remote, key) for key in ("system-id", "rundir", "hostname")] == \
            [system_id, run_dir, "chosen"]
    finally:
        cleanup()
