/**
 * Video calls in a real browser [P-3.3][P-3.8]: Debian's Chromium with a fake camera and
 * microphone against the real embedded platform, and the simulated intercom that really
 * streams (werift + ffmpeg) over loopback. The operator answers the elder's call with video
 * and sees live frames and hears the elder's tone, unlocks the door during the call; then places
 * a care call that the intercom auto-answers, and records it as a visit in one step; then the
 * intercom's network changes during a care call and the console restarts ICE [P-3.8]. Last, on
 * the same resident screen, the daily check-in plan (报平安) is created and disabled.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import type { CallDto } from '@eldercare/protocols'
import { SimDevice, SimIntercom } from '@eldercare/device-sim'
import { launchChromium, needsChromium, testOutputDir } from '../support/chromium.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { openConsole } from '../support/console.ts'
import { ADMIN, eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { needs, needsAll } from '../support/requirements.ts'

const req = needsAll('video calls in the console', [needsChromium(), needs('simulated intercom media', '/usr/bin/ffmpeg', 'ffmpeg')])

/** The <video> showing the elder: its size and play position, read in the page. */
async function remoteVideo (panel: Locator): Promise<{ width: number, height: number, time: number }> {
  return panel.getByTestId('call-remote-video').evaluate((v: HTMLVideoElement) => ({ width: v.videoWidth, height: v.videoHeight, time: v.currentTime }))
}

/** Frames arrive: non-zero dimensions and a play position that keeps advancing. */
async function expectLiveVideo (panel: Locator): Promise<void> {
  const first = await eventually(async () => { const v = await remoteVideo(panel); return v.width > 0 && v.time > 0 && v }, 20_000, 'video frames in the console')
  const later = await eventually(async () => { const v = await remoteVideo(panel); return v.time > first.time + 1 && v }, 10_000, 'currentTime advancing')
  expect(later).toMatchObject({ width: 640, height: 360 })
}

/**
 * The loudest frequency of the elder's sound as the console plays it, and its level in dB: the
 * intercom sends a 440 Hz tone, so hearing it proves the operator hears the elder.
 */
async function remoteTone (panel: Locator): Promise<{ hz: number, db: number }> {
  return panel.getByTestId('call-remote-video').evaluate(async (v: HTMLVideoElement) => {
    const ctx = new AudioContext()
    const analyser = ctx.createAnalyser()
    analyser.fftSize = 4096
    ctx.createMediaStreamSource(v.srcObject as MediaStream).connect(analyser)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const bins = new Float32Array(analyser.frequencyBinCount)
    analyser.getFloatFrequencyData(bins)
    let loudest = 1
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[loudest]) loudest = i
    const tone = { hz: loudest * ctx.sampleRate / analyser.fftSize, db: bins[loudest] }
    await ctx.close()
    return tone
  })
}

describe.skipIf(!req.ok)('operator console: video calls with the intercom', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  let home: SeededHome
  let device: SimDevice
  let intercom: SimIntercom
  const shots = testOutputDir('e2e-calls')

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir })
    await p.api.login()
    home = await seedHome(p.api, { deviceType: 'intercom', name: 'video' })
    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'intercom' } })
    await device.connect()
    intercom = new SimIntercom(device, { label: '王奶奶 video', autoAnswerAfterMs: 500 })
    await eventually(async () => (await p.api.get(`/api/devices/${home.device.id}`)).online, 10_000, 'intercom online')
    browser = await launchChromium({ args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'] })
    page = await openConsole(browser, p.httpUrl)
  })

  afterAll(async () => {
    await browser?.close()
    await intercom?.close()
    await device?.close()
    await p?.close()
  })

  it('[P-3.3] the elder presses the call button; the operator answers with video and sees live frames; the call is on the timeline', async () => {
    const callId = await intercom.callCentre()
    const row = page.locator('[data-testid="incident-row"][data-status="open"]')
    await row.first().waitFor({ timeout: 10_000 })
    const incidentId = (await row.first().getAttribute('data-incident-id'))!
    await row.first().click()
    await page.getByTestId('call-answer-video').click()
    const panel = page.getByTestId('intercom-actions').getByTestId('call-panel')
    await panel.and(page.locator('[data-phase="connected"]')).waitFor({ timeout: 20_000 })
    await expectLiveVideo(panel)
    expect(intercom.calls.get(callId)!.state).toBe('active')
    // the operator's fake camera and microphone reach the intercom
    await eventually(async () => { const c = intercom.calls.get(callId)!.media!.counters; return c.videoPacketsIn > 20 && c.audioPacketsIn > 20 }, 10_000, 'the operator\'s media at the intercom')
    expect(await panel.getByTestId('call-state').textContent()).toContain('通话中')
    // the operator hears the elder: the intercom's 440 Hz tone is what the console plays
    const tone = await eventually(async () => { const t = await remoteTone(panel); return t.db > -60 && t }, 10_000, 'the elder\'s sound in the console')
    expect(tone.hz).toBeGreaterThan(420)
    expect(tone.hz).toBeLessThan(460)
    // the door can be unlocked for a responder during the call, as before
    await page.getByTestId('intercom-unlock').click()
    await eventually(async () => device.commands.find((c) => c.type === 'intercom.unlock'), 10_000, 'intercom.unlock at the intercom during the call')
    expect(intercom.calls.get(callId)!.state).toBe('active')
    await page.screenshot({ path: join(shots, '1-answered-with-video.png') })

    await panel.getByTestId('call-hangup').click()
    await panel.and(page.locator('[data-phase="ended"]')).waitFor({ timeout: 10_000 })
    await intercom.waitFor('ended', 10_000, callId)
    const detail = await eventually(async () => {
      const d = await p.api.get(`/api/incidents/${incidentId}`)
      return d.timeline.some((t: { kind: string }) => t.kind === 'call_ended') && d
    }, 10_000, 'the call\'s end on the timeline')
    const kinds: string[] = detail.timeline.map((t: { kind: string }) => t.kind)
    expect(kinds).toEqual(expect.arrayContaining(['intercom_call_request', 'call_answered', 'call_ended']))
    const ended = detail.timeline.find((t: { kind: string }) => t.kind === 'call_ended')
    expect(ended.actor).toBe(ADMIN.username)
    expect(ended.data.durationS).toBeGreaterThanOrEqual(1)
    // the console's timeline names the entries in Chinese
    await page.getByText('视频通话结束').first().waitFor({ timeout: 10_000 })
  })

  it('outbound: auto-answer turned on in the console; a care call from the resident card rings and the intercom auto-answers; recorded as a visit in one step and listed in the resident\'s calls', async () => {
    await page.goto(`${p.httpUrl}/#/residents/${home.residentId}`)
    // the incident workspace stays mounted, hidden, with its own resident card and call panel
    const screen = page.getByTestId('residents-screen')
    // a supervisor's decision, in the console: this resident cannot press a button
    await screen.getByTestId('auto-answer-toggle').click() // checked once the platform has it
    await screen.locator('[data-testid="auto-answer"][data-on="true"]').waitFor({ timeout: 10_000 })
    expect(await p.api.get(`/api/residents/${home.residentId}/call-settings`)).toEqual({ autoAnswer: true })
    await screen.getByTestId('care-call-start').click()
    const panel = screen.getByTestId('call-panel')
    await panel.and(page.locator('[data-phase="connected"]')).waitFor({ timeout: 20_000 })
    await expectLiveVideo(panel)
    const outbound = [...intercom.calls.values()].find((c) => c.direction === 'outbound')!
    expect(outbound.state).toBe('active')
    await page.screenshot({ path: join(shots, '2-care-call-auto-answered.png') })

    await panel.getByTestId('call-hangup').click()
    await panel.getByTestId('call-visit-form').waitFor({ timeout: 10_000 })
    await panel.getByTestId('call-visit-submit').click()
    await panel.getByTestId('call-visit-recorded').waitFor({ timeout: 10_000 })
    const call = await p.api.get<CallDto>(`/api/calls/${outbound.callId}`)
    expect(call).toMatchObject({ direction: 'outbound', status: 'ended', autoAnswer: true, startedBy: ADMIN.username })
    expect(call.events.map((e) => e.kind)).toEqual(['ringing', 'answered', 'ended', 'visit_recorded'])
    const visit = await p.api.get(`/api/visits/${call.visitId}`)
    expect(visit).toMatchObject({ residentId: home.residentId, status: 'done', outcome: 'well' })
    // the resident's call list on the same screen shows it, auto-answered (fetched again when the call ended)
    const history = screen.locator(`[data-testid="resident-call"][data-call-id="${outbound.callId}"][data-status="ended"]`)
    await history.filter({ hasText: '已记为视频探访' }).waitFor({ timeout: 10_000 })
    expect(await history.textContent()).toContain('自动接听')
    await page.screenshot({ path: join(shots, '3-recorded-as-visit.png') })
  })

  it('[P-3.8] the intercom\'s network changes during a care call: the picture stops, the console restarts ICE, and picture and sound come back on the same call', async () => {
    await p.api.request('PUT', `/api/residents/${home.residentId}/call-settings`, { autoAnswer: true })
    await page.goto(`${p.httpUrl}/#/residents/${home.residentId}`)
    const screen = page.getByTestId('residents-screen')
    const close = screen.getByTestId('call-close')
    if (await close.count() > 0) await close.click()
    const known = new Set(intercom.calls.keys())
    await screen.getByTestId('care-call-start').click()
    const panel = screen.getByTestId('call-panel')
    await panel.and(page.locator('[data-phase="connected"]')).waitFor({ timeout: 20_000 })
    await expectLiveVideo(panel)
    const call = [...intercom.calls.values()].find((c) => !known.has(c.callId))!
    const media = call.media!
    const portBefore = media.selectedLocalPort()
    // count the frames the <video> presents (currentTime alone may run on without frames)
    const frames = () => panel.getByTestId('call-remote-video').evaluate((v: HTMLVideoElement & { framesShown?: number }) => {
      if (v.framesShown === undefined) {
        v.framesShown = 0
        const tick = () => { v.framesShown!++; v.requestVideoFrameCallback(tick) }
        v.requestVideoFrameCallback(tick)
      }
      return v.framesShown
    })
    await frames()
    await eventually(async () => await frames() > 10, 10_000, 'frames presented before the network change')

    expect(await intercom.networkChange(call.callId)).toBeGreaterThan(0)
    await panel.and(page.locator('[data-phase="reconnecting"]')).waitFor({ timeout: 20_000 })
    const frozen = await frames()
    await panel.and(page.locator('[data-phase="connected"]')).waitFor({ timeout: 30_000 })
    // the elder's picture moves again, and the operator's camera reaches the intercom again
    await eventually(async () => await frames() > frozen + 20, 15_000, 'frames presented after the ICE restart')
    const inAfter = media.counters.videoPacketsIn
    await eventually(async () => media.counters.videoPacketsIn > inAfter + 20 && media.counters.audioPacketsIn > 0, 10_000, 'the operator\'s media at the intercom after the restart')
    expect(media.selectedLocalPort()).not.toBe(portBefore)
    expect(intercom.calls.get(call.callId)!.state).toBe('active')
    const during = await p.api.get<CallDto>(`/api/calls/${call.callId}`)
    expect(during.status).toBe('active')
    expect(during.events.map((e) => e.kind)).toEqual(['ringing', 'answered', 'ice_restart'])
    await page.screenshot({ path: join(shots, '4-after-ice-restart.png') })

    await panel.getByTestId('call-hangup').click()
    await intercom.waitFor('ended', 10_000, call.callId)
  })

  it('the daily check-in plan (报平安) is created and disabled from the resident screen, and the platform has it', async () => {
    await page.goto(`${p.httpUrl}/#/residents/${home.residentId}`)
    const section = page.getByTestId('residents-screen').getByTestId('checkin-section')
    await section.locator('[data-testid="checkin-form"][data-state="none"]').waitFor({ timeout: 10_000 })
    await section.getByLabel('截止时间').fill('09:30')
    await section.getByTestId('checkin-save').click()
    await section.locator('[data-testid="checkin-form"][data-state="enabled"]').waitFor({ timeout: 10_000 })
    expect(await p.api.get(`/api/residents/${home.residentId}/daily-checkin`)).toMatchObject({ windowStart: '07:00', windowEnd: '09:30', escalateAfterMin: 120, enabled: true, updatedBy: ADMIN.username })
    await section.getByTestId('checkin-toggle').click()
    await section.locator('[data-testid="checkin-form"][data-state="disabled"]').waitFor({ timeout: 10_000 })
    expect((await p.api.get(`/api/residents/${home.residentId}/daily-checkin`)).enabled).toBe(false)
  })
})
