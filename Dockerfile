# One image per app: docker build --build-arg APP=api|ingestor|projector|cli .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ARG APP=api
RUN npx nest build ${APP}

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# as tools/runtime/app-process.ts APP_NODE_OPTIONS (docs/decisions/0010-young-generation.md)
ENV NODE_OPTIONS=--max-semi-space-size=32
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
ARG APP=api
ENV APP=${APP}
COPY --from=build /app/dist/apps/${APP} ./dist
USER node
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js \"$@\"", "--"]
