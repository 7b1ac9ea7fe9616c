# syntax=docker/dockerfile:1
#
# The local chain of docker/compose.yaml, two images from one file:
#   --target devnet   starknet-devnet, built from crates.io
#   --target deploy   a one-shot: declares and deploys the CIRO contracts on that
#                     devnet, seeds the demo, writes the relay's config
# Native tools come from crates.io at the versions in scripts/versions.env (the
# file is sourced, so a version bump there is the only edit), built the way
# scripts/toolchain.sh builds them; the contracts are compiled by
# scripts/build-contracts.sh itself. Nothing here is downloaded from anywhere
# but crates.io and the npm registry.
#
# Cold, the two cargo stages take a long time (devnet, then the Cairo compiler
# and universal-sierra-compiler); BuildKit caches them. To reuse tools already
# built on the host, override the stages `devnet-bin` and `contracts` with named
# build contexts: docker/compose.prebuilt.yaml does that.
ARG RUST_IMAGE=rust:1.95.0-bookworm
ARG DEBIAN_IMAGE=debian:12.11-slim
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

# ---- native tools -----------------------------------------------------------
FROM ${RUST_IMAGE} AS rust
# As scripts/toolchain.sh: LTO and one codegen unit only slow the cold build.
ENV CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
COPY scripts/versions.env /ciro/versions.env

FROM rust AS devnet-build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    . /ciro/versions.env \
    && cargo install --locked --root /out --version "$STARKNET_DEVNET_VERSION" starknet-devnet \
    && /out/bin/starknet-devnet --version | grep -F "$STARKNET_DEVNET_VERSION"

# The devnet binary alone, at /starknet-devnet.
FROM scratch AS devnet-bin
COPY --from=devnet-build /out/bin/starknet-devnet /starknet-devnet

# Same layout as the host cache (CIRO_TOOLCHAIN_DIR), so build-contracts.sh runs unchanged.
FROM rust AS cairo-build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV CIRO_TOOLCHAIN_DIR=/opt/ciro-toolchain
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    . /ciro/versions.env \
    && cargo install --locked --root "$CIRO_TOOLCHAIN_DIR/usc-$USC_VERSION" --version "$USC_VERSION" universal-sierra-compiler
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    . /ciro/versions.env \
    && cargo install --locked --root "$CIRO_TOOLCHAIN_DIR/cairo-$CAIRO_VERSION" --version "$CAIRO_VERSION" starknet-compile
# Cairo's corelib is not a crate of its own: it ships inside cairo-native's .crate
# (checksum from the crates.io index, in versions.env). The compiler finds it two
# levels above its binary.
RUN . /ciro/versions.env \
    && curl -fsSL --retry 3 -o /tmp/corelib.crate \
       "https://static.crates.io/crates/$CORELIB_CRATE/$CORELIB_CRATE-$CORELIB_CRATE_VERSION.crate" \
    && echo "$CORELIB_CRATE_SHA256  /tmp/corelib.crate" | sha256sum -c - \
    && tar xzf /tmp/corelib.crate -C /tmp "$CORELIB_CRATE-$CORELIB_CRATE_VERSION/corelib" \
    && grep -q "version = \"$CAIRO_VERSION\"" "/tmp/$CORELIB_CRATE-$CORELIB_CRATE_VERSION/corelib/Scarb.toml" \
    && mv "/tmp/$CORELIB_CRATE-$CORELIB_CRATE_VERSION/corelib" "$CIRO_TOOLCHAIN_DIR/cairo-$CAIRO_VERSION/corelib" \
    && rm -rf /tmp/corelib.crate "/tmp/$CORELIB_CRATE-$CORELIB_CRATE_VERSION"
WORKDIR /src
COPY scripts/versions.env scripts/build-contracts.sh scripts/
COPY contracts/ contracts/
RUN bash scripts/build-contracts.sh

# The compiled classes alone (Sierra + CASM JSON), at /.
FROM scratch AS contracts
COPY --from=cairo-build /src/contracts/target/ /

# ---- the deploy script, compiled like the relay ----------------------------
FROM ${NODE_IMAGE} AS node-build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
# esbuild reads the compiler options (verbatimModuleSyntax, ...) as the host build does.
COPY tsconfig.json ./
COPY docker/build-node.mjs docker/deploy.ts ./docker/
COPY policies ./policies
COPY relay ./relay
COPY scripts ./scripts
# Bundled to the depth of scripts/local/: the bundled scripts/local/toolchain.ts
# finds the repo root (scripts/versions.env, contracts/target/) two levels up.
RUN node docker/build-node.mjs docker/deploy.ts dist/ciro/scripts/local/deploy-stack.mjs

# ---- devnet -----------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS devnet
COPY --from=devnet-bin /starknet-devnet /usr/local/bin/starknet-devnet
RUN useradd --system --uid 10001 --user-group --no-create-home devnet \
    && mkdir /data && chown 10001:10001 /data
USER 10001:10001
WORKDIR /data
EXPOSE 5050
# No curl in a slim image: bash's /dev/tcp asks devnet's /is_alive.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=12 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5050 && printf 'GET /is_alive HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["starknet-devnet", "--host", "0.0.0.0", "--port", "5050"]
# The accounts startLocalChain() uses: a deployer, 2 relayers, a client, spares.
CMD ["--seed", "42", "--accounts", "6"]

# ---- deploy (one-shot) ------------------------------------------------------
FROM ${NODE_IMAGE} AS deploy
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    CIRO_STATE_DIR=/state
WORKDIR /ciro
COPY --from=node-build /src/dist/ciro/ ./
COPY scripts/versions.env scripts/
COPY --from=contracts / contracts/target/
# The node image's `node` user, by number (uid 1000 in the official images).
RUN mkdir /state && chown 1000:1000 /state
USER 1000:1000
CMD ["node", "scripts/local/deploy-stack.mjs"]
