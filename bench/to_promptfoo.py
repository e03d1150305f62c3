#!/usr/bin/env python3
"""Writes one promptfoo config holding N tests converted from a gen-corpus repository's
datasets (each with its metadata.requirements and a javascript assertion), for
`promptfoo validate` in the comparison of bench/README.md, and a speclint project holding the
same config plus the spec.

usage: to_promptfoo.py CORPUS OUT [--tests N]
"""
import json
import os
import shutil
import sys

def main():
    corpus, out = sys.argv[1], sys.argv[2]
    count = int(sys.argv[sys.argv.index("--tests") + 1]) if "--tests" in sys.argv else 10000
    rows = []
    folder = os.path.join(corpus, "evals", "datasets")
    for name in sorted(os.listdir(folder)):
        for line in open(os.path.join(folder, name), encoding="utf-8"):
            rows.append(json.loads(line))
            if len(rows) == count:
                break
        if len(rows) == count:
            break
    os.makedirs(os.path.join(out, "evals"), exist_ok=True)
    lines = ["description: converted suite", "prompts:", "  - 'Answer: {{question}}'", "providers:", "  - echo", "tests:"]
    for row in rows:
        question = row["input"].replace("'", "''")
        lines.append(f"  - vars:\n      question: '{question}'\n    metadata:\n      requirements: [{row['metadata']['requirements'][0]}]\n    assert:\n      - type: javascript\n        value: output.split(/\\s+/).length <= {row['metadata']['max_words']}")
    open(os.path.join(out, "evals", "promptfooconfig.yaml"), "w").write("\n".join(lines) + "\n")
    shutil.copytree(os.path.join(corpus, "specs"), os.path.join(out, "specs"), dirs_exist_ok=True)
    open(os.path.join(out, "speclint.toml"), "w").write("[coverage]\nneeds = [\"none\"]\n")
    print(f"{len(rows)} tests written to {out}/evals/promptfooconfig.yaml")

main()
