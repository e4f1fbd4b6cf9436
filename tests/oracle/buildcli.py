"""Running ``python -m scoutsim oracle build`` on the tiny pair, shared by the build tests."""

import os
import sys
from pathlib import Path

from .tiny import FICTIONAL

REPO = Path(__file__).resolve().parents[2]
MODES = "bf16,int4,int4c,int2,mixed_int4,q2c@0.5+int8,snapkv@0.5+bf16,h2o@0.25+bf16,random@0.5+bf16,scout@0.5,text,local"


def _cmd(pair, out, n=8, extra=()):
    return [sys.executable, "-m", "scoutsim", "oracle", "build", "--name", out.name, "--out", str(out),
            "--edge", f"tiny-edge={pair['tiny-edge']}", "--cloud", f"tiny-cloud={pair['tiny-cloud']}",
            "--dataset", str(FICTIONAL), "--samples", str(n), "--seed", "5", "--modes", MODES,
            "--cloud-modes", "bf16,q2c@0.5+bf16", "--dtype", "float32", "--max-new-tokens", "6",
            "--calibration", "2", "--timing-lengths", "16,32", "--timing-repeats", "1", "--threads", "1",
            "--no-progress", *extra]


def _run(cmd):
    """Run ``python -m scoutsim ...`` in this process (the torch import is paid once per
    session, not per command); exit status and output as a subprocess would give them."""
    import contextlib
    import io
    from types import SimpleNamespace

    from scoutsim.cli import main

    assert cmd[:3] == [sys.executable, "-m", "scoutsim"]
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(REPO)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(cmd[3:])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
                if not isinstance(exc.code, int) and exc.code is not None:
                    print(exc.code, file=sys.stderr)
    finally:
        os.chdir(cwd)
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())
