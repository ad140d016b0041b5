"""pyvs-vsctl: ovs-vsctl's command line, on python-ovs's IDL.

Flow of one invocation:
  1. parse global options and split the remaining words into commands
     (vsctl_commands), failing before any connection on syntax errors;
  2. fetch the schema from the server and start an IDL replicating what
     the commands read and write (every column for commands that do not
     say, see vsctl_commands.replicated_columns);
  3. in one transaction, create the Open_vSwitch row if the database is
     empty, ask for next_cfg to be incremented (unless --no-wait), run every
     command against a fresh CommandContext, check @name symbols and commit;
     a wait-until that is not yet satisfied or a commit that races another
     client reruns everything once the replica changes;
  4. print each command's output (or table), then, if the transaction
     changed the database and waiting is on, wait until ovs-vswitchd reports
     cur_cfg >= next_cfg and report interfaces it failed to set up.
Exit status: 0 on success, 1 on any error, 2 for a failing br-exists.
"""
import os
import signal
import sys

import pyvswitch  # noqa: F401  (must precede ovs imports; see pyvswitch/__init__)
from pyvswitch import dirs
from pyvswitch.cli.vsctl_context import VsctlError

_GLOBAL_OPTIONS = {
    # name: (takes_value: True=required, None=optional, False=none)
    "db": True, "no-wait": False, "no-syslog": False, "oneline": False,
    "dry-run": False, "timeout": True, "retry": False, "format": True,
    "data": True, "no-headings": False, "pretty": False, "bare": False,
    "max-column-width": True, "verbose": None, "log-file": None,
    "syslog-method": True, "syslog-target": True, "help": False,
    "version": False, "private-key": True, "certificate": True,
    "ca-cert": True, "bootstrap-ca-cert": True, "peer-ca-cert": True,
    "ssl-protocols": True, "ssl-ciphers": True, "commands": False,
    "options": False,
}
_SHORT_OPTIONS = {"t": "timeout", "f": "format", "d": "data", "v": "verbose",
                  "h": "help", "V": "version", "p": "private-key",
                  "c": "certificate", "C": "ca-cert"}


class Options:
    def __init__(self):
        self.db = dirs.default_db()
        self.wait = True
        self.oneline = False
        self.dry_run = False
        self.timeout = 0
        self.retry = False
        self.style = None
        self.first_command_options = {}


def _match_long(name, table):
    if name in table:
        return name
    matches = [n for n in table if n.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise VsctlError("option '--%s' is ambiguous" % name)
    raise VsctlError("unrecognized option '--%s'" % name)


def _parse_global(argv, prog):
    """Returns (Options, remaining words) for the words after argv[0]."""
    from pyvswitch.cli.vsctl_commands import command_options
    from pyvswitch.cli.vsctl_table import DATA_FORMATS, FORMATS, TableStyle

    local = command_options()
    table = dict(_GLOBAL_OPTIONS)
    table.update({name[2:]: bool(req) for name, req in local.items()})
    opts = Options()
    style = TableStyle()
    i = 0
    seen = []
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if not word.startswith("-") or word == "-":
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            name = _match_long(name, table)
            takes = table[name]
            if eq and takes is False:
                raise VsctlError("option '--%s' doesn't allow an argument"
                                 % name)
            if not eq:
                value = None
                if takes is True:
                    if i + 1 >= len(argv):
                        raise VsctlError("option '--%s' requires an argument"
                                         % name)
                    i += 1
                    value = argv[i]
            seen.append((name, value))
            i += 1
            continue
        j = 1
        while j < len(word):
            letter = word[j]
            name = _SHORT_OPTIONS.get(letter)
            if name is None:
                raise VsctlError("invalid option -- '%s'" % letter)
            value = None
            if table[name] is not False:
                value = word[j + 1:] or None
                if value is None and table[name] is True:
                    if i + 1 >= len(argv):
                        raise VsctlError("option requires an argument -- '%s'"
                                         % letter)
                    i += 1
                    value = argv[i]
                j = len(word)
            else:
                j += 1
            seen.append((name, value))
        i += 1
    for name, value in seen:
        if name == "db":
            opts.db = value
        elif name == "no-wait":
            opts.wait = False
        elif name == "oneline":
            opts.oneline = True
        elif name == "dry-run":
            opts.dry_run = True
        elif name == "retry":
            opts.retry = True
        elif name == "timeout":
            if not value.isdigit():
                raise VsctlError("value %s on -t or --timeout is invalid"
                                 % value)
            opts.timeout = int(value)
        elif name == "format":
            if value not in FORMATS:
                raise VsctlError('unknown output format "%s"' % value)
            style.format = value
        elif name == "data":
            if value not in DATA_FORMATS:
                raise VsctlError('unknown data format "%s"' % value)
            style.data = value
        elif name == "no-headings":
            style.headings = False
        elif name == "pretty":
            style.pretty = True
        elif name == "bare":
            style.format, style.data, style.headings = "list", "bare", False
        elif name == "max-column-width":
            if not value.isdigit():
                raise VsctlError("value %s on --max-column-width is invalid"
                                 % value)
            style.max_column_width = int(value)
        elif name == "help":
            sys.stdout.write(_usage(prog))
            sys.exit(0)
        elif name == "version":
            sys.stdout.write("%s (Open vSwitch) %s\n"
                             % (prog, pyvswitch.OVS_COMPAT_VERSION))
            sys.exit(0)
        elif "--" + name in local:
            opts.first_command_options["--" + name] = value
    opts.style = style
    return opts, argv[i:]


def _usage(prog):
    return """\
%(prog)s: ovs-vswitchd management utility
usage: %(prog)s [OPTIONS] COMMAND [ARG...]

Open vSwitch commands:
  init                        initialize database, if not yet initialized
  show                        print overview of database contents
  emer-reset                  reset configuration to clean state

Bridge commands:
  add-br BRIDGE               create a new bridge named BRIDGE
  add-br BRIDGE PARENT VLAN   create new fake BRIDGE in PARENT on VLAN
  del-br BRIDGE               delete BRIDGE and all of its ports
  list-br                     print the names of all the bridges
  br-exists BRIDGE            exit 2 if BRIDGE does not exist
  br-to-vlan BRIDGE           print the VLAN which BRIDGE is on
  br-to-parent BRIDGE         print the parent of BRIDGE
  br-set-external-id BRIDGE KEY VALUE  set KEY on BRIDGE to VALUE
  br-set-external-id BRIDGE KEY  unset KEY on BRIDGE
  br-get-external-id BRIDGE KEY  print value of KEY on BRIDGE
  br-get-external-id BRIDGE  list key-value pairs on BRIDGE

Port commands (a bond is considered to be a single port):
  list-ports BRIDGE           print the names of all the ports on BRIDGE
  add-port BRIDGE PORT        add network device PORT to BRIDGE
  add-bond BRIDGE PORT IFACE...  add bonded port PORT in BRIDGE from IFACES
  del-port [BRIDGE] PORT      delete PORT (which may be bonded) from BRIDGE
  port-to-br PORT             print name of bridge that contains PORT

Interface commands (a bond consists of multiple interfaces):
  list-ifaces BRIDGE          print the names of all interfaces on BRIDGE
  iface-to-br IFACE           print name of bridge that contains IFACE

Controller commands:
  get-controller BRIDGE      print the controllers for BRIDGE
  del-controller BRIDGE      delete the controllers for BRIDGE
  [--inactivity-probe=MSECS]
  set-controller BRIDGE TARGET...  set the controllers for BRIDGE
  get-fail-mode BRIDGE       print the fail-mode for BRIDGE
  del-fail-mode BRIDGE       delete the fail-mode for BRIDGE
  set-fail-mode BRIDGE MODE  set the fail-mode for BRIDGE to MODE

Manager commands:
  get-manager                print the managers
  del-manager                delete the managers
  [--inactivity-probe=MSECS]
  set-manager TARGET...      set the list of managers to TARGET...

SSL commands:
  get-ssl                     print the SSL configuration
  del-ssl                     delete the SSL configuration
  set-ssl PRIV-KEY CERT CA-CERT  set the SSL configuration

Switch commands:
  emer-reset                  reset switch to known good state

Database commands:
  list TBL [REC]              list RECord (or all records) in TBL
  find TBL CONDITION...       list records satisfying CONDITION in TBL
  get TBL REC COL[:KEY]       print values of COLumns in RECord in TBL
  set TBL REC COL[:KEY]=VALUE set COLumn values in RECord in TBL
  add TBL REC COL [KEY=]VALUE add (KEY=)VALUE to COLumn in RECord in TBL
  remove TBL REC COL [KEY=]VALUE  remove (KEY=)VALUE from COLumn
  clear TBL REC COL           clear values from COLumn in RECord in TBL
  create TBL COL[:KEY]=VALUE  create and initialize new record
  destroy TBL REC             delete RECord from TBL
  wait-until TBL REC [COL[:KEY]=VALUE]  wait until condition is true

Options:
  --db=DATABASE               connect to DATABASE
                              (default: %(db)s)
  --no-wait                   do not wait for ovs-vswitchd to reconfigure
  --retry                     keep trying to connect to server forever
  -t, --timeout=SECS          wait at most SECS seconds for ovs-vswitchd
  --dry-run                   do not commit changes to database
  --oneline                   print exactly one line of output per command

Output formatting options:
  -f, --format=FORMAT         set output formatting to FORMAT
                              ("table", "html", "csv", or "json")
  -d, --data=FORMAT           set table cell output formatting to
                              FORMAT ("string", "bare", or "json")
  --no-headings               omit table heading row
  --pretty                    pretty-print JSON in output
  --bare                      equivalent to "--format=list --data=bare --no-headings"

Other options:
  -h, --help                  display this help message
  -V, --version               display version information
""" % {"prog": prog, "db": dirs.default_db()}


# ------------------------------------------------------------- the run --

def _fetch_schema(remote, retry):
    import time

    import ovs.jsonrpc
    import ovs.stream

    while True:
        error, stream = ovs.stream.Stream.open_block(
            ovs.stream.Stream.open(remote))
        if not error:
            break
        if not retry:
            raise VsctlError("%s: database connection failed (%s)"
                             % (remote, os.strerror(error)))
        time.sleep(0.5)
    rpc = ovs.jsonrpc.Connection(stream)
    request = ovs.jsonrpc.Message.create_request("get_schema",
                                                 ["Open_vSwitch"])
    error, reply = rpc.transact_block(request)
    rpc.close()
    if error or reply.error:
        raise VsctlError("%s: database connection failed (%s)"
                         % (remote, os.strerror(error) if error
                            else reply.error))
    return reply.result


def _block(idl, txn=None):
    import ovs.poller
    poller = ovs.poller.Poller()
    idl.wait(poller)
    if txn is not None:
        txn.wait(poller)
    poller.block()


def _wait_for_change(idl):
    seqno = idl.change_seqno
    while True:
        idl.run()
        if idl.change_seqno != seqno:
            return
        _block(idl)


def _check_symbols(ctx):
    for name, sym in ctx.symbols.items():
        if not sym.created:
            raise VsctlError('row id "%s" is referenced but never created '
                             '(e.g. with "-- --id=%s create ...")'
                             % (name, name))
    for name, sym in ctx.symbols.items():
        if not sym.strong_ref:
            table = _symbol_table(ctx, sym)
            if table is not None and not table.is_root:
                ctx.logger.warn("vsctl", 'row id "%s" was created but no '
                                'reference to it was inserted, so it will not '
                                'actually appear in the database' % name)


def _symbol_table(ctx, sym):
    for table in ctx.tables.values():
        if sym.uuid in table.rows:
            return table
    return None


def _print_outputs(commands, oneline, style):
    from pyvswitch.cli.vsctl_table import render
    out = []
    for command in commands:
        if command.table is not None:
            out.append(render(command.table, style))
            continue
        text = "".join(command.output)
        if oneline:
            if text.endswith("\n"):
                text = text[:-1]
            out.append(text.replace("\\", "\\\\").replace("\n", "\\n") + "\n")
        else:
            out.append(text)
    sys.stdout.write("".join(out))
    sys.stdout.flush()


def _report_iface_errors(idl, ctx, prog):
    from ovs.db.idl import Transaction
    if ctx.txn.get_error() != Transaction.SUCCESS:
        return
    rows = idl.tables["Interface"].rows
    failed = False
    for provisional in ctx.expected_ifaces:
        real = ctx.txn.get_insert_uuid(provisional)
        row = rows.get(real) if real else None
        if row is None:
            continue
        ofport = [a.value for a in ctx.read(row, "ofport").values]
        error = [a.value for a in ctx.read(row, "error").values]
        if ofport and ofport[0] != -1:
            continue
        name = next(iter(ctx.read(row, "name").values)).value
        detail = ": %s" % error[0] if error else ""
        sys.stderr.write("%s: Error detected while setting up '%s'%s.  See "
                         "pyvswitchd log for details.\n" % (prog, name, detail))
        failed = True
    if failed:
        sys.stderr.write('%s: The default log directory is "%s".\n'
                         % (prog, dirs.logdir()))


def _run(opts, commands, prog):
    from ovs.db import idl as ovsidl

    from pyvswitch.cli import vsctl_jsonstream
    from pyvswitch.cli.vsctl_commands import ALL, replicated_columns
    vsctl_jsonstream.install()

    from pyvswitch.cli.vsctl_context import CommandContext, Logger, TryAgain

    schema_json = _fetch_schema(opts.db, opts.retry)
    helper = ovsidl.SchemaHelper(schema_json=schema_json)
    needs = replicated_columns(commands, opts.wait and not opts.dry_run)
    if needs is None:
        helper.register_all()
    else:
        for table, columns in needs.items():
            if columns is ALL:
                helper.register_table(table)
            else:
                helper.register_columns(table, list(columns))
    idl = ovsidl.Idl(opts.db, helper)
    while not idl.has_ever_connected():
        idl.run()
        if not idl.has_ever_connected():
            _block(idl)
    logger = Logger()
    invocation = " ".join(sys.argv[1:])
    while True:
        txn = ovsidl.Transaction(idl)
        txn.dry_run = opts.dry_run
        txn.add_comment("%s: %s" % (prog, invocation))
        ctx = CommandContext(idl, txn, logger, opts.wait)
        root = ctx.root()
        if root is None:
            root = ctx.insert("Open_vSwitch")
        if opts.wait:
            root.increment("next_cfg")
        try:
            for command in commands:
                command.output, command.table, command.state = [], None, None
                ctx.command = command
                command.spec.run(ctx, command)
            _check_symbols(ctx)
        except TryAgain:
            txn.abort()
            _wait_for_change(idl)
            continue
        except BaseException:
            txn.abort()
            raise
        status = txn.commit_block()
        if status == ovsidl.Transaction.TRY_AGAIN:
            _wait_for_change(idl)
            continue
        if status not in (ovsidl.Transaction.SUCCESS,
                          ovsidl.Transaction.UNCHANGED):
            if status == ovsidl.Transaction.ERROR:
                logger.warn("ovsdb_idl", "transaction error: %s"
                            % txn.get_error())
                raise VsctlError("transaction error: %s" % txn.get_error())
            raise VsctlError("transaction error: %s" % status)
        break
    for command in commands:
        if command.spec.post is not None:
            ctx.command = command
            command.spec.post(ctx, command)
    _print_outputs(commands, opts.oneline, opts.style)
    if opts.wait and status == ovsidl.Transaction.SUCCESS \
            and not opts.dry_run:
        next_cfg = txn.get_increment_new_value()
        while True:
            idl.run()
            root = next(iter(idl.tables["Open_vSwitch"].rows.values()), None)
            if root is not None and root.cur_cfg >= next_cfg:
                break
            _block(idl)
        _report_iface_errors(idl, ctx, prog)
    idl.close()


def _die_on_alarm(signum, frame):
    """Like ovs-vsctl: log the fatal signal, then die of it."""
    from pyvswitch.cli.vsctl_context import Logger
    Logger().warn("fatal_signal", "terminating with signal %d (Alarm clock)"
                  % signum)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    prog = os.path.basename(argv[0]) or "pyvs-vsctl"
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        from pyvswitch.cli.vsctl_commands import parse_commands
        opts, words = _parse_global(argv[1:], prog)
        commands = parse_commands(words, opts.first_command_options)
        if opts.timeout:
            signal.signal(signal.SIGALRM, _die_on_alarm)
            signal.alarm(opts.timeout)
        _run(opts, commands, prog)
    except VsctlError as e:
        sys.stdout.flush()
        if e.args[0] is not None:
            sys.stderr.write("%s: %s\n" % (prog, e.args[0]))
        sys.exit(e.status)
    except KeyboardInterrupt:
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
