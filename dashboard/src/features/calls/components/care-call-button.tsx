import { useState } from 'react'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { can } from '../../../lib/permissions.ts'
import { useSession } from '../../auth/session.ts'
import { startCareCall } from '../api/start-care-call.ts'
import { CallPanel } from './call-panel.tsx'

/** "爱的眼睛": a video care call from the resident card to the resident's intercom. */
export function CareCallButton ({ residentId }: { residentId: string }) {
  const { t } = useI18n()
  const [open, setOpen] = useState(false)
  const role = useSession().session?.user.role
  // who may act on incidents may call (the platform checks the same roles)
  if (role === undefined || !can(role, 'incident.act')) return null
  if (open) return <CallPanel place={() => startCareCall(residentId)} onClose={() => { setOpen(false) }} />
  return (
    <button type='button' className='button button--primary' data-testid='care-call-start' onClick={() => { setOpen(true) }}>
      {t('call.careCall')}
    </button>
  )
}
