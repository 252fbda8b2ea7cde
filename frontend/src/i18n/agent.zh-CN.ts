/** 中文 texts of the agent pages; `agent.en.ts` has the same keys. */
const agent = {
  agent: {
    title: '项目管理',
  },
}

export type AgentMessages = typeof agent
export default agent
