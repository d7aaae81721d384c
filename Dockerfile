# The gateway in a container: Debian 12 (bookworm) as on the project's machines, Node 24.
#   docker build -t webrtc-rtmp-gateway .
#   docker run -d --name gateway --network host -v gateway-data:/app/data -v gateway-records:/app/records webrtc-rtmp-gateway
# README.md, "Run with Docker", has the rest (ports, configuration, licence of the FFmpeg inside).

# ---- Build: Node 24, the locked npm dependencies, dist/ ----
FROM debian:bookworm-slim AS build
# Debian 12's Node is 18: Node 24 and a current npm come from the npm registry's `node` and `npm`
# packages, as scripts/node-env.sh does; Debian's npm only fetches them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates npm \
 && npm install --no-save --no-audit --no-fund --prefix /opt/node24 node@24 npm@11 \
 && rm -rf /var/lib/apt/lists/* /root/.npm
ENV PATH=/opt/node24/node_modules/.bin:$PATH
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/lint/package.json tools/lint/
# SKIP_FFMPEG: node-av's postinstall would download an ffmpeg program from outside the registry; the
# gateway uses only FFmpeg's libraries, which come in the registry's @seydx/node-av-linux-x64.
RUN SKIP_FFMPEG=true npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- Run ----
FROM debian:bookworm-slim
# srt-tools: srt-live-transmit, one per SRT push. chromium, xvfb, pulseaudio, xdotool (and a font):
# page capture (/api/v2/beam). tini: PID 1, passes SIGTERM on and reaps what Chromium leaves.
# No ffmpeg: the codecs are FFmpeg's libraries loaded in-process (node-av).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates srt-tools chromium xvfb pulseaudio xdotool fonts-liberation tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /app --no-create-home gateway
COPY --from=build /opt/node24/node_modules/node/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules/
COPY --from=build /app/dist dist/
COPY --from=build /app/config config/
COPY --from=build /app/media media/
# data/: the database (pushes kept across restarts, RTMP servers); records/: the recordings.
RUN mkdir -p data records && chown gateway:gateway data records
VOLUME ["/app/data", "/app/records"]
# What scripts/serve.sh sets: glibc gives the memory of a burst back (see there).
ENV MALLOC_TRIM_THRESHOLD_=131072
# ws, http, wss and https (the last two with a certificate), the shared WebRTC UDP port (each more media
# worker takes the next one). RTMP ingest listens on the ports given to /api/rtmp-servers (1935 usually).
EXPOSE 8080 8081 8443 8444 31000/udp
# Page capture runs Chromium with --no-sandbox, so it needs no root either.
USER gateway
# SIGTERM closes every RTMP session cleanly: give it time (docker stop -t 20).
# The node flags: see server/node-flags.ts.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--no-incremental-marking-task", "--max-semi-space-size=16", "dist/server/main.js"]
CMD ["--config", "config/flashphoner.properties"]
