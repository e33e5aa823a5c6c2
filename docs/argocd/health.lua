-- Argo CD health check for platform.a11y.dev/v1alpha1 Platform (argocd-cm key
-- resource.customizations.health.platform.a11y.dev_Platform). Argo CD runs it with the live object in
-- `obj` and reads the returned table. Written for Lua 5.1 (Argo CD's interpreter) and tested with 5.4.
--   Suspended    paused by the platform.a11y.dev/paused annotation
--   Progressing  the operator has not seen this generation yet, or a rollout is under way
--   Degraded     Stalled, Degraded, a failed rollout, or rolled back (what Git asks for is not running)
--   Healthy      Ready=True at the current generation, nothing rolled back
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }

local function condition(status, kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function describe(c)
  local text = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

local annotations = (obj.metadata or {}).annotations or {}
local status = obj.status
local paused = condition(status, "ReconciliationPaused")
if annotations["platform.a11y.dev/paused"] == "true" or (paused ~= nil and paused.status == "True") then
  hs.status = "Suspended"
  hs.message = "Reconciliation is paused (platform.a11y.dev/paused)"
  return hs
end

if status == nil then
  return hs
end
local generation = (obj.metadata or {}).generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = "Stalled: " .. describe(stalled)
  return hs
end

local degraded = condition(status, "Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded)
  return hs
end

local rolledBack = condition(status, "RolledBack")
if rolledBack ~= nil then
  if rolledBack.status == "True" then
    hs.status = "Degraded"
    hs.message = "Rolled back: " .. describe(rolledBack)
    return hs
  end
  if rolledBack.reason == "RollbackFailed" then
    hs.status = "Degraded"
    hs.message = describe(rolledBack)
    return hs
  end
end

local ready = condition(status, "Ready")
if ready ~= nil then
  if ready.status == "True" then
    hs.status = "Healthy"
    hs.message = describe(ready)
    return hs
  end
  if ready.reason == "RolloutFailed" or ready.reason == "RollbackFailed" then
    hs.status = "Degraded"
    hs.message = describe(ready)
    return hs
  end
  hs.message = describe(ready)
end
return hs
