import type { AgentMessages } from './agent.zh-CN'

/** English texts of the agent pages; same keys as agent.zh-CN.ts. */
const agent: AgentMessages = {
  agent: {
    title: 'Projects',
  },
}

export default agent
