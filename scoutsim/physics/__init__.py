"""Payload physics: what a request costs before any network or queue is involved.

* :mod:`.models`   model shapes (layers, KV heads, head_dim) of the models the study used;
* :mod:`.payload`  bytes on the wire for every mode, from those shapes;
* :mod:`.compute`  edge and cloud compute seconds, from the oracle's measured timings.
* :mod:`.journey`  a request's predicted time: edge + payload / rate + latency + cloud.

Named ``physics`` because nothing here is a choice: every number follows from a model's
configuration, a mode's definition or a measurement.
"""
