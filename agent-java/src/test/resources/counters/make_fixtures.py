#!/usr/bin/env python3
"""Writes the counters fixtures: base samples per kernel and the doctor stories (see README.md).

kernels/6.18 and kernels/6.1 are real captures and are read, never written. 3.16, 4.9 and 5.10 are
written here from the kernels' column lists (net/ipv4/proc.c of each release). Stories are series
of snapshot folders built from a kernel's base sample with chosen counters moved.

Run from this folder: python3 make_fixtures.py
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

TCPEXT_316 = """SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned
OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSPassive PAWSActive PAWSEstab DelayedACKs
DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPPrequeued TCPDirectCopyFromBacklog
TCPDirectCopyFromPrequeue TCPPrequeueDropped TCPHPHits TCPHPHitsToUser TCPPureAcks TCPHPAcks TCPRenoRecovery
TCPSackRecovery TCPSACKReneging TCPFACKReorder TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo
TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures
TCPFastRetrans TCPForwardRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery
TCPRenoRecoveryFail TCPSackRecoveryFail TCPSchedulerFailed TCPRcvCollapsed TCPDSACKOldSent TCPDSACKOfoSent
TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger
TCPAbortFailed TCPMemoryPressures TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs
TCPMD5NotFound TCPMD5Unexpected TCPSackShifted TCPSackMerged TCPSackShiftFallback TCPBacklogDrop TCPMinTTLDrop
TCPDeferAcceptDrop IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail
TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive
TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd
TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv
TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent""".split()

# 4.9: 3.16's list plus the ACK-loop mitigation counters (4.0/4.1), TCPWinProbe/TCPKeepAlive and the
# MTU probing counters (4.7/4.8). PAWSPassive is still there (removed in 4.12).
TCPEXT_49 = TCPEXT_316 + """TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2
TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess""".split()

IPEXT_OLD = """InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets
InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts
InCEPkts""".split()

IP = """Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards
InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails
FragCreates""".split()
ICMP = """InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos
InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutDestUnreachs OutTimeExcds
OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks
OutAddrMaskReps""".split()
TCP = """RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs
OutSegs RetransSegs InErrs OutRsts InCsumErrors""".split()
UDP_316 = "InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors".split()
UDP_49 = UDP_316 + ["IgnoredMulti"]  # 3.19; MemErrors came in 5.11

# Plausible totals for a web server that has been up a while; everything else starts at 0.
BASE_VALUES = {
    "TcpExt:TW": 881234, "TcpExt:DelayedACKs": 412300, "TcpExt:TCPHPHits": 9123456,
    "TcpExt:TCPPureAcks": 2212345, "TcpExt:TCPHPAcks": 3312345, "TcpExt:TCPTimeouts": 1320,
    "TcpExt:TCPRcvCoalesce": 512345, "TcpExt:TCPOrigDataSent": 18234567, "TcpExt:TCPSynRetrans": 310,
    "TcpExt:TCPAutoCorking": 70123, "TcpExt:TCPLossProbes": 4100,
    "IpExt:InOctets": 98765432109, "IpExt:OutOctets": 123456789012, "IpExt:InNoECTPkts": 40123456,
    "Ip:Forwarding": 2, "Ip:DefaultTTL": 64, "Ip:InReceives": 40123456, "Ip:InDelivers": 40123400,
    "Ip:OutRequests": 38123456, "Icmp:InMsgs": 120, "Icmp:InDestUnreachs": 120, "Icmp:OutMsgs": 95,
    "Icmp:OutDestUnreachs": 95, "IcmpMsg:InType3": 120, "IcmpMsg:OutType3": 95,
    "Tcp:RtoAlgorithm": 1, "Tcp:RtoMin": 200, "Tcp:RtoMax": 120000, "Tcp:MaxConn": -1,
    "Tcp:ActiveOpens": 20345, "Tcp:PassiveOpens": 1812345, "Tcp:AttemptFails": 210, "Tcp:EstabResets": 5120,
    "Tcp:CurrEstab": 310, "Tcp:InSegs": 40012345, "Tcp:OutSegs": 38012345, "Tcp:RetransSegs": 21034,
    "Tcp:OutRsts": 9120, "Udp:InDatagrams": 110234, "Udp:OutDatagrams": 110301, "Udp:NoPorts": 95,
}


def table(groups):
    """groups: list of (name, columns, values dict) -> kernel text."""
    out = []
    for name, cols, vals in groups:
        out.append(name + ": " + " ".join(cols))
        out.append(name + ": " + " ".join(str(vals.get(name + ":" + c, 0)) for c in cols))
    return "\n".join(out) + "\n"


def parse(text):
    lines = text.rstrip("\n").split("\n")
    groups = []
    for i in range(0, len(lines), 2):
        h = lines[i].split()
        v = lines[i + 1].split()
        name = h[0][:-1]
        groups.append((name, h[1:], {name + ":" + c: int(x) for c, x in zip(h[1:], v[1:])}))
    return groups


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def hand_written_kernels():
    tcpext_61 = read(os.path.join(HERE, "kernels/6.1/netstat")).split("\n")[0].split()[1:]
    ipext_new = read(os.path.join(HERE, "kernels/6.1/netstat")).split("\n")[2].split()[1:]
    tcpext_510 = [c for c in tcpext_61 if c not in ("TCPMigrateReqSuccess", "TCPMigrateReqFailure")]
    icmpmsg = ["InType3", "OutType3"]
    kernels = {
        "3.16": ([("TcpExt", TCPEXT_316), ("IpExt", IPEXT_OLD)],
                 [("Ip", IP), ("Icmp", ICMP), ("IcmpMsg", icmpmsg), ("Tcp", TCP), ("Udp", UDP_316), ("UdpLite", UDP_316)]),
        "4.9": ([("TcpExt", TCPEXT_49), ("IpExt", IPEXT_OLD)],
                [("Ip", IP), ("Icmp", ICMP), ("IcmpMsg", icmpmsg), ("Tcp", TCP), ("Udp", UDP_49), ("UdpLite", UDP_49)]),
        "5.10": ([("TcpExt", tcpext_510), ("IpExt", ipext_new)],
                 [("Ip", IP), ("Icmp", ICMP), ("IcmpMsg", icmpmsg), ("Tcp", TCP), ("Udp", UDP_49), ("UdpLite", UDP_49)]),
    }
    for version, (netstat, snmp) in kernels.items():
        write(os.path.join(HERE, "kernels", version, "netstat"), table([(n, c, BASE_VALUES) for n, c in netstat]))
        write(os.path.join(HERE, "kernels", version, "snmp"), table([(n, c, BASE_VALUES) for n, c in snmp]))


SYSCTL_DEFAULTS = {
    "3.16": {"kernel.osrelease": "3.16.0-4-amd64", "net.ipv4.tcp_tw_recycle": "0", "net.ipv4.tcp_tw_reuse": "0",
             "net.ipv4.tcp_timestamps": "1", "net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_syn_backlog": "512",
             "net.core.somaxconn": "128"},
    "4.9": {"kernel.osrelease": "4.9.0-19-amd64", "net.ipv4.tcp_tw_recycle": "0", "net.ipv4.tcp_tw_reuse": "0",
            "net.ipv4.tcp_timestamps": "1", "net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_syn_backlog": "512",
            "net.core.somaxconn": "128"},
    "5.10": {"kernel.osrelease": "5.10.0-33-amd64", "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.tcp_timestamps": "1",
             "net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_syn_backlog": "512", "net.core.somaxconn": "4096"},
    "6.1": {"kernel.osrelease": "6.1.0-56-amd64", "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.tcp_timestamps": "1",
            "net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_syn_backlog": "128", "net.core.somaxconn": "4096"},
    "6.18": {"kernel.osrelease": "6.18.44-fc-v657", "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.tcp_timestamps": "1",
             "net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_syn_backlog": "2048", "net.core.somaxconn": "4096"},
}

# Lines `sysctl -a` prints around the interesting ones; tabs separate multi-value settings.
SYSCTL_NOISE = ["kernel.hostname = web-1", "net.ipv4.ip_local_port_range = 32768\t60999",
                "net.ipv4.tcp_rmem = 4096\t131072\t6291456", "net.ipv4.tcp_fin_timeout = 60"]

# Normal traffic every 30 s: what a busy but healthy server's counters do.
TRAFFIC = {"Tcp:PassiveOpens": 3000, "Tcp:InSegs": 90000, "Tcp:OutSegs": 85000, "Ip:InReceives": 90000,
           "Ip:InDelivers": 90000, "Ip:OutRequests": 85000, "IpExt:InOctets": 52000000,
           "IpExt:OutOctets": 180000000, "TcpExt:TW": 2900, "TcpExt:TCPHPHits": 40000, "TcpExt:DelayedACKs": 1500}


def story(name, kernel, steps, sysctl_overrides=None, start=1795800000, every=30):
    """steps: list of dicts {counter: increment since the previous snapshot}; one snapshot per entry + baseline."""
    base_netstat = parse(read(os.path.join(HERE, "kernels", kernel, "netstat")))
    base_snmp = parse(read(os.path.join(HERE, "kernels", kernel, "snmp")))
    values = {}
    for _, _, v in base_netstat + base_snmp:
        values.update(v)
    sysctl = dict(SYSCTL_DEFAULTS[kernel])
    sysctl.update(sysctl_overrides or {})
    sysctl_text = "\n".join(SYSCTL_NOISE[:1] + [k + " = " + v for k, v in sorted(sysctl.items())] + SYSCTL_NOISE[1:]) + "\n"
    root = os.path.join(HERE, "stories", name)
    shutil.rmtree(root, ignore_errors=True)
    for i, inc in enumerate([{}] + steps):
        if i > 0:
            for k, d in list(TRAFFIC.items()) + list(inc.items()):
                if k not in values:
                    raise SystemExit(f"{name}: kernel {kernel} has no counter {k}")
                values[k] += d
        snap = os.path.join(root, "%04d" % i)
        write(os.path.join(snap, "netstat"), table([(n, c, values) for n, c, _ in base_netstat]))
        write(os.path.join(snap, "snmp"), table([(n, c, values) for n, c, _ in base_snmp]))
        write(os.path.join(snap, "sysctl"), sysctl_text)
        write(os.path.join(snap, "time"), "%d\n" % (start + i * every))


def main():
    hand_written_kernels()
    # The seed's post-mortem: 3.16, tcp_tw_recycle=1, NAT'd clients; every PAWSPassive drop is a ListenDrop.
    story("tw-recycle-3.16", "3.16", [{"TcpExt:PAWSPassive": 35, "TcpExt:ListenDrops": 35},
                                      {"TcpExt:PAWSPassive": 36, "TcpExt:ListenDrops": 36}],
          {"net.ipv4.tcp_tw_recycle": "1"})
    # tcp_tw_recycle on, no NAT'd clients yet: the latent risk.
    story("tw-recycle-latent-4.9", "4.9", [{}, {}], {"net.ipv4.tcp_tw_recycle": "1"})
    # Syncookies off, SYN queue full: TCPReqQFullDrop plus ListenDrops no counter explains (PEER_UNPROVEN).
    story("syn-queue-4.9", "4.9", [{"TcpExt:TCPReqQFullDrop": 50, "TcpExt:ListenDrops": 80}],
          {"net.ipv4.tcp_syncookies": "0", "net.ipv4.tcp_max_syn_backlog": "128"})
    # Slow application behind a small backlog.
    story("accept-overflow-5.10", "5.10", [{"TcpExt:ListenOverflows": 12, "TcpExt:ListenDrops": 12},
                                           {"TcpExt:ListenOverflows": 13, "TcpExt:ListenDrops": 13}],
          {"net.core.somaxconn": "128"})
    # TIME-WAIT PAWS before 6.16: counted in PAWSEstab (events tell it apart).
    story("timewait-paws-6.1", "6.1", [{"TcpExt:PAWSEstab": 12}])
    # TIME-WAIT PAWS on 6.16+: its own counter.
    story("timewait-paws-6.18", "6.18", [{"TcpExt:PAWSTimewait": 9}])
    # SYN queue overflowing, answered with cookies.
    story("syn-cookies-6.1", "6.1", [{"TcpExt:TCPReqQFullDoCookies": 40, "TcpExt:SyncookiesSent": 40,
                                      "TcpExt:SyncookiesRecv": 38}])
    for kernel in ("3.16", "4.9", "5.10", "6.1", "6.18"):
        story("healthy-" + kernel, kernel, [{}, {}])


if __name__ == "__main__":
    main()
