#!/usr/bin/env node
// `npx device-sim …`: runs the TypeScript CLI through tsx's loader, in this process.
import { register } from 'tsx/esm/api'

register()
const { cli } = await import('../src/cli.ts')
await cli()
