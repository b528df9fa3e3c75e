"""Command line of the book: ``python -m repro {run,status,list,verify,sync-catalog}``."""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from repro.book import catalog

from repro.book import runner

from repro.book import status
def _parameter(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"parameter {text!r} is not NAME=VALUE")
    name, value = text.split("=", 1)
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def cmd_run(args) -> int:
    from repro.book.progress import progress

    chosen = runner.select(args.chapters, args.part)
    if not args.chapters and not args.part and not args.all and not args.changed:
        raise SystemExit("name chapters, or use --part, --all or --changed")
    params = dict(args.parameter)
    if args.scale:
        params["scale"] = args.scale
    if args.device:
        params["device"] = args.device
    if args.output and len(chosen) != 1:
        raise SystemExit("--output needs exactly one chapter; use --output-dir for several")
    if args.changed and not args.force:
        chosen = [c for c in chosen if not runner.is_current(c, params)]
    if not chosen:
        print("every chapter is up to date")
        return 0
    failed = []
    bar = progress(chosen, desc="chapters", unit="chapter", leave=True)
    for ch in bar:
        bar.set_postfix_str(ch.slug)
        out = args.output or (Path(args.output_dir) / ch.part / f"{ch.slug}.ipynb" if args.output_dir else None)
        try:
            path = runner.execute(ch, params, out, log_output=args.verbose)
            print(f"ok      {ch.part}/{ch.slug} -> {path}")
        except Exception as e:  # report every failure, then fail
            failed.append(ch.slug)
            print(f"FAILED  {ch.part}/{ch.slug}: {type(e).__name__}: {str(e).strip()[-2000:]}",
                  file=sys.stderr)
    if failed:
        print(f"{len(failed)} chapter(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_status(args) -> int:
    for p in status.write_all():
        print(f"wrote {p.relative_to(runner.ROOT)}")
    return 0


def cmd_list(args) -> int:
    for ch in runner.chapters():
        st = status.read_status(ch.executed) if ch.executed.exists() else None
        stale = "" if not st or runner.is_current(ch, {}) else "  (stale: its inputs changed, re-run it)"
        print(f"{ch.part:<11} {ch.slug:<32} {st.summary if st else 'not executed'}{stale}")
    return 0


def cmd_verify(args) -> int:
    """Check executed notebooks (e.g. a full-scale run): a verdict report, no error, in budget."""
    import json

    paths = sorted(Path(args.folder).glob("**/*.ipynb"))
    if not paths:
        raise SystemExit(f"no notebooks under {args.folder}")
    bad = 0
    for path in paths:
        st = status.read_status(path)
        cells = json.loads(path.read_text())["cells"]
        errors = any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", []))
        problems = [m for m, fail in [("no verdict report", not st.verdicts), ("error output", errors),
                                      (f"took {st.duration_s or 0:.0f} s > {args.budget} s",
                                       (st.duration_s or 0) > args.budget)] if fail]
        bad += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '}  {path}: {st.summary}, {st.duration_s or 0:.0f} s"
              + (f" ({'; '.join(problems)})" if problems else ""))
    return 1 if bad else 0


def cmd_sync(args) -> int:
    print(f"catalog: {catalog.sync(Path(args.shared))} papers")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="repro", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="execute chapters with papermill into book/")
    r.add_argument("chapters", nargs="*", help="slugs (or part/slug) of chapters to run")
    r.add_argument("--part", help="run every chapter of this part")
    r.add_argument("--all", action="store_true", help="run every chapter")
    r.add_argument("--changed", action="store_true",
                   help="only chapters whose source, imported package code or parameters changed")
    r.add_argument("--force", action="store_true", help="with --changed: run even if up to date")
    r.add_argument("--scale", choices=["quick", "full"])
    r.add_argument("--device", choices=["auto", "cpu", "cuda"])
    r.add_argument("-p", "--parameter", action="append", type=_parameter, default=[],
                   metavar="NAME=VALUE", help="override a parameter (repeatable)")
    r.add_argument("--output", type=Path, help="write the executed notebook here (one chapter)")
    r.add_argument("--output-dir", help="write executed notebooks under DIR/<part>/ instead of book/")
    r.add_argument("-v", "--verbose", action="store_true", help="stream the kernel's output")
    r.set_defaults(fn=cmd_run)
    sub.add_parser("status", help="regenerate book/status.md, part pages and _toc.yml").set_defaults(fn=cmd_status)
    sub.add_parser("list", help="list chapters and their verdicts").set_defaults(fn=cmd_list)
    v = sub.add_parser("verify", help="check executed notebooks under a folder (verdicts, errors, budget)")
    v.add_argument("folder")
    v.add_argument("--budget", type=float, default=60.0, help="seconds allowed per chapter")
    v.set_defaults(fn=cmd_verify)
    s = sub.add_parser("sync-catalog", help="refresh the packaged catalog from a shared/ folder")
    s.add_argument("shared")
    s.set_defaults(fn=cmd_sync)
    args = ap.parse_args(argv)
    return args.fn(args)
