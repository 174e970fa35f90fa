import { describe, expect, it } from 'vitest'
import { areaTree, childLevel, parseContacts, parseList } from './admin-forms.ts'

describe('admin form helpers', () => {
  it('nests areas under their parents, keeping orphans as roots', () => {
    const tree = areaTree([
      { id: 'c', name: '市', level: 'city', parentId: null, depth: 0 },
      { id: 'd', name: '区', level: 'district', parentId: 'c', depth: 1 },
      { id: 's', name: '街道', level: 'street', parentId: 'd', depth: 2 },
      { id: 'x', name: '外', level: 'street', parentId: 'missing', depth: 2 }
    ])
    expect(tree.map((n) => n.id)).toEqual(['c', 'x'])
    expect(tree[0].children[0].children[0].id).toBe('s')
  })

  it('knows the level one step down, and that nothing sits under a community', () => {
    expect(childLevel('city')).toBe('district')
    expect(childLevel('street')).toBe('community')
    expect(childLevel('community')).toBeNull()
  })

  it('splits lists on Chinese and ASCII separators', () => {
    expect(parseList('高血压、糖尿病, 心脏病，\n哮喘')).toEqual(['高血压', '糖尿病', '心脏病', '哮喘'])
  })

  it('reads one contact per line and names the first bad line', () => {
    expect(parseContacts('王强, 13800001234, 儿子\n\n李梅，139 0000 5678')).toEqual({
      ok: true, contacts: [{ name: '王强', phone: '13800001234', relation: '儿子' }, { name: '李梅', phone: '139 0000 5678' }]
    })
    expect(parseContacts('王强, 13800001234\n李梅')).toEqual({ ok: false, line: 2 })
    expect(parseContacts('王强, call me')).toEqual({ ok: false, line: 1 })
  })
})
