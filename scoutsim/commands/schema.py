"""``scoutsim schema``: the scenario format as JSON Schema or as the Markdown reference."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("schema", help="print the scenario format (JSON Schema or Markdown)",
                       description="Print the JSON Schema of scenario files (every registered channel kind "
                       "included), for editors that validate YAML; with --markdown, the scenario reference "
                       "(docs/scenarios.md is this output).")
    p.add_argument("--markdown", action="store_true", help="the Markdown reference instead of JSON Schema")
    p.set_defaults(func=main)


def main(args) -> int:
    import json

    from scoutsim.config.reference import json_schema, markdown

    print(markdown() if args.markdown else json.dumps(json_schema(), indent=2), end="" if args.markdown else "\n")
    return 0
