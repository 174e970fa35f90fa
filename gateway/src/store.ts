/**
 * What the gateway reads and writes in the platform's database. The gateway takes a
 * `Sql` handle (PGlite or PostgreSQL, both speak this shape) and owns only these queries;
 * the schema and its migrations belong to the platform.
 */
export interface Sql {
  /** `priority`: where the statement queues while the embedded database is busy (alarms first, bookkeeping last). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], opts?: { priority?: 'alarm' | 'normal' | 'background' }): Promise<{ rows: T[], rowCount: number }>
}

export interface DeviceRecord {
  id: string
  type: string
  secretHash: string
  parentId: string | null
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

export interface PresencePatch {
  online?: boolean
  lastSeenAt?: Date
  battery?: number
  rssi?: number
  fw?: string
}

export class GatewayStore {
  constructor (private readonly sql: Sql) {}

  async findDevice (id: string): Promise<DeviceRecord | null> {
    const { rows } = await this.sql.query<{ id: string, type: string, secret_hash: string, parent_id: string | null, children: string[] | null }>(
      `select d.id, d.type, d.secret_hash, d.parent_id,
              (select array_agg(c.id) from devices c where c.parent_id = d.id) as children
         from devices d where d.id = $1`, [id])
    const r = rows[0]
    if (!r) return null
    return { id: r.id, type: r.type, secretHash: r.secret_hash, parentId: r.parent_id, children: r.children ?? [] }
  }

  /** [P-4.1][P-2.4] Durable, idempotent insert; true when the row is new. */
  async insertInbox (rec: InboxRecord): Promise<boolean> {
    const r = await this.sql.query(
      `insert into inbox (device_id, msg_id, kind, type, payload, device_ts, received_at, clock_skew)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (device_id, msg_id) do nothing`,
      [rec.deviceId, rec.msgId, rec.kind, rec.type, JSON.stringify(rec.payload), rec.deviceTs, rec.receivedAt, rec.clockSkew], { priority: 'alarm' })
    return r.rowCount > 0
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

  /** Writes many devices' presence in one statement (no database write per message). */
  async writePresence (patches: Map<string, PresencePatch>): Promise<void> {
    if (patches.size === 0) return
    const rows = [...patches].map(([id, p]) => ({
      id, online: p.online ?? null, last_seen_at: p.lastSeenAt?.toISOString() ?? null, battery: p.battery ?? null, rssi: p.rssi ?? null, fw: p.fw ?? null
    }))
    await this.sql.query(
      `update devices d set
         online = coalesce(x.online, d.online),
         last_seen_at = greatest(coalesce(x.last_seen_at, d.last_seen_at), d.last_seen_at),
         battery = coalesce(x.battery, d.battery),
         rssi = coalesce(x.rssi, d.rssi),
         fw = coalesce(x.fw, d.fw)
       from jsonb_to_recordset($1::jsonb) as x(id text, online boolean, last_seen_at timestamptz, battery real, rssi real, fw text)
       where d.id = x.id`,
      [JSON.stringify(rows)], { priority: 'background' })
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
