"""The machine a build ran on, as ``meta.json`` records it under ``hardware``.

Measured timings are only as portable as the machine class they came from, and low-bit
arithmetic in torch takes different kernels (and may round differently) with and without
AVX-512, AVX-512 BF16 or AMX. So a build records the CPU model, the instruction-set flags
torch's CPU kernels dispatch on, torch's chosen kernel level, the thread count, the load
while it ran and, with CUDA, the GPU. ``scoutsim.oraclecache.timing_warnings`` reads it.

Nothing here needs torch unless torch is already importable; the CPU fields come from
``/proc/cpuinfo`` (Linux) or :mod:`platform` elsewhere.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

# Flags (as /proc/cpuinfo spells them) that decide which CPU kernels torch runs.
TORCH_RELEVANT_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16",
                        "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8")


def read_cpuinfo(text: str | None = None) -> tuple[str | None, set[str]]:
    """(model name, flags) of the first processor in a /proc/cpuinfo text."""
    if text is None:
        path = Path("/proc/cpuinfo")
        text = path.read_text() if path.is_file() else ""
    model, flags = None, set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model is None:
            model = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
    return model, flags


def hardware_info(device: str = "cpu", cpuinfo: str | None = None) -> dict:
    """What ``meta.json`` records under ``hardware`` for a build on ``device``."""
    model, flags = read_cpuinfo(cpuinfo)
    info = {
        "machine_class": "gpu" if device.startswith("cuda") else "cpu",
        "cpu_model": model or platform.processor() or platform.machine(),
        "cpu_flags": {f: f in flags for f in TORCH_RELEVANT_FLAGS} if flags else None,
        "bf16_native": bool(flags & {"avx512_bf16", "amx_bf16"}) if flags else None,
        "logical_cpus": os.cpu_count(),
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "recorded_at_build": True,
    }
    try:
        import torch
    except ModuleNotFoundError:  # a metadata-only caller without the oracle extra
        return info
    info["torch_threads"] = torch.get_num_threads()
    info["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info
