# Ledgerline: the API (and, with another command, a worker). Multi-stage: types are checked and
# src/ compiled to dist/ in a build stage with dev dependencies; the runtime image has production
# dependencies only (no tsx, no embedded Postgres: DATABASE_URL is required), runs the compiled
# JavaScript on Node 22 LTS and runs as the unprivileged `node` user.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# patch-package applies patches/ after the install (a fix postgres.js has not released yet); the
# postinstall's build (scripts/build.mjs --if-possible) waits for src/, which comes below.
COPY patches ./patches
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json drizzle.config.ts vitest.config.ts ./
COPY src ./src
COPY test ./test
COPY load ./load
RUN npm run typecheck && npm run build

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json graphile.config.js crontab schema.graphql ./
COPY drizzle ./drizzle
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:4000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# The worker alone: docker run … node dist/jobs/worker-main.js; the stock graphile-worker CLI:
# docker run … npx graphile-worker --once (graphile.config.js loads dist/); an admin:
# docker run … node dist/admin-cli.js grant <email>
CMD ["node", "dist/main.js"]
