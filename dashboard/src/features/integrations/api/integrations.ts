/**
 * Upper platforms' integration accounts (issue 16; administrators, `registry.write`):
 * GET /api/integrations, POST /api/integrations (answers the API token once),
 * POST /api/integrations/:id/disable (the token stops working, the webhook stops).
 */
import { isCreatedIntegrationDto, isIntegrationAccountDto, type CreatedIntegrationDto, type IntegrationAccountDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { checkedDto, listItems } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface NewIntegration {
  name: string
  username: string
  areaId: string
  revealNames?: boolean
  webhookUrl?: string
  webhookSecret?: string
  tokenDays?: number
}

export async function getIntegrations (signal?: AbortSignal): Promise<IntegrationAccountDto[]> {
  return listItems(await apiRequest<unknown>('/api/integrations', { signal }), isIntegrationAccountDto, 'integration account')
}

export function useIntegrations () {
  return useQuery('integrations', getIntegrations)
}

export async function createIntegration (body: NewIntegration): Promise<CreatedIntegrationDto> {
  return checkedDto(await apiRequest<unknown>('/api/integrations', { method: 'POST', body }), isCreatedIntegrationDto, 'new integration account')
}

export async function disableIntegration (id: string): Promise<{ id: string, disabled: boolean }> {
  return apiRequest(`/api/integrations/${pathId(id)}/disable`, { method: 'POST', body: {} })
}

/** How the account reaches the masked MQTT incident feed (docs/supervision.md, gateway/src/integrations.ts). */
export function mqttFeed (username: string, areaId: string): { clientId: string, username: string, topic: string, sandbox: string } {
  return { clientId: `integration:${username}`, username: `integration:${username}`, topic: `care/v1/areas/${areaId}/incidents`, sandbox: `sandbox/${username}/#` }
}
