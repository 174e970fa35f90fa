import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { ImportAdmin } from './import-admin.tsx'

function platform (answer: (url: string) => Response) {
  const sent: Array<{ url: string, contentType: string | null, body: string }> = []
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    sent.push({ url, contentType: new Headers(init.headers).get('content-type'), body: String(init.body) })
    return answer(url)
  }))
  return sent
}

const choose = (name: string, text: string) => {
  fireEvent.change(screen.getByTestId('import-file'), { target: { files: [new File([text], name, { type: 'text/csv' })] } })
}

describe('bulk import (admin)', () => {
  it('sends the file as text/csv and lists every problem of a refused file by line', async () => {
    const sent = platform(() => jsonResponse(422, {
      error: {
        code: 'PLT_ERR_IMPORT_INVALID', message: 'the file has 2 problems; nothing was imported',
        details: { total: 2, problems: [{ line: 3, column: 'site_id', message: 'no such site' }, { line: 7, message: 'capacity_level must be 0–4' }] }
      }
    }))
    render(<ImportAdmin />)
    fireEvent.change(screen.getByTestId('import-kind'), { target: { value: 'residents' } })
    const csv = 'name,site_id\n王秀英,s-1\n李建国,nope\n'
    choose('residents.csv', csv)
    fireEvent.click(screen.getByTestId('import-form-submit'))
    const problems = await screen.findByTestId('import-problems')
    expect(sent).toEqual([{ url: '/api/import/residents', contentType: 'text/csv', body: csv }])
    expect(problems.textContent).toContain('文件有 2 处问题，未导入任何记录')
    expect([...problems.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['第 3 行 · site_id: no such site', '第 7 行: capacity_level must be 0–4'])
  })

  it('offers a device import\'s secrets once, as a download', async () => {
    const secrets = 'line,id,type,site_id,resident_id,secret\r\n2,fd-1,fall_detector,s-1,,abc\r\n3,fd-2,fall_detector,s-1,,def\r\n'
    platform(() => new Response(secrets, { status: 201, headers: { 'content-type': 'text/csv; charset=utf-8' } }))
    const created = vi.fn(() => 'blob:secrets')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }))
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    render(<ImportAdmin />)
    fireEvent.change(screen.getByTestId('import-kind'), { target: { value: 'devices' } })
    choose('devices.csv', 'type,site_id\nfall_detector,s-1\nfall_detector,s-1\n')
    fireEvent.click(screen.getByTestId('import-form-submit'))
    fireEvent.click(await screen.findByTestId('import-secrets-download'))
    expect(screen.getByText('已导入 2 条。')).toBeTruthy()
    expect(click).toHaveBeenCalled()
    expect(created).toHaveBeenCalled()
    click.mockRestore()
  })

  it('asks for a file before sending anything', async () => {
    const sent = platform(() => jsonResponse(500, {}))
    render(<ImportAdmin />)
    fireEvent.click(screen.getByTestId('import-form-submit'))
    expect(await screen.findByText('请选择要导入的 CSV 文件。')).toBeTruthy()
    expect(sent).toEqual([])
  })
})
