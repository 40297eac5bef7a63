#!/usr/bin/env python3
"""Execute the study's notebooks in order with the TypeScript (tslab) kernel, headless.

Run with Debian's /usr/bin/python3, which has Jupyter (nbclient, nbconvert). Each notebook runs
with its folder as working directory and DETECTIVE_QUICK set for quick mode; a cell that errors
fails the run (the partly executed notebook is still written, so the error is visible in it).
The kernel is this clone's own (.jupyter/kernels/tslab, registered by set-up). Notebooks written
back in place are signed as trusted for this user, as Jupyter signs a notebook it executed itself,
so their figures stay live in Jupyter.

  run_notebooks.py --mode full --in-place --html report/notebooks      # the study
  run_notebooks.py --mode quick --out .cache/notebooks-quick           # the test suite
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.sign import NotebookNotary
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# This clone's Jupyter data folder, where set-up registers the TypeScript kernel (see scripts/lib.sh).
PROJECT_JUPYTER = ROOT / ".jupyter"
# Per-cell limits: generous in the study, tight enough in quick mode to catch a hang.
CELL_TIMEOUT_S = {"full": 1800, "quick": 300}


def log(message: str) -> None:
    print(f"[notebooks] {message}", file=sys.stderr, flush=True)


def use_project_kernels() -> None:
    """Puts this clone's Jupyter data folder first on JUPYTER_PATH, so its tslab kernel is the one started."""
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(PROJECT_JUPYTER) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(PROJECT_JUPYTER), *paths])


def execute(path: Path, mode: str, out: Path, trust: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "tslab")
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    started = time.monotonic()
    done = 0

    def on_cell_executed(cell, cell_index, execute_reply):  # nbclient hook
        nonlocal done
        if cell.cell_type == "code":
            done += 1
            log(f"  {path.stem}: cell {done}/{len(code_cells)} ({time.monotonic() - started:.1f} s)")

    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S[mode],
        kernel_name=kernel,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,  # keeps committed notebooks free of timestamp churn
        on_cell_executed=on_cell_executed,
    )
    ok = True
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        ok = False
        # tslab reports a thrown error on stderr, not in the error reply: show both.
        stderr = "".join(
            o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("name") == "stderr"
        )
        log(f"FAILED {path.name}:\n{err}\n{stderr}")
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    if trust:  # signed as written, the way `jupyter trust` signs a file
        NotebookNotary().sign(nbformat.read(out, as_version=nbformat.NO_CONVERT))
    log(f"{'ok' if ok else 'FAILED'} {path.name} in {time.monotonic() - started:.1f} s -> {out.relative_to(ROOT)}")
    return ok


# Added to nbconvert's page (its lab template): code cells wrap long lines instead of scrolling them
# out of sight; HTML tables (showTable's in outputs, Markdown's in text cells) get borders, a shaded
# header and stripes, and scroll sideways when wider than the page (for an output, its whole area
# scrolls: nbconvert lays outputs out as table cells, which grow to their content). A cell's own
# text-align (numbers right, text left) wins over these rules; numbers (right-aligned cells) and every
# cell of an output table stay on one line, so "0.977 ± 0.003" never wraps at the "±".
RENDER_STYLE = """<style id="detective-render">
.jp-InputArea-editor .highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon table { display: block; max-width: 100%; width: max-content; overflow-x: auto;
  border-collapse: collapse; table-layout: auto; margin: .4em 0 1em; font-size: 12px;
  font-variant-numeric: tabular-nums; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td {
  border: 1px solid #d0d7de; padding: .3em .65em; line-height: 1.35; }
.jp-RenderedHTMLCommon thead th { background: #f1f4f8; font-weight: 600; vertical-align: bottom; }
.jp-RenderedHTMLCommon tbody tr:nth-child(even) { background: #f8f9fb; }
.jp-OutputArea-output.jp-RenderedHTMLCommon td, .jp-OutputArea-output.jp-RenderedHTMLCommon th,
.jp-RenderedHTMLCommon td[style*="right"] { white-space: nowrap; }
.detective-table-more { color: #57606a; font-size: 12px; }
</style>
"""


def render_html(executed: Path, html_dir: Path) -> None:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    html_dir.mkdir(parents=True, exist_ok=True)
    # Cells tagged "remove-input" (the computed "What we learned" cells) show their output only.
    exporter = HTMLExporter()
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"remove-input"}), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    target = html_dir / (executed.stem + ".html")
    # Figure links (and where interactive figures find plotly.js) are relative to notebooks/;
    # make them relative to where the render lives.
    figures = os.path.relpath(ROOT / "figures", html_dir.resolve()).replace(os.sep, "/")
    body = body.replace('"../figures/', f'"{figures}/')
    if "</head>" not in body:
        raise RuntimeError(f"render_html: nbconvert's page for {executed.name} has no </head> for the styles")
    body = body.replace("</head>", RENDER_STYLE + "</head>", 1)
    target.write_text(body, encoding="utf-8")
    shown = target.resolve()
    log(f"rendered {shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/NN-*.ipynb in order)")
    ap.add_argument("--mode", choices=["quick", "full"], default="full")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--in-place", action="store_true", help="write outputs back into the notebooks")
    where.add_argument("--out", type=Path, help="write executed copies into this folder")
    ap.add_argument("--html", type=Path, help="also render each executed notebook to HTML here")
    ap.add_argument("--summary", type=Path, help="write 'PASSED FAILED' counts to this file")
    args = ap.parse_args()

    os.environ["DETECTIVE_QUICK"] = "1" if args.mode == "quick" else ""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning per kernel
    paths = [Path(p).resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        log("no notebooks found")
        return 1
    use_project_kernels()
    if not (PROJECT_JUPYTER / "kernels" / "tslab" / "kernel.json").is_file():
        log(f"no TypeScript kernel in {PROJECT_JUPYTER.relative_to(ROOT)}/kernels/tslab; run `npm run setup`")
        return 1
    passed = failed = 0
    for i, path in enumerate(paths, 1):
        log(f"[{i}/{len(paths)}] {path.name} ({args.mode} mode)")
        out = path if args.in_place else (ROOT / args.out / path.name)
        if execute(path, args.mode, out, trust=args.in_place):
            passed += 1
        else:
            failed += 1
        if args.html:
            render_html(out, ROOT / args.html)
    if args.summary:
        args.summary.write_text(f"{passed} {failed}\n")
    log(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
