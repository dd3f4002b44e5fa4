# syntax=docker/dockerfile:1
# One image for every Fangyi process; the compose file's command picks the entry point. Node 24 runs
# the TypeScript sources directly (type stripping), so there is no build step, only the dependencies.
ARG NODE_IMAGE=node:24-slim

# pnpm from the npm registry, pinned to package.json's packageManager; not through Corepack, which
# would fetch it from elsewhere when the container first runs it.
FROM ${NODE_IMAGE} AS pnpm
ARG PNPM_VERSION=10.34.8
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}" && pnpm --version

# The production dependencies, fetched from the lockfile alone: this layer is rebuilt only when the
# lockfile changes, not on every change to the code.
FROM pnpm AS deps
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
# The lockfile names the patches pnpm applies to dependencies (patchedDependencies).
COPY patches ./patches
RUN pnpm fetch --prod

# The workspace linked against what was fetched, offline: production dependencies only.
FROM deps AS install
COPY . .
RUN pnpm install --recursive --offline --frozen-lockfile --prod

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: signals reach node (graceful shutdown on SIGTERM) and zombies are reaped.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=install /app /app
# The code stays root's and read-only to the process; only the embedded mode's data directory is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
EXPOSE 8080
# Every process answers /ready on PORT (the read-side worker too): 200 when it can do its work.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Every process through scripts/with-node-options.sh: the V8 heap and malloc settings the local
# scripts use too (see that file).
ENTRYPOINT ["/usr/bin/tini", "--", "scripts/with-node-options.sh"]
CMD ["node", "services/embedded/src/main.ts"]
