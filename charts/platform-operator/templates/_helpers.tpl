{{/* Chart name, overridable with nameOverride. */}}
{{- define "platform-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix for object names: fullnameOverride, else <release>-<chart> (or just the release name
when it already contains the chart name). Trimmed to the 63 characters a label value allows.
*/}}
{{- define "platform-operator.fullname" -}}
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

{{/* Value of the helm.sh/chart label. */}}
{{- define "platform-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object the chart makes. */}}
{{- define "platform-operator.labels" -}}
helm.sh/chart: {{ include "platform-operator.chart" . }}
{{ include "platform-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: platform-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the operator pods; never change them across upgrades. */}}
{{- define "platform-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "platform-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "platform-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "platform-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Operator image reference: repository@digest when image.digest is set, else repository:tag with the
tag defaulting to the chart's appVersion. */}}
{{- define "platform-operator.image" -}}
{{- include "platform-operator.imageRef" (merge (dict "tag" (default .Chart.AppVersion .Values.image.tag)) .Values.image) }}
{{- end }}

{{/* An image reference from {repository, tag, digest}: the digest wins when set. */}}
{{- define "platform-operator.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{/*
Rules the operator needs on namespaced objects, wherever Platforms live (DESIGN §1 and §4).
Used by the ClusterRole (all namespaces) and by each per-namespace Role, so both modes grant
exactly the same thing. No wildcards: every group, resource and verb is named.
*/}}
{{- define "platform-operator.namespacedRules" -}}
- apiGroups: ["platform.a11y.dev"]
  resources: ["platforms"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: ["platform.a11y.dev"]
  resources: ["platforms/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["platform.a11y.dev"]
  resources: ["platforms/finalizers"]
  verbs: ["update"]
- apiGroups: ["platform.a11y.dev"]
  resources: ["platforms/scale"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "controllerrevisions"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods", "endpoints"]
  verbs: ["get", "list", "watch"]
# StatefulSet forced rollback: pods of an abandoned template that never became ready are deleted.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies", "ingresses"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["batch"]
  resources: ["cronjobs"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["monitoring.coreos.com"]
  resources: ["servicemonitors", "prometheusrules"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/* Cluster-scoped rules: discovering which optional CRDs (monitoring, Gateway API) exist, and whether a
claim's StorageClass allows volume expansion (growing storage sizes). */}}
{{- define "platform-operator.clusterRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["get", "list"]
- apiGroups: ["storage.k8s.io"]
  resources: ["storageclasses"]
  verbs: ["get"]
{{- end }}
