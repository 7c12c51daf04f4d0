# syntax=docker/dockerfile:1
# One image per certscrape bin, from this one Dockerfile (build from the repository root):
#   buildah bud --build-arg APP=csr-approver -t localhost/certscrape/csr-approver:0.1.0 .
# APP is the workspace directory under apps/ or packages/: csr-approver, monitoring-operator,
# scraper-proxy, target-auth. `npm run images` builds all four (scripts/images.sh).
#
# The bases: by default the local images scripts/build-base-image.sh makes without any registry
# (Debian bookworm from mmdebstrap + Node.js from the npm registry). Where a registry is reachable
# the same file builds from the public Node image:
#   --build-arg BASE=docker.io/library/node:24-bookworm-slim --build-arg BUILD_BASE=docker.io/library/node:24-bookworm-slim
ARG NODE_VERSION=24.22.3
ARG BASE=localhost/certscrape/node:${NODE_VERSION}
ARG BUILD_BASE=localhost/certscrape/node:${NODE_VERSION}-build

# --- build: the workspace once (shared by all four images through the layer cache) -------------
FROM ${BUILD_BASE} AS build
# tini-static becomes the runtime's PID 1: the local build base has it; Debian-based public bases get it from apt.
RUN [ -x /usr/bin/tini-static ] || { apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; }
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
# Build-stage only (ARGs are RUN's environment, not the image's): a CA file for npm's TLS where
# the network re-signs TLS (scripts/images.sh passes the host's NODE_EXTRA_CA_CERTS through).
ARG NODE_EXTRA_CA_CERTS
COPY . .
RUN npm ci --no-audit --no-fund --loglevel=error
RUN npx nx run-many -t build --output-style=stream \
      -p @certscrape/csr-approver @certscrape/monitoring-operator @certscrape/scraper-proxy @certscrape/target-auth
# Only APP, the workspaces it depends on and their production dependencies (scripts/image-stage.sh).
ARG APP
RUN test -n "${APP}" || { echo 'build with --build-arg APP=<csr-approver|monitoring-operator|scraper-proxy|target-auth>' >&2; exit 2; }; \
    bash scripts/image-stage.sh "${APP}" /out

# --- runtime: node, tini and the staged app; read-only, non-root -------------------------------
FROM ${BASE}
ARG APP
ARG BASE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="certscrape-${APP}" \
      org.opencontainers.image.description="certscrape ${APP}: client-certificate metrics scraping for Kubernetes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/certscrape/certscrape" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="certscrape" \
      org.opencontainers.image.base.name="${BASE}"
COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=build /out /app
WORKDIR /app
ENV NODE_ENV=production
# Numeric, so that Kubernetes' runAsNonRoot can verify it (65532 = "nonroot" in the local base).
USER 65532:65532
# tini is PID 1: it forwards SIGTERM to node (to its whole process group, -g) and reaps zombies;
# the app's shutdown handler does the rest. The bin is in ENTRYPOINT, not CMD, so a Deployment's
# `args:` are the app's flags (`args:` replaces CMD only). Nothing is written under /app: the root
# filesystem can be mounted read-only.
ENTRYPOINT ["/usr/bin/tini", "-g", "--", "node", "/app/main.js"]
CMD []
