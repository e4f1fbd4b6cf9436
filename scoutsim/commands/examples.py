"""``scoutsim examples DIR``: copy the shipped scenarios (and the traces they replay) for editing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from scoutsim import shipped
from scoutsim.errors import UserError

# Scenarios name traces as ../traces/..., so both folders are copied side by side.
COPIED = ("scenarios", "traces")


def register(sub) -> None:
    p = sub.add_parser("examples", help="copy the shipped scenarios into a folder for editing",
                       description="Copy the shipped scenarios into DIR/scenarios/ and the traces they "
                       "replay into DIR/traces/, so that they can be edited and run "
                       "(scoutsim run DIR/scenarios/NAME.yaml; oracle caches are found by name). "
                       "Existing files are never overwritten: if DIR/scenarios or DIR/traces exists, "
                       "nothing is copied (exit status 2). A shipped scenario also runs by its name "
                       "alone: scoutsim run 8agents_100mbps.")
    p.add_argument("dir", nargs="?", type=Path, help="the folder to copy into (created if missing)")
    p.add_argument("--list", action="store_true", help="list the shipped scenarios by name and copy nothing")
    p.set_defaults(func=main)


def main(args) -> int:
    if args.list:
        for name in shipped.scenario_names():
            print(name)
        return 0
    if args.dir is None:
        raise UserError("give a folder to copy the scenarios into, or --list")
    target: Path = args.dir
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} is a file; expected a folder to copy the scenarios into")
    taken = [target / name for name in COPIED if (target / name).exists()]
    if taken:
        raise UserError(f"{' and '.join(map(str, taken))} already exist{'s' if len(taken) == 1 else ''}; scoutsim examples never overwrites "
                        "files: choose another folder or move it away")
    target.mkdir(parents=True, exist_ok=True)
    # Copied beside the target first and renamed into place, so that an interrupted copy
    # leaves nothing half-written in the user's folder.
    with tempfile.TemporaryDirectory(dir=target, prefix=".scoutsim-examples-") as tmp:
        for name in COPIED:
            shutil.copytree(shipped.folder(name), Path(tmp) / name,
                            ignore=shutil.ignore_patterns("real", "__pycache__", "__init__.py"))
        for name in COPIED:
            (Path(tmp) / name).rename(target / name)
    count = len(list((target / "scenarios").rglob("*.yaml")))
    print(f"copied {count} scenarios to {target / 'scenarios'} and their traces to {target / 'traces'}; "
          f"run one with: scoutsim run {target / 'scenarios' / '8agents_100mbps.yaml'}")
    return 0
