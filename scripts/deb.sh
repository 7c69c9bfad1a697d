#!/usr/bin/env bash
# `make deb`: the Debian package postgresql-15-swisper-ext in dist/, built the
# Debian way (debian/ with pg_buildext, dpkg-buildpackage) out of a clean
# export of the committed tree (git archive HEAD): nothing uncommitted and no
# build product of the work tree can end up in the package.  As root it
# installs the build dependencies that are missing; as anyone else it prints
# the apt-get line to run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# build-essential: gcc; dpkg-dev: dpkg-buildpackage; debhelper and
# postgresql-server-dev-all: dh with pg_buildext (it pulls the server
# headers and clang for the JIT bitcode); git: the export.
ensure_packages build-essential dpkg-dev debhelper postgresql-server-dev-all git || exit 1

source=$(dpkg-parsechangelog -l debian/changelog -S Source)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=${version%-*}
extversion=$(sed -n "s/^default_version = '\(.*\)'/\1/p" swisper_ext.control)
if [ "$upstream" != "$extversion" ]; then
	echo "debian/changelog is at $version but swisper_ext.control's default_version is $extversion:" \
		"add a debian/changelog entry (dch -v $extversion-1)" >&2
	exit 1
fi
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "== note: uncommitted changes are not in the package; it is built from HEAD ($(git rev-parse --short HEAD))"
fi

work=$(mktemp -d /tmp/swisper-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree=$work/$source-$upstream
mkdir "$tree"
git archive HEAD | tar -C "$tree" -xf -

echo "== dpkg-buildpackage -b of $source $version (HEAD $(git rev-parse --short HEAD))"
(
	cd "$tree"
	dpkg-checkbuilddeps
	# -b: binary packages only (no orig tarball needed); -us -uc: unsigned.
	dpkg-buildpackage -b -us -uc
) > "$work/build.log" 2>&1 || {
	tail -40 "$work/build.log"
	echo "dpkg-buildpackage failed; the log above is the end of $work/build.log" >&2
	exit 1
}

mkdir -p dist
for deb in "$work"/*.deb; do
	cp "$deb" dist/
	echo "dist/$(basename "$deb")"
done
