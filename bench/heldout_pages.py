"""Rebuild a held-out set of publisher pages for `extractor_accuracy.py` from its labels.

    .venv/bin/python bench/heldout_pages.py bench/heldout/set3.json OUT [--mirrors DIR]

The labels (bench/heldout/set*.json, written by a person reading each article) name each
page's public repository, path and commit; the pages themselves are third-party and are not
committed. Each page is taken with `git show <commit>:<path>` from a local copy of its
repository (DIR/<owner>+<name>/repo, as the team's `fetch` tool leaves them, or a clone made
here with `git clone --filter=blob:none`, which needs the network), checked against the
labelled SHA-256, and written to OUT with the labels as OUT/truth.json. A page's recorded
registry answers (its "registry" labels, from public repositories' test data too) are
checked and written beside it, for the scorer's "after registry lookup" table. Then:

    .venv/bin/python bench/extractor_accuracy.py OUT
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


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


def labelled_file(mirrors: Path, label: dict[str, Any]) -> bytes | None:
    """The bytes `label` names ("owner/name:path" at a commit), or None if they are not the
    ones labelled (by SHA-256)."""
    repo, _, path = label["source"].partition(":")
    where = str(git_dir(mirrors, repo))
    shown = subprocess.run(
        ["git", "--git-dir", where, "show", f"{label['commit']}:{path}"], capture_output=True
    )
    if shown.returncode != 0 or hashlib.sha256(shown.stdout).hexdigest() != label["sha256"]:
        return None
    return shown.stdout


def response_body(recorded: bytes, recording: dict[str, Any]) -> bytes:
    """The registry's HTTP answer as it came: kept whole ("full"), Crossref's work record
    put back in the envelope its API wraps it in ("message-only"), or the body of one
    interaction of a VCR cassette ("cassette", YAML or JSON)."""
    form = recording.get("form", "full")
    if form == "full":
        return recorded
    if form == "message-only":
        message = json.loads(recorded)
        envelope = {"status": "ok", "message-type": "work", "message": message}
        return json.dumps(envelope).encode()
    if form == "cassette":
        import yaml

        cassette = yaml.safe_load(recorded)
        interaction = cassette["interactions"][recording["cassette_index"]]
        body = interaction["response"]["body"]
        text = body["string"] if isinstance(body, dict) else body
        return text.encode() if isinstance(text, str) else bytes(text)
    raise ValueError(f"unknown recording form {form!r}")


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
        body = labelled_file(args.mirrors, page)
        if body is None:
            failed += 1
            print(f"{page['file']}: not the labelled page ({page['source']} {page['commit'][:8]})")
            continue
        (args.out / page["file"]).write_bytes(body)
        # Recorded registry answers for the page's identifiers: the scorer reads each from
        # the folder by the name truth.json gives it.
        recordings = {}
        for registry, recording in (page.get("registry") or {}).items():
            answer = labelled_file(args.mirrors, recording)
            if answer is None:
                failed += 1
                print(f"{page['file']}: not the labelled {registry} answer ({recording['source']})")
                continue
            name = f"{page['file']}.{registry}.json"
            (args.out / name).write_bytes(response_body(answer, recording))
            recordings[registry] = name
        page["registry"] = recordings
    (args.out / "truth.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False))
    print(f"{len(labels['pages']) - failed} of {len(labels['pages'])} pages in {args.out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
