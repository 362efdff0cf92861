#!/bin/sh
# Create a virtual environment with Python >= 3.12, found the way a user's machine offers it:
# pyenv (which reads .python-version), then python3.12, python3.13, python3 on the PATH.
set -eu
venv="$1"
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for candidate in "$(command -v pyenv >/dev/null 2>&1 && pyenv which python 2>/dev/null || true)" \
                 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && ok "$candidate"; then
        echo "creating $venv with $("$candidate" --version) ($(command -v "$candidate"))"
        exec "$candidate" -m venv "$venv"
    fi
done
echo "error: Python 3.12 or newer is needed. Install it (for example 'pyenv install 3.12' or your" >&2
echo "system's python3.12 package) and run make again." >&2
exit 1
