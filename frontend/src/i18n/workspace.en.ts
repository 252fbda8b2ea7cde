import type { WorkspaceMessages } from './workspace.zh-CN'

/** English texts of the workspace pages; same keys as workspace.zh-CN.ts. */
const workspace: WorkspaceMessages = {
  workspace: {
    title: 'Bidder workspace',
  },
}

export default workspace
