# Shared by the scripts: make sure what chain needs on this machine is there.
# Idempotent: every step checks first and does nothing when the thing is already in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_BASE="${CHAIN_VENDOR_BASE:-vendor/busybox:1.35}"

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_engine() {
  if docker info >/dev/null 2>&1; then return 0; fi
  apt_packages docker.io
  if ! docker info >/dev/null 2>&1; then
    log "starting the Docker Engine"
    as_root sh -c 'nohup dockerd --host=unix:///var/run/docker.sock >/var/log/chain-dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  docker info >/dev/null 2>&1 || { log "the Docker Engine did not start: see /var/log/chain-dockerd.log"; exit 36; }
}

# The vendor base image, made locally from Debian's busybox-static: no internet registry is reachable.
# It is built reproducibly (a tar with fixed times and owners, a config with a fixed creation time,
# loaded with `docker load`), so every machine with the same busybox-static gets the same image ID
# and the committed chain.lock pins the same base everywhere.
ensure_vendor_base() {
  docker image inspect "$VENDOR_BASE" >/dev/null 2>&1 && return 0
  apt_packages busybox-static
  log "making the vendor base image $VENDOR_BASE from busybox-static"
  local dir; dir="$(mktemp -d)"
  local root="$dir/rootfs" image="$dir/image"
  mkdir -p "$root"/{bin,etc,tmp,root,var/www} "$image"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do [ "$applet" = busybox ] || ln -s /bin/busybox "$root/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" --sort=name --mtime='2026-01-01 00:00:00Z' --owner=0 --group=0 --numeric-owner -cf "$image/layer.tar" .
  local diff_id; diff_id="sha256:$(sha256sum "$image/layer.tar" | cut -d' ' -f1)"
  printf '{"architecture":"%s","os":"linux","created":"2026-01-01T00:00:00Z","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created":"2026-01-01T00:00:00Z","comment":"vendor base from Debian busybox-static"}]}' "$(dpkg --print-architecture)" "$diff_id" >"$image/config.json"
  local config_id; config_id="$(sha256sum "$image/config.json" | cut -d' ' -f1)"
  mv "$image/config.json" "$image/$config_id.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_id" "$VENDOR_BASE" >"$image/manifest.json"
  tar -C "$image" -c . | docker load -q >/dev/null
  rm -rf "$dir"
}

ensure_node_modules() {
  cd "$ROOT"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm run --silent build
  fi
}

ensure_all() {
  apt_packages git docker-registry apache2-utils rsync
  ensure_node_modules
  ensure_engine
  ensure_vendor_base
}
