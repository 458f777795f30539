#!/usr/bin/env bash
# Install step of the nexus GitHub Action (action.yml), a script so that it runs and is tested
# outside GitHub (scripts/channels.sh serves a release directory on 127.0.0.1 to it).
#
#   action-install.sh resolve    version, target and install dir -> $GITHUB_OUTPUT
#   action-install.sh download   fetch the release archive, verify its SHA-256, unpack
#   action-install.sh build      cargo install from the action's own source (opt-in)
#
# Variables (GitHub sets the RUNNER_* ones):
#   NEXUS_VERSION       release to install, `0.1.0` or `v0.1.0`; empty = the action's own
#                       version (the workspace version in its Cargo.toml)
#   NEXUS_DOWNLOAD_URL  base of the release downloads; the archive is fetched from
#                       $NEXUS_DOWNLOAD_URL/v$VERSION/$ARCHIVE (default: the GitHub releases of
#                       the action's repository)
#   NEXUS_INSTALL_DIR   where the binary goes (default: $RUNNER_TOOL_CACHE/nexus/$VERSION/$TARGET)
#   ACTION_PATH         the action's checkout (default: this script's repository)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action_path="${ACTION_PATH:-$here}"

die() {
  echo "::error title=nexus install::$*" >&2
  exit 1
}

# The version: given, or the one in the action's own Cargo.toml ([workspace.package]).
version="${NEXUS_VERSION:-}"
version="${version#v}"
if [ -z "$version" ]; then
  version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
  [ -n "$version" ] || die "cannot read the version from $action_path/Cargo.toml; set the \`version\` input"
fi
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) die "\`version\` must look like 1.2.3 (got \`$version\`)" ;;
esac

# The release target of this runner; the release workflow builds exactly these.
os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
ext=tar.gz
exe=nexus
case "$os/$arch" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ext=zip exe=nexus.exe ;;
  *) die "no nexus release for $os/$arch; set \`build-from-source: true\`" ;;
esac
archive="nexus-$version-$target.$ext"
dir="${NEXUS_INSTALL_DIR:-${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/nexus/$version/$target}"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

case "${1:-}" in
  resolve)
    {
      echo "version=$version"
      echo "target=$target"
      echo "dir=$dir"
      echo "bin=$dir/$exe"
    } >>"${GITHUB_OUTPUT:-/dev/stdout}"
    ;;
  download)
    base="${NEXUS_DOWNLOAD_URL:-https://github.com/${GITHUB_ACTION_REPOSITORY:-${GITHUB_REPOSITORY:-}}/releases/download}"
    url="${base%/}/v$version/$archive"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    echo "nexus: downloading $url"
    curl --fail --silent --show-error --location --retry 3 -o "$tmp/$archive" "$url" \
      || die "cannot download $url (is there a v$version release with $archive?)"
    curl --fail --silent --show-error --location --retry 3 -o "$tmp/$archive.sha256" "$url.sha256" \
      || die "cannot download $url.sha256"
    want="$(cut -d ' ' -f 1 <"$tmp/$archive.sha256" | tr -d '\r\n' | tr 'A-F' 'a-f')"
    got="$(sha256_of "$tmp/$archive")"
    if [ "$want" != "$got" ]; then
      die "checksum mismatch for $archive: the release lists sha256 $want, the download has $got; not installing it"
    fi
    mkdir -p "$dir"
    tar -xf "$tmp/$archive" -C "$dir"
    [ -x "$dir/$exe" ] || die "$archive holds no $exe"
    "$dir/$exe" --version
    ;;
  build)
    command -v cargo >/dev/null 2>&1 || die "building from source needs cargo (dtolnay/rust-toolchain)"
    cargo install --locked --path "$action_path/cli" --root "$dir.build"
    mkdir -p "$dir"
    mv "$dir.build/bin/$exe" "$dir/$exe"
    "$dir/$exe" --version
    ;;
  *)
    echo "usage: $0 resolve|download|build" >&2
    exit 2
    ;;
esac
