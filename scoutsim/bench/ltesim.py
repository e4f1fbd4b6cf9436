"""The packet-level side of the LTE validation: UEs uploading over one eNodeB in ns-3's LTE
module (LENA) with its EPC, TCP from each UE to a remote host.

Setup (everything else is ns-3 3.44's default):

* one eNodeB, UEs on a line at the given distances, no fading, static positions;
* path loss ``LogDistancePropagationLossModel``: ``L(d) = 38 dB + 10 n log10(d / 1 m)``
  with ``n = 3`` (38 dB: free space at 1 m near 2 GHz; ``n = 3`` an urban macro slope), so
  that UEs at 100 m to 1 km land on clearly different MCS;
* uplink power control off, every UE sends at 23 dBm (a class-3 phone): a UE's SINR, and so
  its MCS, depends only on its distance;
* 25 uplink resource blocks (5 MHz), ``scheduler`` ns-3's ``RrFfMacScheduler`` (round robin)
  or ``PfFfMacScheduler``; in both the uplink gives each of the ``k`` UEs with data
  ``max(3, floor(25 / k))`` resource blocks per TTI, at most 8 UEs per TTI, taking turns
  (:func:`scoutsim.network.schedulers.resource_block_share`); other block counts, the RLC
  buffer, fast fading and a stop time are arguments of :func:`run`;
* RLC UM with its transmit buffer raised from 10 KiB to 16 MiB: with the default, a TCP
  window larger than 10 KiB overflows the UE's RLC buffer, which discards the PDCP PDUs and
  stalls TCP on the uplink;
* TCP (Cubic, 1400-byte segments, large socket buffers) from each UE's ``BulkSend`` to a
  ``PacketSink`` behind the PGW (10 Gbps, 1 ms); the S1-U backhaul between eNodeB and
  SGW/PGW has ``backhaul_mbps`` (default 10 Gbps: not a constraint).

A flow's completion time is when the remote host has all of its bytes, minus its start.
"""

from __future__ import annotations

import time

MSS = 1400
PATHLOSS_EXPONENT = 3.0
REFERENCE_LOSS_DB = 38.0
TX_POWER_DBM = 23.0
RESOURCE_BLOCKS = 25
ATTACH_S = 0.5  # flows start this long after the UEs attach (RRC connection set-up)
SCHEDULERS = {"rr": "ns3::RrFfMacScheduler", "pf": "ns3::PfFfMacScheduler"}

_HELPERS = r"""
#include "ns3/core-module.h"
#include "ns3/network-module.h"
namespace scoutsim_lte {
using namespace ns3;
std::vector<double> done;
std::vector<uint64_t> got, want;
std::vector<bool> counted;
uint32_t open = 0;
void OnRx(uint32_t i, Ptr<const Packet> p, const Address &) {
  got[i] += p->GetSize();
  if (done[i] < 0 && got[i] >= want[i]) {
    done[i] = Simulator::Now().GetSeconds();
    // The LTE stack ticks every TTI: stop when all the awaited flows are in.
    if (counted[i] && --open == 0) Simulator::Stop();
  }
}
void Watch(Ptr<Application> sink, uint32_t i, uint64_t bytes, bool awaited) {
  if (done.size() <= i) { done.resize(i + 1); got.resize(i + 1); want.resize(i + 1); counted.resize(i + 1); }
  if (i == 0) open = 0;
  if (awaited) open++;
  counted[i] = awaited;
  done[i] = -1; got[i] = 0; want[i] = bytes;
  sink->TraceConnectWithoutContext("Rx", MakeBoundCallback(&OnRx, i));
}
double Done(uint32_t i) { return done[i]; }
}
"""
_ns = None


def load():
    """Import ns-3 once, compile the trace helpers, set the defaults every run shares."""
    global _ns
    if _ns is None:
        from ns import ns

        ns.cppyy.cppdef(_HELPERS)
        for name, value in (("ns3::TcpSocket::SegmentSize", ns.UintegerValue(MSS)),
                            ("ns3::TcpSocket::SndBufSize", ns.UintegerValue(1 << 24)),
                            ("ns3::TcpSocket::RcvBufSize", ns.UintegerValue(1 << 24)),
                            ("ns3::LteRlcUm::MaxTxBufferSize", ns.UintegerValue(1 << 24)),
                            ("ns3::LteUePhy::EnableUplinkPowerControl", ns.BooleanValue(False)),
                            ("ns3::LteUePhy::TxPower", ns.DoubleValue(TX_POWER_DBM)),
                            ("ns3::LteEnbNetDevice::UlBandwidth", ns.UintegerValue(RESOURCE_BLOCKS))):
            ns.Config.SetDefault(name, value)
        _ns = ns
    return _ns


def run(distances, sizes, starts, scheduler: str = "rr", backhaul_mbps: float | None = None,
        seed: int = 1, resource_blocks: int = RESOURCE_BLOCKS, rlc_bytes: int = 1 << 24,
        fading_trace: str | None = None, stop_s: float | None = None,
        awaited=None, ul_mac_stats: str | None = None) -> tuple[list[float], float]:
    """Completion times (s) of one TCP upload per UE; returns (times, wall seconds of ns-3).

    ``fading_trace``: a file for ns-3's ``TraceFadingLossModel`` (:mod:`scoutsim.bench.fadingtrace`),
    or None for no fast fading. ``stop_s``: simulated seconds after which flows still open count
    as never completed (NaN); None: an open flow after 600 s is an error. ``awaited``: which
    flows the run waits for (default all): the others (UEs that never got a grant alone)
    still take part, and count as never completed if still open when the awaited are in.
    ``ul_mac_stats``: a file for ns-3's uplink MAC trace (one line per transport block: time,
    UE, MCS, size in bytes), or None for none."""
    ns = load()
    helpers = ns.cppyy.gbl.scoutsim_lte
    n = len(distances)
    ns.RngSeedManager.SetSeed(1)
    ns.RngSeedManager.SetRun(seed)
    # Streams are numbered from a process-wide counter: without the reset a run's draws would
    # depend on the runs before it in the same process.
    ns.RngSeedManager.ResetNextStreamIndex()
    ns.Config.SetDefault("ns3::LteEnbNetDevice::UlBandwidth", ns.UintegerValue(int(resource_blocks)))
    ns.Config.SetDefault("ns3::LteRlcUm::MaxTxBufferSize", ns.UintegerValue(int(rlc_bytes)))
    # The helper makes its MAC trace writer when it is made, with the default set here (set
    # every run: a default outlives the run that set it).
    ns.Config.SetDefault("ns3::MacStatsCalculator::UlOutputFilename",
                         ns.StringValue(str(ul_mac_stats) if ul_mac_stats is not None else "UlMacStats.txt"))
    lte = ns.CreateObject[ns.LteHelper]()
    epc = ns.CreateObject[ns.PointToPointEpcHelper]()
    if backhaul_mbps is not None:
        epc.SetAttribute("S1uLinkDataRate", ns.DataRateValue(ns.DataRate(f"{backhaul_mbps}Mbps")))
    lte.SetEpcHelper(epc)
    lte.SetSchedulerType(SCHEDULERS[scheduler])
    lte.SetAttribute("PathlossModel", ns.StringValue("ns3::LogDistancePropagationLossModel"))
    lte.SetPathlossModelAttribute("Exponent", ns.DoubleValue(PATHLOSS_EXPONENT))
    lte.SetPathlossModelAttribute("ReferenceLoss", ns.DoubleValue(REFERENCE_LOSS_DB))
    if fading_trace is not None:
        from scoutsim.bench.fadingtrace import RB_NUM, SAMPLES, TRACE_S, WINDOW_S

        lte.SetFadingModel("ns3::TraceFadingLossModel")
        lte.SetFadingModelAttribute("TraceFilename", ns.StringValue(str(fading_trace)))
        lte.SetFadingModelAttribute("TraceLength", ns.TimeValue(ns.Seconds(TRACE_S)))
        lte.SetFadingModelAttribute("SamplesNum", ns.UintegerValue(SAMPLES))
        lte.SetFadingModelAttribute("WindowSize", ns.TimeValue(ns.Seconds(WINDOW_S)))
        lte.SetFadingModelAttribute("RbNum", ns.UintegerValue(RB_NUM))

    remote = ns.NodeContainer()
    remote.Create(1)
    ns.InternetStackHelper().Install(remote)
    p2p = ns.PointToPointHelper()
    p2p.SetDeviceAttribute("DataRate", ns.StringValue("10Gbps"))
    p2p.SetChannelAttribute("Delay", ns.StringValue("1ms"))
    link = p2p.Install(epc.GetPgwNode(), remote.Get(0))
    addresses = ns.Ipv4AddressHelper()
    addresses.SetBase(ns.Ipv4Address("1.0.0.0"), ns.Ipv4Mask("255.0.0.0"))
    far = addresses.Assign(link).GetAddress(1)
    routing = ns.Ipv4StaticRoutingHelper()
    routing.GetStaticRouting(remote.Get(0).GetObject[ns.Ipv4]()).AddNetworkRouteTo(
        ns.Ipv4Address("7.0.0.0"), ns.Ipv4Mask("255.0.0.0"), 1)

    enb = ns.NodeContainer()
    enb.Create(1)
    ues = ns.NodeContainer()
    ues.Create(n)
    positions = ns.CreateObject[ns.ListPositionAllocator]()
    positions.Add(ns.Vector(0, 0, 0))
    for d in distances:
        positions.Add(ns.Vector(float(d), 0, 0))
    mobility = ns.MobilityHelper()
    mobility.SetPositionAllocator(positions)
    mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel")
    mobility.Install(enb)
    mobility.Install(ues)
    enb_dev = lte.InstallEnbDevice(enb)
    ue_dev = lte.InstallUeDevice(ues)
    ns.InternetStackHelper().Install(ues)
    epc.AssignUeIpv4Address(ue_dev)
    for i in range(n):
        routing.GetStaticRouting(ues.Get(i).GetObject[ns.Ipv4]()).SetDefaultRoute(
            epc.GetUeDefaultGatewayAddress(), 1)
    lte.Attach(ue_dev, enb_dev.Get(0))
    if ul_mac_stats is not None:
        lte.EnableUlMacTraces()
    for i in range(n):
        port = 5000 + i
        local = ns.InetSocketAddress(ns.Ipv4Address.GetAny(), port).ConvertTo()
        sink = ns.PacketSinkHelper("ns3::TcpSocketFactory", local).Install(remote.Get(0))
        helpers.Watch(sink.Get(0), i, int(sizes[i]), True if awaited is None else bool(awaited[i]))
        send = ns.BulkSendHelper("ns3::TcpSocketFactory", ns.InetSocketAddress(far, port).ConvertTo())
        send.SetAttribute("MaxBytes", ns.UintegerValue(int(sizes[i])))
        send.Install(ues.Get(i)).Start(ns.Seconds(ATTACH_S + float(starts[i])))
    started = time.perf_counter()
    # A bound; the helpers stop it when all flows are in.
    ns.Simulator.Stop(ns.Seconds(600 if stop_s is None else ATTACH_S + stop_s))
    ns.Simulator.Run()
    wall = time.perf_counter() - started
    fct = [helpers.Done(i) - ATTACH_S - starts[i] if helpers.Done(i) >= 0 else float("nan") for i in range(n)]
    ns.Simulator.Destroy()
    if stop_s is None and any(f != f for f in fct):
        raise RuntimeError("an ns-3 LTE flow did not complete within 600 s of simulated time")
    return fct, wall
