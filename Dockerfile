# One image for every node of the scaled stack (docker-compose.yml) and for the embedded mode:
#   platform (default):  node platform/dist/main.js     (embedded when DATABASE_URL is unset)
#   standalone gateway:  node gateway/dist/main.js
# It holds compiled JavaScript and production dependencies only: no TypeScript sources, no tsx,
# no Vite, no test tools (docs/deployment.md).
#
# The Node line of the image. .ci/run reads this line and runs the whole suite on the same
# Node, installed from the npm registry, so what ships is what was tested.
ARG NODE_VERSION=24

# ---- build: every dependency, then `npm run build` (tsc -b into each package's dist/, Vite
# into dashboard/dist) ------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# Manifests first, so the dependency layer is rebuilt only when they change. A new workspace
# package adds its package.json here and in the runtime stage.
COPY package.json package-lock.json ./
COPY protocols/package.json protocols/
COPY common/package.json common/
COPY readings/package.json readings/
COPY gateway/package.json gateway/
COPY platform/package.json platform/
COPY dashboard/package.json dashboard/
COPY device-sim/package.json device-sim/
COPY tests/package.json tests/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the build's output ----------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    # Our packages' `exports` point at src/*.ts by default (development with tsx and vitest)
    # and at dist/*.js under this condition; every node process in the image gets it. Then the
    # runtime's flags, as `npm start` gives them (scripts/node-flags.json; docs/deployment.md).
    NODE_OPTIONS="--conditions=@eldercare/compiled --max-semi-space-size=16" \
    HTTP_PORT=8080 \
    MQTT_PORT=1883 \
    MQTT_WS_PORT=8083 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY protocols/package.json protocols/
COPY common/package.json common/
COPY readings/package.json readings/
COPY gateway/package.json gateway/
COPY platform/package.json platform/
COPY dashboard/package.json dashboard/
COPY device-sim/package.json device-sim/
COPY tests/package.json tests/
# --omit=dev leaves out tsx, typescript, vitest and vite; naming the workspaces that run on
# Node leaves out the tests' (playwright-core, …) and the console's (React: it is served as
# built files). The links node_modules/@eldercare/* point at the folders filled below. A new
# runtime package adds its -w here. The npm cache is not kept in the image.
RUN npm ci --omit=dev --no-audit --no-fund -w protocols -w common -w readings -w gateway -w device-sim -w platform \
  && npm cache clean --force
COPY --from=build /src/protocols/dist protocols/dist
COPY --from=build /src/common/dist common/dist
COPY --from=build /src/readings/dist readings/dist
COPY --from=build /src/gateway/dist gateway/dist
COPY --from=build /src/device-sim/dist device-sim/dist
COPY --from=build /src/platform/dist platform/dist
COPY --from=build /src/dashboard/dist dashboard/dist
# The printable assessment and statement PDFs embed Noto Sans CJK SC (docs/supervision.md).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
# Everything above belongs to root and is read-only for the service; only its data
# directory (the embedded database, the generated data key) is the service user's.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080 1883 8083
# Liveness: the process serves HTTP (docs/deployment.md). Readiness (every component answers)
# is /api/health, which the load balancer and compose's start order use. A standalone gateway
# container serves no HTTP and sets its own check (docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/api/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself as PID 1 handles SIGTERM (platform/src/main.ts closes cleanly); run the container
# with --init (compose: `init: true`) so that orphans are reaped.
CMD ["node", "platform/dist/main.js"]
