# One image for every node of the scaled stack (docker-compose.yml): the platform runs
# `npm start`, a standalone gateway `node --import tsx gateway/src/main.ts`. The embedded mode
# (`npm start` with no DATABASE_URL) runs from the same image too.
FROM node:20-bookworm-slim

WORKDIR /app
RUN chown node:node /app
USER node

# Manifests first, so the dependency layer is rebuilt only when they change.
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node protocols/package.json protocols/
COPY --chown=node:node readings/package.json readings/
COPY --chown=node:node gateway/package.json gateway/
COPY --chown=node:node platform/package.json platform/
COPY --chown=node:node dashboard/package.json dashboard/
COPY --chown=node:node device-sim/package.json device-sim/
COPY --chown=node:node tests/package.json tests/
# Dev dependencies stay: the build needs vite, and the services run TypeScript through tsx.
RUN npm ci --no-audit --no-fund

COPY --chown=node:node . .
RUN npm run build && mkdir -p /app/data

ENV NODE_ENV=production \
    HTTP_PORT=8080 \
    MQTT_PORT=1883 \
    MQTT_WS_PORT=8083 \
    DATA_DIR=/app/data
EXPOSE 8080 1883 8083
CMD ["npm", "start"]
