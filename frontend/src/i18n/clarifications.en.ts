import type { ClarificationMessages } from './clarifications.zh-CN'

/** English texts of the bidder's clarifications panel; same keys as clarifications.zh-CN.ts. */
const clarifications: ClarificationMessages = {
  clarifications: {
    title: 'Clarifications asked by the evaluation committee',
    intro:
      'Only the committee asks, in writing, through the platform. Answer before the deadline, signed with your login certificate. An answer may not change the price or the substance of the bid.',
    none: 'No clarification has been asked',
    refresh: 'Refresh',
    project: 'Project',
    bid: 'Bid #{order}',
    askedAt: 'Asked',
    dueAt: 'Answer by',
    answeredAt: 'Answered',
    question: 'Question',
    yourAnswer: 'Your answer',
    answerLabel: 'Answer (1–5000 characters)',
    correctionTitle: 'Arithmetic correction',
    correctionFrom: 'Price before',
    correctionTo: 'Corrected price',
    correctionBasis: 'Rule',
    accept: 'Accept the corrected price',
    refuse: 'Do not accept (the bid will be rejected)',
    chooseAcceptance: 'Choose whether you accept the correction',
    acceptedYes: 'Correction accepted',
    acceptedNo: 'Correction not accepted',
    sign: 'Sign and send the answer',
    signing: 'Signing…',
    signed: 'Answer signed and sent',
    noIdentity:
      "This browser does not hold the login certificate's private key, so the answer cannot be signed. Import the certificate file you logged in with, then answer.",
    emptyAnswer: 'Write an answer',
    tooLong: 'The answer may have at most 5000 characters',
    kind: {
      question: 'Clarification',
      abnormally_low: 'Explanation of a low price',
      correction: 'Confirm a correction',
    },
    status: {
      open: 'Open',
      answered: 'Answered',
      expired: 'Expired',
      withdrawn: 'Withdrawn',
    },
  },
}

export default clarifications
