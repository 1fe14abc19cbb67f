#!/usr/bin/env bash
# Trunk post-build hook: fills the service worker's precache list and build id.
#
# The built files have content hashes in their names, so the list changes with
# every build that changes them; the build id (a hash of every file) changes
# sw.js itself, which is how browsers notice a new version and update.
# Everything trunk built is precached, runtimes/ included on purpose: the
# sample functions (and language runtime modules) are part of the offline
# playground, so creating a function from a sample, or running a nodejs
# function, works with the network off; they add about 1.4 MB (0.6 MB
# gzipped, most of it the nodejs runtime) to an app of about 7 MB.
# Also writes 404.html (a copy of index.html) so static hosts such as GitHub
# Pages answer deep links (/stratus/tables) with the app.
set -euo pipefail
cd "${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
cp index.html 404.html
mapfile -t files < <(find . -type f ! -name sw.js ! -name 404.html | sed 's|^\./||' | LC_ALL=C sort)
build=$(cat "${files[@]}" | sha256sum | cut -c1-16)
list=$(printf '"%s",' "${files[@]}")
list="[${list%,}]"
sed -i -e "s|__STRATUS_PRECACHE__|${list}|" -e "s|__STRATUS_BUILD__|${build}|" sw.js
echo "precache: ${#files[@]} files, build ${build}"
