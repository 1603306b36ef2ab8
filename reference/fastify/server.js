'use strict'
/*
 * PATCH /v1/campaigns/{campaignId} ("Update Campaign"), implemented from
 * spec/openapi.yaml with Fastify 5 (routing, built-in Ajv body validation,
 * content-type parsing, error handler).
 *
 * Run: node server.js --fixtures world.json [--host 127.0.0.1] [--port 0]
 *
 * CHOICES (question -> choice -> why), one per line:
 * - Auth header -> `X-API-Key` (header names are case-insensitive), exact match against an account's apiKey; missing/empty/unknown -> 401 -> securitySchemes.apiKeyAuth + 401 example.
 * - Auth vs other checks -> auth runs first (onRequest hook, before body parsing/validation/routing errors) -> "authenticate every request"; an anonymous caller learns nothing else.
 * - Campaign of another account -> 404, same as a nonexistent id -> an account "sees" only its own campaigns; 403 would confirm the id exists elsewhere. (403 is therefore never emitted.)
 * - Order of 400 (body) vs 404 (campaign) -> Fastify default: schema validation runs before the handler, so an invalid body gets 400 even for an unknown campaign; semantic checks (agent/number/schedule) run after the 404 lookup.
 * - Request content type -> only application/json (any parameters such as charset allowed); Fastify's default text/plain parser is removed -> the document declares only application/json.
 * - Other/absent content type with a body -> 415 Unsupported Media Type in the Error shape -> Fastify's default status; not in the document's list but it is the accurate HTTP status.
 * - Malformed JSON / empty JSON body / non-object body (array, null, string) -> 400 -> Fastify parser/validator defaults; requestBody is required and must be an object.
 * - `__proto__` / `constructor.prototype` keys in the body -> 400 -> Fastify default (onProtoPoisoning/onConstructorPoisoning 'error').
 * - Body larger than 1 MiB -> 413 -> Fastify default bodyLimit.
 * - Type coercion -> disabled (Ajv coerceTypes:false; Fastify's default is 'array') -> the document is explicit about JSON types: "5" is not an integer, "true" not a boolean, null not a string.
 * - null for any field -> 400 -> OpenAPI 3.0 fields are not nullable unless `nullable: true`.
 * - Unknown body properties (e.g. campaignStatus, campaignId) -> accepted and ignored -> schema has no additionalProperties:false (JSON Schema default: allowed); Fastify's removeAdditional only acts when it is false.
 * - Number of validation errors reported -> first schema error only (Fastify default allErrors:false, a DoS safeguard); semantic errors are all reported in validationErrors.
 * - campaignName -> 1..128 characters (Ajv counts Unicode code points), no trimming, uniqueness is case-sensitive exact match among the caller's other campaigns -> 409 Conflict when taken; renaming to its own current name is fine.
 * - sipPhoneNumber -> must match ^\+[1-9][0-9]{6,14}$ (schema), then be one of the caller's numbers (else 400) and have active=true (else 400) -> "provisioned ... enabled for outbound calls"; numbers that exist but violate the pattern (legacy fixtures) are refused by the pattern.
 * - Unknown/foreign agentId or number -> 400 (with validationErrors), not 404 -> 404 is about the path resource; a bad reference in the body is a bad request; foreign ids are treated as unknown.
 * - agentId -> 1..64 chars (schema), must be one of the caller's agents; agents with status "Disabled" are refused (400) -> a disabled agent cannot "handle every call in this campaign"; Live and Testing are accepted.
 * - concurrentCalls -> integer 1..2147483647 -> "must be a positive integer" and format int32; 5.0 counts as the integer 5 (JSON has one number type).
 * - isScheduled=true -> scheduledDate, scheduledTime and scheduledTimezone all required in the same request (JSON-Schema if/then) -> prose says "all required"; stored schedule values are not merged in.
 * - Scheduled fields sent while isScheduled is false or omitted -> ignored (still schema/format-checked) -> prose says "Ignored when isScheduled is false or omitted"; in a PATCH, omitted isScheduled therefore never changes the schedule.
 * - scheduledDate format -> strict YYYY-MM-DD (Ajv format "date", calendar-valid) -> prose and format:date agree; the example '2025-09-25T00:00:00.000Z' contradicts them and is refused.
 * - scheduledTime format -> strict HH:mm:ss, 00:00:00..23:59:59, no fraction, no offset -> prose is explicit; Ajv's built-in "time" format would require an offset, so it is overridden (onCreate).
 * - scheduledTimezone -> any IANA zone name accepted by the runtime's ICU (case-insensitive, aliases like Asia/Calcutta ok; numeric offsets refused), stored as sent -> "valid IANA timezone identifier".
 * - "Must be a future date" -> the launch instant (date+time in the zone) must be strictly after now -> the careful reading; a later time today is in the future.
 * - Local time in a DST gap/overlap -> gap shifts forward by the gap length, overlap takes the earlier instant -> the 'compatible' rule of java.time / Temporal.
 * - isScheduled=true effect -> schedule stored, campaignStatus becomes 'scheduled' (from live/paused/scheduled); on a 'completed' campaign -> 409 Conflict -> a finished campaign cannot be re-launched by an update.
 * - isScheduled=false effect -> schedule cleared; a 'scheduled' campaign becomes 'live' ("starts ... immediately"); live/paused/completed keep their status.
 * - dynamicVariables -> replaces the whole stored map (PATCH is field-level, this is application/json not merge-patch); values string/number/boolean/object/array, null refused; keys not checked against the agent's variables (no agent configuration available).
 * - Empty body {} -> 200 with the unchanged campaign -> nothing to update is not an error.
 * - 200 body -> CampaignResponse only (dynamicVariables and scheduledTimezone are not in it, Fastify's response serializer drops them); agent/phoneNumber embedded in full; scheduledDate is a UTC ISO-8601 instant with milliseconds ('...Z', like the example) or null; scheduled = scheduledDate != null; errors [] stays [].
 * - Error body -> {timestamp, status, error (HTTP reason), message, path (request path without query)} plus validationErrors {field: message} for 400s that concern body fields -> the Error schema; example paths are generic, the real path is more useful.
 * - Response content type -> application/json; charset=utf-8 (Fastify default) for every response, including 404 for unknown routes/methods (Fastify returns 404, not 405, for an unregistered method).
 * - campaignId longer than 100 chars -> 414 URI Too Long; bad percent-encoding in the path -> 400 -> Fastify's maxParamLength / bad-URL defaults, routed through frameworkErrors (after the same API-key check) for the Error shape.
 * - Unexpected failures -> 500 with a generic message, no internals -> 500 example.
 * - Concurrency -> Node runs each handler to completion on one thread; the check-then-write of a PATCH (lookup, uniqueness, mutation) has no await in it, so concurrent requests are serialized and never see a half-applied update.
 */

const fs = require('node:fs')
const http = require('node:http')
const crypto = require('node:crypto')
const Fastify = require('fastify')

// ---------------------------------------------------------------- command line
function parseArgs (argv) {
  const out = { fixtures: null, host: '127.0.0.1', port: 0 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const eq = a.indexOf('=')
    const name = eq > 0 ? a.slice(0, eq) : a
    const val = eq > 0 ? a.slice(eq + 1) : argv[++i]
    if (name === '--fixtures') out.fixtures = val
    else if (name === '--host') out.host = val
    else if (name === '--port') out.port = Number(val)
    else { fail(`unknown argument: ${a}`) }
    if (val === undefined) fail(`missing value for ${name}`)
  }
  if (!out.fixtures) fail('--fixtures FILE is required')
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) fail('invalid --port')
  return out
}
function fail (msg) {
  process.stderr.write(`server.js: ${msg}\n`)
  process.exit(2)
}

// ---------------------------------------------------------------- state
const keyDigest = (k) => crypto.createHash('sha256').update(String(k), 'utf8').digest('hex')

function toInstant (v) {
  if (v === null || v === undefined) return null
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

function loadFixtures (file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  const byKey = new Map()
  for (const acc of raw.accounts || []) {
    const account = {
      agents: new Map((acc.agents || []).map(a => [a.agentId, { ...a }])),
      numbers: new Map((acc.phoneNumbers || []).map(p => [p.sipPhoneNumber, { ...p }])),
      campaigns: new Map()
    }
    for (const c of acc.campaigns || []) {
      account.campaigns.set(c.campaignId, {
        campaignId: c.campaignId,
        campaignName: c.campaignName,
        campaignStatus: c.campaignStatus,
        concurrentCalls: c.concurrentCalls,
        agentId: c.agentId,
        sipPhoneNumber: c.sipPhoneNumber,
        errors: Array.isArray(c.errors) ? c.errors.slice() : (c.errors ?? null),
        dynamicVariables: c.dynamicVariables ?? {},
        scheduledAt: toInstant(c.scheduledAt),
        scheduledTimezone: c.scheduledTimezone ?? null
      })
    }
    byKey.set(keyDigest(acc.apiKey), account)
  }
  return byKey
}

// ---------------------------------------------------------------- time helpers
const dtfCache = new Map()
function zoneFormatter (tz) {
  let f = dtfCache.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    if (dtfCache.size > 1000) dtfCache.clear()
    dtfCache.set(tz, f)
  }
  return f
}

function isValidTimeZone (tz) {
  if (typeof tz !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz) || tz.length > 64) return false
  try {
    zoneFormatter(tz)
    return true
  } catch {
    return false
  }
}

function utcMs (y, mo, d, h, mi, s) {
  const dt = new Date(0)
  dt.setUTCFullYear(y, mo - 1, d)
  dt.setUTCHours(h, mi, s, 0)
  return dt.getTime()
}

// wall-clock time of instant t in zone tz, expressed as if it were UTC (ms)
function wallClock (t, tz) {
  const parts = {}
  for (const p of zoneFormatter(tz).formatToParts(new Date(t))) parts[p.type] = p.value
  let year = Number(parts.year)
  if (parts.era && /^B/i.test(parts.era)) year = 1 - year
  return utcMs(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
}

// local date+time in zone -> UTC instant (ms), 'compatible' disambiguation
function zonedToInstant (dateStr, timeStr, tz) {
  const [y, mo, d] = dateStr.split('-').map(Number)
  const [h, mi, s] = timeStr.split(':').map(Number)
  const local = utcMs(y, mo, d, h, mi, s)
  const DAY = 86400000
  const offBefore = wallClock(local - DAY, tz) - (local - DAY)
  const offAfter = wallClock(local + DAY, tz) - (local + DAY)
  const candidates = [local - offBefore, local - offAfter].filter(t => wallClock(t, tz) === local)
  if (candidates.length) return Math.min(...candidates) // overlap -> earlier
  return local - offBefore // gap -> shifted forward by the gap length
}

// ---------------------------------------------------------------- schemas
const UpdateCampaignRequest = {
  type: 'object',
  properties: {
    campaignName: { type: 'string', minLength: 1, maxLength: 128 },
    sipPhoneNumber: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' },
    agentId: { type: 'string', minLength: 1, maxLength: 64 },
    isScheduled: { type: 'boolean' },
    scheduledDate: { type: 'string', format: 'date' },
    scheduledTime: { type: 'string', format: 'time' },
    scheduledTimezone: { type: 'string' },
    concurrentCalls: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 },
    dynamicVariables: {
      type: 'object',
      additionalProperties: {
        oneOf: [
          { type: 'string' },
          { type: 'number' },
          { type: 'boolean' },
          { type: 'object' },
          { type: 'array' }
        ]
      }
    }
  },
  if: { properties: { isScheduled: { const: true } }, required: ['isScheduled'] },
  then: { required: ['scheduledDate', 'scheduledTime', 'scheduledTimezone'] }
}

const AgentResponse = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    agentId: { type: 'string' },
    status: { type: 'string' }
  }
}

const PhoneNumberResponse = {
  type: 'object',
  properties: {
    sipPhoneNumber: { type: 'string' },
    provider: { type: 'string' },
    inboundAgentId: { type: 'string' },
    outboundAgentId: { type: 'string' },
    outboundPhoneNumber: { type: 'string' },
    active: { type: 'boolean' },
    terminationSipURI: { type: 'string' },
    friendlyName: { type: 'string' }
  }
}

const CampaignResponse = {
  type: 'object',
  properties: {
    campaignId: { type: 'string' },
    campaignName: { type: 'string' },
    campaignStatus: { type: 'string' },
    scheduledDate: { type: 'string', nullable: true },
    concurrentCalls: { type: 'integer' },
    agent: AgentResponse,
    phoneNumber: PhoneNumberResponse,
    errors: { type: 'array', items: { type: 'string' }, nullable: true },
    scheduled: { type: 'boolean' }
  }
}

// ---------------------------------------------------------------- errors
class ApiError extends Error {
  constructor (statusCode, message, validationErrors) {
    super(message)
    this.statusCode = statusCode
    if (validationErrors) this.validationErrors = validationErrors
  }
}

function requestPath (url) {
  const raw = String(url || '/')
  const q = raw.indexOf('?')
  return q === -1 ? raw : raw.slice(0, q)
}

function errorBody (status, message, url, validationErrors) {
  const body = {
    timestamp: new Date().toISOString(),
    status,
    error: http.STATUS_CODES[status] || 'Error',
    message,
    path: requestPath(url)
  }
  if (validationErrors && Object.keys(validationErrors).length) body.validationErrors = validationErrors
  return body
}

function ajvToValidationErrors (errors) {
  const out = {}
  for (const e of errors || []) {
    if (e.keyword === 'if') continue
    let field = (e.instancePath || '').replace(/^\//, '').split('/').map(s => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
    if (e.keyword === 'required' && e.params && e.params.missingProperty) {
      field = field ? `${field}.${e.params.missingProperty}` : e.params.missingProperty
    }
    if (!field) field = 'body'
    let msg = e.message || 'is invalid'
    if (e.keyword === 'required') {
      msg = e.params.missingProperty === 'scheduledDate' || e.params.missingProperty === 'scheduledTime' || e.params.missingProperty === 'scheduledTimezone'
        ? 'is required when isScheduled is true'
        : 'is required'
    } else if (e.keyword === 'format' && e.params.format === 'time') {
      msg = 'must be a time in HH:mm:ss format'
    } else if (e.keyword === 'format' && e.params.format === 'date') {
      msg = 'must be a date in YYYY-MM-DD format'
    }
    if (e.keyword === 'oneOf') {
      out[field] = 'must be a string, number, boolean, object or array'
      continue
    }
    if (!(field in out)) out[field] = msg
  }
  return out
}

// ---------------------------------------------------------------- app
function buildApp (accountsByKey) {
  const authenticate = (req) => {
    const key = req.headers['x-api-key']
    if (typeof key !== 'string' || key.length === 0) return null
    return accountsByKey.get(keyDigest(key)) || null
  }

  const app = Fastify({
    logger: false,
    ajv: {
      customOptions: { coerceTypes: false },
      onCreate: (ajv) => {
        // The document defines scheduledTime as HH:mm:ss (no offset); Ajv's "time" needs an offset.
        ajv.addFormat('time', /^(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$/)
      }
    },
    frameworkErrors: (error, req, reply) => {
      if (!authenticate(req)) {
        return reply.code(401).send(errorBody(401, 'X-API-Key is missing or invalid', req.url))
      }
      const status = error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 400
      const message = status === 400 ? 'Invalid request URL' : (status < 500 ? http.STATUS_CODES[status] : 'Unexpected server error')
      return reply.code(status).send(errorBody(status, message, req.url))
    },
    clientErrorHandler: (err, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) return
      const body = JSON.stringify(errorBody(400, 'Malformed HTTP request', '/'))
      socket.end([
        'HTTP/1.1 400 Bad Request',
        'Connection: close',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `Content-Type: application/json; charset=utf-8\r\n\r\n${body}`
      ].join('\r\n'))
    }
  })

  // Only application/json bodies, as declared by the document.
  app.removeContentTypeParser('text/plain')

  app.decorateRequest('account', null)
  app.addHook('onRequest', async (req, reply) => {
    const account = authenticate(req)
    if (!account) throw new ApiError(401, 'X-API-Key is missing or invalid')
    req.account = account
  })

  app.setErrorHandler((err, req, reply) => {
    let status = Number(err.statusCode)
    let message
    let validationErrors
    if (err.validation) {
      status = 400
      message = err.message || 'Invalid request parameters'
      validationErrors = err.validationContext === 'body' ? ajvToValidationErrors(err.validation) : undefined
    } else if (Number.isInteger(status) && status >= 400 && status < 500) {
      message = err.message || http.STATUS_CODES[status]
      validationErrors = err.validationErrors
    } else {
      status = 500
      message = 'Unexpected server error'
    }
    reply.code(status).type('application/json; charset=utf-8').send(errorBody(status, message, req.url, validationErrors))
  })

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody(404, 'The requested resource was not found', req.url))
  })

  const present = (account, c) => {
    const agent = account.agents.get(c.agentId)
    const number = account.numbers.get(c.sipPhoneNumber)
    const out = {
      campaignId: c.campaignId,
      campaignName: c.campaignName,
      campaignStatus: c.campaignStatus,
      scheduledDate: c.scheduledAt,
      concurrentCalls: c.concurrentCalls,
      errors: c.errors,
      scheduled: c.scheduledAt !== null
    }
    if (agent) out.agent = { name: agent.name, agentId: agent.agentId, status: agent.status }
    if (number) out.phoneNumber = { ...number }
    return out
  }

  app.patch('/v1/campaigns/:campaignId', {
    schema: {
      params: {
        type: 'object',
        properties: { campaignId: { type: 'string' } },
        required: ['campaignId']
      },
      body: UpdateCampaignRequest,
      response: { 200: CampaignResponse }
    }
  }, (req, reply) => {
    // Everything below is synchronous: one PATCH is applied atomically.
    const account = req.account
    const current = account.campaigns.get(req.params.campaignId)
    if (!current) throw new ApiError(404, 'The requested resource was not found')

    const body = req.body
    const has = (k) => Object.prototype.hasOwnProperty.call(body, k)
    const problems = {}
    const next = { ...current }

    if (has('campaignName')) next.campaignName = body.campaignName

    if (has('agentId')) {
      const agent = account.agents.get(body.agentId)
      if (!agent) problems.agentId = 'agent not found in this account'
      else if (agent.status === 'Disabled') problems.agentId = 'agent is disabled'
      else next.agentId = agent.agentId
    }

    if (has('sipPhoneNumber')) {
      const number = account.numbers.get(body.sipPhoneNumber)
      if (!number) problems.sipPhoneNumber = 'phone number is not provisioned in this account'
      else if (number.active !== true) problems.sipPhoneNumber = 'phone number is not enabled for outbound calls'
      else next.sipPhoneNumber = number.sipPhoneNumber
    }

    if (has('concurrentCalls')) next.concurrentCalls = body.concurrentCalls

    if (has('dynamicVariables')) next.dynamicVariables = structuredClone(body.dynamicVariables)

    let conflict = null
    if (body.isScheduled === true) {
      const tz = body.scheduledTimezone
      if (!isValidTimeZone(tz)) {
        problems.scheduledTimezone = 'must be a valid IANA timezone identifier'
      } else {
        const at = zonedToInstant(body.scheduledDate, body.scheduledTime, tz)
        if (!Number.isFinite(at)) problems.scheduledDate = 'is not a valid date'
        else if (at <= Date.now()) problems.scheduledDate = 'scheduled date and time must be in the future'
        else {
          next.scheduledAt = new Date(at).toISOString()
          next.scheduledTimezone = tz
          next.campaignStatus = 'scheduled'
        }
      }
      if (current.campaignStatus === 'completed') conflict = 'A completed campaign cannot be scheduled'
    } else if (body.isScheduled === false) {
      next.scheduledAt = null
      next.scheduledTimezone = null
      if (current.campaignStatus === 'scheduled') next.campaignStatus = 'live'
    }

    if (Object.keys(problems).length) {
      throw new ApiError(400, 'Invalid request parameters', problems)
    }

    if (has('campaignName')) {
      for (const other of account.campaigns.values()) {
        if (other.campaignId !== current.campaignId && other.campaignName === next.campaignName) {
          conflict = 'A campaign with this campaignName already exists'
          break
        }
      }
    }
    if (conflict) throw new ApiError(409, conflict)

    account.campaigns.set(current.campaignId, next)
    reply.code(200).type('application/json; charset=utf-8')
    return present(account, next)
  })

  return app
}

// ---------------------------------------------------------------- main
async function main () {
  const args = parseArgs(process.argv.slice(2))
  let accounts
  try {
    accounts = loadFixtures(args.fixtures)
  } catch (e) {
    fail(`cannot load fixtures ${args.fixtures}: ${e.message}`)
  }
  const app = buildApp(accounts)
  await app.listen({ host: args.host, port: args.port })
  const port = app.server.address().port
  process.stdout.write(`{"port": ${port}}\n`)

  let closing = false
  const stop = () => {
    if (closing) return
    closing = true
    setTimeout(() => process.exit(0), 3000).unref()
    app.close().then(() => process.exit(0), () => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((e) => {
  process.stderr.write(`server.js: ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
