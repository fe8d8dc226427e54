# syntax=docker/dockerfile:1
#
# onechart: the OpenNebula front-end (oned, FireEdge, OneFlow, OneGate, HEM,
# guacd) in one image, run by supervisord. See image/README.md.
#
# Build (image/ONE_VERSION is the single source of the OpenNebula version):
#   docker build --build-arg ONE_VERSION="$(cat image/ONE_VERSION)" -t onechart/opennebula .
#
# Not verifiable without a Docker engine and network when this was written,
# and therefore checked at build time instead: the repository key format
# (ASCII-armored, used directly by signed-by), the package names and that the
# installed opennebula package has the requested version (the RUN fails
# otherwise), and the paths the entrypoint and supervisord.conf rely on
# (checked by the `test -e` list below).

FROM ubuntu:24.04

ARG ONE_VERSION
ARG DEBIAN_FRONTEND=noninteractive

SHELL ["/bin/bash", "-Eeuo", "pipefail", "-c"]

# Ubuntu packages are not version-pinned: they follow the pinned base image's
# archive (security updates); OpenNebula's are pinned by the versioned
# repository URL and checked against ONE_VERSION after the install.
# systemd provides systemd-tmpfiles, which the OpenNebula packages' postinst
# scripts call; no systemd runs in the container.
# hadolint ignore=DL3008
RUN test -n "${ONE_VERSION}" || { echo "build with --build-arg ONE_VERSION=\$(cat image/ONE_VERSION)" >&2; exit 1; } \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
    && install -d -m 0755 /etc/apt/keyrings \
    && curl -fsSL https://downloads.opennebula.io/repo/repo2.key -o /etc/apt/keyrings/opennebula.asc \
    && echo "deb [signed-by=/etc/apt/keyrings/opennebula.asc] https://downloads.opennebula.io/repo/${ONE_VERSION}/Ubuntu/24.04 stable opennebula" \
        > /etc/apt/sources.list.d/opennebula.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        mariadb-client \
        openssh-client \
        opennebula \
        opennebula-fireedge \
        opennebula-flow \
        opennebula-gate \
        opennebula-guacd \
        opennebula-tools \
        ruby \
        supervisor \
        systemd \
        util-linux \
    && installed="$(dpkg-query -W -f='${Version}' opennebula)" \
    && case "${installed}" in "${ONE_VERSION}"*) ;; *) echo "opennebula ${installed} is not ${ONE_VERSION}" >&2; exit 1 ;; esac \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# Pristine copies the entrypoint uses on a persistent /var/lib/one: the drivers
# (refreshed when the package version changes) and the default /etc/one.
RUN cp -a /var/lib/one/remotes /usr/share/one/remotes-dist \
    && cp -a /etc/one /usr/share/one/etc-dist \
    && dpkg-query -W -f='${Version}\n' opennebula > /usr/share/one/onechart-image-version \
    && test "$(id -u oneadmin)" = 9869 \
    && for path in /usr/bin/oned /usr/bin/onedb /usr/lib/one/ruby/onedb/database_schema.rb \
        /usr/lib/one/fireedge/dist/index.js /usr/lib/one/oneflow/oneflow-server.rb \
        /usr/lib/one/onegate/onegate-server.rb /usr/lib/one/onehem/onehem-server.rb \
        /usr/share/one/guacd/sbin/guacd /usr/share/one/ssh/config /usr/bin/mariadb-dump \
        /usr/bin/setpriv; do \
        test -e "${path}" || { echo "missing ${path}" >&2; exit 1; }; \
    done

COPY --chmod=0755 image/entrypoint.sh /usr/local/bin/onechart-entrypoint
COPY --chmod=0755 image/one-config.rb /usr/local/lib/onechart/one-config.rb
COPY --chmod=0755 image/wait-oned.sh /usr/local/lib/onechart/onechart-wait-oned
COPY --chmod=0755 image/healthcheck.sh /usr/local/bin/onechart-healthcheck
COPY --chmod=0644 image/supervisord.conf /etc/supervisor/onechart.conf

# oned XML-RPC, oned gRPC (7.2+), FireEdge, OneFlow, OneGate, monitord.
# guacd (4822) listens on 127.0.0.1 only; there is no sshd.
EXPOSE 2633 2634 2616 2474 5030 4124 4124/udp

# oned's first start and a schema upgrade can take minutes.
HEALTHCHECK --interval=30s --timeout=15s --start-period=20m --retries=3 \
    CMD ["/usr/local/bin/onechart-healthcheck"]

ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="onechart OpenNebula front-end" \
      org.opencontainers.image.description="OpenNebula ${ONE_VERSION} Community Edition: oned, FireEdge, OneFlow, OneGate, HEM and guacd under supervisord" \
      org.opencontainers.image.version="${ONE_VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/onechart/onechart" \
      org.opencontainers.image.base.name="docker.io/library/ubuntu:24.04"

ENTRYPOINT ["/usr/local/bin/onechart-entrypoint"]
CMD ["/usr/bin/supervisord", "-n", "-c", "/etc/supervisor/onechart.conf"]
