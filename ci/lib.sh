# Shared by the ci/ scripts (sourced, never run): --help from a script's head comment,
# and installing Debian packages as root or through sudo.
# shellcheck shell=bash

# Prints the calling script's head comment (from line 2 up to `set -euo`), unprefixed.
ci_help() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# ci_as_root COMMAND...: runs it as root: directly when this is root, else through sudo
# when sudo needs no password; otherwise fails (status 1) without a word.
ci_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
    else return 1
    fi
}

# ci_can_be_root: whether ci_as_root can run anything.
ci_can_be_root() { ci_as_root true 2>/dev/null; }

# ci_apt_install WHO [--minimal] PACKAGE...: installs Debian packages with apt-get as root
# (or sudo); --minimal leaves out their recommended packages. Without apt-get or root it
# prints one line saying what to do and fails (status 1). WHO names the script in messages.
ci_apt_install() {
    local who=$1 recommends=()
    shift
    if [ "${1:-}" = --minimal ]; then recommends=(--no-install-recommends); shift; fi
    if ! command -v apt-get >/dev/null; then
        echo "$who: $* missing and this is not Debian or Ubuntu: install $* yourself" >&2
        return 1
    fi
    if ! ci_can_be_root; then
        echo "$who: installing $* needs root: run as root, or: sudo apt-get install $*" >&2
        return 1
    fi
    echo "$who: installing $* with apt-get"
    ci_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    ci_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${recommends[@]}" "$@" >/dev/null
}
