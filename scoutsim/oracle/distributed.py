"""Spreading an oracle build's samples over Ray workers.

The unit of work is one chunk of samples for the build's (edge, cloud) pair, with every
mode. Modes are not split across workers: a sample's modes share one prefill per model
and are decoded as one batch, so splitting them would repeat the prefill and change the
batch a mode is decoded in.

Each worker is a Ray actor that loads the pair once (one GPU each when ``--device cuda``,
one CPU otherwise) and builds chunks into the same ``.partial/samples/`` shards the local
build writes, with the same code (``samples.build_sample``). The driver does everything
else exactly as a local build does -- the bottleneck diagnostic before, timings and
assembly after -- so the cache is the same whichever executor ran the samples, and a
killed Ray build resumes (with either executor) from the shards already written.

Timings are measured on the driver, alone on its device after the workers have finished,
as in a local build: measuring inside a worker would time a model sharing its node with
other workers. The driver therefore also needs ``--device``.

Workers must see the build's paths (models, data set, output directory) at the same
places: a local Ray instance does; a cluster needs a shared file system.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from scoutsim.errors import UserError
from scoutsim.raystart import import_ray
from scoutsim.raystart import start as start_ray

EXECUTORS = ("local", "ray")
CHUNKS_PER_WORKER = 4  # several chunks each, so a fast worker takes over a slow one's share


@dataclass
class Executor:
    name: str = "local"
    address: str | None = None
    workers: int | None = None  # ray: actors to start (default: the cluster's GPUs or CPUs)

    def check(self) -> None:
        if self.name not in EXECUTORS:
            raise UserError(f"unknown executor {self.name!r}; expected one of {list(EXECUTORS)}")
        if self.name == "local" and (self.address or self.workers):
            raise UserError("--ray-address and --workers apply to --executor ray only")
        if self.workers is not None and self.workers < 1:
            raise UserError(f"--workers must be >= 1, got {self.workers}")
        if self.name == "ray":
            import_ray()


def chunks(samples: list, n: int) -> list[list]:
    """``samples`` in ``n`` nearly equal consecutive runs (none empty)."""
    n = max(1, min(n, len(samples)))
    size = math.ceil(len(samples) / n)
    return [samples[i:i + size] for i in range(0, len(samples), size)]


class ChunkBuilder:
    """A Ray actor's state: the model pair, loaded once for all the chunks it builds."""

    def __init__(self, spec, protected: dict, threads: int):
        # Loading waits for the first chunk: an error raised in a method reaches the driver
        # as itself (a UserError stays one clear message), one raised here as a dead actor.
        self.spec, self.protected, self.threads = spec, protected, threads
        self.pair = None

    def _load(self):
        import socket

        import torch

        from scoutsim.oracle import samples
        spec = self.spec
        unseen = [str(p) for p in dict.fromkeys((spec.edge[1], spec.cloud[1], spec.out)) if not Path(p).exists()]
        if unseen:
            raise UserError(f"a Ray worker on {socket.gethostname()} cannot see {unseen}; every node needs the "
                            "models and --out at the same paths (a shared file system)")
        # CPU results may depend on the thread count (how reductions are split), so the
        # workers use the driver's.
        torch.set_num_threads(self.threads)
        # Ray hides every GPU but this actor's, which it then sees as cuda:0.
        device = "cuda" if spec.device.startswith("cuda") else spec.device
        edge, cloud = samples.load_pair(spec, device)
        for m in (edge, cloud):
            m.protected_layers = tuple(self.protected.get(m.name, ()))
        return edge, cloud

    def run(self, samples: list, modes: list[str], cloud_modes: list[str]) -> list[int]:
        from scoutsim.oracle.samples import build_sample

        if self.pair is None:
            self.pair = self._load()
        shards = self.spec.out / ".partial" / "samples"
        for s in samples:
            if not (shards / f"{s.sample_id}.json").is_file():  # a retried chunk skips what it finished
                build_sample(*self.pair, s, modes, cloud_modes, self.spec, shards)
        return [s.sample_id for s in samples]


def build_samples(spec, ex: Executor, todo: list, modes: list[str], cloud_modes: list[str], protected: dict,
                  log=print) -> None:
    """Build the shards of ``todo`` on Ray workers; returns when all are written."""
    import torch

    ray = import_ray()
    cuda = spec.device.startswith("cuda")
    started_here = start_ray(ex.address, ex.workers or os.cpu_count() or 1)
    try:
        have = ray.cluster_resources().get("GPU" if cuda else "CPU", 0)
        if cuda and have < 1:
            raise UserError("--device cuda with --executor ray needs a Ray cluster with GPUs; it has none")
        # No more actors than the cluster can place: the surplus would wait forever.
        workers = max(1, min(ex.workers or int(have), int(have), len(todo)))
        resources = {"num_cpus": 1, "num_gpus": 1} if cuda else {"num_cpus": 1}
        actor = ray.remote(max_restarts=1, max_task_retries=2, **resources)(ChunkBuilder)
        pool = [actor.remote(spec, protected, torch.get_num_threads()) for _ in range(workers)]
        parts = chunks(todo, workers * CHUNKS_PER_WORKER)
        log(f"ray: {len(todo)} samples in {len(parts)} chunks on {workers} workers "
            f"({'1 GPU' if cuda else '1 CPU'} each)")
        from ray.util import ActorPool

        bar = None
        if spec.progress:
            from tqdm import tqdm
            bar = tqdm(total=len(todo), desc="samples", unit="q")
        for done in ActorPool(pool).map_unordered(lambda a, part: a.run.remote(part, modes, cloud_modes), parts):
            if bar is not None:
                bar.update(len(done))
        if bar is not None:
            bar.close()
    except ray.exceptions.RayError as exc:
        if isinstance(getattr(exc, "cause", None), UserError):  # bad input found by a worker: say it plainly
            raise exc.cause from None
        raise UserError(f"a Ray worker failed: {exc}; shards already written are kept, run the same "
                        "command again to resume") from None
    finally:
        if started_here:
            ray.shutdown()
