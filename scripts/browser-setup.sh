#!/usr/bin/env bash
# Makes sure the console's browser tests have a browser and CJK fonts: Debian's `chromium`,
# `chromium-l10n` and `fonts-noto-cjk`, installed with apt where missing (a browser download at install time is not
# possible here, and playwright-core drives the machine's chromium). Called by scripts/test.sh.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
# Chromium's zh-CN texts and date fields (2026/12/02, not 12/02/2026), as the district's phones show them.
dpkg -s chromium-l10n >/dev/null 2>&1 || missing+=(chromium-l10n)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
echo "fangyi tests: installing ${missing[*]} with apt for the browser tests" >&2
sudo_=""
if [ "$(id -u)" != 0 ]; then sudo_="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo_ apt-get update -qq >&2
$sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
