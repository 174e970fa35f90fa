/** Issue 16: upper platforms' accounts in the console — created with a subtree scope, the token shown once, revoked. */
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { IntegrationsAdmin, integrationBody } from './integrations-admin.tsx'

const account = { id: 'i1', username: 'nanyang-city', name: '南阳市养老服务平台', areaId: 'd1', disabled: false, revealNames: false, webhookUrl: 'https://city.example/hook', createdAt: '2026-06-01T00:00:00.000Z' }

function platform () {
  let disabled = false
  return stubPlatform(({ method, url, body }) => {
    if (url === '/api/areas') return jsonResponse(200, { items: [{ id: 'c0', name: '南阳市', level: 'city', parentId: null, depth: 0 }, { id: 'd1', name: '卧龙区', level: 'district', parentId: 'c0', depth: 1 }] })
    if (method === 'GET' && url === '/api/integrations') return jsonResponse(200, { items: [{ ...account, disabled }, { id: 'bad' }] })
    if (method === 'POST' && url === '/api/integrations') return jsonResponse(201, { id: 'i2', username: body.username, name: body.name, areaId: body.areaId, revealNames: body.revealNames, webhookUrl: body.webhookUrl ?? null, token: 'tok-shown-once-0123456789', tokenExpiresAt: '2027-06-01T00:00:00.000Z' })
    if (method === 'POST' && url === '/api/integrations/i1/disable') { disabled = true; return jsonResponse(200, { id: 'i1', disabled: true }) }
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  })
}

describe('integration accounts', () => {
  it('lists accounts with their scope, webhook and MQTT feed, dropping one that breaks the contract', async () => {
    platform()
    render(<IntegrationsAdmin />)
    const rows = await screen.findAllByTestId('integration-row')
    expect(rows).toHaveLength(1)
    await waitFor(() => { expect(rows[0]!.textContent).toContain('卧龙区') })
    expect(rows[0]!.textContent).toContain('https://city.example/hook')
    expect(rows[0]!.textContent).toContain('脱敏')
    const mqtt = screen.getByTestId('integration-mqtt').textContent
    expect(mqtt).toContain('integration:nanyang-city')
    expect(mqtt).toContain('care/v1/areas/d1/incidents')
    expect(mqtt).toContain('sandbox/nanyang-city/#')
  })

  it('creates an account scoped to an area and shows its token once; closing forgets it', async () => {
    const writes = platform()
    render(<IntegrationsAdmin />)
    await screen.findByRole('option', { name: '卧龙区' })
    fireEvent.change(screen.getByTestId('integration-name'), { target: { value: '省平台' } })
    fireEvent.change(screen.getByTestId('integration-username'), { target: { value: 'henan-province' } })
    fireEvent.change(screen.getByTestId('integration-area'), { target: { value: 'd1' } })
    fireEvent.change(screen.getByTestId('integration-webhook-url'), { target: { value: 'https://province.example/in' } })
    fireEvent.click(screen.getByTestId('integration-form-submit'))
    // the webhook is signed: no URL without its secret, nothing sent
    expect((await screen.findByRole('alert')).textContent).toContain('同时填写')
    expect(writes).toEqual([])
    fireEvent.change(screen.getByTestId('integration-webhook-secret'), { target: { value: 'province-secret-0123' } })
    fireEvent.click(screen.getByTestId('integration-form-submit'))
    expect((await screen.findByTestId('integration-token')).textContent).toBe('tok-shown-once-0123456789')
    expect(screen.getByTestId('integration-token-dialog').textContent).toContain('只显示这一次')
    expect(writes).toEqual([{ method: 'POST', url: '/api/integrations', body: { name: '省平台', username: 'henan-province', areaId: 'd1', revealNames: false, tokenDays: 365, webhookUrl: 'https://province.example/in', webhookSecret: 'province-secret-0123' } }])
    fireEvent.click(screen.getByTestId('integration-token-close'))
    await waitFor(() => { expect(screen.queryByTestId('integration-token')).toBeNull() })
  })

  it('revokes an account only after a second click', async () => {
    const writes = platform()
    render(<IntegrationsAdmin />)
    fireEvent.click(await screen.findByTestId('integration-revoke'))
    expect(writes).toEqual([])
    expect(screen.getByTestId('integration-revoke').textContent).toContain('确认停用')
    fireEvent.click(screen.getByTestId('integration-revoke'))
    await waitFor(() => { expect(screen.getByTestId('integration-revoked').textContent).toBe('已停用：南阳市养老服务平台') })
    expect(writes).toEqual([{ method: 'POST', url: '/api/integrations/i1/disable', body: {} }])
    await waitFor(() => { expect(screen.queryByTestId('integration-revoke')).toBeNull() })
  })

  it('checks the form before sending', () => {
    const base = { name: '市平台', username: 'city', areaId: 'd1', revealNames: false, webhookUrl: '', webhookSecret: '', tokenDays: '365' }
    expect(integrationBody({ ...base, username: 'a b' })).toEqual({ problem: 'username' })
    expect(integrationBody({ ...base, webhookUrl: 'ftp://x', webhookSecret: '0123456789abcdef' })).toEqual({ problem: 'webhookUrl' })
    expect(integrationBody({ ...base, webhookUrl: 'https://x', webhookSecret: 'short' })).toEqual({ problem: 'webhookSecret' })
    expect(integrationBody({ ...base, tokenDays: '0' })).toEqual({ problem: 'tokenDays' })
    expect(integrationBody({ ...base, revealNames: true })).toEqual({ body: { name: '市平台', username: 'city', areaId: 'd1', revealNames: true, tokenDays: 365 } })
  })
})
