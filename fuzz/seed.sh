#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the project's fixtures and, when present,
# ../shared/realworld (beside the project). Run from the fuzz/ folder.
set -euo pipefail
cd "$(dirname "$0")"
root=..
shared=../../shared/realworld
seed() {
  local target=$1; shift
  mkdir -p "corpus/$target"
  for pattern in "$@"; do
    for directory in "$root/tests/fixtures" "$root/rules" "$root/examples" "$shared"; do
      [[ -d $directory ]] || continue
      find "$directory" -type f -name "$pattern" -size -256k -print0 2>/dev/null |
        while IFS= read -r -d '' file; do
          cp "$file" "corpus/$target/$(sha1sum "$file" | cut -c1-16)" 2>/dev/null || true
        done
    done
  done
}
seed spec_markdown '*.md'
seed spec_yaml '*.yaml' '*.yml'
seed promptfoo_config 'promptfooconfig*' '*.yaml' '*.prompt.yml' '*.json'
seed datasets '*.jsonl' '*.json' '*.csv'
seed prompt_text '*.txt' '*.j2' '*.md' '*.hbs' '*.prompty' '*.prompt'
seed prompt_code '*.py' '*.ts' '*.js'
seed config 'speclint.toml' '*.toml'
seed lock_file 'speclint.lock'
seed baseline '*.baseline.json'
seed lsp_messages '*.md' '*.j2'
seed drift_facts '*.txt' '*.md'
for target in corpus/*; do echo "$target: $(ls "$target" | wc -l) seeds"; done
