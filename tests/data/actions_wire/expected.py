"""What each golden capture (golden.json) decodes to: {(match, actions text): {versions: ofpacts}}.

Drafted from the decoder's output and checked by hand against the "printed" column (how
ovs-ofctl prints the same bytes): each tuple is the ofpact form that prints back as OVS
prints it (Load for NXAST_REG_LOAD, SetField for SET_FIELD, ...).  Captures that stock
ovs-ofctl cannot decode itself ("printed" null) are absent: our decoder must refuse them too.
Regenerating golden.json needs this table reviewed again.
"""
from pyvswitch.ofproto.ofpact import (Bundle, CheckPktLarger, ClearActions, Clone,
                                      Conjunction, Controller, DecMplsTtl, DecTtl, Enqueue,
                                      Exit, FinTimeout, GotoTable, Group, Learn, LearnSpec,
                                      Load, Meter, Move, Multipath, Note, Output, OutputReg,
                                      OutputTrunc,
                                      PopMpls, PopQueue, PushMpls, PushVlan, Resubmit, Sample,
                                      SetEthDst, SetEthSrc, SetField, SetIpDscp, SetIpEcn,
                                      SetIpTtl, SetIpv4Dst, SetIpv4Src, SetL4DstPort,
                                      SetL4SrcPort, SetMplsLabel, SetMplsTc, SetMplsTtl,
                                      SetQueue, SetTunnel, SetVlanPcp, SetVlanVid, StackPop,
                                      StackPush, StripVlan, Subfield, WriteActions,
                                      WriteMetadata)

EXPECTED = {
    ('', 'drop'): {
        (1, 2, 3, 4, 5, 6): (),
    },
    ('', 'output:1'): {
        (1, 2, 3, 4, 5, 6): (Output(port=1, max_len=0),),
    },
    ('', 'output:65279'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65279, max_len=0),),
    },
    ('', 'in_port'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65528, max_len=0),),
    },
    ('', 'output:IN_PORT'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65528, max_len=0),),
    },
    ('', 'LOCAL'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65534, max_len=0),),
    },
    ('', 'NORMAL'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65530, max_len=0),),
    },
    ('', 'FLOOD'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65531, max_len=0),),
    },
    ('', 'ALL'): {
        (1, 2, 3, 4, 5, 6): (Output(port=65532, max_len=0),),
    },
    ('', 'output:CONTROLLER'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=1, controller_id=0, userdata=b'', pause=False, meter_id=None, style='output'),),
    },
    ('', 'CONTROLLER:100'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=100, reason=1, controller_id=0, userdata=b'', pause=False, meter_id=None, style='output'),),
    },
    ('', 'controller'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=1, controller_id=0, userdata=b'', pause=False, meter_id=None, style='output'),),
    },
    ('', 'controller:200'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=200, reason=1, controller_id=0, userdata=b'', pause=False, meter_id=None, style='output'),),
    },
    ('', 'controller(reason=no_match)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=0, controller_id=0, userdata=b'', pause=False, meter_id=None, style='controller'),),
    },
    ('', 'controller(max_len=128,id=5,reason=invalid_ttl)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=128, reason=2, controller_id=5, userdata=b'', pause=False, meter_id=None, style='controller'),),
    },
    ('', 'controller(userdata=01.02.03)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=1, controller_id=0, userdata=b'\x01\x02\x03', pause=False, meter_id=None, style='controller2'),),
    },
    ('', 'controller(pause)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=1, controller_id=0, userdata=b'', pause=True, meter_id=None, style='controller2'),),
    },
    ('', 'controller(meter_id=3)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=1, controller_id=0, userdata=b'', pause=False, meter_id=3, style='controller2'),),
    },
    ('', 'controller(max_len=100,userdata=aa.bb)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=100, reason=1, controller_id=0, userdata=b'\xaa\xbb', pause=False, meter_id=None, style='controller2'),),
    },
    ('', 'enqueue:1:2'): {
        (1,): (Enqueue(port=1, queue_id=2),),
        (2, 3, 4, 5, 6): (SetQueue(queue_id=2), Output(port=1, max_len=65535), PopQueue()),
    },
    ('', 'enqueue(3,4)'): {
        (1,): (Enqueue(port=3, queue_id=4),),
        (2, 3, 4, 5, 6): (SetQueue(queue_id=4), Output(port=3, max_len=65535), PopQueue()),
    },
    ('', 'output:NXM_NX_REG0[]'): {
        (1, 2, 3, 4, 5, 6): (OutputReg(src=Subfield(field='reg0', ofs=0, n_bits=32), max_len=65535),),
    },
    ('', 'output:NXM_NX_REG1[16..31]'): {
        (1, 2, 3, 4, 5, 6): (OutputReg(src=Subfield(field='reg1', ofs=16, n_bits=16), max_len=65535),),
    },
    ('', 'group:5'): {
        (1, 2, 3, 4, 5, 6): (Group(group_id=5),),
    },
    ('', 'mod_vlan_vid:10'): {
        (1,): (SetVlanVid(vid=10, push=True),),
        (2,): (PushVlan(ethertype=33024), SetVlanVid(vid=10, push=False)),
        (3, 4, 5, 6): (PushVlan(ethertype=33024), SetField(field='vlan_vid', value=4106, mask=8191)),
    },
    ('', 'mod_vlan_pcp:3'): {
        (1,): (SetVlanPcp(pcp=3, push=True),),
        (2,): (PushVlan(ethertype=33024), SetVlanPcp(pcp=3, push=False)),
        (3, 4, 5, 6): (PushVlan(ethertype=33024), SetField(field='vlan_pcp', value=3, mask=7)),
    },
    ('', 'strip_vlan'): {
        (1,): (StripVlan(style='strip_vlan'),),
    },
    ('', 'pop_vlan'): {
        (1,): (StripVlan(style='strip_vlan'),),
    },
    ('', 'push_vlan:0x8100'): {
        (2, 3, 4, 5, 6): (PushVlan(ethertype=33024),),
    },
    ('', 'push_vlan:0x88a8'): {
        (2, 3, 4, 5, 6): (PushVlan(ethertype=34984),),
    },
    ('', 'mod_dl_src:00:11:22:33:44:55'): {
        (1, 2): (SetEthSrc(mac=73588229205),),
        (3, 4, 5, 6): (SetField(field='dl_src', value=73588229205, mask=281474976710655),),
    },
    ('', 'mod_dl_dst:66:77:88:99:aa:bb'): {
        (1, 2): (SetEthDst(mac=112663578913467),),
        (3, 4, 5, 6): (SetField(field='dl_dst', value=112663578913467, mask=281474976710655),),
    },
    ('ip', 'mod_nw_src:1.2.3.4'): {
        (1, 2): (SetIpv4Src(ip=16909060),),
        (3, 4, 5, 6): (SetField(field='nw_src', value=16909060, mask=4294967295),),
    },
    ('ip', 'mod_nw_dst:5.6.7.8'): {
        (1, 2): (SetIpv4Dst(ip=84281096),),
        (3, 4, 5, 6): (SetField(field='nw_dst', value=84281096, mask=4294967295),),
    },
    ('ip', 'mod_nw_tos:32'): {
        (1, 2): (SetIpDscp(tos=32),),
        (3, 4, 5, 6): (SetField(field='ip_dscp', value=8, mask=63),),
    },
    ('ip', 'mod_nw_ecn:2'): {
        (1,): (Load(dst=Subfield(field='nw_ecn', ofs=0, n_bits=2), value=2),),
        (2,): (SetIpEcn(ecn=2),),
        (3, 4, 5, 6): (SetField(field='nw_ecn', value=2, mask=3),),
    },
    ('ip', 'mod_nw_ttl:9'): {
        (1,): (Load(dst=Subfield(field='nw_ttl', ofs=0, n_bits=8), value=9),),
        (2, 3, 4, 5, 6): (SetIpTtl(ttl=9),),
    },
    ('ip', 'dec_ttl'): {
        (1, 2, 3, 4, 5, 6): (DecTtl(controller_ids=(0,), explicit_ids=False),),
    },
    ('ip', 'dec_ttl(1,2,3)'): {
        (1, 2, 3, 4, 5, 6): (DecTtl(controller_ids=(1, 2, 3), explicit_ids=True),),
    },
    ('ip', 'dec_ttl(5)'): {
        (1, 2, 3, 4, 5, 6): (DecTtl(controller_ids=(5,), explicit_ids=True),),
    },
    ('tcp', 'mod_tp_src:80'): {
        (1, 2): (SetL4SrcPort(port=80),),
        (3, 4, 5, 6): (SetField(field='tcp_src', value=80, mask=65535),),
    },
    ('tcp', 'mod_tp_dst:443'): {
        (1, 2): (SetL4DstPort(port=443),),
        (3, 4, 5, 6): (SetField(field='tcp_dst', value=443, mask=65535),),
    },
    ('udp', 'mod_tp_src:53'): {
        (1, 2): (SetL4SrcPort(port=53),),
        (3, 4, 5, 6): (SetField(field='udp_src', value=53, mask=65535),),
    },
    ('sctp', 'mod_tp_dst:99'): {
        (1, 2): (SetL4DstPort(port=99),),
        (3, 4, 5, 6): (SetField(field='sctp_dst', value=99, mask=65535),),
    },
    ('mpls', 'dec_mpls_ttl'): {
        (1, 2, 3, 4, 5, 6): (DecMplsTtl(),),
    },
    ('mpls', 'set_mpls_label:100'): {
        (1, 2): (SetMplsLabel(label=100),),
        (3, 4, 5, 6): (SetField(field='mpls_label', value=100, mask=1048575),),
    },
    ('mpls', 'set_mpls_tc:3'): {
        (1, 2): (SetMplsTc(tc=3),),
        (3, 4, 5, 6): (SetField(field='mpls_tc', value=3, mask=7),),
    },
    ('mpls', 'set_mpls_ttl:64'): {
        (1, 2, 3, 4, 5, 6): (SetMplsTtl(ttl=64),),
    },
    ('', 'push_mpls:0x8847'): {
        (1, 2, 3, 4, 5, 6): (PushMpls(ethertype=34887),),
    },
    ('', 'push_mpls:0x8848'): {
        (1, 2, 3, 4, 5, 6): (PushMpls(ethertype=34888),),
    },
    ('mpls', 'pop_mpls:0x0800'): {
        (1, 2, 3, 4, 5, 6): (PopMpls(ethertype=2048),),
    },
    ('', 'set_queue:7'): {
        (1, 2, 3, 4, 5, 6): (SetQueue(queue_id=7),),
    },
    ('', 'pop_queue'): {
        (1, 2, 3, 4, 5, 6): (PopQueue(),),
    },
    ('', 'set_tunnel:0x1234'): {
        (1, 2): (SetTunnel(tun_id=4660, wide=False),),
        (3, 4, 5, 6): (SetField(field='tun_id', value=4660, mask=18446744073709551615),),
    },
    ('', 'set_tunnel:0x123456789'): {
        (1, 2): (SetTunnel(tun_id=4886718345, wide=True),),
        (3, 4, 5, 6): (SetField(field='tun_id', value=4886718345, mask=18446744073709551615),),
    },
    ('', 'set_tunnel64:0x5'): {
        (1, 2): (SetTunnel(tun_id=5, wide=True),),
        (3, 4, 5, 6): (SetField(field='tun_id', value=5, mask=18446744073709551615),),
    },
    ('', 'resubmit:3'): {
        (1, 2, 3, 4, 5, 6): (Resubmit(in_port=3, table_id=None, with_ct_orig=False),),
    },
    ('', 'resubmit(,4)'): {
        (1, 2, 3, 4, 5, 6): (Resubmit(in_port=65527, table_id=4, with_ct_orig=False),),
    },
    ('', 'resubmit(5,6)'): {
        (1, 2, 3, 4, 5, 6): (Resubmit(in_port=5, table_id=6, with_ct_orig=False),),
    },
    ('', 'resubmit(IN_PORT,2)'): {
        (1, 2, 3, 4, 5, 6): (Resubmit(in_port=65527, table_id=2, with_ct_orig=False),),
    },
    ('', 'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='dl_src', ofs=0, n_bits=48), dst=Subfield(field='dl_dst', ofs=0, n_bits=48)),),
    },
    ('', 'move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='reg0', ofs=0, n_bits=16), dst=Subfield(field='reg1', ofs=16, n_bits=16)),),
    },
    ('', 'move:reg0[]->reg1[]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='reg0', ofs=0, n_bits=32), dst=Subfield(field='reg1', ofs=0, n_bits=32)),),
    },
    ('', 'move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG2[]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='tun_id', ofs=0, n_bits=32), dst=Subfield(field='reg2', ofs=0, n_bits=32)),),
    },
    ('ip', 'move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='nw_src', ofs=0, n_bits=32), dst=Subfield(field='nw_dst', ofs=0, n_bits=32)),),
    },
    ('', 'load:0x5->NXM_NX_REG0[]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='reg0', ofs=0, n_bits=32), value=5),),
        (6,): (SetField(field='reg0', value=5, mask=4294967295),),
    },
    ('', 'load:0x5->NXM_NX_REG0[0..7]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='reg0', ofs=0, n_bits=8), value=5),),
        (6,): (SetField(field='reg0', value=5, mask=255),),
    },
    ('', 'load:0x1->NXM_NX_REG3[31]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='reg3', ofs=31, n_bits=1), value=1),),
        (6,): (SetField(field='reg3', value=2147483648, mask=2147483648),),
    },
    ('', 'load:0x001122334455->NXM_OF_ETH_SRC[]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='dl_src', ofs=0, n_bits=48), value=73588229205),),
        (6,): (SetField(field='dl_src', value=73588229205, mask=281474976710655),),
    },
    ('', 'load:0x1234->NXM_NX_TUN_ID[0..15]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='tun_id', ofs=0, n_bits=16), value=4660),),
        (6,): (SetField(field='tun_id', value=4660, mask=65535),),
    },
    ('', 'load:0xabc->NXM_NX_TUN_ID[]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='tun_id', ofs=0, n_bits=64), value=2748),),
        (6,): (SetField(field='tun_id', value=2748, mask=18446744073709551615),),
    },
    ('ip', 'load:0x0a000001->NXM_OF_IP_SRC[]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='nw_src', ofs=0, n_bits=32), value=167772161),),
        (6,): (SetField(field='nw_src', value=167772161, mask=4294967295),),
    },
    ('', 'load:0x7->NXM_OF_VLAN_TCI[0..11]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='vlan_tci', ofs=0, n_bits=12), value=7),),
        (6,): (SetField(field='vlan_tci', value=7, mask=4095),),
    },
    ('', 'set_field:5->reg0'): {
        (1,): (Load(dst=Subfield(field='reg0', ofs=0, n_bits=32), value=5),),
        (3, 4, 5, 6): (SetField(field='reg0', value=5, mask=4294967295),),
    },
    ('', 'set_field:0x5/0xff->reg0'): {
        (1, 3, 4, 5): (Load(dst=Subfield(field='reg0', ofs=0, n_bits=8), value=5),),
        (6,): (SetField(field='reg0', value=5, mask=255),),
    },
    ('', 'set_field:00:11:22:33:44:55->eth_src'): {
        (1, 2): (SetEthSrc(mac=73588229205),),
        (3, 4, 5, 6): (SetField(field='dl_src', value=73588229205, mask=281474976710655),),
    },
    ('', 'set_field:00:11:22:00:00:00/ff:ff:ff:00:00:00->eth_dst'): {
        (1, 2): (SetEthDst(mac=73584869376),),
        (3, 4, 5): (Load(dst=Subfield(field='dl_dst', ofs=24, n_bits=24), value=4386),),
        (6,): (SetField(field='dl_dst', value=73584869376, mask=281474959933440),),
    },
    ('ip', 'set_field:1.2.3.4->ip_src'): {
        (1, 2): (SetIpv4Src(ip=16909060),),
        (3, 4, 5, 6): (SetField(field='nw_src', value=16909060, mask=4294967295),),
    },
    ('ip', 'set_field:10.0.0.0/255.0.0.0->ip_dst'): {
        (1, 2): (SetIpv4Dst(ip=167772160),),
        (3, 4, 5): (Load(dst=Subfield(field='nw_dst', ofs=24, n_bits=8), value=10),),
        (6,): (SetField(field='nw_dst', value=167772160, mask=4278190080),),
    },
    ('', 'set_field:0x10->tun_id'): {
        (1,): (Load(dst=Subfield(field='tun_id', ofs=0, n_bits=64), value=16),),
        (3, 4, 5, 6): (SetField(field='tun_id', value=16, mask=18446744073709551615),),
    },
    ('', 'set_field:0x1234->metadata'): {
        (1, 2): (Load(dst=Subfield(field='metadata', ofs=0, n_bits=64), value=4660),),
        (3, 4, 5, 6): (SetField(field='metadata', value=4660, mask=18446744073709551615),),
    },
    ('ipv6', 'set_field:2001:db8::1->ipv6_src'): {
        (1,): (Load(dst=Subfield(field='ipv6_src', ofs=0, n_bits=64), value=1), Load(dst=Subfield(field='ipv6_src', ofs=64, n_bits=64), value=2306139568115548160)),
        (3, 4, 5, 6): (SetField(field='ipv6_src', value=42540766411282592856903984951653826561, mask=340282366920938463463374607431768211455),),
    },
    ('ipv6', 'set_field:0x12345->ipv6_label'): {
        (1,): (Load(dst=Subfield(field='ipv6_label', ofs=0, n_bits=20), value=74565),),
        (3, 4, 5, 6): (SetField(field='ipv6_label', value=74565, mask=1048575),),
    },
    ('tcp', 'set_field:80->tcp_src'): {
        (1, 2): (SetL4SrcPort(port=80),),
        (3, 4, 5, 6): (SetField(field='tcp_src', value=80, mask=65535),),
    },
    ('udp', 'set_field:53->udp_dst'): {
        (1, 2): (SetL4DstPort(port=53),),
        (3, 4, 5, 6): (SetField(field='udp_dst', value=53, mask=65535),),
    },
    ('ip', 'set_field:2->ip_ecn'): {
        (1,): (Load(dst=Subfield(field='nw_ecn', ofs=0, n_bits=2), value=2),),
        (2,): (SetIpEcn(ecn=2),),
        (3, 4, 5, 6): (SetField(field='nw_ecn', value=2, mask=3),),
    },
    ('ip', 'set_field:46->ip_dscp'): {
        (1, 2): (SetIpDscp(tos=184),),
        (3, 4, 5, 6): (SetField(field='ip_dscp', value=46, mask=63),),
    },
    ('ip', 'set_field:64->nw_ttl'): {
        (1,): (Load(dst=Subfield(field='nw_ttl', ofs=0, n_bits=8), value=64),),
        (3, 4, 5, 6): (SetField(field='nw_ttl', value=64, mask=255),),
    },
    ('arp', 'set_field:1->arp_op'): {
        (1, 2): (Load(dst=Subfield(field='arp_op', ofs=0, n_bits=16), value=1),),
        (3, 4, 5, 6): (SetField(field='arp_op', value=1, mask=65535),),
    },
    ('arp', 'set_field:1.1.1.1->arp_spa'): {
        (1, 2): (Load(dst=Subfield(field='arp_spa', ofs=0, n_bits=32), value=16843009),),
        (3, 4, 5, 6): (SetField(field='arp_spa', value=16843009, mask=4294967295),),
    },
    ('arp', 'set_field:00:00:00:00:00:01->arp_sha'): {
        (1,): (Load(dst=Subfield(field='arp_sha', ofs=0, n_bits=48), value=1),),
        (3, 4, 5, 6): (SetField(field='arp_sha', value=1, mask=281474976710655),),
    },
    ('', 'set_field:1->in_port'): {
        (1, 2): (Load(dst=Subfield(field='in_port', ofs=0, n_bits=16), value=1),),
        (3, 4, 5, 6): (SetField(field='in_port', value=1, mask=65535),),
    },
    ('', 'set_field:0x1->reg15'): {
        (1,): (Load(dst=Subfield(field='reg15', ofs=0, n_bits=32), value=1),),
        (3, 4, 5, 6): (SetField(field='reg15', value=1, mask=4294967295),),
    },
    ('', 'note:01.02.03'): {
        (1, 2, 3, 4, 5, 6): (Note(data=b'\x01\x02\x03\x00\x00\x00'),),
    },
    ('', 'note:aa.bb.cc.dd.ee.ff.00'): {
        (1, 2, 3, 4, 5, 6): (Note(data=b'\xaa\xbb\xcc\xdd\xee\xff\x00\x00\x00\x00\x00\x00\x00\x00'),),
    },
    ('', 'note'): {
        (1, 2, 3, 4, 5, 6): (Note(data=b'\x00\x00\x00\x00\x00\x00'),),
    },
    ('', 'multipath(eth_src,50,modulo_n,1,0,NXM_NX_REG0[])'): {
        (1, 2, 3, 4, 5, 6): (Multipath(fields='eth_src', basis=50, algorithm='modulo_n', max_link=0, arg=0, dst=Subfield(field='reg0', ofs=0, n_bits=32)),),
    },
    ('', 'multipath(symmetric_l4,1024,hrw,12,0,NXM_NX_REG0[0..3])'): {
        (1, 2, 3, 4, 5, 6): (Multipath(fields='symmetric_l4', basis=1024, algorithm='hrw', max_link=11, arg=0, dst=Subfield(field='reg0', ofs=0, n_bits=4)),),
    },
    ('', 'multipath(eth_src,0,iter_hash,2,3,reg1[4..7])'): {
        (1, 2, 3, 4, 5, 6): (Multipath(fields='eth_src', basis=0, algorithm='iter_hash', max_link=1, arg=3, dst=Subfield(field='reg1', ofs=4, n_bits=4)),),
    },
    ('', 'multipath(symmetric_l4,10,hash_threshold,5,0,reg2[])'): {
        (1, 2, 3, 4, 5, 6): (Multipath(fields='symmetric_l4', basis=10, algorithm='hash_threshold', max_link=4, arg=0, dst=Subfield(field='reg2', ofs=0, n_bits=32)),),
    },
    ('', 'bundle(eth_src,0,active_backup,ofport,members:1,2,3)'): {
        (1, 2, 3, 4, 5, 6): (Bundle(algorithm='active_backup', fields='eth_src', basis=0, members=(1, 2, 3), dst=None),),
    },
    ('', 'bundle(symmetric_l4,60,hrw,ofport,members:5,6)'): {
        (1, 2, 3, 4, 5, 6): (Bundle(algorithm='hrw', fields='symmetric_l4', basis=60, members=(5, 6), dst=None),),
    },
    ('', 'bundle(eth_src,0,hrw,ofport,members:)'): {
        (1, 2, 3, 4, 5, 6): (Bundle(algorithm='hrw', fields='eth_src', basis=0, members=(), dst=None),),
    },
    ('', 'bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG0[],members:1,2)'): {
        (1, 2, 3, 4, 5, 6): (Bundle(algorithm='hrw', fields='eth_src', basis=0, members=(1, 2), dst=Subfield(field='reg0', ofs=0, n_bits=32)),),
    },
    ('', 'bundle_load(symmetric_l4,10,active_backup,ofport,reg1[0..15],members:4)'): {
        (1, 2, 3, 4, 5, 6): (Bundle(algorithm='active_backup', fields='symmetric_l4', basis=10, members=(4,), dst=Subfield(field='reg1', ofs=0, n_bits=16)),),
    },
    ('', 'learn(table=1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:NXM_OF_IN_PORT[])'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=12, dst=Subfield(field='vlan_tci', ofs=0, n_bits=12), src=Subfield(field='vlan_tci', ofs=0, n_bits=12), value=None), LearnSpec(kind='match', n_bits=48, dst=Subfield(field='dl_dst', ofs=0, n_bits=48), src=Subfield(field='dl_src', ofs=0, n_bits=48), value=None), LearnSpec(kind='load', n_bits=16, dst=Subfield(field='reg0', ofs=0, n_bits=16), src=Subfield(field='in_port', ofs=0, n_bits=16), value=None), LearnSpec(kind='output', n_bits=16, dst=None, src=Subfield(field='in_port', ofs=0, n_bits=16), value=None)), table_id=1, priority=32768, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=0, result_dst=None),),
    },
    ('', 'learn(table=2,idle_timeout=10,hard_timeout=20,fin_idle_timeout=5,fin_hard_timeout=6,priority=100,cookie=0x1234,send_flow_rem,eth_src=00:11:22:33:44:55)'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=48, dst=Subfield(field='dl_src', ofs=0, n_bits=48), src=None, value=73588229205),), table_id=2, priority=100, idle_timeout=10, hard_timeout=20, fin_idle_timeout=5, fin_hard_timeout=6, cookie=4660, flags=1, limit=0, result_dst=None),),
    },
    ('', 'learn(delete_learned,eth_type=0x800,load:0x5->reg1[])'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=16, dst=Subfield(field='dl_type', ofs=0, n_bits=16), src=None, value=2048), LearnSpec(kind='load', n_bits=32, dst=Subfield(field='reg1', ofs=0, n_bits=32), src=None, value=5)), table_id=1, priority=32768, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=2, limit=0, result_dst=None),),
    },
    ('', 'learn(limit=10,result_dst=reg0[0],table=3,reg1[])'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=32, dst=Subfield(field='reg1', ofs=0, n_bits=32), src=Subfield(field='reg1', ofs=0, n_bits=32), value=None),), table_id=3, priority=32768, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=10, result_dst=Subfield(field='reg0', ofs=0, n_bits=1)),),
    },
    ('', 'learn(limit=5,table=3,reg1[])'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=32, dst=Subfield(field='reg1', ofs=0, n_bits=32), src=Subfield(field='reg1', ofs=0, n_bits=32), value=None),), table_id=3, priority=32768, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=5, result_dst=None),),
    },
    ('', 'learn()'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(), table_id=1, priority=32768, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=0, result_dst=None),),
    },
    ('', 'learn(in_port=99,NXM_NX_REG1[0..7]=0x7f)'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=16, dst=Subfield(field='in_port', ofs=0, n_bits=16), src=None, value=99), LearnSpec(kind='match', n_bits=8, dst=Subfield(field='reg1', ofs=0, n_bits=8), src=None, value=127)), table_id=1, priority=32768, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=0, result_dst=None),),
    },
    ('', 'exit'): {
        (1, 2, 3, 4, 5, 6): (Exit(),),
    },
    ('', 'fin_timeout(idle_timeout=10,hard_timeout=20)'): {
        (1,): (FinTimeout(idle_timeout=10, hard_timeout=20),),
    },
    ('', 'fin_timeout(idle_timeout=5)'): {
        (1,): (FinTimeout(idle_timeout=5, hard_timeout=0),),
    },
    ('', 'push:NXM_NX_REG0[]'): {
        (1, 2, 3, 4, 5, 6): (StackPush(src=Subfield(field='reg0', ofs=0, n_bits=32)),),
    },
    ('', 'push:NXM_NX_REG1[0..7]'): {
        (1, 2, 3, 4, 5, 6): (StackPush(src=Subfield(field='reg1', ofs=0, n_bits=8)),),
    },
    ('', 'pop:NXM_NX_REG0[]'): {
        (1, 2, 3, 4, 5, 6): (StackPop(dst=Subfield(field='reg0', ofs=0, n_bits=32)),),
    },
    ('', 'pop:reg2[8..15]'): {
        (1, 2, 3, 4, 5, 6): (StackPop(dst=Subfield(field='reg2', ofs=8, n_bits=8)),),
    },
    ('', 'sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3)'): {
        (1, 2, 3, 4, 5, 6): (Sample(probability=100, collector_set_id=1, obs_domain_id=2, obs_point_id=3, sampling_port=65535, direction='default'),),
    },
    ('', 'sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=8)'): {
        (1, 2, 3, 4, 5, 6): (Sample(probability=65535, collector_set_id=1, obs_domain_id=2, obs_point_id=3, sampling_port=8, direction='default'),),
    },
    ('', 'sample(probability=5,collector_set_id=1,obs_domain_id=2,obs_point_id=3,ingress)'): {
        (1, 2, 3, 4, 5, 6): (Sample(probability=5, collector_set_id=1, obs_domain_id=2, obs_point_id=3, sampling_port=65535, direction='ingress'),),
    },
    ('', 'sample(probability=5,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=2,egress)'): {
        (1, 2, 3, 4, 5, 6): (Sample(probability=5, collector_set_id=1, obs_domain_id=2, obs_point_id=3, sampling_port=2, direction='egress'),),
    },
    ('', 'conjunction(1,1/2)'): {
        (1, 2, 3, 4, 5, 6): (Conjunction(conj_id=1, clause=0, n_clauses=2),),
    },
    ('', 'conjunction(0xabcdef,3/4)'): {
        (1, 2, 3, 4, 5, 6): (Conjunction(conj_id=11259375, clause=2, n_clauses=4),),
    },
    ('', 'clone(output:1)'): {
        (1, 2, 3, 4, 5, 6): (Clone(actions=(Output(port=1, max_len=0),)),),
    },
    ('', 'clone(mod_dl_src:00:11:22:33:44:55,output:2)'): {
        (1, 2): (Clone(actions=(SetEthSrc(mac=73588229205), Output(port=2, max_len=0))),),
        (3, 4, 5, 6): (Clone(actions=(SetField(field='dl_src', value=73588229205, mask=281474976710655), Output(port=2, max_len=0))),),
    },
    ('', 'clone()'): {
        (1, 2, 3, 4, 5, 6): (Clone(actions=()),),
    },
    ('', 'clone(clone(output:3),resubmit(,2))'): {
        (1, 2, 3, 4, 5, 6): (Clone(actions=(Clone(actions=(Output(port=3, max_len=0),)), Resubmit(in_port=65527, table_id=2, with_ct_orig=False))),),
    },
    ('', 'write_metadata:0x1234'): {
        (1, 2, 3, 4, 5, 6): (WriteMetadata(value=4660, mask=18446744073709551615),),
    },
    ('', 'write_metadata:0x1234/0xffff'): {
        (1, 2, 3, 4, 5, 6): (WriteMetadata(value=4660, mask=65535),),
    },
    ('', 'check_pkt_larger(1500)->NXM_NX_REG0[0]'): {
        (1, 2, 3, 4, 5, 6): (CheckPktLarger(pkt_len=1500, dst=Subfield(field='reg0', ofs=0, n_bits=1)),),
    },
    ('', 'check_pkt_larger(200)->reg1[5]'): {
        (1, 2, 3, 4, 5, 6): (CheckPktLarger(pkt_len=200, dst=Subfield(field='reg1', ofs=5, n_bits=1)),),
    },
    ('', 'goto_table:5'): {
        (1,): (Resubmit(in_port=65527, table_id=5, with_ct_orig=False),),
        (2, 3, 4, 5, 6): (GotoTable(table_id=5),),
    },
    ('', 'clear_actions'): {
        (1,): (),
        (2, 3, 4, 5, 6): (ClearActions(),),
    },
    ('', 'meter:1'): {
        (4, 5, 6): (Meter(meter_id=1),),
    },
    ('', 'write_actions(output:1)'): {
        (1,): (),
        (2, 3, 4, 5, 6): (WriteActions(actions=(Output(port=1, max_len=0),)),),
    },
    ('', 'write_actions(mod_dl_src:00:11:22:33:44:55,set_queue:1,group:2)'): {
        (1,): (),
        (2,): (WriteActions(actions=(SetEthSrc(mac=73588229205), SetQueue(queue_id=1), Group(group_id=2))),),
        (3, 4, 5, 6): (WriteActions(actions=(SetField(field='dl_src', value=73588229205, mask=281474976710655), SetQueue(queue_id=1), Group(group_id=2))),),
    },
    ('', 'write_actions()'): {
        (1, 2, 3, 4, 5, 6): (),
    },
    ('', 'meter:2,output:1,clear_actions,write_actions(output:2),write_metadata:0x5,goto_table:3'): {
        (4, 5, 6): (Meter(meter_id=2), Output(port=1, max_len=0), ClearActions(), WriteActions(actions=(Output(port=2, max_len=0),)), WriteMetadata(value=5, mask=18446744073709551615), GotoTable(table_id=3)),
    },
    ('', 'output:1,clear_actions'): {
        (1,): (Output(port=1, max_len=0),),
        (2, 3, 4, 5, 6): (Output(port=1, max_len=0), ClearActions()),
    },
    ('', 'mod_dl_src:00:11:22:33:44:55,write_actions(pop_vlan),goto_table:9'): {
        (1,): (SetEthSrc(mac=73588229205), Resubmit(in_port=65527, table_id=9, with_ct_orig=False)),
        (2,): (SetEthSrc(mac=73588229205), WriteActions(actions=(StripVlan(style='pop_vlan'),)), GotoTable(table_id=9)),
        (3, 4, 5, 6): (SetField(field='dl_src', value=73588229205, mask=281474976710655), WriteActions(actions=(StripVlan(style='pop_vlan'),)), GotoTable(table_id=9)),
    },
    ('', 'output:1,output:2,resubmit(,3)'): {
        (1, 2, 3, 4, 5, 6): (Output(port=1, max_len=0), Output(port=2, max_len=0), Resubmit(in_port=65527, table_id=3, with_ct_orig=False)),
    },
    ('', 'mod_vlan_vid:4,output:1,strip_vlan,output:2'): {
        (1,): (SetVlanVid(vid=4, push=True), Output(port=1, max_len=0), StripVlan(style='strip_vlan'), Output(port=2, max_len=0)),
        (2,): (PushVlan(ethertype=33024), SetVlanVid(vid=4, push=False), Output(port=1, max_len=0), StripVlan(style='pop_vlan'), Output(port=2, max_len=0)),
        (3, 4, 5, 6): (PushVlan(ethertype=33024), SetField(field='vlan_vid', value=4100, mask=8191), Output(port=1, max_len=0), StripVlan(style='pop_vlan'), Output(port=2, max_len=0)),
    },
    ('', 'set_field:0x8->reg1,load:0x5->reg2[],output:NXM_NX_REG1[]'): {
        (1,): (Load(dst=Subfield(field='reg1', ofs=0, n_bits=32), value=8), Load(dst=Subfield(field='reg2', ofs=0, n_bits=32), value=5), OutputReg(src=Subfield(field='reg1', ofs=0, n_bits=32), max_len=65535)),
        (3, 4, 5): (SetField(field='reg1', value=8, mask=4294967295), Load(dst=Subfield(field='reg2', ofs=0, n_bits=32), value=5), OutputReg(src=Subfield(field='reg1', ofs=0, n_bits=32), max_len=65535)),
        (6,): (SetField(field='reg1', value=8, mask=4294967295), SetField(field='reg2', value=5, mask=4294967295), OutputReg(src=Subfield(field='reg1', ofs=0, n_bits=32), max_len=65535)),
    },
    ('ip', 'dec_ttl,mod_nw_ttl:5,output:3'): {
        (1,): (DecTtl(controller_ids=(0,), explicit_ids=False), Load(dst=Subfield(field='nw_ttl', ofs=0, n_bits=8), value=5), Output(port=3, max_len=0)),
        (2, 3, 4, 5, 6): (DecTtl(controller_ids=(0,), explicit_ids=False), SetIpTtl(ttl=5), Output(port=3, max_len=0)),
    },
    ('dl_vlan=5', 'strip_vlan'): {
        (1,): (StripVlan(style='strip_vlan'),),
        (2, 3, 4, 5, 6): (StripVlan(style='pop_vlan'),),
    },
    ('dl_vlan=5', 'pop_vlan'): {
        (1,): (StripVlan(style='strip_vlan'),),
        (2, 3, 4, 5, 6): (StripVlan(style='pop_vlan'),),
    },
    ('dl_vlan=5', 'mod_vlan_vid:10'): {
        (1,): (SetVlanVid(vid=10, push=True),),
        (2,): (SetVlanVid(vid=10, push=False),),
        (3, 4, 5, 6): (SetField(field='vlan_vid', value=4106, mask=8191),),
    },
    ('dl_vlan=5', 'mod_vlan_pcp:2'): {
        (1,): (SetVlanPcp(pcp=2, push=True),),
        (2,): (SetVlanPcp(pcp=2, push=False),),
        (3, 4, 5, 6): (SetField(field='vlan_pcp', value=2, mask=7),),
    },
    ('vlan_tci=0x1000/0x1000', 'set_field:4106->vlan_vid'): {
        (1,): (SetVlanVid(vid=10, push=True),),
        (3, 4, 5, 6): (SetField(field='vlan_vid', value=4106, mask=8191),),
    },
    ('vlan_tci=0x1000/0x1000', 'set_field:3->vlan_pcp'): {
        (1,): (SetVlanPcp(pcp=3, push=True),),
        (3, 4, 5, 6): (SetField(field='vlan_pcp', value=3, mask=7),),
    },
    ('vlan_tci=0x1000/0x1000', 'push_vlan:0x8100'): {
        (3, 4, 5, 6): (PushVlan(ethertype=33024),),
    },
    ('', 'set_field:0x5/0x5->reg0'): {
        (1, 3, 4, 5): (Load(dst=Subfield(field='reg0', ofs=0, n_bits=1), value=1), Load(dst=Subfield(field='reg0', ofs=2, n_bits=1), value=1)),
        (6,): (SetField(field='reg0', value=5, mask=5),),
    },
    ('', 'load:0x5->reg0[0..2],load:0x1->reg1[]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='reg0', ofs=0, n_bits=3), value=5), Load(dst=Subfield(field='reg1', ofs=0, n_bits=32), value=1)),
        (6,): (SetField(field='reg0', value=5, mask=7), SetField(field='reg1', value=1, mask=4294967295)),
    },
    ('ip', 'set_field:10.0.0.1/255.0.0.255->ip_dst'): {
        (1, 2): (SetIpv4Dst(ip=167772161),),
        (3, 4, 5): (Load(dst=Subfield(field='nw_dst', ofs=0, n_bits=8), value=1), Load(dst=Subfield(field='nw_dst', ofs=24, n_bits=8), value=10)),
        (6,): (SetField(field='nw_dst', value=167772161, mask=4278190335),),
    },
    ('ipv6', 'set_field:::1/::ffff->ipv6_dst'): {
        (1, 3, 4, 5): (Load(dst=Subfield(field='ipv6_dst', ofs=0, n_bits=16), value=1),),
        (6,): (SetField(field='ipv6_dst', value=1, mask=65535),),
    },
    ('', 'move:NXM_NX_REG0[0..5]->NXM_NX_TUN_ID[10..15]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='reg0', ofs=0, n_bits=6), dst=Subfield(field='tun_id', ofs=10, n_bits=6)),),
    },
    ('mpls', 'set_field:5->mpls_label'): {
        (1, 2): (Load(dst=Subfield(field='mpls_label', ofs=0, n_bits=20), value=5),),
        (3, 4, 5, 6): (SetField(field='mpls_label', value=5, mask=1048575),),
    },
    ('', 'set_field:0x1234->metadata,goto_table:3'): {
        (1,): (Load(dst=Subfield(field='metadata', ofs=0, n_bits=64), value=4660), Resubmit(in_port=65527, table_id=3, with_ct_orig=False)),
        (2,): (Load(dst=Subfield(field='metadata', ofs=0, n_bits=64), value=4660), GotoTable(table_id=3)),
        (3, 4, 5, 6): (SetField(field='metadata', value=4660, mask=18446744073709551615), GotoTable(table_id=3)),
    },
    ('', 'write_metadata:0x1/0x1,goto_table:1'): {
        (2, 3, 4, 5, 6): (WriteMetadata(value=1, mask=1), GotoTable(table_id=1)),
    },
    ('', 'controller(id=5,reason=no_match,userdata=01)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=0, controller_id=5, userdata=b'\x01', pause=False, meter_id=None, style='controller2'),),
    },
    ('', 'controller(max_len=10,id=2,pause)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=10, reason=1, controller_id=2, userdata=b'', pause=True, meter_id=None, style='controller2'),),
    },
    ('', 'controller(reason=no_match,meter_id=1)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=65535, reason=0, controller_id=0, userdata=b'', pause=False, meter_id=1, style='controller2'),),
    },
    ('', 'set_field:0x1234->xreg1'): {
        (1,): (Load(dst=Subfield(field='xreg1', ofs=0, n_bits=64), value=4660),),
        (3, 4, 5, 6): (SetField(field='xreg1', value=4660, mask=18446744073709551615),),
    },
    ('', 'load:0x1->xxreg0[]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='xxreg0', ofs=0, n_bits=64), value=1), Load(dst=Subfield(field='xxreg0', ofs=64, n_bits=64), value=0)),
        (6,): (SetField(field='xxreg0', value=1, mask=340282366920938463463374607431768211455),),
    },
    ('', 'set_field:0x5->pkt_mark'): {
        (1,): (Load(dst=Subfield(field='pkt_mark', ofs=0, n_bits=32), value=5),),
        (3, 4, 5, 6): (SetField(field='pkt_mark', value=5, mask=4294967295),),
    },
    ('', 'load:0x7->NXM_NX_PKT_MARK[0..3]'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='pkt_mark', ofs=0, n_bits=4), value=7),),
        (6,): (SetField(field='pkt_mark', value=7, mask=15),),
    },
    ('', 'set_field:1.1.1.1->tun_src'): {
        (1,): (Load(dst=Subfield(field='tun_src', ofs=0, n_bits=32), value=16843009),),
        (3, 4, 5, 6): (SetField(field='tun_src', value=16843009, mask=4294967295),),
    },
    ('', 'set_field:2001:db8::5->tun_ipv6_dst'): {
        (1,): (Load(dst=Subfield(field='tun_ipv6_dst', ofs=0, n_bits=64), value=5), Load(dst=Subfield(field='tun_ipv6_dst', ofs=64, n_bits=64), value=2306139568115548160)),
        (3, 4, 5, 6): (SetField(field='tun_ipv6_dst', value=42540766411282592856903984951653826565, mask=340282366920938463463374607431768211455),),
    },
    ('', 'move:NXM_NX_REG0[]->NXM_NX_PKT_MARK[]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='reg0', ofs=0, n_bits=32), dst=Subfield(field='pkt_mark', ofs=0, n_bits=32)),),
    },
    ('', 'move:NXM_OF_IN_PORT[]->NXM_NX_REG3[0..15]'): {
        (1, 2, 3, 4, 5, 6): (Move(src=Subfield(field='in_port', ofs=0, n_bits=16), dst=Subfield(field='reg3', ofs=0, n_bits=16)),),
    },
    ('icmp', 'set_field:3->icmp_type'): {
        (1, 2): (Load(dst=Subfield(field='icmp_type', ofs=0, n_bits=8), value=3),),
        (3, 4, 5, 6): (SetField(field='icmp_type', value=3, mask=255),),
    },
    ('icmp6', 'set_field:135->icmpv6_type'): {
        (1,): (Load(dst=Subfield(field='icmpv6_type', ofs=0, n_bits=8), value=135),),
        (3, 4, 5, 6): (SetField(field='icmpv6_type', value=135, mask=255),),
    },
    ('icmp6,icmp_type=135', 'set_field:fe80::1->nd_target'): {
        (1,): (Load(dst=Subfield(field='nd_target', ofs=0, n_bits=64), value=1), Load(dst=Subfield(field='nd_target', ofs=64, n_bits=64), value=18338657682652659712)),
        (3, 4, 5, 6): (SetField(field='nd_target', value=338288524927261089654018896841347694593, mask=340282366920938463463374607431768211455),),
    },
    ('', 'set_field:0x1234/0xff00->metadata'): {
        (1, 2, 3, 4, 5): (Load(dst=Subfield(field='metadata', ofs=8, n_bits=8), value=18),),
    },
    ('', 'learn(table=5,priority=7,NXM_NX_TUN_ID[],load:NXM_NX_REG0[]->NXM_NX_REG1[],load:0xa->NXM_NX_REG2[0..7],output:NXM_NX_REG3[0..15])'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=64, dst=Subfield(field='tun_id', ofs=0, n_bits=64), src=Subfield(field='tun_id', ofs=0, n_bits=64), value=None), LearnSpec(kind='load', n_bits=32, dst=Subfield(field='reg1', ofs=0, n_bits=32), src=Subfield(field='reg0', ofs=0, n_bits=32), value=None), LearnSpec(kind='load', n_bits=8, dst=Subfield(field='reg2', ofs=0, n_bits=8), src=None, value=10), LearnSpec(kind='output', n_bits=16, dst=None, src=Subfield(field='reg3', ofs=0, n_bits=16), value=None)), table_id=5, priority=7, idle_timeout=0, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=0, result_dst=None),),
    },
    ('', 'learn(table=6,send_flow_rem,delete_learned,idle_timeout=1,NXM_OF_ETH_DST[0..23]=NXM_OF_ETH_SRC[24..47])'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=24, dst=Subfield(field='dl_dst', ofs=0, n_bits=24), src=Subfield(field='dl_src', ofs=24, n_bits=24), value=None),), table_id=6, priority=32768, idle_timeout=1, hard_timeout=0, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=3, limit=0, result_dst=None),),
    },
    ('', 'note:00'): {
        (1, 2, 3, 4, 5, 6): (Note(data=b'\x00\x00\x00\x00\x00\x00'),),
    },
    ('', 'controller(max_len=0)'): {
        (1, 2, 3, 4, 5, 6): (Controller(max_len=0, reason=1, controller_id=0, userdata=b'', pause=False, meter_id=None, style='output'),),
    },
    ('', 'resubmit(65000,254)'): {
        (1, 2, 3, 4, 5, 6): (Resubmit(in_port=65000, table_id=254, with_ct_orig=False),),
    },
    ('ct_state=+trk-inv,ip', 'resubmit(,7,ct)'): {
        (1, 3, 4, 5, 6): (Resubmit(in_port=65527, table_id=7, with_ct_orig=True),),
    },
    ('ct_state=+est+trk,tcp', 'resubmit(3,8,ct),output:2'): {
        (1, 3, 4, 5, 6): (Resubmit(in_port=3, table_id=8, with_ct_orig=True), Output(port=2, max_len=0)),
    },
    ('', 'write_actions(dec_ttl(3),set_field:0x3->reg5,group:7)'): {
        (1,): (),
        (3, 4, 5, 6): (WriteActions(actions=(DecTtl(controller_ids=(3,), explicit_ids=True), SetField(field='reg5', value=3, mask=4294967295), Group(group_id=7))),),
    },
    ('', 'clone(sample(probability=9,collector_set_id=1,obs_domain_id=2,obs_point_id=3),output:4)'): {
        (1, 2, 3, 4, 5, 6): (Clone(actions=(Sample(probability=9, collector_set_id=1, obs_domain_id=2, obs_point_id=3, sampling_port=65535, direction='default'), Output(port=4, max_len=0))),),
    },
    ('', 'learn(table=10,hard_timeout=30,NXM_OF_VLAN_TCI[0..11],output:NXM_OF_IN_PORT[]),output:1'): {
        (1, 2, 3, 4, 5, 6): (Learn(specs=(LearnSpec(kind='match', n_bits=12, dst=Subfield(field='vlan_tci', ofs=0, n_bits=12), src=Subfield(field='vlan_tci', ofs=0, n_bits=12), value=None), LearnSpec(kind='output', n_bits=16, dst=None, src=Subfield(field='in_port', ofs=0, n_bits=16), value=None)), table_id=10, priority=32768, idle_timeout=0, hard_timeout=30, fin_idle_timeout=0, fin_hard_timeout=0, cookie=0, flags=0, limit=0, result_dst=None), Output(port=1, max_len=0)),
    },
    ('', 'output(port=1,max_len=100)'): {
        (1, 2, 3, 4, 5, 6): (OutputTrunc(port=1, max_len=100),),
    },
    ('', 'output(port=LOCAL,max_len=64)'): {
        (1, 2, 3, 4, 5, 6): (OutputTrunc(port=65534, max_len=64),),
    },
    ('', 'output(port=IN_PORT,max_len=14),output(port=65000,max_len=65535)'): {
        (1, 2, 3, 4, 5, 6): (OutputTrunc(port=65528, max_len=14), OutputTrunc(port=65000, max_len=65535)),
    },
}
