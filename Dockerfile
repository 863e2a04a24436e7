# S2 Cloud Studio's command line (s2cloud) for array jobs: Kubernetes, AWS Batch, Google Cloud
# Batch, Slurm (through Apptainer). The CLI only: no Electron, no user interface.
#
#   docker build -t s2cloud .
#   docker run --rm --user "$(id -u):$(id -g)" -v /data/in:/data/in:ro -v /data/out:/data/out \
#     s2cloud batch /data/in --out /data/out --resolution 20
#
# docs/scale-out.md runs a season with it on each engine.

ARG NODE_VERSION=24

# ---- build: TypeScript to JavaScript, the native JPEG 2000 addon, production node_modules ----
FROM node:${NODE_VERSION}-slim AS build
# node-gyp's tools and OpenJPEG's headers for native/openjp2 (scripts/build-native.mjs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ pkg-config libopenjp2-7-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Electron is a devDependency of the desktop app: its binary is never fetched, and the package
# itself is pruned below. onnxruntime-node's install script would fetch CUDA: skipped (CPU only).
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
    ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY scripts/build-native.mjs scripts/
COPY native/openjp2/binding.gyp native/openjp2/
COPY native/openjp2/src native/openjp2/src
# postinstall builds the addon; it prints one line and never fails the install (WASM fallback),
# so check that it is really there.
RUN npm ci \
 && test -f native/openjp2/build/Release/openjp2.node
COPY tsconfig.json tsconfig.build.json ./
COPY electron electron
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev \
 && rm -rf node_modules/electron node_modules/.bin/electron

# ---- runtime: Node, the compiled CLI, the addon, the default model, the sample product ----
FROM node:${NODE_VERSION}-slim
# libopenjp2 for the addon; tini as PID 1 so the engine's SIGTERM (preemption, timeout) ends
# the batch (the journal lets the retried task resume).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenjp2-7 tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    ORT_DISABLE_TELEMETRY=1 \
    S2CLOUD_FROM_DIST=1
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist/electron dist/electron
COPY --from=build /app/native/openjp2/build/Release/openjp2.node native/openjp2/build/Release/openjp2.node
COPY bin bin
# The default model (card and ONNX file, committed) and its neighbours' cards.
COPY native-models native-models
COPY samples samples
RUN ln -s /app/bin/s2cloud.js /usr/local/bin/s2cloud \
 && chmod 0755 /app/bin/s2cloud.js \
 && s2cloud --version \
 && s2cloud info "$(s2cloud sample)" > /dev/null
# The image's own user (uid 1000); `docker run --user` maps it to the owner of the mounted folders.
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "s2cloud"]
CMD ["--help"]
