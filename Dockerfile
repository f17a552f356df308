# syntax=docker/dockerfile:1
# Build stage: compile TypeScript, and better-sqlite3 with the toolchain it needs (python3, make, g++).
FROM node:24-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# The image's own Node headers (/usr/local/include/node), so node-gyp never downloads any.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json tsconfig.json ./
# better-sqlite3 is compiled from the source npm checked against package-lock.json, for this image's Node: its own
# install script would first fetch a prebuilt binary from outside the npm registry, unchecked by the lock file.
# The only other package with an install script, esbuild, then runs its own (it checks its platform binary).
RUN npm ci --ignore-scripts \
 && npm run build-release --prefix node_modules/better-sqlite3 \
 && npm rebuild esbuild
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled JavaScript, production dependencies, views and migrations; no compilers.
FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_PATH=/data/installations.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY migrations ./migrations
# The database lives here (NODE_ENV=production requires ENCRYPTION_KEY, so no key file is written): only the node
# user may enter (ASVS 14.2).
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server.js"]
