"""Execute chapters with papermill: ``notebooks/<part>/<slug>.py`` -> ``book/<part>/<slug>.ipynb``.

The jupytext source is converted in memory, executed by papermill with the given parameters,
and written to ``book/`` (never into the source: papermill's injected cell must not leak).
The executed notebook records, under ``metadata.repro``, a hash of its inputs (the source, the
``repro`` modules it imports, transitively, and the parameters) so that unchanged chapters
are skipped.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = Path(__file__).resolve().parents[1]
COMMON = ("scale", "seed", "device")
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
# Papermill runs are not interactive: the chapters' progress bars would only fill the stored
# notebook with stderr, so they are silenced (the runner shows one bar over chapters).
KERNEL_ENV = ONE_THREAD | {"REPRO_QUIET": "1"}


@dataclass(frozen=True)
class Chapter:
    """A chapter's source and its executed notebook."""

    part: str
    slug: str
    root: Path = ROOT

    @property
    def source(self) -> Path:
        return self.root / "notebooks" / self.part / f"{self.slug}.py"

    @property
    def executed(self) -> Path:
        return self.root / "book" / self.part / f"{self.slug}.ipynb"


def chapters(root: Path = ROOT) -> list[Chapter]:
    """Every chapter with a source under ``notebooks/``, sorted by part and slug."""
    return [Chapter(p.parent.name, p.stem, root) for p in sorted((root / "notebooks").glob("*/*.py"))]


def shards(root: Path = ROOT) -> list[str]:
    """The full-scale GPU run's shards: the parts that have chapters (``repro run --part KEY``)."""
    return sorted({c.part for c in chapters(root)})


def select(names=(), part: str | None = None, root: Path = ROOT) -> list[Chapter]:
    """Chapters named by slug (or ``part/slug``), or all of one part, or all."""
    found = chapters(root)
    if part:
        found = [c for c in found if c.part == part]
        if not found:
            raise SystemExit(f"no chapters in part {part!r}")
    if names:
        by = {c.slug: c for c in found} | {f"{c.part}/{c.slug}": c for c in found}
        missing = [n for n in names if n not in by]
        if missing:
            raise SystemExit(f"unknown chapter(s): {', '.join(missing)}; see `python -m repro list`")
        found = [by[n] for n in names]
    return found


def _code(path: Path) -> str:
    """Python code of a package module, or of a chapter source's code cells (magics dropped)."""
    if not path.is_relative_to(PACKAGE):
        import jupytext

        cells = [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]
        return "\n".join(l for c in cells for l in c.splitlines() if not l.lstrip().startswith(("%", "!")))
    return path.read_text()


def repro_imports(path: Path) -> set[str]:
    """Names of ``repro`` modules that a file imports directly (``repro.x``, ``repro.x.y``)."""
    found = set()
    for node in ast.walk(ast.parse(_code(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "repro"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "repro":
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def module_file(name: str) -> Path | None:
    """The file of module ``repro.a.b`` in this package, or None if ``name`` is not a module."""
    parts = name.split(".")[1:]
    if not parts:
        return PACKAGE / "__init__.py"
    rel = Path(*parts)
    for cand in (PACKAGE / rel.with_suffix(".py"), PACKAGE / rel / "__init__.py"):
        if cand.exists():
            return cand
    return None


def dependencies(source: Path) -> list[Path]:
    """The package files a chapter depends on: its repro imports, transitively, plus __init__."""
    todo, seen = [source], set()
    files = {PACKAGE / "__init__.py"}
    while todo:
        for name in repro_imports(todo.pop()):
            f = module_file(name)
            if f and f not in seen:
                seen.add(f)
                files.add(f)
                todo.append(f)
    for f in list(files):  # an imported module also runs its package's __init__
        for parent in f.parents:
            if parent == PACKAGE.parent:
                break
            init = parent / "__init__.py"
            if init.exists() and init not in files:
                files.add(init)
                todo.append(init)
    return sorted(files)


def inputs_hash(chapter: Chapter, parameters: dict) -> str:
    """sha256 of the source, the package files it depends on and the parameters."""
    h = hashlib.sha256()
    for f in [chapter.source, *dependencies(chapter.source)]:
        h.update(str(f.relative_to(chapter.root if f == chapter.source else PACKAGE.parent)).encode())
        h.update(f.read_bytes())
    h.update(json.dumps(parameters, sort_keys=True).encode())
    return h.hexdigest()


def declared_parameters(nb) -> dict:
    """Names and default values assigned in the cell tagged ``parameters``."""
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            out = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = ast.literal_eval(node.value)
            return out
    raise ValueError("the chapter has no cell tagged 'parameters'")


def load_source(chapter: Chapter):
    """The chapter source as an in-memory notebook, without jupytext pairing metadata."""
    import jupytext

    nb = jupytext.read(chapter.source)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def is_current(chapter: Chapter, parameters: dict) -> bool:
    """True when the executed notebook exists and was made from the same inputs."""
    if not chapter.executed.exists():
        return False
    meta = json.loads(chapter.executed.read_text()).get("metadata", {}).get("repro", {})
    return meta.get("inputs_hash") == inputs_hash(chapter, parameters)


def execute(chapter: Chapter, parameters: dict | None = None, output: Path | None = None,
            log_output: bool = False) -> Path:
    """Execute one chapter with papermill; return the path of the executed notebook.

    ``parameters`` override the chapter's parameters cell; a name the chapter does not declare
    is an error. Threads are pinned to one and progress bars silenced for the kernel.
    """
    import nbformat
    import papermill as pm

    from repro.book.runtime import resolve_device

    parameters = dict(parameters or {})
    nb = load_source(chapter)
    declared = declared_parameters(nb)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(f"{chapter.slug}: unknown parameter(s) {', '.join(unknown)}; "
                         f"the chapter declares {', '.join(declared)}")
    missing = [k for k in COMMON if k not in declared]
    if missing:
        raise ValueError(f"{chapter.slug}: the parameters cell must define {', '.join(missing)}")
    effective = declared | parameters
    output = Path(output) if output else chapter.executed
    output.parent.mkdir(parents=True, exist_ok=True)
    chapter.executed.parent.mkdir(parents=True, exist_ok=True)  # the kernel's working directory
    os.environ.update(KERNEL_ENV)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{chapter.slug}.ipynb"
        nbformat.write(nb, src)
        start = time.time()
        pm.execute_notebook(str(src), str(output), parameters=parameters, kernel_name="python3",
                            cwd=str(chapter.executed.parent), progress_bar=False,
                            log_output=log_output)
    done = nbformat.read(output, as_version=4)
    device = effective.get("device", "auto")
    try:
        device = resolve_device(device)
    except ValueError:
        pass
    done.metadata["repro"] = {
        "slug": chapter.slug,
        "part": chapter.part,
        "scale": effective.get("scale"),
        "seed": effective.get("seed"),
        "device": device,
        "parameters": parameters,
        "inputs_hash": inputs_hash(chapter, parameters),
        "wall_s": round(time.time() - start, 1),
    }
    nbformat.write(done, output)
    return output
