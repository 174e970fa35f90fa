import { describe, expect, it } from 'vitest'
import { grantedBacklog } from '../src/listeners.ts'

describe('grantedBacklog: what listen(2) grants under net.core.somaxconn', () => {
  it('is the smaller of what is asked and the cap', () => {
    expect(grantedBacklog(4096, () => '128\n')).toBe(128)
    expect(grantedBacklog(1500, () => '4096\n')).toBe(1500)
    expect(grantedBacklog(4096, () => '4096')).toBe(4096)
  })

  it('is null where the cap cannot be read or makes no sense (not Linux)', () => {
    expect(grantedBacklog(4096, () => { throw new Error('ENOENT') })).toBeNull()
    expect(grantedBacklog(4096, () => 'many')).toBeNull()
    expect(grantedBacklog(4096, () => '0')).toBeNull()
  })
})
