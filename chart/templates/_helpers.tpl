{{/*
Expand the name of the chart.
*/}}
{{- define "opennebula.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "opennebula.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A name made of the fullname and a suffix, the fullname shortened so that the
whole name fits in the given length. Called with (list . "suffix" maxLength).
*/}}
{{- define "opennebula.suffixedName" -}}
{{- $suffix := index . 1 }}
{{- $base := include "opennebula.fullname" (index . 0) | trunc (int (sub (index . 2) (add1 (len $suffix)))) | trimSuffix "-" }}
{{- printf "%s-%s" $base $suffix }}
{{- end }}

{{/*
The OpenNebula StatefulSet's name: a StatefulSet name longer than 52 characters
makes its pods' controller-revision-hash label exceed 63 characters.
*/}}
{{- define "opennebula.statefulsetName" -}}
{{- include "opennebula.fullname" . | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/*
The headless Service that gives the OpenNebula pod its stable DNS name.
*/}}
{{- define "opennebula.headlessServiceName" -}}
{{- include "opennebula.suffixedName" (list . "headless" 63) }}
{{- end }}

{{/*
The name shared by the MariaDB StatefulSet, Service, Secret and ConfigMap.
*/}}
{{- define "opennebula.mariadbName" -}}
{{- include "opennebula.suffixedName" (list . "mariadb" 52) }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "opennebula.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "opennebula.labels" -}}
helm.sh/chart: {{ include "opennebula.chart" . }}
{{ include "opennebula.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "opennebula.selectorLabels" -}}
app.kubernetes.io/name: {{ include "opennebula.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "opennebula.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "opennebula.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The OpenNebula image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "opennebula.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
"true" when the image's OpenNebula line serves gRPC on 2634 (7.2 and later).
A tag that does not start with a version (e.g. "latest") counts as the newest line.
*/}}
{{- define "opennebula.hasGrpc" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion }}
{{- $m := regexFind "^v?[0-9]+\\.[0-9]+" $tag | trimPrefix "v" }}
{{- if not $m }}
{{- "true" }}
{{- else }}
{{- $parts := splitList "." $m }}
{{- $major := index $parts 0 | int }}
{{- $minor := index $parts 1 | int }}
{{- if or (gt $major 7) (and (eq $major 7) (ge $minor 2)) }}
{{- "true" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Checks what the templates cannot check alone; rendered first (by the
StatefulSet) so its messages come before any other failure.
*/}}
{{- define "opennebula.validateValues" -}}
{{- if not .Values.mariadb.enabled }}
{{- $_ := required "externalDatabase.host is required when mariadb.enabled is false" .Values.externalDatabase.host }}
{{- if not .Values.externalDatabase.existingSecret }}
{{- $_ := required "externalDatabase.password or externalDatabase.existingSecret is required when mariadb.enabled is false" .Values.externalDatabase.password }}
{{- end }}
{{- end }}
{{- /* Hypervisors outside the cluster send monitoring to MONITOR_ADDRESS:PORT
(OpenNebula's src/im_mad/remotes/common.d/monitord-client.rb, release-7.0.0);
"auto" takes the address of their SSH client ($SSH_CLIENT): a node address after SNAT. */}}
{{- if .Values.hypervisorService.enabled }}
{{- if eq .Values.hypervisorService.type "NodePort" }}
{{- $address := .Values.opennebula.monitorAddress }}
{{- if or (not $address) (eq $address "auto") (not .Values.hypervisorService.nodePorts.monitord) }}
{{- fail "hypervisorService.type NodePort needs opennebula.monitorAddress (a node address the hypervisors reach, not auto) and hypervisorService.nodePorts.monitord (the port monitord listens on and advertises)" }}
{{- end }}
{{- else }}
{{- $address := include "opennebula.monitorAddress" . }}
{{- if or (not $address) (eq $address "auto") }}
{{- fail "hypervisorService.enabled needs an explicit address (not auto) hypervisors send monitoring to: set opennebula.monitorAddress or hypervisorService.loadBalancerIP" }}
{{- end }}
{{- end }}
{{- end }}
{{- /* oned refuses a password with a blank or over 256 bytes and then leaves a
half-bootstrapped database (User::pass_is_valid, src/um/User.cc, release-7.2.0). */}}
{{- with .Values.opennebula.adminPassword }}
{{- if or (gt (len .) 256) (regexMatch "[ \t\n\v\f\r]" .) }}
{{- fail "opennebula.adminPassword must have at most 256 bytes and no blank (space, tab, line break): oned refuses such a password" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The database server OpenNebula connects to.
*/}}
{{- define "opennebula.databaseHost" -}}
{{- if .Values.mariadb.enabled }}
{{- include "opennebula.mariadbName" . }}
{{- else }}
{{- required "externalDatabase.host is required when mariadb.enabled is false" .Values.externalDatabase.host }}
{{- end }}
{{- end }}

{{- define "opennebula.databasePort" -}}
{{- if .Values.mariadb.enabled }}3306{{ else }}{{ .Values.externalDatabase.port | int }}{{ end }}
{{- end }}

{{- define "opennebula.databaseName" -}}
{{- if .Values.mariadb.enabled }}{{ .Values.mariadb.auth.database }}{{ else }}{{ .Values.externalDatabase.database }}{{ end }}
{{- end }}

{{- define "opennebula.databaseUser" -}}
{{- if .Values.mariadb.enabled }}{{ .Values.mariadb.auth.username }}{{ else }}{{ .Values.externalDatabase.username }}{{ end }}
{{- end }}

{{/*
The Secret and key that hold the database password.
*/}}
{{- define "opennebula.databaseSecretName" -}}
{{- if .Values.mariadb.enabled }}
{{- .Values.mariadb.auth.existingSecret | default (include "opennebula.mariadbName" .) }}
{{- else if .Values.externalDatabase.existingSecret }}
{{- .Values.externalDatabase.existingSecret }}
{{- else }}
{{- printf "%s-external-db" (include "opennebula.fullname" .) }}
{{- end }}
{{- end }}

{{- define "opennebula.databaseSecretKey" -}}
{{- if and (not .Values.mariadb.enabled) .Values.externalDatabase.existingSecret }}
{{- .Values.externalDatabase.existingSecretPasswordKey }}
{{- else }}
{{- "mariadb-password" }}
{{- end }}
{{- end }}

{{/*
The Secret holding the oneadmin password.
*/}}
{{- define "opennebula.credentialsSecretName" -}}
{{- .Values.opennebula.existingSecret | default (printf "%s-credentials" (include "opennebula.fullname" .)) }}
{{- end }}

{{/*
The Secret holding oneadmin's SSH keys, empty when none is given.
*/}}
{{- define "opennebula.sshSecretName" -}}
{{- if .Values.ssh.existingSecret }}
{{- .Values.ssh.existingSecret }}
{{- else if or .Values.ssh.privateKey .Values.ssh.publicKey }}
{{- printf "%s-ssh" (include "opennebula.fullname" .) }}
{{- end }}
{{- end }}

{{/*
oned.conf's HOSTNAME: the value, else the pod's FQDN through the headless Service.
*/}}
{{- define "opennebula.hostname" -}}
{{- .Values.opennebula.hostname | default (printf "%s-0.%s.%s.svc.%s" (include "opennebula.statefulsetName" .) (include "opennebula.headlessServiceName" .) .Release.Namespace (.Values.clusterDomain | default "cluster.local")) }}
{{- end }}

{{/*
The port monitord listens on and hypervisors send to: with a NodePort
hypervisor Service, its monitord node port (the port hosts can reach).
*/}}
{{- define "opennebula.monitorPort" -}}
{{- if and .Values.hypervisorService.enabled (eq .Values.hypervisorService.type "NodePort") }}
{{- .Values.hypervisorService.nodePorts.monitord | int }}
{{- else }}
{{- 4124 }}
{{- end }}
{{- end }}

{{/*
The environment of the database step, shared by the `database` init container
and the OpenNebula container: the database and the files of the passwords.
*/}}
{{- define "opennebula.databaseEnv" -}}
- name: ONEADMIN_PASSWORD_FILE
  value: /etc/onechart/secrets/oneadmin-password
- name: DB_BACKEND
  value: mysql
- name: DB_HOST
  value: {{ include "opennebula.databaseHost" . | quote }}
- name: DB_PORT
  value: {{ include "opennebula.databasePort" . | quote }}
- name: DB_NAME
  value: {{ include "opennebula.databaseName" . | quote }}
- name: DB_USER
  value: {{ include "opennebula.databaseUser" . | quote }}
- name: DB_PASSWORD_FILE
  value: /etc/onechart/secrets/db-password
{{- end }}

{{/*
The address hypervisors send monitoring data to; empty leaves monitord's "auto".
*/}}
{{- define "opennebula.monitorAddress" -}}
{{- if .Values.opennebula.monitorAddress }}
{{- .Values.opennebula.monitorAddress }}
{{- else if and .Values.hypervisorService.enabled .Values.hypervisorService.loadBalancerIP }}
{{- .Values.hypervisorService.loadBalancerIP }}
{{- end }}
{{- end }}

{{/*
The OneGate endpoint given to VMs; empty leaves oned.conf unchanged.
*/}}
{{- define "opennebula.onegateEndpoint" -}}
{{- if .Values.opennebula.onegateEndpoint }}
{{- .Values.opennebula.onegateEndpoint }}
{{- else if and .Values.hypervisorService.enabled .Values.hypervisorService.loadBalancerIP }}
{{- printf "http://%s:5030" .Values.hypervisorService.loadBalancerIP }}
{{- end }}
{{- end }}

{{/*
A Secret data value: the given value, else the value already stored in the
Secret (so upgrades and re-renders with lookup keep it), else 32 random
alphanumerics. Called with (dict "context" . "secret" NAME "key" KEY "value" VALUE).
*/}}
{{- define "opennebula.secretValue" -}}
{{- if .value }}
{{- .value | b64enc | quote }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .context.Release.Namespace .secret }}
{{- $data := dig "data" (dict) $existing }}
{{- if hasKey $data .key }}
{{- index $data .key | quote }}
{{- else }}
{{- randAlphaNum 32 | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The checksum of every Secret the chart renders, so the pods roll when a password changes.
*/}}
{{- define "opennebula.secretChecksum" -}}
{{- $all := "" }}
{{- range $file := list "secret-credentials.yaml" "secret-external-db.yaml" "secret-mariadb.yaml" "secret-ssh.yaml" }}
{{- $all = print $all (include (print $.Template.BasePath "/" $file) $) }}
{{- end }}
{{- $all | sha256sum }}
{{- end }}

