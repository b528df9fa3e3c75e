"""Command line of the book: ``python -m repro {run,seeds,status,list,verify,shards,diff-reports,sync-catalog}``."""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from repro.book import catalog, runner, seeds, status


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

    chosen = _chosen(args)
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


def _chosen(args) -> list[runner.Chapter]:
    if not (args.chapters or args.part or args.all or args.changed):
        raise SystemExit("name chapters, or use --part, --all or --changed")
    return runner.select(args.chapters, args.part)


def cmd_seeds(args) -> int:
    """Run chapters under seeds 0, 1 and 2 and write their seed records."""
    from repro.book.progress import progress

    chosen = _chosen(args)
    if args.changed:
        chosen = [c for c in chosen if seeds.staleness(c)]
    legacy = [c for c in chosen if c.executed.exists() and status.read_status(c.executed).legacy]
    for c in legacy:
        print(f"skip  {c.part}/{c.slug}: legacy report (no claim kinds); rework it before recording seeds")
    chosen = [c for c in chosen if c not in legacy]
    if not chosen:
        print("every seed record is current")
        return 0
    unstable = []
    for ch in progress(chosen, desc="seed records", unit="chapter", leave=True):
        rec = seeds.make_record(ch, log_output=args.verbose)
        flips = "" if rec["stable"] else "  UNSTABLE: " + "; ".join(seeds.problems(ch))
        print(f"{'ok  ' if rec['stable'] else 'FAIL'}  {ch.part}/{ch.slug}: "
              + ", ".join(f"seed {s}: {sum(v == 'REPRODUCED' for v in d.values())}/{len(d)} reproduced"
                          for s, d in rec["seeds"].items()) + flips)
        unstable += [] if rec["stable"] else [ch.slug]
    return 1 if unstable else 0


def cmd_shards(args) -> int:
    """Print the GPU workflow's matrix, one shard per part that has chapters, as JSON."""
    import json

    print(json.dumps(runner.shards()))
    return 0


def cmd_status(args) -> int:
    for p in status.write_all():
        print(f"wrote {p.relative_to(runner.ROOT)}")
    return 0


def cmd_list(args) -> int:
    for ch in runner.chapters():
        st = status.read_status(ch.executed, ch) if ch.executed.exists() else None
        stale = "" if not st or runner.is_current(ch, {}) else "  (stale: its inputs changed, re-run it)"
        seed = "" if not st or st.legacy else {True: "  seeds: stable", False: "  seeds: UNSTABLE",
                                               None: "  seeds: no current record"}[st.seed_stable]
        print(f"{ch.part:<11} {ch.slug:<32} {st.summary if st else 'not executed'}{seed}{stale}")
    return 0


def cmd_verify(args) -> int:
    """Check executed notebooks (e.g. a full-scale run): a verdict report, no error, in budget."""
    import json

    paths = sorted(Path(args.folder).glob("**/*.ipynb"))
    if not paths:
        raise SystemExit(f"no notebooks under {args.folder}")
    bad = 0
    if args.expect_all:  # after merging shards: every chapter exactly once
        got = sorted((p.parent.name, p.stem) for p in paths)
        want = sorted((c.part, c.slug) for c in runner.chapters())
        for part, slug in sorted(set(want) - set(got)):
            print(f"FAIL  {part}/{slug}: missing from {args.folder}")
        bad += len(set(want) - set(got)) + (len(got) != len(set(got)))
    for path in paths:
        st = status.read_status(path)
        cells = json.loads(path.read_text())["cells"]
        errors = any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", []))
        problems = [m for m, fail in [("no verdict report", not st.claims), ("error output", errors),
                                      (f"took {st.duration_s or 0:.0f} s > {args.budget} s",
                                       (st.duration_s or 0) > args.budget)] if fail]
        bad += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '}  {path}: {st.summary}, {st.duration_s or 0:.0f} s"
              + (f" ({'; '.join(problems)})" if problems else ""))
    return 1 if bad else 0


def cmd_diff_reports(args) -> int:
    """Compare the verdict reports of two folders of executed notebooks (``<part>/<slug>.ipynb``)."""
    import difflib

    a = {p.relative_to(args.a): p for p in Path(args.a).glob("*/*.ipynb")}
    b = {p.relative_to(args.b): p for p in Path(args.b).glob("*/*.ipynb")}
    differ = 0
    for rel in sorted(set(a) | set(b)):
        if rel not in a or rel not in b:
            print(f"ONLY IN {args.a if rel in a else args.b}: {rel}")
            differ += 1
            continue
        ta, tb = seeds.report_text(a[rel]), seeds.report_text(b[rel])
        same = ta == tb
        differ += not same
        print(f"{'identical' if same else 'DIFFERENT'}  {rel}")
        if not same:
            print("".join(difflib.unified_diff(ta.splitlines(True), tb.splitlines(True), args.a, args.b)))
    print(f"{len(set(a) | set(b)) - differ} identical, {differ} different")
    return 1 if differ else 0


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
    s = sub.add_parser("seeds", help="run chapters with seeds 0, 1 and 2 and write their seed records")
    s.add_argument("chapters", nargs="*", help="slugs (or part/slug)")
    s.add_argument("--part", help="every chapter of this part")
    s.add_argument("--all", action="store_true", help="every chapter")
    s.add_argument("--changed", action="store_true", help="only chapters whose record is missing or stale")
    s.add_argument("-v", "--verbose", action="store_true", help="stream the kernel's output")
    s.set_defaults(fn=cmd_seeds)
    sub.add_parser("shards", help="print the GPU matrix's shards (parts with chapters) as JSON"
                   ).set_defaults(fn=cmd_shards)
    sub.add_parser("status", help="regenerate book/status.md, part pages and _toc.yml").set_defaults(fn=cmd_status)
    sub.add_parser("list", help="list chapters and their verdicts").set_defaults(fn=cmd_list)
    v = sub.add_parser("verify", help="check executed notebooks under a folder (verdicts, errors, budget)")
    v.add_argument("folder")
    v.add_argument("--budget", type=float, default=60.0, help="seconds allowed per chapter")
    v.add_argument("--expect-all", action="store_true", help="fail unless every chapter is there")
    v.set_defaults(fn=cmd_verify)
    d = sub.add_parser("diff-reports", help="compare the verdict reports of two folders of notebooks")
    d.add_argument("a")
    d.add_argument("b")
    d.set_defaults(fn=cmd_diff_reports)
    s = sub.add_parser("sync-catalog", help="refresh the packaged catalog from a shared/ folder")
    s.add_argument("shared")
    s.set_defaults(fn=cmd_sync)
    args = ap.parse_args(argv)
    return args.fn(args)
