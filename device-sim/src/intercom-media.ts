/**
 * The media side of a simulated video intercom [P-3.8]: a WebRTC peer (werift, pure
 * TypeScript) that answers the centre's offer and sends real video and audio made by
 * Debian's ffmpeg — a test pattern with the resident's name and the clock, and a tone —
 * as RTP into the peer's tracks over loopback UDP. What the centre sends is counted, not kept.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift'
import type { RtcIceCandidate, RtcIceServer } from '@eldercare/protocols'

export interface IntercomMediaOptions {
  /** Drawn on the picture: the resident's name (any script; the CJK font covers Chinese). */
  label: string
  iceServers?: RtcIceServer[]
  /** ffmpeg binary. Default `ffmpeg` on PATH. */
  ffmpegPath?: string
  /** Picture size and rate. Default 640×360 at 15 frames/s. */
  width?: number
  height?: number
  fps?: number
  /** Tone of the test sound, in Hz. Default 440. */
  toneHz?: number
  /** Font file for the label. Default Noto Sans CJK (Debian `fonts-noto-cjk`). */
  fontFile?: string
  /** Told about each local ICE candidate (trickle); null once gathering is complete. */
  onCandidate?: (c: RtcIceCandidate | null) => void
  /** Told when the connectivity checks after an ICE restart fail (the call carries on until hung up). */
  onIceError?: (err: Error) => void
}

export interface MediaCounters {
  /** RTP packets ffmpeg produced and the peer took, per kind */
  videoPacketsOut: number
  audioPacketsOut: number
  /** RTP packets received from the centre (its camera and microphone), per kind */
  videoPacketsIn: number
  audioPacketsIn: number
}

const DEFAULT_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'

/** One call's peer connection and its ffmpeg source. */
export class IntercomMedia {
  readonly counters: MediaCounters = { videoPacketsOut: 0, audioPacketsOut: 0, videoPacketsIn: 0, audioPacketsIn: 0 }
  readonly pc: RTCPeerConnection
  private readonly video = new MediaStreamTrack({ kind: 'video' })
  private readonly audio = new MediaStreamTrack({ kind: 'audio' })
  private sockets: Socket[] = []
  private ffmpeg?: ChildProcess
  private workDir?: string
  private closed = false
  /** ffmpeg's last lines on stderr, for the error when it fails */
  private ffmpegLog = ''

  constructor (private readonly opts: IntercomMediaOptions) {
    this.pc = new RTCPeerConnection({
      // VP8 and Opus: what ffmpeg encodes here and every browser decodes.
      codecs: {
        video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })],
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })]
      },
      iceServers: (opts.iceServers ?? []).flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).map((urls) => ({ urls, username: s.username, credential: s.credential })))
    })
    this.pc.onIceCandidate.subscribe((c) => {
      opts.onCandidate?.(c ? { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } : null)
    })
    this.pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => { if (track.kind === 'video') this.counters.videoPacketsIn++; else this.counters.audioPacketsIn++ })
    })
  }

  /**
   * [P-3.8] Answers the centre's offer: our tracks go into the offered transceivers
   * (send and receive), then the answer is returned once ICE gathering is complete, so that
   * it carries every local candidate even for a peer that does not trickle.
   */
  async answer (offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    for (const t of this.pc.getTransceivers()) {
      const track = t.kind === 'video' ? this.video : t.kind === 'audio' ? this.audio : null
      if (!track) continue
      t.setDirection('sendrecv')
      await t.sender.replaceTrack(track)
    }
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    await this.gathered()
    await this.startSource()
    return this.pc.localDescription!.sdp
  }

  /**
   * [P-3.8] A renegotiation on the same call: the centre restarted ICE after a network change.
   * The answer carries the new ICE credentials and candidates; the connectivity checks on the
   * new candidates start at once (see resumeIceAfterRestart), while DTLS and SRTP carry on.
   */
  async renegotiate (offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    await this.gathered()
    resumeIceAfterRestart(this.pc, (err) => this.opts.onIceError?.(err))
    return this.pc.localDescription!.sdp
  }

  /**
   * Simulates the device's network going away (its Wi-Fi or 4G link replaced): the UDP sockets
   * of the call's ICE transport are closed and forgotten, so nothing more reaches the centre on
   * the selected pair, and the next ICE gathering binds new sockets (new ports, new candidates).
   * Only an ICE restart offered by the centre brings the media back [P-3.8]. Returns how many
   * sockets were closed. (Reaches into werift's Connection: there is no public API for it.)
   */
  async dropNetwork (): Promise<number> {
    let closed = 0
    for (const connection of iceConnections(this.pc)) {
      for (const protocol of connection.protocols.splice(0)) {
        await protocol.close().catch(() => {})
        closed++
      }
    }
    return closed
  }

  /** The local port of the selected candidate pair (null before ICE connected): tells a restart's new path. */
  selectedLocalPort (): number | null {
    for (const connection of iceConnections(this.pc)) {
      const port = connection.nominated?.localCandidate.port
      if (port !== undefined) return port
    }
    return null
  }

  /** A trickled remote candidate; null marks the end of the remote candidates. */
  async addCandidate (c: RtcIceCandidate | null): Promise<void> {
    if (!c) return
    await this.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined })
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.ffmpeg?.kill('SIGKILL')
    for (const s of this.sockets) s.close()
    this.sockets = []
    await this.pc.close().catch(() => {})
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true })
  }

  private async gathered (): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return
    await new Promise<void>((resolve) => {
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') { unSubscribe(); resolve() }
      })
    })
  }

  /** Starts ffmpeg once: VP8 and Opus as RTP to two loopback UDP ports feeding the tracks. */
  private async startSource (): Promise<void> {
    if (this.ffmpeg) return
    const videoPort = await this.listenRtp((packet) => { this.counters.videoPacketsOut++; this.video.writeRtp(packet) })
    const audioPort = await this.listenRtp((packet) => { this.counters.audioPacketsOut++; this.audio.writeRtp(packet) })
    this.workDir = mkdtempSync(join(tmpdir(), 'intercom-'))
    // drawtext reads its text from files: no escaping of the resident's name in the filter graph.
    const nameFile = join(this.workDir, 'name.txt')
    const clockFile = join(this.workDir, 'clock.txt')
    writeFileSync(nameFile, this.opts.label)
    writeFileSync(clockFile, '%{localtime:%Y-%m-%d %H\\:%M\\:%S}')
    const font = this.opts.fontFile ?? DEFAULT_FONT
    const { width = 640, height = 360, fps = 15, toneHz = 440 } = this.opts
    const draw = (file: string, y: string, size: number, expand: boolean) =>
      `drawtext=fontfile=${font}:textfile=${file}:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:x=(w-text_w)/2:y=${y}${expand ? ':expansion=normal' : ':expansion=none'}`
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-re', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`,
      '-re', '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000`,
      '-map', '0:v', '-vf', `${draw(nameFile, 'h/3', Math.round(height / 9), false)},${draw(clockFile, '2*h/3', Math.round(height / 14), true)}`,
      // realtime VP8, a key frame every second so a late or lossy receiver recovers quickly
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k', '-g', String(fps), '-pix_fmt', 'yuv420p',
      '-f', 'rtp', `rtp://127.0.0.1:${videoPort}?pkt_size=1200`,
      '-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', '-application', 'voip',
      '-f', 'rtp', `rtp://127.0.0.1:${audioPort}?pkt_size=1200`
    ]
    const ff = spawn(this.opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    this.ffmpeg = ff
    ff.stderr!.on('data', (d: Buffer) => { this.ffmpegLog = (this.ffmpegLog + d.toString()).slice(-2000) })
    await new Promise<void>((resolve, reject) => {
      ff.once('spawn', resolve)
      ff.once('error', (err) => reject(new Error(`intercom media: ffmpeg could not start (${err.message}); install Debian's ffmpeg`)))
    })
  }

  /** The last lines ffmpeg wrote on stderr (empty while it runs quietly). */
  get sourceLog (): string { return this.ffmpegLog }

  private async listenRtp (onPacket: (packet: Buffer) => void): Promise<number> {
    const socket = createSocket('udp4')
    socket.on('message', (msg) => { if (!this.closed) onPacket(msg) })
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    this.sockets.push(socket)
    return (socket.address() as AddressInfo).port
  }
}

/** The parts of werift's ICE Connection used here (not in its public typings). */
interface IceConnectionInternals {
  remoteUsername: string
  nominated?: { localCandidate: { port: number } }
  protocols: Array<{ close: () => Promise<void> }>
}
interface IceTransportInternals {
  connection: IceConnectionInternals
  start: () => Promise<void>
}
interface DtlsTransportInternals {
  state: string
  iceTransport: IceTransportInternals
}

function dtlsTransports (pc: RTCPeerConnection): DtlsTransportInternals[] {
  return (pc as unknown as { dtlsTransports: DtlsTransportInternals[] }).dtlsTransports
}

function iceConnections (pc: RTCPeerConnection): IceConnectionInternals[] {
  return dtlsTransports(pc).map((t) => t.iceTransport.connection)
}

/**
 * werift 0.25.2 resets ICE on a restart (new credentials, no selected pair) but then skips the
 * connectivity checks: its connect() returns early because the DTLS transport is still
 * connected, so no pair is ever selected again and no media flows after the restart
 * (tests/calls/calls-ice-restart.test.ts fails without this). Call after both descriptions of
 * the restart are set, on either side: it starts the checks of every transport that has the
 * remote's new credentials, a connected DTLS session and no selected pair. DTLS and SRTP keep
 * their keys, as RFC 8445 §2.4 expects of a restart.
 */
export function resumeIceAfterRestart (pc: RTCPeerConnection, onError: (err: Error) => void = () => {}): void {
  for (const transport of dtlsTransports(pc)) {
    const ice = transport.iceTransport
    if (transport.state !== 'connected' || ice.connection.nominated || !ice.connection.remoteUsername) continue
    ice.start().catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))))
  }
}
