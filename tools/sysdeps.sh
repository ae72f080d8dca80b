#!/usr/bin/env bash
# Check, and where allowed install, the system tools the book needs.
#
#   tools/sysdeps.sh build   # what `make book` needs: FreeFont (the PDFs' fonts), Java (EPUBCheck)
#   tools/sysdeps.sh test    # plus what `make test` needs: poppler-utils, Chromium, MuPDF, Calibre
#
# Missing tools are installed in ONE `apt-get install --no-install-recommends`
# call when we are
# root or have password-less sudo. Otherwise the script stops and prints
# each missing tool and the exact command that installs it.
# Works on Debian 12 and 13 and on Ubuntu.
set -euo pipefail

group=${1:-build}

missing_pkgs=()
missing_what=()
missing_test=()
need() {  # need PACKAGE DESCRIPTION TEST-COMMAND...
    local pkg=$1 what=$2
    shift 2
    if ! "$@" >/dev/null 2>&1; then
        missing_pkgs+=("$pkg")
        missing_what+=("$what")
        missing_test+=("$(printf '%q ' "$@")")  # run again after installing
    fi
}
has() { command -v "$1"; }
lib_ok() { /sbin/ldconfig -p 2>/dev/null | grep -q "$1" || ldconfig -p 2>/dev/null | grep -q "$1"; }
java_ok() {  # EPUBCheck 5.3 needs Java 11 or newer
    has java || return 1
    local v
    v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    [ "${v:-0}" -ge 11 ]
}

need fonts-freefont-otf "the FreeFont fonts (FreeSerif, FreeSans, FreeMono)" test -f /usr/share/fonts/opentype/freefont/FreeSerif.otf
need default-jre-headless "Java 11 or newer (for EPUBCheck)" java_ok
need make "make" has make

if [ "$group" = test ]; then
    need poppler-utils "poppler-utils (pdffonts, pdftotext, pdftoppm)" has pdffonts
    need chromium "Chromium (browser tests and screenshots)" has chromium
    need mupdf-tools "MuPDF (e-reader page rendering)" has mutool
    need calibre "Calibre (EPUB to Kindle AZW3)" has ebook-convert
    need nodejs "Node.js (Ace by DAISY, axe-core)" has node
    # Playwright drives Chromium through a Node of its own, linked to libatomic (not in a minimal Debian 12).
    need libatomic1 "libatomic (for the Node that Playwright runs to drive Chromium)" lib_ok libatomic.so.1
    need npm "npm (Ace by DAISY, axe-core)" has npm
fi

if [ ${#missing_pkgs[@]} -eq 0 ]; then
    echo "sysdeps ($group): all system tools present"
    exit 0
fi

# De-duplicate, keep order.
mapfile -t pkgs < <(printf '%s\n' "${missing_pkgs[@]}" | awk '!seen[$0]++')
echo "sysdeps ($group): missing:"
printf '  - %s\n' "${missing_what[@]}"

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif has sudo && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo
    echo "Install them with:"
    echo "  sudo apt-get update && sudo apt-get install --no-install-recommends ${pkgs[*]}"
    exit 1
fi
if ! has apt-get; then
    echo "No apt-get here: install these packages with your system's package manager: ${pkgs[*]}" >&2
    exit 1
fi

echo "Installing: ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}"

# Check each tool again: a package can install and still not give the tool
# (a different name on this release, a Java too old).
still=0
for i in "${!missing_test[@]}"; do
    if ! eval "${missing_test[$i]}" >/dev/null 2>&1; then
        echo "sysdeps ($group): still missing after installing ${missing_pkgs[$i]}: ${missing_what[$i]}" >&2
        still=1
    fi
done
if [ "$still" -ne 0 ]; then
    exit 1
fi
echo "sysdeps ($group): installed, and every tool is now present"
