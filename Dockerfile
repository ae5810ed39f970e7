# The Levitation node image: one image for every role, the prover and the devnet (`lev <command>`).
# `lev` runs its sources bundled by esbuild (bin/cli-build.js), built here once so the unprivileged user never needs
# to write the cache; the worker threads run their TypeScript through tsx (a runtime dependency).
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Sources only (no node_modules or .lev from the build context).
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY actors ./actors
COPY projections ./projections
COPY contracts ./contracts
COPY proto ./proto
COPY scripts ./scripts
RUN node --input-type=module -e "const { compiledCli } = await import('./bin/cli-build.js'); if (!(await compiledCli(undefined, { onError: console.error }))) process.exit(1);"

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]

# L2 JSON-RPC, L1 devnet, prover, metrics and health.
EXPOSE 8123 8545 50051 9091
ENTRYPOINT ["node", "bin/lev.js"]
CMD ["start"]
