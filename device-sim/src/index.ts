export { SimDevice, type SimDeviceOptions, type DeviceCredentials } from './sim-device.ts'
export { Household, type HouseholdOptions, vitalsAt } from './household.ts'
