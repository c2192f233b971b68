"""Rebuild a held-out set of publisher pages for `extractor_accuracy.py` from its labels.

    .venv/bin/python bench/heldout_pages.py bench/heldout/set3.json OUT [--mirrors DIR]

The labels (bench/heldout/set*.json, written by a person reading each article) name each
page's public repository, path and commit; the pages themselves are third-party and are not
committed. Each page is taken with `git show <commit>:<path>` from a local copy of its
repository (DIR/<owner>+<name>/repo, as the team's `fetch` tool leaves them, or a clone made
here with `git clone --filter=blob:none`, which needs the network), checked against the
labelled SHA-256, and written to OUT with the labels as OUT/truth.json. Then:

    .venv/bin/python bench/extractor_accuracy.py OUT
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path


def git_dir(mirrors: Path, repo: str) -> Path:
    """A git directory holding `repo` ("owner/name"): the local copy, else a fresh clone."""
    root = mirrors / repo.replace("/", "+") / "repo"
    for candidate in (root / ".git", root):
        if (candidate / "objects").is_dir():
            return candidate
    root.parent.mkdir(parents=True, exist_ok=True)
    url = f"https://github.com/{repo}.git"
    clone = ["git", "clone", "--quiet", "--bare", "--filter=blob:none", url, str(root)]
    subprocess.run(clone, check=True)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    args = parser.parse_args()
    labels = json.loads(args.labels.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for page in labels["pages"]:
        repo, _, path = page["source"].partition(":")
        where = str(git_dir(args.mirrors, repo))
        shown = subprocess.run(
            ["git", "--git-dir", where, "show", f"{page['commit']}:{path}"], capture_output=True
        )
        body = shown.stdout
        if shown.returncode != 0 or hashlib.sha256(body).hexdigest() != page["sha256"]:
            failed += 1
            print(f"{page['file']}: not the labelled page ({repo} {page['commit'][:8]} {path})")
            continue
        (args.out / page["file"]).write_bytes(body)
    (args.out / "truth.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False))
    print(f"{len(labels['pages']) - failed} of {len(labels['pages'])} pages in {args.out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
