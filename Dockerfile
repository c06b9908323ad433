# taskcenter: a multi-stage image on Debian 12.
#   docker build -t taskcenter .
#   docker run -p 8000:8000 -v taskcenter-data:/var/lib/taskcenter taskcenter
# The build stage runs the same scripts as CI (scripts/deps.sh, scripts/build-release.sh);
# tests/packaging/test_deploy.py checks that it still does. See docs/deploy.md.

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/deps.sh && scripts/build-release.sh --install /out

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libhiredis0.14 libsimdjson14 libssl3 libstdc++6 libtcmalloc-minimal4 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/taskcenter --create-home taskcenter
COPY --from=build /out/bin/taskcenter /usr/local/bin/taskcenter
USER taskcenter
WORKDIR /var/lib/taskcenter
VOLUME /var/lib/taskcenter
ENV TASKCENTER_HOST=0.0.0.0 \
    TASKCENTER_PORT=8000 \
    TASKCENTER_DATA_DIR=/var/lib/taskcenter/data \
    TASKCENTER_LOG_FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8000/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/taskcenter"]
