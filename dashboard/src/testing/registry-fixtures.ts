/** A resident and a device as the platform sends them (protocols' ResidentDto, DeviceDto), for tests to vary. */
import type { DeviceDto, ResidentDto } from '@eldercare/protocols'

export function aResident (overrides: Partial<ResidentDto> = {}): ResidentDto {
  return {
    id: 'r1',
    name: '王秀英',
    siteId: 's1',
    siteName: null,
    birthDate: null,
    phone: null,
    capacityLevel: null,
    livesAlone: false,
    conditions: [],
    contacts: [],
    medications: [],
    allergies: [],
    accessNotes: null,
    hasKeySafeCode: false,
    ...overrides
  }
}

export function aDevice (overrides: Partial<DeviceDto> = {}): DeviceDto {
  return {
    id: 'd',
    type: 'fall_detector',
    siteId: 's1',
    residentId: null,
    parentId: null,
    online: true,
    lastSeenAt: null,
    battery: 80,
    rssi: null,
    fw: null,
    createdAt: null,
    ...overrides
  }
}
