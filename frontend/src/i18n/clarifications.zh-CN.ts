/** 中文 texts of the bidder's clarifications panel (澄清, 条例 52); `clarifications.en.ts` has the same keys. */
const clarifications = {
  clarifications: {
    title: '评标委员会澄清',
    intro: '澄清仅由评标委员会通过平台书面提出；请在截止时间前作出书面答复，并使用登录证书签名。答复不得改变投标报价或实质性内容。',
    none: '暂无澄清要求',
    refresh: '刷新',
    project: '项目',
    bid: '第{order}号投标',
    askedAt: '提出时间',
    dueAt: '答复截止',
    answeredAt: '答复时间',
    question: '澄清内容',
    yourAnswer: '贵方答复',
    answerLabel: '答复内容（1–5000字）',
    correctionTitle: '算术修正',
    correctionFrom: '修正前报价',
    correctionTo: '修正后报价',
    correctionBasis: '依据',
    accept: '接受修正后的报价',
    refuse: '不接受修正（投标将被否决）',
    chooseAcceptance: '请选择是否接受算术修正',
    acceptedYes: '已接受修正',
    acceptedNo: '未接受修正',
    sign: '签名并提交答复',
    signing: '正在签名…',
    signed: '答复已签名提交',
    noIdentity: '本浏览器中没有登录证书的私钥，无法签名答复。请使用登录所用的证书文件导入后再答复。',
    emptyAnswer: '请填写答复内容',
    tooLong: '答复不能超过5000字',
    kind: {
      question: '澄清',
      abnormally_low: '异常低价说明',
      correction: '算术修正确认',
    },
    status: {
      open: '待答复',
      answered: '已答复',
      expired: '已逾期',
      withdrawn: '已撤回',
    },
  },
}

export type ClarificationMessages = typeof clarifications
export default clarifications
