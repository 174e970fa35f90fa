/**
 * Simplified Chinese, the console's first language and the source of the message keys: every
 * other language must have exactly these keys (checked by the compiler and by i18n.test.ts).
 * `{name}` marks a value filled in at runtime.
 */
import type { IncidentStatus, Outcome, Priority, Role } from '@eldercare/protocols'

/** Keys that the shared vocabulary in protocols/ requires, so a new status cannot go untranslated. */
type VocabularyKeys =
  | `status.${IncidentStatus}`
  | `priority.${Priority}`
  | `outcome.${Outcome}`
  | `role.${Role}`

export const zhCN = {
  'app.title': '智慧养老应急响应 · 值班台',
  'app.skipToQueue': '跳到报警队列',

  'header.language': '切换语言',
  'header.languageOther': 'English',
  'header.sound': '报警声音',
  'header.soundOn': '开',
  'header.soundOff': '关',
  'header.signedInAs': '{name}（{role}）',
  'header.logout': '退出登录',

  'role.operator': '值班员',
  'role.supervisor': '主管',
  'role.admin': '管理员',
  'role.auditor': '审计员',
  'role.responder': '响应人员',

  'login.title': '值班员登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.missingFields': '请输入用户名和密码。',
  'login.invalidCredentials': '用户名或密码错误。',
  'login.rateLimited': '登录失败次数过多，请稍后再试。',
  'login.rateLimitedRetry': '登录失败次数过多，请在 {seconds} 秒后重试。',
  'login.sessionExpired': '登录已失效，请重新登录。',

  'error.network': '无法连接服务器，请检查网络后重试。',
  'error.server': '服务器出错（HTTP {status}），请稍后再试。',
  'error.conflict': '操作未完成：报警状态已变化，可能已被他人处理。',
  'error.forbidden': '您没有执行此操作的权限。',
  'error.notFound': '找不到该报警，可能不在您的辖区内。',
  'error.rateLimited': '请求过于频繁，请稍后再试。',
  'error.invalid': '提交的内容无效。',
  'error.generic': '操作失败。',
  'error.serverSays': '服务器信息：{message}',

  'connection.reconnecting': '断开连接，正在重连…',

  'queue.title': '待处理报警',
  'queue.count': '{count} 条',
  'queue.loading': '正在加载报警列表…',
  'queue.loadFailed': '报警列表加载失败。',
  'queue.retry': '重试',
  'queue.empty': '当前没有待处理的报警。',
  'queue.keyboardHint': '↑ ↓ 选择报警，Enter 查看详情，A 接警',
  'queue.col.priority': '优先级',
  'queue.col.type': '类型',
  'queue.col.resident': '老人',
  'queue.col.location': '地点 / 区域',
  'queue.col.status': '状态',
  'queue.col.opened': '报警时间',
  'queue.col.sla': '接警时限',
  'queue.col.actions': '操作',
  'queue.alarmCount': '共 {count} 次报警',
  'queue.noResident': '未关联老人',

  'sla.overdue': '超时',
  'sla.remainingLabel': '距接警时限还剩 {time}',
  'sla.overdueLabel': '已超过接警时限 {time}',
  'sla.notApplicable': '—',

  'announce.newIncident': '新报警：{priority}，{type}，{resident}，{site}',

  'action.acknowledge': '接警',
  'action.acknowledgeShort': '接警',
  'action.working': '处理中…',
  'action.noneAvailable': '此报警已结束，没有可执行的操作。',
  'action.note': '添加备注',
  'action.noteSubmit': '保存备注',
  'action.noteRequired': '请输入备注内容。',
  'action.resolve': '处置完成',
  'action.outcome': '处置结果',
  'action.outcomePlaceholder': '请选择处置结果',
  'action.outcomeRequired': '请选择处置结果。',
  'action.resolveNote': '处置说明（可选）',
  'action.resolveSubmit': '确认处置完成',
  'action.closeFalseAlarm': '误报关闭',
  'action.closeReason': '误报原因',
  'action.closeReasonRequired': '请填写误报原因。',
  'action.closeSubmit': '确认误报关闭',

  'detail.title': '报警详情',
  'detail.close': '关闭详情',
  'detail.loading': '正在加载详情…',
  'detail.loadFailed': '详情加载失败。',
  'detail.empty': '在左侧队列中选择一条报警以查看详情。',
  'detail.field.id': '编号',
  'detail.field.type': '类型',
  'detail.field.priority': '优先级',
  'detail.field.status': '状态',
  'detail.field.resident': '老人',
  'detail.field.site': '地点',
  'detail.field.area': '区域',
  'detail.field.device': '设备',
  'detail.field.alarmCount': '报警次数',
  'detail.field.openedAt': '报警时间',
  'detail.field.ackDueAt': '接警时限',
  'detail.field.acknowledgedAt': '接警时间',
  'detail.field.acknowledgedBy': '接警人',
  'detail.field.resolvedAt': '结束时间',
  'detail.field.outcome': '处置结果',
  'detail.actions': '操作',
  'detail.timeline': '处置记录',
  'detail.timelineEmpty': '暂无记录。',
  'detail.actorSystem': '系统',

  'timeline.opened': '报警',
  'timeline.alarm': '再次报警',
  'timeline.acknowledged': '接警',
  'timeline.note': '备注',
  'timeline.dispatched': '派单',
  'timeline.arrived': '到场',
  'timeline.resolved': '处置完成',
  'timeline.closed': '误报关闭',
  'timeline.closed_false_alarm': '误报关闭',
  'timeline.escalated': '升级',
  'timeline.command': '设备指令',
  // The same steps named by their action rather than their result, whichever the platform records.
  'timeline.acknowledge': '接警',
  'timeline.dispatch': '派单',
  'timeline.arrive': '到场',
  'timeline.resolve': '处置完成',
  'timeline.close': '误报关闭',

  'incidentType.fall': '跌倒',
  'incidentType.sos': '紧急呼叫',
  'incidentType.smoke': '烟雾',
  'incidentType.gas': '燃气',
  'incidentType.water_leak': '漏水',
  'incidentType.bed_exit': '离床未归',
  'incidentType.inactivity': '长时间无活动',
  'incidentType.wander': '走失',
  'incidentType.door_open': '门磁',
  'incidentType.low_battery': '低电量',
  'incidentType.tamper': '防拆',
  'incidentType.call_request': '呼叫请求',
  'incidentType.offline': '设备离线',
  'incidentType.no_data': '无数据',
  'incidentType.news2': 'NEWS2 预警',

  'status.open': '待响应',
  'status.acknowledged': '已接警',
  'status.dispatched': '已派单',
  'status.on_scene': '已到场',
  'status.resolved': '已处置',
  'status.closed_false_alarm': '误报关闭',

  'priority.P1': '紧急',
  'priority.P2': '高',
  'priority.P3': '中',
  'priority.P4': '低',

  'outcome.handled_by_call': '电话处置',
  'outcome.responder_no_injury': '人员到场，未受伤',
  'outcome.injury_treated_on_site': '现场处理伤情',
  'outcome.ambulance_called': '已呼叫救护车',
  'outcome.hospital_admission': '送医住院',
  'outcome.false_alarm_device': '设备误报',
  'outcome.false_alarm_user': '老人误触',
  'outcome.no_answer_all_well': '未接通，核实平安',
  'outcome.deceased': '已故'
} satisfies Record<VocabularyKeys, string> & Record<string, string>

export type MessageKey = keyof typeof zhCN
export type Messages = Record<MessageKey, string>
