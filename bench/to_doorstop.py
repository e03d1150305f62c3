#!/usr/bin/env python3
"""Converts a gen-corpus repository's requirements and links into a Doorstop tree, for the
comparison in bench/README.md: one REQ document with an item per requirement, one TST document
with an item per eval case (--limit items in all), each TST item linking to its requirement.
The same requirements and cases are also written as a speclint project in OUT/speclint, so
both tools check the same items and links.

usage: to_doorstop.py CORPUS OUT [--limit N]
"""
import json
import os
import re
import subprocess
import sys

def main():
    corpus, out = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
    requirements = {}
    for folder, _, files in os.walk(os.path.join(corpus, "specs")):
        for name in files:
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            for match in re.finditer(r"\*\*(FR-\d+)\*\*: (.*)|^### (FR-\d+): .*\n\n(.*)|^\| (FR-\d+) \| (.*) \|", text, re.M):
                identifier = match.group(1) or match.group(3) or match.group(5)
                body = match.group(2) or match.group(4) or match.group(6)
                requirements[identifier] = body
    cases = []
    for folder, _, files in os.walk(os.path.join(corpus, "evals")):
        for name in sorted(files):
            if name.endswith(".jsonl"):
                for line in open(os.path.join(folder, name), encoding="utf-8"):
                    row = json.loads(line)
                    cases.append((row["metadata"]["requirements"][0], row["input"]))
    ids = sorted(requirements, key=lambda identifier: int(identifier.split("-")[1]))
    if limit:
        ids = ids[: limit // 2]
        wanted = set(ids)
        cases = [case for case in cases if case[0] in wanted][: limit - len(ids)]
    os.makedirs(out, exist_ok=True)
    subprocess.run(["git", "init", "-q", out], check=True)
    req = os.path.join(out, "reqs")
    tst = os.path.join(out, "tests")
    os.makedirs(req, exist_ok=True)
    os.makedirs(tst, exist_ok=True)
    open(os.path.join(req, ".doorstop.yml"), "w").write("settings:\n  digits: 5\n  prefix: REQ\n  sep: ''\n")
    open(os.path.join(tst, ".doorstop.yml"), "w").write("settings:\n  digits: 5\n  prefix: TST\n  sep: ''\n  parent: REQ\n")
    numbers = {}
    for number, identifier in enumerate(ids, start=1):
        numbers[identifier] = number
        body = requirements[identifier].replace('"', "'")
        open(os.path.join(req, f"REQ{number:05}.yml"), "w").write(
            f"active: true\nderived: false\nheader: ''\nlevel: 1.{number}\nlinks: []\nnormative: true\nref: ''\nreviewed: null\ntext: |\n  {body}\n"
        )
    for number, (identifier, question) in enumerate(cases, start=1):
        target = numbers.get(identifier)
        links = f"links:\n- REQ{target:05}: null\n" if target else "links: []\n"
        open(os.path.join(tst, f"TST{number:05}.yml"), "w").write(
            f"active: true\nderived: false\nheader: ''\nlevel: 1.{number}\n{links}normative: true\nref: ''\nreviewed: null\ntext: |\n  {question}\n"
        )
    twin = os.path.join(out, "speclint")
    os.makedirs(os.path.join(twin, "specs"), exist_ok=True)
    os.makedirs(os.path.join(twin, "evals"), exist_ok=True)
    with open(os.path.join(twin, "specs", "spec.md"), "w") as spec:
        for identifier in ids:
            spec.write(f"- **{identifier}**: {requirements[identifier]}\n")
    with open(os.path.join(twin, "evals", "cases.jsonl"), "w") as evals:
        for identifier, question in cases:
            evals.write(json.dumps({"input": question, "metadata": {"requirements": [identifier]}}) + "\n")
    open(os.path.join(twin, "speclint.toml"), "w").write("[coverage]\nneeds = [\"eval\"]\n")
    print(f"{len(ids)} requirements and {len(cases)} test items written to {out} and {twin}")

main()
