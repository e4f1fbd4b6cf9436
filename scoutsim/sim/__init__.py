"""The simulation core: the discrete-event world that plays a scenario out.

* :mod:`.streams`    one NumPy generator per (replication, component, index), so that a
  change of policy does not change arrivals, channels or questions;
* :mod:`.questions`  which oracle sample each request draws;
* :mod:`.cloud`      the cloud's FIFO queue of GPU servers;
* :mod:`.agent`      a device: arrivals, edge compute, mode choice, transfer, answer;
* :mod:`.records`    one typed row per request;
* :mod:`.equip`      builds one device, the same on a shared uplink and in a cell;
* :mod:`.world`      builds agents, uplinks and the cloud from a resolved scenario;
* :mod:`.runner`     independent replications, in this process or in workers.

It neither prints nor plots: it returns request records.
"""
