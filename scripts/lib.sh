# Shared by the scripts: make sure what chain needs on this machine is there.
# Idempotent: every step checks first and does nothing when the thing is already in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The script that sourced this, and its arguments: run again in the docker group (ensure_engine_access).
CHAIN_SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
CHAIN_SCRIPT_ARGS=("$@")
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
  # Whether the engine runs is asked as root: a user outside the docker group cannot tell.
  if ! as_root docker info >/dev/null 2>&1; then
    log "starting the Docker Engine"
    as_root sh -c 'nohup dockerd --host=unix:///var/run/docker.sock >/var/log/chain-dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do as_root docker info >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  as_root docker info >/dev/null 2>&1 || { log "the Docker Engine did not start: see /var/log/chain-dockerd.log"; exit 36; }
  docker info >/dev/null 2>&1 || ensure_engine_access
}

# The engine runs, but this user may not use it: its socket is root's and the docker group's, and
# chain talks to it directly (as the docker CLI does). A user who may use sudo is added to the
# docker group, and the script goes on in that group at once (sg docker); later logins have it.
# Membership of the docker group is as good as root on this machine (a container can mount / and
# write anywhere): CHAIN_NO_DOCKER_GROUP=1 refuses it, and then the scripts must run as root.
ensure_engine_access() {
  local user; user="$(id -un)"
  if [ -n "${CHAIN_IN_DOCKER_GROUP:-}" ]; then
    log "the docker group did not give $user the Docker Engine: $(docker info 2>&1 | tail -n 1)"; exit 37
  fi
  if [ -n "${CHAIN_NO_DOCKER_GROUP:-}" ]; then
    log "$user may not use the Docker Engine (only root and the docker group may) and CHAIN_NO_DOCKER_GROUP is set:"
    log "run this as root instead (sudo -i, then $CHAIN_SCRIPT from a clone root owns), or join the group: sudo usermod -aG docker $user"
    exit 37
  fi
  if ! id -nG "$user" | tr ' ' '\n' | grep -qx docker; then
    log "adding $user to the docker group, so that chain can use the Docker Engine: members are root on this machine in effect"
    log "(sudo gpasswd -d $user docker takes it back; CHAIN_NO_DOCKER_GROUP=1 runs nothing instead)"
    as_root usermod -aG docker "$user"
  fi
  log "going on in the docker group (sg docker); new logins of $user have it"
  export CHAIN_IN_DOCKER_GROUP=1
  exec sg docker -c "$(printf '%q ' "$CHAIN_SCRIPT" "${CHAIN_SCRIPT_ARGS[@]}")"
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
