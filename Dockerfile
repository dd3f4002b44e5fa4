# One image for every Fangyi service; the command picks the entry point (see docker-compose.yml).
FROM node:24-slim
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY contracts ./contracts
COPY libs ./libs
COPY services ./services
COPY scripts ./scripts
COPY test/package.json ./test/package.json
RUN pnpm install --frozen-lockfile
ENV NODE_ENV=production NODE_OPTIONS=--disable-warning=TimeoutNegativeWarning KAFKAJS_NO_PARTITIONER_WARNING=1 HOST=0.0.0.0
EXPOSE 8080
CMD ["node", "services/embedded/src/main.ts"]
