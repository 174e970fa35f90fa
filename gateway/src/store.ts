/**
 * What the gateway reads and writes in the platform's database. The gateway takes a
 * `Sql` handle (PGlite or PostgreSQL, both speak this shape) and owns only these queries;
 * the schema and its migrations belong to the platform.
 */
import type { Sql } from '@eldercare/readings'
import { jsonColumn } from '@eldercare/common'

export type { Sql }

export interface DeviceRecord {
  id: string
  type: string
  secretHash: string
  parentId: string | null
  /** the resident the device belongs to (primes the readings' owner cache at CONNECT) */
  residentId: string | null
  /** ids of devices registered under this one (hubs) [P-1.5] */
  children: string[]
}

export interface InboxRecord {
  deviceId: string
  msgId: string
  /** 'derived': an alarm the gateway's detection rules raised (type = rule name) */
  kind: 'event' | 'intercom' | 'derived'
  type: string
  payload: unknown
  deviceTs: Date | null
  receivedAt: Date
  clockSkew: boolean
}

/** The SQLSTATE of a data exception (class 22) or integrity violation (class 23), else null: the row can never be stored. */
export function dataErrorState (err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code) ? code : null
}

/** Devices whose presence one statement writes (writePresence): a few ms of PGlite each. */
export const PRESENCE_ROWS_PER_STATEMENT = 100

export type InboxInsertResult = 'new' | 'reused' | 'duplicate'

/** The idempotency key of an inbox row, as one string. */
export function inboxKey (deviceId: string, msgId: string, type: string, deviceTs: Date | string | null): string {
  const ms = deviceTs === null ? 'null' : new Date(deviceTs).getTime()
  return `${deviceId}\u0000${msgId}\u0000${type}\u0000${ms}`
}

/** [P-3.5] A command row as the gateway redelivers it (./command-redelivery.ts). */
export interface UndeliveredCommand {
  id: string
  deviceId: string
  type: string
  args: Record<string, unknown> | null
  /** epoch ms: the command's `ts` as first published */
  createdAt: number
  expiresAt: number | null
}

export interface PresencePatch {
  online?: boolean
  lastSeenAt?: Date
  battery?: number
  rssi?: number
  fw?: string
}

/**
 * [P-4.1][P-2.4] The durable inbox insert (GatewayStore.insertInboxMany): the rows of $1 (a JSON
 * array), each answered unless it conflicted, with `reused` — its (device, id) was recorded
 * before with another type or time (the statement's snapshot: not the rows it inserts). That is
 * asked per inserted row by a lateral lookup with LIMIT 1, which can only be an index probe. As
 * `exists (…)` in RETURNING the planner, counting on the 100 rows it assumes of jsonb_to_recordset,
 * could take a hashed subplan instead — a scan of the whole inbox for every alarm's insert: 4.9 ms
 * at 20,000 rows on PGlite against 0.24 ms now (issue 11, ninth session). The plan is held to it
 * by tests/alarm-lane/bulk-statement-plans.test.ts.
 */
export const INBOX_INSERT_SQL = `with ins as (
     insert into inbox (device_id, msg_id, kind, type, payload, device_ts, received_at, clock_skew)
     select x.device_id, x.msg_id, x.kind, x.type, x.payload, x.device_ts, x.received_at, x.clock_skew
       from jsonb_to_recordset($1::jsonb) as x(device_id text, msg_id text, kind text, type text, payload jsonb,
                                                device_ts timestamptz, received_at timestamptz, clock_skew boolean)
     on conflict do nothing
     returning device_id, msg_id, type, device_ts)
   select ins.device_id, ins.msg_id, ins.type, ins.device_ts, p.hit is not null as reused
     from ins left join lateral (select 1 as hit from inbox o where o.device_id = ins.device_id and o.msg_id = ins.msg_id limit 1) p on true`

/**
 * [P-4.4] Presence written on change (GatewayStore.writePresence): the patches of $1 (a JSON array),
 * $2 their device ids. Joined on `d.id = x.id` alone, the planner (counting on the 100 rows it
 * assumes of jsonb_to_recordset) hashed them and scanned the whole devices table for every write:
 * 14 ms at 10,000 devices for a batch of 15 on PGlite, where the ids' index probes take 0.7–2.7 ms
 * (issue 11, sixteenth session) — and a reconnect storm writes a batch every few milliseconds. The
 * plan is held to the index by tests/alarm-lane/bulk-statement-plans.test.ts.
 */
export const PRESENCE_UPDATE_SQL = `update devices d set
     online = coalesce(x.online, d.online),
     last_seen_at = greatest(coalesce(x.last_seen_at, d.last_seen_at), d.last_seen_at),
     battery = coalesce(x.battery, d.battery),
     rssi = coalesce(x.rssi, d.rssi),
     fw = coalesce(x.fw, d.fw)
   from jsonb_to_recordset($1::jsonb) as x(id text, online boolean, last_seen_at timestamptz, battery real, rssi real, fw text)
   where d.id = any($2::text[]) and d.id = x.id`

export class GatewayStore {
  constructor (private readonly sql: Sql) {}

  /** Device records for authentication, many at once (one statement for a connect storm, BatchLookup). */
  async findDevices (ids: string[]): Promise<Map<string, DeviceRecord>> {
    const { rows } = await this.sql.query<{ id: string, type: string, secret_hash: string, parent_id: string | null, resident_id: string | null, children: string[] | null }>(
      `select d.id, d.type, d.secret_hash, d.parent_id, d.resident_id,
              (select array_agg(c.id) from devices c where c.parent_id = d.id) as children
         from devices d where d.id = any($1::text[])`, [ids])
    return new Map(rows.map((r) => [r.id, { id: r.id, type: r.type, secretHash: r.secret_hash, parentId: r.parent_id, residentId: r.resident_id, children: r.children ?? [] }]))
  }

  /** [P-4.1][P-2.4] Durable, idempotent insert of one row; true when the row is new. */
  async insertInbox (rec: InboxRecord): Promise<boolean> {
    return (await this.insertInboxMany([rec]))[0] !== 'duplicate'
  }

  /**
   * [P-4.1][P-2.4] Durable, idempotent insert of many rows in one statement (one transaction):
   * for each record, in order, `new`, `reused` (new, but its id was recorded before with another
   * type or device time inside the idempotency window: a suspected counter reset) or `duplicate`.
   * The idempotency key is (device, msg id, type, device time) (migration 0008).
   */
  async insertInboxMany (recs: readonly InboxRecord[]): Promise<InboxInsertResult[]> {
    const rows = recs.map((r) => ({
      device_id: r.deviceId, msg_id: r.msgId, kind: r.kind, type: r.type, payload: r.payload,
      device_ts: r.deviceTs?.toISOString() ?? null, received_at: r.receivedAt.toISOString(), clock_skew: r.clockSkew
    }))
    const { rows: inserted } = await this.sql.query<{ device_id: string, msg_id: string, type: string, device_ts: Date | string | null, reused: boolean }>(
      INBOX_INSERT_SQL,
      [JSON.stringify(rows)], { priority: 'alarm' })
    const got = new Map(inserted.map((r) => [inboxKey(r.device_id, r.msg_id, r.type, r.device_ts), r.reused]))
    return recs.map((r) => {
      const reused = got.get(inboxKey(r.deviceId, r.msgId, r.type, r.deviceTs))
      return reused === undefined ? 'duplicate' : reused ? 'reused' : 'new'
    })
  }

  /**
   * [P-2.4] Deletes up to `limit` processed inbox rows received before `before` (the idempotency
   * window); returns how many. Small batches, so no delete holds the lock an alarm insert waits for.
   */
  async pruneInbox (before: Date, limit: number): Promise<number> {
    const r = await this.sql.query(
      `delete from inbox where seq in (
         select seq from inbox where received_at < $1 and processed_at is not null order by received_at limit $2)`,
      [before, limit], { priority: 'background' })
    return r.rowCount
  }

  /** [P-3.6] Moves a sent command to acked/failed; returns the command's id when it changed. */
  async completeCommand (deviceId: string, commandId: string, ok: boolean, error: string | null, at: Date): Promise<boolean> {
    const r = await this.sql.query(
      `update commands set status = $3, error = $4, done_at = $5
        where id = $1 and device_id = $2 and status = 'sent'`,
      [commandId, deviceId, ok ? 'acked' : 'failed', error, at])
    return r.rowCount > 0
  }

  /** [P-4.5] The command reached the device's connection; its acknowledgement deadline runs from now. */
  async markCommandDelivered (deviceId: string, commandId: string, at: Date): Promise<void> {
    await this.sql.query('update commands set delivered_at = $3 where id = $1 and device_id = $2 and delivered_at is null', [commandId, deviceId, at])
  }

  /**
   * [P-4.5] Commands still waiting for delivery that were published before `createdBefore` and
   * have not expired, at most `limit`: of every device the newest first (a command just missed
   * matters more than an old one queued for a device that is away), or of `deviceIds` only, in the
   * order they were given.
   */
  async undeliveredCommands (createdBefore: Date, now: Date, limit: number, deviceIds?: string[]): Promise<UndeliveredCommand[]> {
    const { rows } = await this.sql.query<{ id: string, device_id: string, type: string, args: unknown, created_at: Date | string, expires_at: Date | string | null }>(
      `select id, device_id, type, args, created_at, expires_at from commands
        where status = 'sent' and delivered_at is null and created_at < $1 and (expires_at is null or expires_at > $2)
        ${deviceIds ? 'and device_id = any($4::text[]) order by created_at' : 'order by created_at desc'} limit $3`,
      deviceIds ? [createdBefore, now, limit, deviceIds] : [createdBefore, now, limit], { priority: 'background' })
    return rows.map((r) => ({
      id: r.id,
      deviceId: r.device_id,
      type: r.type,
      args: jsonColumn(r.args as Record<string, unknown> | string | null),
      createdAt: new Date(r.created_at).getTime(),
      expiresAt: r.expires_at === null ? null : new Date(r.expires_at).getTime()
    }))
  }

  /**
   * Writes many devices' presence (no database write per message), PRESENCE_ROWS_PER_STATEMENT
   * devices a statement in the background lane: on PGlite, where statements run one at a time,
   * 10,000 devices in one statement held an alarm-lane statement 261–363 ms (a reconnect storm's
   * offline changes; the coarse last-seen of a fleet that connected together), 1,000 34–36 ms;
   * 100 a statement: 14 ms (72 in a first, cold run), the 10,000 written in 690 ms, not 280–370.
   * A failure leaves the rest unwritten and is the caller's to retry (every write is idempotent:
   * the row keeps the greater last-seen).
   */
  async writePresence (patches: Map<string, PresencePatch>): Promise<void> {
    if (patches.size === 0) return
    const rows = [...patches].map(([id, p]) => ({
      id, online: p.online ?? null, last_seen_at: p.lastSeenAt?.toISOString() ?? null, battery: p.battery ?? null, rssi: p.rssi ?? null, fw: p.fw ?? null
    }))
    for (let i = 0; i < rows.length; i += PRESENCE_ROWS_PER_STATEMENT) await this.writePresenceRows(rows.slice(i, i + PRESENCE_ROWS_PER_STATEMENT))
  }

  private async writePresenceRows (rows: Array<{ id: string } & Record<string, unknown>>): Promise<void> {
    await this.sql.query(PRESENCE_UPDATE_SQL, [JSON.stringify(rows), rows.map((r) => r.id)], { priority: 'background' })
  }

  /** Who devices belong to, for tagging readings and detection: one statement for many; an unknown id is absent. */
  async findDeviceOwners (ids: string[]): Promise<Map<string, DeviceOwner>> {
    const { rows } = await this.sql.query<{ id: string, type: string, resident_id: string | null }>(
      'select id, type, resident_id from devices where id = any($1::text[])', [ids])
    return new Map(rows.map((r) => [r.id, { deviceId: r.id, type: r.type, residentId: r.resident_id }]))
  }


  /** The resident's device best suited to carry a resident-level derived alarm (preferred types first, then the most recently seen). */
  async residentDevice (residentId: string, preferredTypes: string[]): Promise<string | null> {
    const { rows } = await this.sql.query<{ id: string }>(
      `select id from devices where resident_id = $1
        order by case when type = any($2::text[]) then 0 else 1 end, last_seen_at desc nulls last, id limit 1`, [residentId, preferredTypes])
    return rows[0]?.id ?? null
  }
}

export interface DeviceOwner {
  deviceId: string
  type: string
  residentId: string | null
}
