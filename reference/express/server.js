'use strict'
// PATCH /v1/campaigns/{campaignId} ("Update Campaign") on Express, written
// from spec/openapi.yaml alone, as a vendor would: Express's JSON body
// parser, the compression middleware, an in-memory store.
//
//   node server.js --fixtures world.json [--host 127.0.0.1] [--port 0]
//
// world.json: {"accounts": [{"apiKey", "agents": [{agentId, name, status}],
// "phoneNumbers": [{sipPhoneNumber, provider, ..., active}], "campaigns":
// [{campaignId, campaignName, campaignStatus, concurrentCalls, agentId,
// sipPhoneNumber, errors, scheduledAt, scheduledTimezone, dynamicVariables}]}]}
// Once listening it prints one line of JSON: {"port": N}.

const fs = require('node:fs')
const http = require('node:http')
const express = require('express')
const compression = require('compression')

const BODY_LIMIT = '1mb'
const NAME_MAX = 128
const AGENT_ID_MAX = 64
const INT32_MAX = 2147483647
const PHONE = /^\+[1-9][0-9]{6,14}$/
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/
const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])$/
// IANA names are Area/Location (segments start with a capital), or one of the
// few single-segment names the database keeps.
const ZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/
const SINGLE_ZONES = new Set(['UTC', 'GMT', 'UCT', 'Zulu', 'Universal', 'Greenwich', 'EST', 'MST',
  'HST', 'CET', 'EET', 'MET', 'WET', 'EST5EDT', 'CST6CDT', 'MST7MDT', 'PST8PDT', 'Cuba',
  'Egypt', 'Eire', 'GB', 'GB-Eire', 'Hongkong', 'Iceland', 'Iran', 'Israel', 'Jamaica', 'Japan',
  'Kwajalein', 'Libya', 'NZ', 'NZ-CHAT', 'Navajo', 'PRC', 'Poland', 'Portugal', 'ROC', 'ROK',
  'Singapore', 'Turkey', 'W-SU'])

function parseArgs (argv) {
  const args = { host: '127.0.0.1', port: 0, fixtures: null }
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '')
    if (!(name in args)) throw new Error(`unknown option ${argv[i]}`)
    args[name] = name === 'port' ? Number(argv[i + 1]) : argv[i + 1]
  }
  if (!args.fixtures) throw new Error('--fixtures FILE is required')
  return args
}

// ------------------------------------------------------------------ store

function loadStore (file) {
  const world = JSON.parse(fs.readFileSync(file, 'utf8'))
  const accounts = new Map()
  const campaigns = new Map() // campaignId -> {account, campaign}
  for (const account of world.accounts) {
    const entry = {
      agents: new Map(account.agents.map(a => [a.agentId, a])),
      numbers: new Map(account.phoneNumbers.map(n => [n.sipPhoneNumber, n])),
      campaigns: []
    }
    accounts.set(account.apiKey, entry)
    for (const c of account.campaigns) {
      const campaign = {
        campaignId: c.campaignId,
        campaignName: c.campaignName,
        campaignStatus: c.campaignStatus,
        concurrentCalls: c.concurrentCalls,
        agent: entry.agents.get(c.agentId),
        number: entry.numbers.get(c.sipPhoneNumber),
        errors: c.errors || [],
        schedule: c.scheduledAt ? { at: Date.parse(c.scheduledAt), zone: c.scheduledTimezone } : null,
        dynamicVariables: c.dynamicVariables || {}
      }
      entry.campaigns.push(campaign)
      campaigns.set(c.campaignId, { account: entry, campaign })
    }
  }
  return { accounts, campaigns }
}

// ------------------------------------------------------------------ errors

class ApiError extends Error {
  constructor (status, message, validationErrors) {
    super(message)
    this.status = status
    this.validationErrors = validationErrors
  }
}

function sendError (req, res, status, message, validationErrors) {
  const body = {
    timestamp: new Date().toISOString(),
    status,
    error: http.STATUS_CODES[status] || 'Error',
    message,
    path: req.path
  }
  if (validationErrors) body.validationErrors = validationErrors
  res.status(status).json(body)
}

// ------------------------------------------------------------------ time

const formats = new Map()

function formatIn (zone) {
  if (!formats.has(zone)) {
    formats.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    }))
  }
  return formats.get(zone)
}

function utc (year, month, day, hour, minute, second) {
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hour, minute, second, 0)
  return d.getTime()
}

// Milliseconds the zone's wall clock is ahead of UTC at instant `ms`.
function offsetAt (ms, zone) {
  const parts = {}
  for (const p of formatIn(zone).formatToParts(new Date(ms))) parts[p.type] = p.value
  let year = Number(parts.year)
  if (parts.era === 'BC') year = 1 - year
  const wall = utc(year, Number(parts.month), Number(parts.day), Number(parts.hour) % 24,
    Number(parts.minute), Number(parts.second))
  return wall - Math.floor(ms / 1000) * 1000
}

// The instant a local date and time denote in `zone` (a time skipped by a
// DST change is read with the offset before it).
function instantOf (year, month, day, hour, minute, second, zone) {
  const wall = utc(year, month, day, hour, minute, second)
  const first = wall - offsetAt(wall, zone)
  const offset = offsetAt(first, zone)
  const second_ = wall - offset
  if (offsetAt(second_, zone) === offset) return Math.min(first, second_)
  return wall - Math.min(offsetAt(wall - 86400000, zone), offsetAt(wall + 86400000, zone))
}

function isZone (value) {
  if (!ZONE_SHAPE.test(value) || (!value.includes('/') && !SINGLE_ZONES.has(value))) return false
  try {
    formatIn(value)
    return true
  } catch (e) {
    return false
  }
}

// ------------------------------------------------------------------ validation

const codePoints = s => [...s].length
const isObject = v => typeof v === 'object' && v !== null && !Array.isArray(v)
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k)

function validate (body, account) {
  const errors = {}
  const changes = {}
  const fields = ['campaignName', 'sipPhoneNumber', 'agentId', 'isScheduled', 'scheduledDate',
    'scheduledTime', 'scheduledTimezone', 'concurrentCalls', 'dynamicVariables']
  for (const name of fields) {
    if (has(body, name) && body[name] === null) errors[name] = 'must not be null'
  }
  const str = (name, check) => {
    if (!has(body, name) || errors[name]) return undefined
    const value = body[name]
    if (typeof value !== 'string') {
      errors[name] = 'must be a string'
      return undefined
    }
    const problem = check(value)
    if (problem) {
      errors[name] = problem
      return undefined
    }
    return value
  }

  const name = str('campaignName', v => (codePoints(v) < 1 || codePoints(v) > NAME_MAX)
    ? `must be 1 to ${NAME_MAX} characters` : null)
  if (name !== undefined) changes.campaignName = name

  const number = str('sipPhoneNumber', v => PHONE.test(v) ? null : 'must be in +E.164 format')
  if (number !== undefined) {
    const found = account.numbers.get(number)
    if (!found || !found.active) errors.sipPhoneNumber = 'not a number of this account enabled for outbound calls'
    else changes.number = found
  }

  const agentId = str('agentId', v => (codePoints(v) < 1 || codePoints(v) > AGENT_ID_MAX)
    ? `must be 1 to ${AGENT_ID_MAX} characters` : null)
  if (agentId !== undefined) {
    const found = account.agents.get(agentId)
    if (!found) errors.agentId = 'no such agent'
    else changes.agent = found
  }

  if (has(body, 'concurrentCalls') && !errors.concurrentCalls) {
    const value = body.concurrentCalls
    if (typeof value !== 'number' || !Number.isInteger(value)) errors.concurrentCalls = 'must be an integer'
    else if (value < 1 || value > INT32_MAX) errors.concurrentCalls = `must be from 1 to ${INT32_MAX}`
    else changes.concurrentCalls = value
  }

  if (has(body, 'dynamicVariables') && !errors.dynamicVariables) {
    const value = body.dynamicVariables
    if (!isObject(value)) errors.dynamicVariables = 'must be an object'
    else if (Object.values(value).some(v => v === null)) errors.dynamicVariables = 'values must not be null'
    else changes.dynamicVariables = value
  }

  let flag
  if (has(body, 'isScheduled') && !errors.isScheduled) {
    if (typeof body.isScheduled !== 'boolean') errors.isScheduled = 'must be a boolean'
    else flag = body.isScheduled
  }
  const date = str('scheduledDate', v => {
    const m = DATE.exec(v)
    if (!m) return 'must be a date in YYYY-MM-DD format'
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
    const probe = new Date(utc(y, mo, d, 0, 0, 0))
    if (y < 1 || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return 'must be a real date'
    return null
  })
  const time = str('scheduledTime', v => TIME.test(v) ? null : 'must be a time in HH:mm:ss format')
  const zone = str('scheduledTimezone', v => isZone(v) ? null : 'must be an IANA timezone name')

  if (flag === false) changes.schedule = null
  if (flag === true) {
    for (const part of ['scheduledDate', 'scheduledTime', 'scheduledTimezone']) {
      if (!has(body, part)) errors[part] = 'required when isScheduled is true'
    }
    if (date !== undefined && time !== undefined && zone !== undefined) {
      const [y, mo, d] = date.split('-').map(Number)
      const [h, mi, s] = time.split(':').map(Number)
      const at = instantOf(y, mo, d, h, mi, s, zone)
      if (new Date(at).getUTCFullYear() > 9999) errors.scheduledDate = 'out of range'
      else if (!(at > Date.now())) errors.scheduledDate = 'must be a future date and time'
      else changes.schedule = { at, zone }
    }
  }
  return { changes, errors }
}

// ------------------------------------------------------------------ rendering

function render (c) {
  const n = c.number
  return {
    campaignId: c.campaignId,
    campaignName: c.campaignName,
    campaignStatus: c.campaignStatus,
    scheduledDate: c.schedule ? new Date(c.schedule.at).toISOString() : null,
    concurrentCalls: c.concurrentCalls,
    agent: { name: c.agent.name, agentId: c.agent.agentId, status: c.agent.status },
    phoneNumber: {
      sipPhoneNumber: n.sipPhoneNumber,
      provider: n.provider,
      inboundAgentId: n.inboundAgentId,
      outboundAgentId: n.outboundAgentId,
      outboundPhoneNumber: n.outboundPhoneNumber,
      active: n.active,
      terminationSipURI: n.terminationSipURI,
      friendlyName: n.friendlyName
    },
    errors: c.errors,
    scheduled: c.schedule !== null
  }
}

// ------------------------------------------------------------------ app

function createApp (store) {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(compression({ threshold: 0 }))

  // The key first: nothing about the request is looked at without it.
  app.use((req, res, next) => {
    const account = store.accounts.get(req.get('X-API-Key') || '')
    if (!account) return sendError(req, res, 401, 'X-API-Key is missing or invalid')
    req.account = account
    next()
  })

  app.use(express.json({
    limit: BODY_LIMIT,
    verify: (req, res, buf) => {
      req.rawLength = buf.length
      new TextDecoder('utf-8', { fatal: true }).decode(buf) // eslint-disable-line no-new
    }
  }))

  app.patch('/v1/campaigns/:campaignId', (req, res) => {
    const found = store.campaigns.get(req.params.campaignId)
    if (!found || found.account !== req.account) {
      return sendError(req, res, 404, 'The requested resource was not found')
    }
    if (req.rawLength === undefined && !req.is('application/json')) {
      if (req.get('content-type')) {
        return sendError(req, res, 415, 'Content-Type must be application/json')
      }
      return sendError(req, res, 400, 'Request body is required')
    }
    if (!req.rawLength) return sendError(req, res, 400, 'Request body is required')
    if (!isObject(req.body)) return sendError(req, res, 400, 'Request body must be a JSON object')
    const { changes, errors } = validate(req.body, req.account)
    if (Object.keys(errors).length) {
      return sendError(req, res, 400, 'Invalid request parameters', errors)
    }
    const campaign = found.campaign
    if ('campaignName' in changes && req.account.campaigns.some(
      c => c !== campaign && c.campaignName === changes.campaignName)) {
      return sendError(req, res, 409, 'A campaign with this name already exists')
    }
    if ('campaignName' in changes) campaign.campaignName = changes.campaignName
    if ('number' in changes) campaign.number = changes.number
    if ('agent' in changes) campaign.agent = changes.agent
    if ('concurrentCalls' in changes) campaign.concurrentCalls = changes.concurrentCalls
    if ('dynamicVariables' in changes) campaign.dynamicVariables = changes.dynamicVariables
    if ('schedule' in changes) {
      campaign.schedule = changes.schedule
      if (changes.schedule) campaign.campaignStatus = 'scheduled'
      else if (campaign.campaignStatus === 'scheduled') campaign.campaignStatus = 'live'
    }
    res.status(200).json(render(campaign))
  })

  app.all('/v1/campaigns/:campaignId', (req, res) => {
    res.set('Allow', 'PATCH')
    sendError(req, res, 405, 'Method not allowed')
  })

  app.use((req, res) => sendError(req, res, 404, 'The requested resource was not found'))

  // Body parser failures as Error bodies; its statuses (413, 415) as they are.
  app.use((err, req, res, next) => { // eslint-disable-line no-unused-vars
    const byType = {
      'entity.parse.failed': [400, 'Request body is not valid JSON'],
      'entity.verify.failed': [400, 'Request body is not valid UTF-8'],
      'entity.too.large': [413, 'Request body is larger than 1 MiB'],
      'charset.unsupported': [415, 'Unsupported charset'],
      'encoding.unsupported': [415, 'Unsupported content encoding']
    }
    const [status, message] = byType[err.type] ||
      (err.status >= 400 && err.status < 500 ? [err.status, err.message] : [500, 'Unexpected server error'])
    sendError(req, res, status, message)
  })
  return app
}

function main () {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`server.js: ${e.message}\n`)
    process.exit(2)
  }
  const server = createApp(loadStore(args.fixtures)).listen(args.port, args.host, () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
  })
  const stop = () => server.close(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

if (require.main === module) main()

module.exports = { createApp, loadStore, instantOf }
