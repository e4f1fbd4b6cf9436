"""The packet-level side of the ns-3 validation: N senders with TCP bulk transfers through
one bottleneck, in ns-3 (``pip install scoutsim[validation]``, the ``ns3`` package).

Topology: each sender has its own 10 Gbps, 1 us access link to a router; the router's link
to the receiver is the bottleneck, with the case's capacity schedule and one-way delay (the
ACKs come back over it, so the RTT is twice the delay). Loss is a packet error model at
the receiver's end of the bottleneck. Everything else is ns-3 3.4x's default: TCP Cubic,
initial window 10 segments, delayed ACKs every 2 segments, the FqCoDel queue disc that
address assignment installs (per-flow fair queues: the fluid model's equal sharing), with
segments of 1448 bytes (an Ethernet MSS with timestamps) and socket buffers large enough
that the window, not the buffer, limits every flow.

The bottleneck's queues are the one choice that matters. ``deep`` (the default here) is
what the fluid model assumes and a base station's per-user queues are: each flow has a
deep queue of its own (CoDel's target raised to 500 ms, its interval to 10 s) and the
device's FIFO beneath the fair queues holds 5 packets, so that no flow waits behind
another's backlog. ``codel`` keeps ns-3's defaults (5 ms / 100 ms, a 100-packet device
FIFO), which drop packets of flows that slow-start together and delay a new flow's every
round behind up to 100 packets of the others.

A flow's completion time is when its receiver has all of its bytes, minus its start time;
it is taken from a C++ trace callback, compiled once through cppyy, since ns-3 cannot call
back into Python per packet at any useful speed.
"""

from __future__ import annotations

import time

MSS = 1448
_HELPERS = r"""
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
namespace scoutsim_ns3 {
using namespace ns3;
std::vector<double> done;
std::vector<uint64_t> got, want;
void OnRx(uint32_t i, Ptr<const Packet> p, const Address &) {
  got[i] += p->GetSize();
  if (done[i] < 0 && got[i] >= want[i]) done[i] = Simulator::Now().GetSeconds();
}
void Watch(Ptr<Application> sink, uint32_t i, uint64_t bytes) {
  if (done.size() <= i) { done.resize(i + 1); got.resize(i + 1); want.resize(i + 1); }
  done[i] = -1; got[i] = 0; want[i] = bytes;
  sink->TraceConnectWithoutContext("Rx", MakeBoundCallback(&OnRx, i));
}
void SetRate(Ptr<NetDevice> dev, std::string rate) {
  DynamicCast<PointToPointNetDevice>(dev)->SetDataRate(DataRate(rate));
}
void ScheduleRate(Ptr<NetDevice> dev, double at, std::string rate) {
  Simulator::Schedule(Seconds(at), &SetRate, dev, rate);
}
double Done(uint32_t i) { return done[i]; }
}
"""

# FqCoDel's (target, interval) and the FIFO of the bottleneck device beneath it.
QUEUES = {"deep": ("500ms", "10s", "5p"), "codel": ("5ms", "100ms", "100p")}
_ns = None
_device_queue = "100p"


def available() -> bool:
    """Whether the ns3 package is installed (without importing it: that takes seconds)."""
    import importlib.util

    try:
        return importlib.util.find_spec("ns") is not None
    except (ImportError, ValueError):
        return False


def load(queue: str = "deep"):
    """Import ns-3 (about 8-15 s the first time), compile the helpers once, and set the
    defaults every run shares."""
    global _ns, _device_queue
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; expected one of {sorted(QUEUES)}")
    if _ns is None:
        from ns import ns

        ns.cppyy.cppdef(_HELPERS)
        ns.Config.SetDefault("ns3::TcpSocket::SegmentSize", ns.UintegerValue(MSS))
        ns.Config.SetDefault("ns3::TcpSocket::SndBufSize", ns.UintegerValue(1 << 26))
        ns.Config.SetDefault("ns3::TcpSocket::RcvBufSize", ns.UintegerValue(1 << 26))
        _ns = ns
    target, interval, _device_queue = QUEUES[queue]
    _ns.Config.SetDefault("ns3::FqCoDelQueueDisc::Target", _ns.StringValue(target))
    _ns.Config.SetDefault("ns3::FqCoDelQueueDisc::Interval", _ns.StringValue(interval))
    return _ns


def run(sizes, starts, capacity, one_way_s: float, loss: float = 0.0, seed: int = 1):
    """Completion times (s) of TCP flows of ``sizes`` bytes starting at ``starts`` over a
    bottleneck whose capacity follows ``capacity`` ([(time_s, mbps), ...], the first at 0);
    returns (completion times, wall seconds ns-3 took to simulate)."""
    ns = _ns if _ns is not None else load()
    helpers = ns.cppyy.gbl.scoutsim_ns3
    n = len(sizes)
    ns.RngSeedManager.SetSeed(1)
    ns.RngSeedManager.SetRun(seed)
    senders = ns.NodeContainer()
    senders.Create(n)
    router = ns.NodeContainer()
    router.Create(1)
    receiver = ns.NodeContainer()
    receiver.Create(1)
    stack = ns.InternetStackHelper()
    for c in (senders, router, receiver):
        stack.Install(c)
    access = ns.PointToPointHelper()
    access.SetDeviceAttribute("DataRate", ns.StringValue("10Gbps"))
    access.SetChannelAttribute("Delay", ns.StringValue("1us"))
    bottleneck = ns.PointToPointHelper()
    bottleneck.SetDeviceAttribute("DataRate", ns.StringValue(f"{capacity[0][1]}Mbps"))
    bottleneck.SetChannelAttribute("Delay", ns.StringValue(f"{one_way_s * 1e6:.0f}us"))
    bottleneck.SetQueue("ns3::DropTailQueue", "MaxSize", ns.StringValue(_device_queue))
    devices = bottleneck.Install(router.Get(0), receiver.Get(0))
    if loss > 0:
        em = ns.CreateObject[ns.RateErrorModel]()
        em.SetAttribute("ErrorRate", ns.DoubleValue(loss))
        em.SetAttribute("ErrorUnit", ns.StringValue("ERROR_UNIT_PACKET"))
        devices.Get(1).SetAttribute("ReceiveErrorModel", ns.PointerValue(em))
    addresses = ns.Ipv4AddressHelper()
    addresses.SetBase(ns.Ipv4Address("10.0.0.0"), ns.Ipv4Mask("255.255.255.0"))
    far = addresses.Assign(devices).GetAddress(1)
    for i in range(n):
        d = access.Install(senders.Get(i), router.Get(0))
        addresses.SetBase(ns.Ipv4Address(f"10.{1 + i // 250}.{i % 250}.0"), ns.Ipv4Mask("255.255.255.0"))
        addresses.Assign(d)
    ns.Ipv4GlobalRoutingHelper.PopulateRoutingTables()
    for i in range(n):
        port = 5000 + i
        local = ns.InetSocketAddress(ns.Ipv4Address.GetAny(), port).ConvertTo()
        sink = ns.PacketSinkHelper("ns3::TcpSocketFactory", local).Install(receiver.Get(0))
        sink.Start(ns.Seconds(0))
        helpers.Watch(sink.Get(0), i, int(sizes[i]))
        send = ns.BulkSendHelper("ns3::TcpSocketFactory", ns.InetSocketAddress(far, port).ConvertTo())
        send.SetAttribute("MaxBytes", ns.UintegerValue(int(sizes[i])))
        app = send.Install(senders.Get(i))
        app.Start(ns.Seconds(float(starts[i])))
    for at, mbps in capacity[1:]:
        helpers.ScheduleRate(devices.Get(0), float(at), f"{mbps}Mbps")
    started = time.perf_counter()
    ns.Simulator.Stop(ns.Seconds(3600))
    ns.Simulator.Run()
    wall = time.perf_counter() - started
    fct = [helpers.Done(i) - starts[i] for i in range(n)]
    ns.Simulator.Destroy()
    if any(f < 0 for f in fct):
        raise RuntimeError("an ns-3 flow did not complete within an hour of simulated time")
    return fct, wall
