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
# otherwise), and everything image/build-check.sh checks: the paths the
# entrypoint and supervisord.conf rely on, the onedb migrator into this
# version (opennebula-migration), guacd's libraries (guacd -v, ldd), sshd -t
# on the entrypoint's sshd_config, the Prometheus exporter's files and that
# its Ruby libraries load.

FROM ubuntu:24.04

ARG ONE_VERSION
ARG DEBIAN_FRONTEND=noninteractive

SHELL ["/bin/bash", "-Eeuo", "pipefail", "-c"]

# Ubuntu packages are not version-pinned: they follow the pinned base image's
# archive (security updates); OpenNebula's are pinned by the versioned
# repository URL and checked against ONE_VERSION after the install.
# systemd provides systemd-tmpfiles, which the OpenNebula packages' postinst
# scripts call; no systemd runs in the container.
# opennebula-migration: the onedb migrators (OpenNebula's upgrade guide
# installs it). opennebula-form: OneForm, from 7.2 on (one-deploy installs
# it for one_version >= 7.1.80: roles/form/tasks/main.yml, playbooks/site.yml).
# openssh-server: sshd for the local TM driver's transfers (image/README.md).
# opennebula-prometheus-kvm: OpenNebula's Prometheus exporter
# (/usr/lib/one/opennebula_exporter/, run with OPENNEBULA_METRICS=true; the
# docs' "Prometheus-KVM package" on the front-end; opennebula-prometheus
# itself holds the Prometheus and Alertmanager servers, not needed here).
# hadolint ignore=DL3008
RUN test -n "${ONE_VERSION}" || { echo "build with --build-arg ONE_VERSION=\$(cat image/ONE_VERSION)" >&2; exit 1; } \
    && versioned=() \
    && case "${ONE_VERSION}" in 7.0.*) ;; *) versioned+=(opennebula-form) ;; esac \
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
        openssh-server \
        opennebula \
        opennebula-fireedge \
        opennebula-flow \
        opennebula-gate \
        opennebula-guacd \
        opennebula-migration \
        opennebula-prometheus-kvm \
        opennebula-tools \
        "${versioned[@]}" \
        ruby \
        supervisor \
        systemd \
        util-linux \
    && installed="$(dpkg-query -W -f='${Version}' opennebula)" \
    && case "${installed}" in "${ONE_VERSION}"*) ;; *) echo "opennebula ${installed} is not ${ONE_VERSION}" >&2; exit 1 ;; esac \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

COPY --chmod=0755 image/entrypoint.sh /usr/local/bin/onechart-entrypoint
COPY --chmod=0755 image/healthcheck.sh /usr/local/bin/onechart-healthcheck
COPY --chmod=0755 image/one-config.rb /usr/local/lib/onechart/one-config.rb
COPY --chmod=0755 image/wait-oned.sh /usr/local/lib/onechart/onechart-wait-oned
COPY --chmod=0755 image/ssh-agent.sh /usr/local/lib/onechart/onechart-ssh-agent
COPY --chmod=0755 image/syslog-relay.rb /usr/local/lib/onechart/onechart-syslog
COPY --chmod=0755 image/periodic.sh /usr/local/lib/onechart/onechart-periodic
COPY --chmod=0755 image/serveradmin.sh /usr/local/lib/onechart/onechart-serveradmin
COPY --chmod=0755 image/exporter.rb /usr/local/lib/onechart/onechart-exporter
COPY --chmod=0755 image/systemctl.sh /usr/local/lib/onechart/bin/systemctl
COPY --chmod=0755 image/build-check.sh /usr/local/lib/onechart/onechart-build-check
COPY --chmod=0644 image/supervisord.conf /etc/supervisor/onechart.conf

# Pristine copies the entrypoint uses on a persistent /var/lib/one: the drivers
# (remotes/etc merged three-way when the package version changes) and the
# default /etc/one. oneadmin gets the password hash '*' (no password can
# match; a '!' would make sshd, with UsePAM no, refuse the account as locked).
# The packaged sshd host keys are removed: sshd uses the volume's.
RUN cp -a /var/lib/one/remotes /usr/share/one/remotes-dist \
    && cp -a /etc/one /usr/share/one/etc-dist \
    && dpkg-query -W -f='${Version}\n' opennebula > /usr/share/one/onechart-image-version \
    && test "$(id -u oneadmin)" = 9869 \
    && test "$(getent passwd oneadmin | cut -d: -f6)" = /var/lib/one \
    && case "$(getent passwd oneadmin | cut -d: -f7)" in */nologin | */false | "") echo "oneadmin has no login shell: sshd cannot run commands" >&2; exit 1 ;; esac \
    && usermod -p '*' oneadmin \
    && test "$(getent shadow oneadmin | cut -d: -f2)" = '*' \
    && rm -f /etc/ssh/ssh_host_* \
    && /usr/local/lib/onechart/onechart-build-check

# oned XML-RPC, oned gRPC (7.2+), FireEdge, OneFlow, OneGate, monitord, sshd,
# and the Prometheus exporter (with OPENNEBULA_METRICS=true).
# guacd (4822) and OneForm (13013, 7.2+) listen on 127.0.0.1 only.
EXPOSE 2633 2634 2616 2474 5030 4124 4124/udp 22 9925

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
