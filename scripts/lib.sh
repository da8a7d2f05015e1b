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
ensure_vendor_base() {
  docker image inspect "$VENDOR_BASE" >/dev/null 2>&1 && return 0
  apt_packages busybox-static
  log "making the vendor base image $VENDOR_BASE from busybox-static"
  local dir; dir="$(mktemp -d)"
  mkdir -p "$dir"/{bin,etc,tmp,root,var/www}
  cp /bin/busybox "$dir/bin/busybox"
  "$dir/bin/busybox" --install -s "$dir/bin" 2>/dev/null || true
  # busybox --install links to its own path; inside the image that path is /bin/busybox.
  for link in "$dir"/bin/*; do [ -L "$link" ] && ln -sf /bin/busybox "$link"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  chmod 1777 "$dir/tmp"
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' \
    --message "vendor base from Debian busybox-static" - "$VENDOR_BASE" >/dev/null
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
  apt_packages git docker-registry apache2-utils
  ensure_node_modules
  ensure_engine
  ensure_vendor_base
}
