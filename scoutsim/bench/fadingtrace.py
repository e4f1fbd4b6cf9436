"""Fast-fading traces for ns-3's ``TraceFadingLossModel``: an EPA-like Rayleigh channel.

The channel is the Extended Pedestrian A profile of 3GPP TS 36.101 Annex B.2 (seven taps,
delays 0-410 ns, powers 0 to -20.8 dB) at a maximum Doppler shift ``f_d`` (5 Hz: a walking
user at 2 GHz, the standard "EPA5"). Each tap is an independent Rayleigh process made by
the sum-of-sinusoids model of Zheng & Xiao (IEEE Commun. Lett. 6(6), 2002), which has
Clarke's/Jakes' autocorrelation ``J0(2 pi f_d tau)``:

    h(t) = (X_c(t) + j X_s(t)) / sqrt(2),
    X_c(t) = sqrt(2/M) sum_m cos(2 pi f_d t cos(a_m) + phi_m),
    X_s(t) = sqrt(2/M) sum_m cos(2 pi f_d t sin(a_m) + psi_m),
    a_m = (2 pi m - pi + theta) / (4 M),  m = 1..M,

with ``theta``, ``phi_m``, ``psi_m`` uniform on [-pi, pi); ``E|h|^2 = 1``. A resource block
``b`` (180 kHz wide) at time ``t`` sees ``H(b, t) = sum_l sqrt(p_l) h_l(t) exp(-j 2 pi
180 kHz b tau_l)``, tap powers ``p_l`` normalised to sum 1, so ``|H|^2`` is exponential with
mean 1 on every block (Rayleigh) and correlated across neighbouring blocks as EPA's small
delay spread makes it. The file holds ``10 log10 |H|^2`` in dB: ``RB_NUM`` rows of
``SAMPLES`` values, one per millisecond, the text layout ``TraceFadingLossModel::LoadTrace``
reads. ns-3 starts each UE-eNodeB link at a random offset in the trace and jumps to another
every ``WINDOW_S``.

Randomness: one generator from ``numpy.random.SeedSequence(seed)``; same seed, same file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from scoutsim.network.epa import EPA_DELAYS_NS, EPA_POWERS_DB, RB_HZ  # the cell model's channel

RB_NUM = 100
TRACE_S = 10.0
SAMPLES = 10000  # one per ms
WINDOW_S = 0.5
SINUSOIDS = 16


def rayleigh_process(t: np.ndarray, doppler_hz: float, rng: np.random.Generator, m: int = SINUSOIDS) -> np.ndarray:
    """One tap's complex gain at times ``t`` (s), ``E|h|^2 = 1`` (Zheng & Xiao's model)."""
    theta = rng.uniform(-np.pi, np.pi)
    phi = rng.uniform(-np.pi, np.pi, m)
    psi = rng.uniform(-np.pi, np.pi, m)
    a = (2 * np.pi * np.arange(1, m + 1) - np.pi + theta) / (4 * m)
    w = 2 * np.pi * doppler_hz * t[:, None]
    xc = np.sqrt(2 / m) * np.cos(w * np.cos(a) + phi).sum(axis=1)
    xs = np.sqrt(2 / m) * np.cos(w * np.sin(a) + psi).sum(axis=1)
    return (xc + 1j * xs) / np.sqrt(2)


def epa_gains_db(seed: int, doppler_hz: float = 5.0) -> np.ndarray:
    """``RB_NUM`` x ``SAMPLES`` fading gains in dB."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    t = np.arange(SAMPLES) * (TRACE_S / SAMPLES)
    powers = 10 ** (np.asarray(EPA_POWERS_DB) / 10)
    powers = powers / powers.sum()
    freqs = np.arange(RB_NUM) * RB_HZ
    h = np.zeros((RB_NUM, SAMPLES), dtype=complex)
    for delay_ns, p in zip(EPA_DELAYS_NS, powers):
        tap = rayleigh_process(t, doppler_hz, rng)
        h += np.sqrt(p) * np.exp(-2j * np.pi * freqs * delay_ns * 1e-9)[:, None] * tap[None, :]
    return 10 * np.log10(np.maximum(np.abs(h) ** 2, 1e-12))


def trace_file(seed: int, doppler_hz: float = 5.0, folder: str | Path | None = None) -> Path:
    """Write (once) and return the trace file for ``seed`` and ``doppler_hz``."""
    folder = Path(folder or tempfile.gettempdir())
    path = folder / f"scoutsim_epa{doppler_hz:g}hz_seed{seed}.fad"
    if not path.exists():
        tmp = path.with_suffix(".part")
        np.savetxt(tmp, epa_gains_db(seed, doppler_hz), fmt="%.3f")
        tmp.replace(path)
    return path
