/** Commands to devices ([P-3.5][P-3.6]): recorded, published through the transport, timed out when unanswered. */
import fp from 'fastify-plugin'
import type { Logger } from 'pino'
import { CommandService, type CommandServiceOptions, type CommandTransport } from '../features/commands/service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    commands: CommandService
  }
}

export interface CommandsPluginOptions {
  /** how commands reach devices (the gateway in embedded mode) */
  transport: CommandTransport
  logger: Logger
  now: () => number
  options?: CommandServiceOptions
}

export const commandsPlugin = fp<CommandsPluginOptions>(async (app, opts) => {
  const commands = new CommandService(app.db, opts.transport, opts.logger, { now: opts.now, ...opts.options })
  app.decorate('commands', commands)
  app.addHook('onReady', async () => { commands.start() })
  app.addHook('onClose', async () => { commands.stop() })
}, { name: 'commands', dependencies: ['db'], decorators: { fastify: ['db'] } })
