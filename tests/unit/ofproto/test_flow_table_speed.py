"""100,000 flows through pyvswitch.ofproto.flow_table: one add-flows batch, a dump, the same
batch again (every flow replaced by itself, as `--bundle replace-flows` with no change ends up
doing), strict deletes of half, and del-flows.  The figures are printed (pytest -s) and
compared with nothing: the issue's targets are for the whole switch, measured in bench/.  For
the record, stock ovs-vswitchd 3.1 on the dummy datapath took 3.8 s for `ovs-ofctl add-flows`
of the same 100,000 flows (client included), 0.6 s for dump-flows, 5.5 s for
`--bundle replace-flows` with no change and 0.08 s for del-flows."""
from __future__ import annotations

import time

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as M
from tests.unit.ofproto.test_flow_table_support import delete, flow_mod, new_tables

N_FLOWS = 100_000


def bench_flows() -> list[M.FlowMod]:
    """The benchmark's flows: 4 tables, IPv4 source and destination, a rewrite and a
    resubmit each (table=T,priority=100,ip,nw_src=...,nw_dst=...,
    actions=mod_nw_dst:12.0.0.1,resubmit(,T+1))."""
    base = Match().with_field("dl_type", 0x0800)
    rewrite = A.SetIpv4Dst(0x0C000001)
    return [flow_mod("add", table_id=i % 4, priority=100,
                     match=base.with_field("nw_src", 0x0A000000 + i)
                               .with_field("nw_dst", 0x0B000000 + i % 1000),
                     actions=(rewrite, A.Resubmit(table_id=i % 4 + 1)))
            for i in range(N_FLOWS)]


def timed(action):
    start = time.perf_counter()
    value = action()
    return value, time.perf_counter() - start


def test_a_hundred_thousand_flows():
    flows = bench_flows()
    tables = new_tables()
    added, t_add = timed(lambda: tables.apply(flows, 1.0))
    assert added.errors == () and tables.n_rules() == N_FLOWS
    dumped, t_dump = timed(lambda: sum(1 for _ in tables.dump()))
    assert dumped == N_FLOWS
    one_ip = Match().with_field("dl_type", 0x0800).with_field("nw_dst", 0x0B000007)
    filtered, t_filtered = timed(lambda: sum(1 for _ in tables.dump(match=one_ip)))
    assert filtered == N_FLOWS // 1000
    replaced, t_replace = timed(lambda: tables.apply(flows, 2.0))
    assert replaced.errors == () and tables.n_rules() == N_FLOWS
    strict = [flow_mod("delete_strict", table_id=f.table_id, priority=f.priority, match=f.match)
              for f in flows[::2]]
    halved, t_strict = timed(lambda: tables.apply(strict, 3.0))
    assert len(halved.removed) == N_FLOWS // 2
    emptied, t_delete = timed(lambda: tables.apply([delete()], 4.0))
    assert len(emptied.removed) == N_FLOWS // 2 and tables.n_rules() == 0
    print(f"\n{N_FLOWS} flows: add {t_add:.2f} s ({t_add / N_FLOWS * 1e6:.1f} us/flow), "
          f"dump {t_dump:.3f} s, filtered dump {t_filtered:.3f} s, "
          f"replace all {t_replace:.2f} s, strict-delete half {t_strict:.2f} s, "
          f"delete all {t_delete:.2f} s")
