// Every word the page shows, in English and Simplified Chinese. Keys, not sentences, travel
// between server and page (status steps, response codes, amount problems), so both languages
// read the same event.
export const messages = {
  en: {
    'tab.checkout': 'Checkout', 'tab.history': 'Transactions', 'tab.batch': 'Batch',
    'key.clear': 'Clear', 'key.cancel': 'Cancel', 'key.pay': 'Pay',
    'hint.keyboard': 'Type the amount · Enter pays · Esc cancels · Alt+1/2/3 switch tabs',
    'lang.other': '中文',
    'status.idle': 'Ready', 'status.idleDetail': 'Enter an amount and press Pay',
    'status.busy': 'Working…',
    'step.present-card': 'Present card or scan code', 'step.present-card.detail': 'Tap a card, swipe, or scan the customer’s payment code',
    'step.enter-pin': 'Customer: enter PIN on the PIN pad',
    'hint.tap-chip': 'This card has a chip: tap it instead', 'hint.swipe-unreadable': 'The swipe could not be read: swipe again',
    'hint.scan-unreadable': 'The code could not be read: scan again', 'hint.chip-failed': 'The chip could not be used: swipe the card',
    'step.reading-card': 'Reading card — keep it still', 'step.remove-card': 'Remove card',
    'step.processing': 'Processing…', 'step.connecting': 'Contacting host…', 'step.reversing': 'Reversing…',
    'step.approved': 'Approved', 'step.declined': 'Declined', 'step.failed': 'Not completed', 'step.cancelled': 'Cancelled',
    'result.approved': 'Approved', 'result.declined': 'Declined', 'result.failed': 'Not completed', 'result.reversed': 'Reversed', 'result.cancelled': 'Cancelled', 'result.voided': 'Voided', 'result.reversing': 'Reversing',
    'result.auth': 'Auth code', 'result.rrn': 'RRN',
    'amount.empty': 'Enter an amount', 'amount.format': 'Digits with at most two decimals, like 12.34',
    'amount.zero': 'The amount must be more than zero', 'amount.tooLarge': 'The amount is too large',
    'error.busy': 'A transaction is already in progress', 'error.supervisor': 'Supervisor PIN is wrong', 'error.supervisorLocked': 'Too many wrong supervisor PINs: wait a minute',
    'error.network': 'The terminal did not answer', 'error.request': 'The request was refused',
    'receipt.customer': 'Customer copy', 'receipt.merchant': 'Merchant copy', 'receipt.print': 'Print',
    'col.time': 'Time', 'col.kind': 'Type', 'col.amount': 'Amount', 'col.card': 'Card / code', 'col.tender': 'Tender',
    'col.result': 'Result', 'col.auth': 'Auth', 'col.rrn': 'RRN',
    'kind.sale': 'Sale', 'kind.refund': 'Refund', 'kind.void': 'Void', 'kind.preauth': 'Pre-auth', 'kind.completion': 'Completion', 'kind.balance': 'Balance',
    'tender.card': 'Contactless', 'tender.magstripe': 'Swipe', 'tender.code': 'Payment code',
    'batch.tender.card': 'Card (tap or swipe)',
    'action.void': 'Void', 'action.refund': 'Refund', 'action.receipt': 'Receipt',
    'supervisor.void': 'Void this sale?', 'supervisor.refund': 'Refund this sale?', 'supervisor.amount': 'Refund amount',
    'supervisor.pin': 'Supervisor PIN', 'supervisor.confirm': 'Confirm',
    'batch.close': 'Close batch', 'batch.inBalance': 'Batch closed, in balance', 'batch.outOfBalance': 'Out of balance: {n} transactions uploaded, batch closed',
    'batch.tender': 'Tender', 'batch.sales': 'Sales', 'batch.salesAmount': 'Sales amount', 'batch.refunds': 'Refunds', 'batch.refundsAmount': 'Refund amount', 'batch.empty': 'No transactions in this batch',
    'device.reader': 'Reader', 'device.scanner': 'Scanner', 'device.msr': 'Swipe', 'device.host': 'Host', 'device.pinpad': 'PIN pad',
    'device.ready': 'ready', 'device.gone': 'offline', 'device.busy': 'busy',
    'tester.title': 'Tester', 'tester.card': 'Virtual card', 'tester.stripe': 'Magnetic stripe', 'tester.tap': 'Tap', 'tester.remove': 'Remove', 'tester.swipe': 'Swipe',
    'tester.code': 'Customer code', 'tester.scan': 'Scan', 'tester.pin': 'PIN pad', 'tester.pinEnter': 'Enter PIN', 'tester.pinCancel': 'Cancel PIN',
    'tester.outcome': 'Force outcome (sets the cents)', 'tester.outcomeNone': '— none —', 'tester.fault': 'Host fault', 'tester.faultNone': '— none —', 'tester.done': 'Done',
    'rc.00': 'Approved', 'rc.01': 'Refer to issuer', 'rc.05': 'Do not honour', 'rc.12': 'Invalid transaction', 'rc.13': 'Invalid amount',
    'rc.14': 'Invalid card number', 'rc.25': 'Original not found', 'rc.30': 'Format error', 'rc.41': 'Lost card — keep it', 'rc.43': 'Stolen card — keep it',
    'rc.51': 'Insufficient funds', 'rc.54': 'Card expired', 'rc.55': 'Incorrect PIN', 'rc.57': 'Not allowed for this card', 'rc.61': 'Over the amount limit',
    'rc.65': 'PIN required — tap again and enter PIN', 'rc.75': 'Too many PIN tries', 'rc.91': 'Issuer unavailable', 'rc.94': 'Duplicate transaction',
    'rc.95': 'Reconciliation error', 'rc.96': 'System error', 'rc.A0': 'Message authentication failed',
    'reason.already-refunded': 'Already refunded: refund the rest instead of voiding', 'reason.amount-exceeds-original': 'More than the original sale', 'reason.cancelled': 'Cancelled by the cashier', 'reason.card-declined': 'The card declined', 'reason.code-not-recognised': 'Not a payment code we accept', 'reason.no-device': 'No reader or scanner for this tender', 'reason.original-not-eligible': 'That transaction cannot be voided or refunded', 'reason.original-not-found': 'Original transaction not found', 'reason.original-settled': 'Already settled: use a refund', 'reason.over-contactless-limit': 'Over the contactless limit: swipe or use another tender', 'reason.pin-cancelled': 'PIN entry cancelled', 'reason.pin-error': 'PIN pad error', 'reason.pin-timeout': 'No PIN entered in time', 'reason.presentment-timeout': 'No card or code presented in time', 'reason.reader-error': 'Card read failed: tap again', 'reason.swipe-unreadable': 'Swipe could not be read: try again', 'reason.terminal-stopped': 'The terminal stopped', 'reason.arpc-failed': 'The card rejected the issuer’s answer: reversed', 'reason.card-removed': 'Card removed too soon: reversed', 'reason.interrupted': 'Interrupted: reversed', 'reason.request-unencodable': 'The request could not be built', 'reason.no-answer': 'No answer from the host: reversed',
  },
  'zh-CN': {
    'tab.checkout': '收银', 'tab.history': '交易记录', 'tab.batch': '结算',
    'key.clear': '清除', 'key.cancel': '取消', 'key.pay': '收款',
    'hint.keyboard': '直接输入金额 · 回车收款 · Esc 取消 · Alt+1/2/3 切换页面',
    'lang.other': 'EN',
    'status.idle': '就绪', 'status.idleDetail': '输入金额后点击收款',
    'status.busy': '处理中…',
    'step.present-card': '请挥卡或出示付款码', 'step.present-card.detail': '挥卡、刷卡，或扫描顾客付款码',
    'step.enter-pin': '请顾客在密码键盘上输入密码',
    'hint.tap-chip': '此卡为芯片卡，请挥卡', 'hint.swipe-unreadable': '刷卡失败，请重刷',
    'hint.scan-unreadable': '付款码读取失败，请重新扫码', 'hint.chip-failed': '芯片无法使用，请刷卡',
    'step.reading-card': '正在读卡，请勿移开', 'step.remove-card': '请移开卡片',
    'step.processing': '交易处理中…', 'step.connecting': '正在连接主机…', 'step.reversing': '正在冲正…',
    'step.approved': '交易成功', 'step.declined': '交易拒绝', 'step.failed': '交易未完成', 'step.cancelled': '已取消',
    'result.approved': '交易成功', 'result.declined': '交易拒绝', 'result.failed': '交易未完成', 'result.reversed': '已冲正', 'result.cancelled': '已取消', 'result.voided': '已撤销', 'result.reversing': '冲正中',
    'result.auth': '授权码', 'result.rrn': '参考号',
    'amount.empty': '请输入金额', 'amount.format': '请输入数字，最多两位小数，如 12.34',
    'amount.zero': '金额必须大于零', 'amount.tooLarge': '金额过大',
    'error.busy': '已有交易在进行中', 'error.supervisor': '主管密码错误', 'error.supervisorLocked': '主管密码错误次数过多，请一分钟后再试',
    'error.network': '终端无响应', 'error.request': '请求被拒绝',
    'receipt.customer': '持卡人存根', 'receipt.merchant': '商户存根', 'receipt.print': '打印',
    'col.time': '时间', 'col.kind': '类型', 'col.amount': '金额', 'col.card': '卡号 / 付款码', 'col.tender': '支付方式',
    'col.result': '结果', 'col.auth': '授权码', 'col.rrn': '参考号',
    'kind.sale': '消费', 'kind.refund': '退货', 'kind.void': '撤销', 'kind.preauth': '预授权', 'kind.completion': '预授权完成', 'kind.balance': '查余额',
    'tender.card': '挥卡', 'tender.magstripe': '刷卡', 'tender.code': '付款码',
    'batch.tender.card': '银行卡（挥卡或刷卡）',
    'action.void': '撤销', 'action.refund': '退货', 'action.receipt': '签购单',
    'supervisor.void': '撤销这笔消费？', 'supervisor.refund': '退货这笔消费？', 'supervisor.amount': '退货金额',
    'supervisor.pin': '主管密码', 'supervisor.confirm': '确认',
    'batch.close': '结算', 'batch.inBalance': '结算完成，对账平', 'batch.outOfBalance': '对账不平：已上送 {n} 笔，结算完成',
    'batch.tender': '支付方式', 'batch.sales': '消费笔数', 'batch.salesAmount': '消费金额', 'batch.refunds': '退货笔数', 'batch.refundsAmount': '退货金额', 'batch.empty': '本批次没有交易',
    'device.reader': '读卡器', 'device.scanner': '扫码枪', 'device.msr': '磁条', 'device.host': '主机', 'device.pinpad': '密码键盘',
    'device.ready': '正常', 'device.gone': '离线', 'device.busy': '忙',
    'tester.title': '测试面板', 'tester.card': '虚拟卡', 'tester.stripe': '磁条卡', 'tester.tap': '挥卡', 'tester.remove': '移卡', 'tester.swipe': '刷卡',
    'tester.code': '顾客付款码', 'tester.scan': '扫码', 'tester.pin': '密码键盘', 'tester.pinEnter': '输入密码', 'tester.pinCancel': '取消输密',
    'tester.outcome': '指定结果（设置金额分位）', 'tester.outcomeNone': '— 无 —', 'tester.fault': '主机故障', 'tester.faultNone': '— 无 —', 'tester.done': '完成',
    'rc.00': '交易成功', 'rc.01': '请联系发卡行', 'rc.05': '发卡行拒绝', 'rc.12': '无效交易', 'rc.13': '无效金额',
    'rc.14': '无效卡号', 'rc.25': '找不到原交易', 'rc.30': '报文格式错误', 'rc.41': '挂失卡，请没收', 'rc.43': '被窃卡，请没收',
    'rc.51': '余额不足', 'rc.54': '卡已过期', 'rc.55': '密码错误', 'rc.57': '持卡人无此交易权限', 'rc.61': '超出金额限制',
    'rc.65': '需要密码，请重新挥卡并输入密码', 'rc.75': '密码错误次数超限', 'rc.91': '发卡行不可用', 'rc.94': '重复交易',
    'rc.95': '对账不平', 'rc.96': '系统故障', 'rc.A0': '报文校验错',
    'reason.already-refunded': '已退货，不能撤销，请对余额退货', 'reason.amount-exceeds-original': '超过原交易金额', 'reason.cancelled': '收银员已取消', 'reason.card-declined': '卡片拒绝', 'reason.code-not-recognised': '不支持的付款码', 'reason.no-device': '没有可用的读卡器或扫码枪', 'reason.original-not-eligible': '该交易不能撤销或退货', 'reason.original-not-found': '找不到原交易', 'reason.original-settled': '已结算，请做退货', 'reason.over-contactless-limit': '超过挥卡限额，请刷卡或换支付方式', 'reason.pin-cancelled': '已取消输入密码', 'reason.pin-error': '密码键盘故障', 'reason.pin-timeout': '输入密码超时', 'reason.presentment-timeout': '等待挥卡或付款码超时', 'reason.reader-error': '读卡失败，请重新挥卡', 'reason.swipe-unreadable': '刷卡失败，请重刷', 'reason.terminal-stopped': '终端已停止', 'reason.arpc-failed': '卡片拒绝发卡行应答，已冲正', 'reason.card-removed': '卡片移开过早，已冲正', 'reason.interrupted': '交易中断，已冲正', 'reason.request-unencodable': '无法组包', 'reason.no-answer': '主机无应答，已冲正',
  },
};

// The terminal's status events carry its English words, not keys. On the card step these say what the
// cashier must do differently; matched by their wording (terminal/terminal.ts present() and inputError()).
const cardStepHints = [
  [/^this card has a chip: tap it instead$/, 'hint.tap-chip'],
  [/^the swipe could not be read: try again$/, 'hint.swipe-unreadable'],
  [/^the scan could not be read: try again$/, 'hint.scan-unreadable'],
  [/: swipe the card$/, 'hint.chip-failed'],
];

/** The key of what a card-step status message asks for, or undefined for the plain "present card" prompt. */
export function cardStepHint(message) {
  return cardStepHints.find(([pattern]) => pattern.test(message ?? ''))?.[1];
}

export function translator(language) {
  const table = messages[language] ?? messages.en;
  return (key, fallback) => table[key] ?? messages.en[key] ?? fallback ?? key;
}
