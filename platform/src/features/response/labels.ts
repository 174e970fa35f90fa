/** Alarm types in the words notifications and the responder page use (Chinese first, the code after). */
const TYPE_ZH: Record<string, string> = {
  fall: '跌倒', sos: '紧急呼叫', smoke: '烟雾', gas: '燃气泄漏', water_leak: '漏水', call_request: '对讲呼叫',
  inactivity: '长时间无活动', bed_exit_not_back: '离床未归', wander: '走失', news2: '生命体征异常'
}
export const typeLabel = (t: string): string => TYPE_ZH[t] ? `${TYPE_ZH[t]} (${t})` : t
