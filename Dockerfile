# syntax=docker/dockerfile:1
# Marquee: Plex status images. Build and run (see docs/deployment.md):
#   docker compose up -d --build
ARG NODE_VERSION=20

# ---- build: compile TypeScript, then keep only production dependencies -------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Native addons (better-sqlite3, @napi-rs/canvas, sharp) ship prebuilt for linux-x64/arm64 glibc;
# no compiler is needed unless a prebuild is missing for the platform.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-build-assets.mjs ./scripts/
COPY src ./src
COPY fixtures/generator ./fixtures/generator
# tsc, then the files the compiled code reads beside itself (migrations, the metrics query process,
# the demo generator's schemas): dist/ is the whole program, the image ships no src/.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# fonts-noto-cjk: Chinese/Japanese/Korean titles (the bundled Inter and DejaVu have no CJK glyphs);
# fontconfig lets Skia find it by family name. tini reaps children and forwards SIGTERM to node.
# Unpinned on purpose (hadolint DL3008): bookworm's point releases carry the security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig tini \
 && rm -rf /var/lib/apt/lists/*
# glibc: a fixed mmap threshold (it also turns off the dynamic one) gives every buffer of 128 KB or
# more (canvas pixels, sharp's images) its own mapping, returned to the OS when freed; otherwise
# they land in malloc's heaps and fragment them, and RSS under load never came back down.
# V8: a 2 MB young generation (semi-space) instead of up to 16 MB: under a burst of requests the
# default grew the heap by ~50 MB that was never needed again (`npm run bench`, phase 5).
# --expose-gc lets the renderer ask for a collection once large pixel buffers have died
# (src/render/paint/reclaim.ts). Keep all three in step with `npm start` (package.json).
# PUID/PGID/UMASK/TZ follow LinuxServer.io's images (docker/entrypoint.sh); /config is Marquee's
# own state (store, secrets, poster cache, lock) and the place for marquee.yaml.
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    NODE_OPTIONS="--max-semi-space-size=2 --expose-gc" \
    MARQUEE_HOST=0.0.0.0 \
    MARQUEE_PORT=8080 \
    MARQUEE_DATA_DIR=/config \
    MARQUEE_CONFIG=/config/marquee.yaml \
    PUID=1000 \
    PGID=1000 \
    UMASK=022
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY templates ./templates
COPY themes ./themes
COPY fonts ./fonts
COPY locales ./locales
COPY public ./public
COPY assets ./assets
COPY locales ./locales
COPY docker/entrypoint.sh /usr/local/bin/marquee-entrypoint
# The store, the pseudonym secret, the poster cache and the instance lock live in /config.
RUN mkdir -p /config && chown node:node /config
# Root only for the entrypoint's first lines: it drops to PUID:PGID (default 1000:1000, the `node`
# user) before Marquee starts, as LinuxServer.io's images do. hadolint DL3002 waived for that reason.
# hadolint ignore=DL3002
USER root
VOLUME ["/config"]
EXPOSE 8080
# /health answers 503 when a source or the store fails (application/health+json says which).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MARQUEE_PORT||8080)+'/livez').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/marquee-entrypoint"]
CMD ["node", "dist/src/cli.js", "serve"]
