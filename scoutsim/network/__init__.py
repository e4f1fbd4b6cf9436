"""The network: how bytes move from a device to the cloud.

* :mod:`.channels`  capacity processes ``C(t)`` (constant, Markov, trace replay), registered
  by the ``kind`` a scenario names;
* :mod:`.link`      what every link model answers (:class:`~.link.Link`) and the event loop
  they share;
* :mod:`.uplink`    the exact event-driven fluid model of a shared uplink (work-conserving
  weighted processor sharing, reserved slices);
* :mod:`.vtime`     the same physics by virtual time (finish tags), O(log n) per event, for
  weighted processor sharing and reserved slices with fixed weights and no TCP;
* :mod:`.choose`    which of the two a link gets (the one rule);
* :mod:`.tcp`       optional TCP corrections (handshake, slow start, loss-limited rate);
* :mod:`.cell`      the general case: cells with per-device radio links, time-shared by a
  scheduler (:mod:`.schedulers`), grant delay and HARQ, and wired links behind them
  (:mod:`.topology`), rates by weighted max-min fairness (:mod:`.maxmin`).

It knows nothing of LLMs: a transfer is a number of bytes and a weight.
"""
